// -drive, -hda..-hdd, -cdrom and -snapshot: which images the machine opens and how.
// The block layer (block/) does the opening; this is the command-line side.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "block/block_backend.h"
#include "system/error.h"

namespace kemu {

using block::DriveOptions;

enum class DriveInterface { None, Ide, Virtio };

struct DriveSpec {
    std::string id;  // QEMU's default names: ide0-hd0, ide1-cd0, virtio0; required for if=none
    DriveInterface interface = DriveInterface::Ide;
    bool cdrom = false;
    int index = -1;  // -1: the next free one
    DriveOptions options;
    int bootindex = -1;  // -device ide-hd/ide-cd,bootindex=N (system/ide_devices.h); -1: none
    // The IDE drive's -device ide-hd/ide-cd properties with the -global defaults filled in
    // (model=, serial=, ...); the board reads the IDENTIFY data from them.
    std::map<std::string, std::string> device_properties;
};

// "-drive file=x.qcow2,format=qcow2,if=none,id=d0,cache=none,readonly=on".
Result<DriveSpec> parse_drive(std::string_view text);
// -hda/-hdb/-hdc/-hdd (index 0-3) and -cdrom (index 2, read-only media).
DriveSpec legacy_drive(std::string file, int index, bool cdrom);
// Gives drives without an id QEMU's default names and checks ids are unique.
Result<void> assign_drive_ids(std::vector<DriveSpec>& drives);

const char* drive_interface_name(DriveInterface interface);

}  // namespace kemu
