// Guest page-table walk for debugger-style reads (monitor `x`, later the gdb stub):
// no A/D updates, no faults, no permission checks. TCG's walk with fault semantics
// will live beside it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "target-x86/cpu_state.h"

namespace kemu {

// Reads one little-endian 4- or 8-byte page-table entry at a guest-physical address.
using PhysRead = std::function<std::optional<uint64_t>(uint64_t paddr, unsigned size)>;

// Guest-physical address of `vaddr` under the paging mode `s` is in, or nullopt
// when it is not mapped. Handles no paging, 32-bit (with PSE), PAE and 4-level.
std::optional<uint64_t> debug_translate(const X86CpuState& s, uint64_t vaddr, const PhysRead& read);

}  // namespace kemu
