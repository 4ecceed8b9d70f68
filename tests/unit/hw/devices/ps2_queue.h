// What a PS/2 device has queued for the host, read out the way the 8042 would take it.
#pragma once

#include <cstdint>
#include <vector>

#include "hw/input/ps2_device.h"

namespace kemu::test {

inline std::vector<uint8_t> drain(Ps2Device& device) {
    std::vector<uint8_t> out;
    while (device.has_data())
        out.push_back(device.read());
    return out;
}

}  // namespace kemu::test
