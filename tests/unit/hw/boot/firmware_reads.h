// What the boot tests read the way firmware does: fw_cfg items through the selector and
// data ports SeaBIOS polls, and the byte sums ACPI checksums are defined by.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "tests/unit/hw/devices/device_harness.h"

namespace kemu::test {

inline constexpr uint16_t kFwCfgSelectorPort = 0x510;
inline constexpr uint16_t kFwCfgDataPort = 0x511;

// Selects item `key` and reads `n` bytes of it, one data-port access a byte.
inline std::vector<uint8_t> read_fw_cfg_item(PortBus& bus, uint16_t key, size_t n) {
    bus.outw(kFwCfgSelectorPort, key);
    std::vector<uint8_t> out;
    for (size_t i = 0; i < n; i++)
        out.push_back(bus.inb(kFwCfgDataPort));
    return out;
}

// The 8-bit sum of `n` bytes: zero over a table whose checksum byte is right.
inline uint8_t byte_sum(const uint8_t* p, size_t n) {
    uint8_t s = 0;
    while (n--)
        s = uint8_t(s + *p++);
    return s;
}

}  // namespace kemu::test
