// The two ends every Device::load() shares: the version gate and the verdict. Fields are
// read in place (see state_fields in state_io.h), so a stream that turns out short, long or
// invalid resets the device instead of leaving it half loaded.
#pragma once

#include <cstdint>

#include "hw/core/device.h"
#include "hw/core/state_io.h"
#include "system/error.h"

namespace kemu {

// State saved by a newer kemu than this one cannot be read.
inline Result<void> check_state_version(const Device& device, uint32_t version) {
    if (version > device.state_version())
        return Error(device.name() + ": unsupported state version");
    return ok();
}

// Ok when the whole stream was read and `valid` (the device's own checks of the values);
// otherwise the device is reset and the load fails.
inline Result<void> finish_load(Device& device, const StateReader& in, bool valid = true) {
    if (in.failed() || !in.at_end() || !valid) {
        device.reset();
        return Error(device.name() + ": malformed device state");
    }
    return ok();
}

}  // namespace kemu
