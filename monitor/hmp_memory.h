// The x/xp memory dump in QEMU's layout: each line is the 16-digit address, a
// colon, then one space-separated value per unit; 8 bytes per line for byte
// units and 16 for wider ones.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "monitor/hmp_args.h"

namespace kemu {

using MemoryReader = std::function<bool(uint64_t addr, std::span<uint8_t> out)>;

// Upper bound of one dump, so a mistyped count cannot flood the monitor for minutes.
inline constexpr uint64_t kMaxDumpBytes = 1 << 20;

// Emits the dump line by line through `out`. A line that cannot be read prints
// " Cannot access memory" after its address and ends the dump.
void dump_memory(const MemoryFormat& format, uint64_t addr, const MemoryReader& read,
                 const std::function<void(std::string_view)>& out);

// One value as the dump shows it (without the separating space).
std::string format_memory_value(char format, unsigned unit, uint64_t value);

// One value as `print /f` shows it (QEMU's layout): `x` and `o` with C's prefix (0x1f,
// 017; zero is 0), `u` unsigned, `c` the low byte as a character, and `d` (also for any
// other format) signed at 64 bits.
std::string format_print_value(char format, uint64_t value);

}  // namespace kemu
