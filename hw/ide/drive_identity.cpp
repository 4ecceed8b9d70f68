#include "hw/ide/drive_identity.h"

#include "hw/ide/identify_data.h"

namespace kemu::ide {

namespace {

constexpr uint16_t kWwnSupported = 1 << 8;  // words 84 and 87, bit 8

}  // namespace

const std::string& DriveIdentity::version_or_default() const {
    static const std::string kDefault = kDefaultVersion;
    return version.empty() ? kDefault : version;
}

void DriveIdentity::fill(IdentifyData& id, const char* default_model) const {
    id.set_string(10, 10, serial);
    id.set_string(23, 4, version_or_default());
    id.set_string(27, 20, model.empty() ? std::string(default_model) : model);
    if (wwn) {
        id[84] |= kWwnSupported;
        id[87] |= kWwnSupported;
        // Word 108 holds the most significant 16 bits (the NAA nibble first).
        for (unsigned i = 0; i < 4; i++)
            id[108 + i] = uint16_t(wwn >> (48 - 16 * i));
    }
    id[217] = rotation_rate;
}

}  // namespace kemu::ide
