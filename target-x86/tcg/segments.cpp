#include "target-x86/tcg/segments.h"

#include <algorithm>

#include "target-x86/tcg/cpu_mode.h"
#include "target-x86/tcg/descriptor.h"
#include "target-x86/tcg/exceptions.h"

namespace kemu::x86 {
namespace {

[[noreturn]] void gp(SysContext& ctx, uint16_t selector) {
    raise_exception(ctx, vec::GP, selector_error(selector));
}

void load_stack_segment(X86CpuState& s, SysContext& ctx, uint16_t selector) {
    unsigned rpl = selector & 3;
    unsigned c = cpl(s);
    if ((selector & 0xfffc) == 0) {
        // 64-bit mode allows a NULL SS below CPL 3 (SYSCALL and interrupts produce one).
        if (code64(s) && c != 3 && rpl == c) {
            s.seg[SS] = null_segment(selector, uint8_t(c));
            return;
        }
        raise_exception(ctx, vec::GP, 0);
    }
    auto d = fetch_descriptor(s, ctx, selector);
    if (!d) gp(ctx, selector);
    if (rpl != c || !d->writable_data() || d->dpl() != c) gp(ctx, selector);
    if (!d->present()) raise_exception(ctx, vec::SS, selector_error(selector));
    mark_accessed(ctx, *d);
    s.seg[SS] = segment_from_descriptor(selector, *d);
}

void load_data_segment(X86CpuState& s, SysContext& ctx, SegReg reg, uint16_t selector) {
    if ((selector & 0xfffc) == 0) {
        s.seg[reg] = null_segment(selector);
        return;
    }
    auto d = fetch_descriptor(s, ctx, selector);
    if (!d || !d->s() || !d->readable()) gp(ctx, selector);
    if (!d->conforming_code() && ((selector & 3) > d->dpl() || cpl(s) > d->dpl()))
        gp(ctx, selector);
    if (!d->present()) raise_exception(ctx, vec::NP, selector_error(selector));
    mark_accessed(ctx, *d);
    s.seg[reg] = segment_from_descriptor(selector, *d);
}

// A system descriptor that LLDT/LTR may load: GDT only, 16 bytes in IA-32e mode.
Descriptor fetch_system_descriptor(X86CpuState& s, SysContext& ctx, uint16_t selector) {
    if (cpl(s) != 0) raise_exception(ctx, vec::GP, 0);
    if (selector & 4) gp(ctx, selector);
    auto d = fetch_descriptor(s, ctx, selector, long_mode(s));
    if (!d) gp(ctx, selector);
    return *d;
}

// Whether a selector may be examined by LAR/LSL/VERR/VERW at the current privilege
// (conforming code segments are visible from any level).
std::optional<Descriptor> visible_descriptor(const X86CpuState& s, SysContext& ctx,
                                             uint16_t selector) {
    if ((selector & 0xfffc) == 0) return std::nullopt;
    auto d = fetch_descriptor(s, ctx, selector);
    if (!d) return std::nullopt;
    if (d->conforming_code()) return d;
    if (d->dpl() < std::max(cpl(s), unsigned(selector & 3))) return std::nullopt;
    return d;
}

// System types LAR and LSL accept (SDM vol. 2 LAR, LSL); IA-32e mode narrows both.
bool lar_system_type_ok(uint8_t type, bool ia32e) {
    constexpr uint16_t legacy = 0b0001'1010'0011'1110;  // 1,2,3,4,5,9,11,12
    constexpr uint16_t wide = 0b0001'1010'0000'0100;    // 2,9,11,12
    return ((ia32e ? wide : legacy) >> type) & 1;
}

bool lsl_system_type_ok(uint8_t type, bool ia32e) {
    constexpr uint16_t legacy = 0b0000'1010'0000'1110;  // 1,2,3,9,11
    constexpr uint16_t wide = 0b0000'1010'0000'0100;    // 2,9,11
    return ((ia32e ? wide : legacy) >> type) & 1;
}

}  // namespace

void load_segment(X86CpuState& s, SysContext& ctx, SegReg reg, uint16_t selector) {
    if (!protected_mode(s)) {
        s.seg[reg] = real_mode_segment(s.seg[reg], selector);
        return;
    }
    if (s.rflags & rflag::VM) {
        s.seg[reg] = vm86_segment(selector, false);
        return;
    }
    if (reg == SS)
        load_stack_segment(s, ctx, selector);
    else
        load_data_segment(s, ctx, reg, selector);
}

void load_ldt(X86CpuState& s, SysContext& ctx, uint16_t selector) {
    if ((selector & 0xfffc) == 0) {
        if (cpl(s) != 0) raise_exception(ctx, vec::GP, 0);
        s.ldt = null_segment(selector);
        return;
    }
    Descriptor d = fetch_system_descriptor(s, ctx, selector);
    if (d.s() || d.type() != systype::LDT) gp(ctx, selector);
    if (!d.present()) raise_exception(ctx, vec::NP, selector_error(selector));
    if (long_mode(s) && !is_canonical(d.base())) gp(ctx, selector);
    s.ldt = segment_from_descriptor(selector, d);
}

void load_tr(X86CpuState& s, SysContext& ctx, uint16_t selector) {
    if ((selector & 0xfffc) == 0) raise_exception(ctx, vec::GP, 0);
    Descriptor d = fetch_system_descriptor(s, ctx, selector);
    bool available =
        d.type() == systype::TSS32_AVAIL || (!long_mode(s) && d.type() == systype::TSS16_AVAIL);
    if (d.s() || !available) gp(ctx, selector);
    if (!d.present()) raise_exception(ctx, vec::NP, selector_error(selector));
    if (long_mode(s) && !is_canonical(d.base())) gp(ctx, selector);
    set_tss_busy(ctx, d, true);
    s.tr = segment_from_descriptor(selector, d);
}

SelectorQuery lar(const X86CpuState& s, SysContext& ctx, uint16_t selector) {
    auto d = visible_descriptor(s, ctx, selector);
    if (!d || (!d->s() && !lar_system_type_ok(d->type(), long_mode(s)))) return {};
    // Bits 19:16 are undefined in the SDM; we return them as 0, like the high limit bits
    // of the access-rights mask 00FxFF00H with x = 0.
    return {true, uint32_t(d->raw >> 32) & 0x00f0ff00};
}

SelectorQuery lsl(const X86CpuState& s, SysContext& ctx, uint16_t selector) {
    auto d = visible_descriptor(s, ctx, selector);
    if (!d || (!d->s() && !lsl_system_type_ok(d->type(), long_mode(s)))) return {};
    return {true, d->limit()};
}

bool verr(const X86CpuState& s, SysContext& ctx, uint16_t selector) {
    auto d = visible_descriptor(s, ctx, selector);
    return d && d->s() && d->readable();
}

bool verw(const X86CpuState& s, SysContext& ctx, uint16_t selector) {
    auto d = visible_descriptor(s, ctx, selector);
    return d && d->writable_data();
}

}  // namespace kemu::x86
