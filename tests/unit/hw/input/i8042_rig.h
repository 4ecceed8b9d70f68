// An 8042 on ports 0x60 and 0x64, as the guest drives it, for the tests of host input
// that arrives faster than the guest reads it.
#pragma once

#include <cstdint>

#include "hw/input/i8042.h"
#include "tests/unit/hw/devices/device_harness.h"

namespace kemu::test {

struct I8042Rig {
    static constexpr uint16_t kData = 0x60;
    static constexpr uint16_t kCmd = 0x64;
    static constexpr uint8_t kStatusOutputFull = 0x01;
    static constexpr uint8_t kStatusMouseData = 0x20;

    I8042Rig() {
        h.map(kData, kbc.data_io());
        h.map(kCmd, kbc.command_io());
    }

    bool output_full() { return h.inb(kCmd) & kStatusOutputFull; }

    DeviceHarness h;
    I8042 kbc{"i8042", nullptr, nullptr};
};

}  // namespace kemu::test
