// IoOps for a register window whose handlers take every access the guest may make as it
// comes: no splitting or widening by the dispatcher, so `valid` and `impl` are the same.
#pragma once

#include <cstdint>
#include <functional>
#include <utility>

#include "system/memory_region.h"

namespace kemu {

inline IoOps whole_access_ops(
    std::function<uint64_t(uint64_t offset, unsigned size)> read,
    std::function<void(uint64_t offset, uint64_t value, unsigned size)> write, AccessSizes sizes) {
    return IoOps{.read = std::move(read), .write = std::move(write), .valid = sizes, .impl = sizes};
}

}  // namespace kemu
