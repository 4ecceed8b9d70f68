// Numbers in messages: lower-case hexadecimal without a prefix ("1f"), as QEMU prints
// addresses and offsets in its errors and logs.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace kemu {

inline std::string hex(uint64_t value) {
    char buf[20];
    std::snprintf(buf, sizeof buf, "%llx", (unsigned long long)value);
    return buf;
}

}  // namespace kemu
