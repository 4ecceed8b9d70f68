// I/O breakpoints (SDM vol. 3 17.2.4 and 17.2.5): with CR4.DE set, a DR7 R/W field of 10b
// makes DR0-DR3 watch I/O ports instead of memory. IN, OUT, INS and OUTS that touch a
// watched port range set its DR6 B bit and trap with #DB after the instruction, like a data
// breakpoint. Without CR4.DE the encoding is undefined and kemu ignores it.
#pragma once

#include <cstdint>

#include "target-x86/cpu_state.h"

namespace kemu::x86 {

// DR6 B0-B3 bits of the enabled I/O breakpoints an access of `size` bytes at `port` overlaps.
uint64_t io_breakpoint_hits(const X86CpuState& s, uint16_t port, unsigned size);

}  // namespace kemu::x86
