// What a drive tells the host about itself in IDENTIFY (PACKET) DEVICE, and an ATAPI drive
// in INQUIRY: the -device ide-hd/ide-cd properties serial=, model=, ver=, wwn= and
// rotation_rate= (also as -global ide-hd.model=...). Strings longer than their ATA field
// are cut to it, as on QEMU's drives.
#pragma once

#include <cstdint>
#include <string>

namespace kemu::ide {

class IdentifyData;

struct DriveIdentity {
    std::string serial;          // words 10-19 (20 characters)
    std::string model;           // words 27-46 (40 characters); empty: the drive kind's default
    std::string version;         // firmware revision, words 23-26 (8); empty: kDefaultVersion
    uint64_t wwn = 0;            // world wide name, words 108-111; 0: none reported
    uint16_t rotation_rate = 0;  // word 217: 0 not reported, 1 non-rotating medium, else rpm

    static constexpr const char* kDefaultVersion = "2.5+";
    const std::string& version_or_default() const;
    // Words 10-19, 23-46, the WWN words with their support bits in words 84 and 87 (ACS-3
    // 7.12.7), and word 217. `default_model` stands in for an empty `model`.
    void fill(IdentifyData& id, const char* default_model) const;
};

}  // namespace kemu::ide
