// Segment-register loads by MOV/POP (SDM vol. 2 MOV, POP pseudo-code), LLDT, LTR and the
// selector queries LAR/LSL/VERR/VERW. CS is loaded only by far transfers (far_transfer.h).
#pragma once

#include <cstdint>

#include "target-x86/cpu_state.h"
#include "target-x86/tcg/sys_context.h"

namespace kemu::x86 {

// MOV/POP to DS, ES, FS, GS or SS in any mode. Raises #GP/#NP/#SS and leaves `s` unchanged
// on a fault. Loading SS also starts the one-instruction interrupt shadow: that is the caller's.
void load_segment(X86CpuState& s, SysContext& ctx, SegReg reg, uint16_t selector);

// LLDT and LTR (CPL 0, protected mode; the decoder raises #UD in real and vm86 mode).
void load_ldt(X86CpuState& s, SysContext& ctx, uint16_t selector);
void load_tr(X86CpuState& s, SysContext& ctx, uint16_t selector);

// LAR/LSL: ZF and, when ZF is set, the value to write to the destination.
struct SelectorQuery {
    bool zf = false;
    uint32_t value = 0;
};
SelectorQuery lar(const X86CpuState& s, SysContext& ctx, uint16_t selector);
SelectorQuery lsl(const X86CpuState& s, SysContext& ctx, uint16_t selector);
// VERR/VERW: the new ZF.
bool verr(const X86CpuState& s, SysContext& ctx, uint16_t selector);
bool verw(const X86CpuState& s, SysContext& ctx, uint16_t selector);

}  // namespace kemu::x86
