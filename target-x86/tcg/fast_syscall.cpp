#include "target-x86/tcg/fast_syscall.h"

#include <utility>

#include "target-x86/tcg/cpu_mode.h"
#include "target-x86/tcg/exceptions.h"

namespace kemu::x86 {
namespace {

// The flat 4 GiB segments these instructions load without reading the GDT.
Segment flat_segment(uint16_t selector, bool code, unsigned dpl, bool l) {
    Segment seg;
    seg.selector = selector;
    seg.base = 0;
    seg.limit = 0xffffffff;
    seg.type = code ? 0xb : 0x3;
    seg.s = true;
    seg.dpl = uint8_t(dpl);
    seg.present = true;
    seg.l = code && l;
    seg.db = !seg.l;
    seg.g = true;
    return seg;
}

[[noreturn]] void gp0(SysContext& ctx) {
    raise_exception(ctx, vec::GP, 0);
}

}  // namespace

void syscall(X86CpuState& s, SysContext&, uint64_t next_rip) {
    uint16_t sel = (s.msr.star >> 32) & 0xffff;
    s.regs[RCX] = next_rip;
    s.regs[R11] = s.rflags;
    s.rflags = (s.rflags & ~s.msr.fmask & ~rflag::RF) | rflag::FIXED1;
    s.seg[CS] = flat_segment(sel & 0xfffc, true, 0, true);
    s.seg[SS] = flat_segment(uint16_t((sel + 8) & 0xfffc), false, 0, false);
    s.rip = s.msr.lstar;
}

void sysret(X86CpuState& s, SysContext& ctx, unsigned op_size) {
    if (cpl(s) != 0) gp0(ctx);
    bool to64 = op_size == 8;
    if (to64 && !is_canonical(s.regs[RCX])) gp0(ctx);
    uint16_t base = (s.msr.star >> 48) & 0xffff;
    uint16_t cs = to64 ? uint16_t(base + 16) : base;
    s.seg[CS] = flat_segment(cs | 3, true, 3, to64);
    s.seg[SS] = flat_segment(uint16_t((base + 8) | 3), false, 3, false);
    s.rip = to64 ? s.regs[RCX] : s.regs[RCX] & 0xffffffff;
    s.rflags = (s.regs[R11] & 0x3c7fd7) | rflag::FIXED1;
}

void sysenter(X86CpuState& s, SysContext& ctx) {
    uint16_t sel = s.msr.sysenter_cs & 0xffff;
    if (!protected_mode(s) || (sel & 0xfffc) == 0) gp0(ctx);
    bool ia32e = long_mode(s);
    s.rflags &= ~(rflag::VM | rflag::IF | rflag::RF);
    s.seg[CS] = flat_segment(sel & 0xfffc, true, 0, ia32e);
    s.seg[SS] = flat_segment(uint16_t((sel + 8) & 0xfffc), false, 0, false);
    s.regs[RSP] = ia32e ? s.msr.sysenter_esp : s.msr.sysenter_esp & 0xffffffff;
    s.rip = ia32e ? s.msr.sysenter_eip : s.msr.sysenter_eip & 0xffffffff;
}

void sysexit(X86CpuState& s, SysContext& ctx, unsigned op_size) {
    uint16_t sel = s.msr.sysenter_cs & 0xffff;
    if (!protected_mode(s) || (sel & 0xfffc) == 0 || cpl(s) != 0) gp0(ctx);
    bool to64 = op_size == 8;
    if (to64 && (!is_canonical(s.regs[RDX]) || !is_canonical(s.regs[RCX]))) gp0(ctx);
    uint16_t cs = uint16_t(sel + (to64 ? 32 : 16));
    s.seg[CS] = flat_segment(cs | 3, true, 3, to64);
    s.seg[SS] = flat_segment(uint16_t((cs + 8) | 3), false, 3, false);
    s.regs[RSP] = to64 ? s.regs[RCX] : s.regs[RCX] & 0xffffffff;
    s.rip = to64 ? s.regs[RDX] : s.regs[RDX] & 0xffffffff;
}

void swapgs(X86CpuState& s, SysContext& ctx) {
    if (cpl(s) != 0) gp0(ctx);
    std::swap(s.seg[GS].base, s.msr.kernel_gs_base);
}

}  // namespace kemu::x86
