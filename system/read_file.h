// Reading a whole file into memory (kernels, initrds, firmware, fonts).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "system/error.h"

namespace kemu {

// The contents of `path`; an error reads "could not open: <reason>", "read error: <reason>"
// or "larger than <max_bytes> bytes" (callers put the path or option in front).
Result<std::vector<uint8_t>> read_file(const std::string& path, uint64_t max_bytes = UINT64_MAX);

}  // namespace kemu
