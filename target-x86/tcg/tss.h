// The parts of the current TSS that privilege changes read: the inner-level stack pointers of
// a 16/32-bit TSS and the RSPn/IST slots of a 64-bit TSS (SDM vol. 3 7.2.1, 7.7, 6.14.5).
#pragma once

#include <cstdint>

#include "target-x86/cpu_state.h"
#include "target-x86/tcg/sys_context.h"

namespace kemu::x86 {

struct InnerStack {
    uint16_t ss = 0;
    uint64_t sp = 0;
};

// SSn:ESPn (or SPn) of the current 16/32-bit TSS; #TS(TR | ext) when outside the TSS limit.
InnerStack tss_inner_stack(const X86CpuState& s, SysContext& ctx, unsigned dpl, bool ext);

// RSPn, or ISTn when `ist` is non-zero, of the current 64-bit TSS.
uint64_t tss64_stack(const X86CpuState& s, SysContext& ctx, unsigned dpl, unsigned ist, bool ext);

// Checks the stack segment an inner-privilege transfer switches to and returns its cache:
// #TS for a NULL, out-of-table, wrong-RPL, wrong-DPL or non-writable SS, #SS when not present.
Segment load_inner_stack_segment(const X86CpuState& s, SysContext& ctx, uint16_t selector,
                                 unsigned dpl, bool ext);

}  // namespace kemu::x86
