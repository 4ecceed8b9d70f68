#include "target-x86/tcg/far_transfer.h"

#include <array>
#include <vector>

#include "system/log.h"

#include "target-x86/tcg/cpu_mode.h"
#include "target-x86/tcg/descriptor.h"
#include "target-x86/tcg/exceptions.h"
#include "target-x86/tcg/stack.h"
#include "target-x86/tcg/tss.h"

namespace kemu::x86 {
namespace {

enum class Transfer : uint8_t { Jmp, Call };

[[noreturn]] void gp(SysContext& ctx, uint16_t selector) {
    raise_exception(ctx, vec::GP, selector_error(selector));
}

uint64_t size_mask(unsigned size) {
    return size == 8 ? ~0ull : size == 4 ? 0xffffffffull : 0xffffull;
}

bool targets_64bit(const X86CpuState& s, const Descriptor& code) {
    return long_mode(s) && code.l();
}

// #GP(0) unless `rip` is a valid instruction pointer in `code` (canonical in 64-bit mode,
// within the limit otherwise).
void check_target(const X86CpuState& s, SysContext& ctx, const Descriptor& code, uint64_t rip) {
    bool ok = targets_64bit(s, code) ? is_canonical(rip) : rip <= code.limit();
    if (!ok) raise_exception(ctx, vec::GP, 0);
}

void commit_code_segment(X86CpuState& s, SysContext& ctx, Descriptor code, uint16_t selector,
                         unsigned rpl) {
    mark_accessed(ctx, code);
    s.seg[CS] = segment_from_descriptor(uint16_t((selector & 0xfffc) | rpl), code);
}

// Real-address and virtual-8086 mode: selector:offset with no descriptor.
void transfer_unprotected(X86CpuState& s, SysContext& ctx, Transfer kind, uint16_t selector,
                          uint64_t offset, unsigned op_size, uint64_t next_rip) {
    offset &= size_mask(op_size);
    if (offset > s.seg[CS].limit && !vm86_mode(s)) raise_exception(ctx, vec::GP, 0);
    if (vm86_mode(s) && offset > 0xffff) raise_exception(ctx, vec::GP, 0);
    if (kind == Transfer::Call) {
        LocalStack st(ctx, s.seg[SS], s.regs[RSP], stack_addr_size(s.seg[SS], false),
                      Priv::Current);
        st.push(s.seg[CS].selector, op_size);
        st.push(next_rip, op_size);
        s.regs[RSP] = st.merged_rsp(s.regs[RSP]);
    }
    s.seg[CS] =
        vm86_mode(s) ? vm86_segment(selector, true) : real_mode_segment(s.seg[CS], selector);
    s.rip = offset;
}

// The privilege rules for JMP/CALL straight to a code segment.
void check_direct_code(const X86CpuState& s, SysContext& ctx, uint16_t selector,
                       const Descriptor& code) {
    unsigned c = cpl(s);
    bool ok = code.conforming_code() ? code.dpl() <= c : ((selector & 3) <= c && code.dpl() == c);
    if (!ok) gp(ctx, selector);
    if (!code.present()) raise_exception(ctx, vec::NP, selector_error(selector));
    if (long_mode(s) && code.l() && code.db()) gp(ctx, selector);
}

void transfer_to_code(X86CpuState& s, SysContext& ctx, Transfer kind, uint16_t selector,
                      const Descriptor& code, uint64_t offset, unsigned op_size,
                      uint64_t next_rip) {
    check_direct_code(s, ctx, selector, code);
    offset &= size_mask(op_size);
    check_target(s, ctx, code, offset);
    unsigned c = cpl(s);
    if (kind == Transfer::Call) {
        LocalStack st(ctx, s.seg[SS], s.regs[RSP], stack_addr_size(s.seg[SS], code64(s)),
                      Priv::Current);
        st.push(s.seg[CS].selector, op_size);
        st.push(next_rip, op_size);
        s.regs[RSP] = st.merged_rsp(s.regs[RSP]);
    }
    commit_code_segment(s, ctx, code, selector, c);
    s.rip = offset;
}

// CALL through a gate to a more privileged non-conforming segment (SDM vol. 3 5.8.5).
void call_gate_inner(X86CpuState& s, SysContext& ctx, const Descriptor& gate, uint16_t code_sel,
                     const Descriptor& code, uint64_t target, uint64_t next_rip) {
    unsigned new_cpl = code.dpl();
    unsigned width = long_mode(s) ? 8 : (gate.type() & 8) ? 4 : 2;
    Segment new_ss;
    uint64_t new_sp;
    uint32_t fault = 0;
    if (long_mode(s)) {
        new_sp = tss64_stack(s, ctx, new_cpl, 0, false);
        new_ss = null_segment(uint16_t(new_cpl), uint8_t(new_cpl));
    } else {
        InnerStack in = tss_inner_stack(s, ctx, new_cpl, false);
        new_ss = load_inner_stack_segment(s, ctx, in.ss, new_cpl, false);
        new_sp = in.sp;
        fault = selector_error(in.ss);
    }
    // Parameters come from the caller's stack, read at the caller's privilege.
    std::vector<uint64_t> params;
    if (!long_mode(s)) {
        LocalStack old(ctx, s.seg[SS], s.regs[RSP], stack_addr_size(s.seg[SS], false),
                       Priv::Current);
        for (unsigned i = gate.gate_param_count(); i-- > 0;)
            params.push_back(old.peek(uint64_t(i) * width, width));
    }
    LocalStack st(ctx, new_ss, new_sp, stack_addr_size(new_ss, long_mode(s)), Priv::Supervisor,
                  fault);
    st.push(s.seg[SS].selector, width);
    st.push(s.regs[RSP], width);
    for (uint64_t p : params)
        st.push(p, width);
    st.push(s.seg[CS].selector, width);
    st.push(next_rip, width);

    new_ss.dpl = uint8_t(new_cpl);
    s.seg[SS] = new_ss;
    s.regs[RSP] = st.sp();
    commit_code_segment(s, ctx, code, code_sel, new_cpl);
    s.rip = target;
}

void transfer_through_call_gate(X86CpuState& s, SysContext& ctx, Transfer kind, uint16_t gate_sel,
                                const Descriptor& gate, uint64_t next_rip) {
    unsigned c = cpl(s);
    if (gate.dpl() < c || (gate_sel & 3) > gate.dpl()) gp(ctx, gate_sel);
    if (!gate.present()) raise_exception(ctx, vec::NP, selector_error(gate_sel));
    // The upper half of a 64-bit call gate must hold type 0 (SDM vol. 3 5.8.3.1).
    if (long_mode(s) && ((gate.high >> 40) & 0x1f) != 0) gp(ctx, gate_sel);

    uint16_t code_sel = gate.gate_selector();
    if ((code_sel & 0xfffc) == 0) raise_exception(ctx, vec::GP, 0);
    auto code = fetch_descriptor(s, ctx, code_sel);
    if (!code || !code->is_code() || code->dpl() > c) gp(ctx, code_sel);
    if (kind == Transfer::Jmp && !code->conforming_code() && code->dpl() != c) gp(ctx, code_sel);
    if (!code->present()) raise_exception(ctx, vec::NP, selector_error(code_sel));
    if (long_mode(s) && !(code->l() && !code->db())) gp(ctx, code_sel);

    uint64_t target = gate.gate_offset();
    if (!long_mode(s)) target &= (gate.type() & 8) ? 0xffffffffull : 0xffffull;
    check_target(s, ctx, *code, target);

    if (kind == Transfer::Call && !code->conforming_code() && code->dpl() < c) {
        call_gate_inner(s, ctx, gate, code_sel, *code, target, next_rip);
        return;
    }
    if (kind == Transfer::Call) {
        unsigned width = long_mode(s) ? 8 : (gate.type() & 8) ? 4 : 2;
        LocalStack st(ctx, s.seg[SS], s.regs[RSP], stack_addr_size(s.seg[SS], code64(s)),
                      Priv::Current);
        st.push(s.seg[CS].selector, width);
        st.push(next_rip, width);
        s.regs[RSP] = st.merged_rsp(s.regs[RSP]);
    }
    commit_code_segment(s, ctx, *code, code_sel, c);
    s.rip = target;
}

TaskSwitchResult transfer_to_task(X86CpuState& s, SysContext& ctx, Transfer kind, uint16_t sel,
                                  const Descriptor& d, uint64_t next_rip) {
    if (long_mode(s)) gp(ctx, sel);
    if (d.dpl() < cpl(s) || d.dpl() < (sel & 3)) gp(ctx, sel);
    if (!d.present()) raise_exception(ctx, vec::NP, selector_error(sel));
    auto reason = kind == Transfer::Call ? TaskSwitchReason::Call : TaskSwitchReason::Jmp;
    uint16_t tss_sel = d.type() == systype::TASK_GATE ? d.gate_selector() : sel;
    Descriptor tss = fetch_tss_descriptor(s, ctx, tss_sel, reason, false);
    return task_switch(s, ctx, tss_sel, tss, reason, next_rip);
}

TaskSwitchResult far_transfer(X86CpuState& s, SysContext& ctx, Transfer kind, uint16_t selector,
                              uint64_t offset, unsigned op_size, uint64_t next_rip) {
    if (!protected_mode(s) || vm86_mode(s)) {
        transfer_unprotected(s, ctx, kind, selector, offset, op_size, next_rip);
        return {};
    }
    if ((selector & 0xfffc) == 0) raise_exception(ctx, vec::GP, 0);
    auto d = fetch_descriptor(s, ctx, selector);
    if (!d) gp(ctx, selector);
    if (d->is_code()) {
        transfer_to_code(s, ctx, kind, selector, *d, offset, op_size, next_rip);
        return {};
    }
    if (d->s()) gp(ctx, selector);
    switch (d->type()) {
        case systype::CALL_GATE16:
            if (long_mode(s)) gp(ctx, selector);
            break;
        case systype::CALL_GATE32:
            if (long_mode(s)) {
                d = fetch_descriptor(s, ctx, selector, true);
                if (!d) gp(ctx, selector);
            }
            break;
        case systype::TASK_GATE:
        case systype::TSS16_AVAIL:
        case systype::TSS32_AVAIL:
        case systype::TSS16_BUSY:
        case systype::TSS32_BUSY:
            return transfer_to_task(s, ctx, kind, selector, *d, next_rip);
        default:
            gp(ctx, selector);
    }
    transfer_through_call_gate(s, ctx, kind, selector, *d, next_rip);
    return {};
}

// Checks the CS a RET or IRET returns to (SDM vol. 2 RET "RETURN-TO-SAME/OUTER-PRIVILEGE").
Descriptor check_return_code(const X86CpuState& s, SysContext& ctx, uint16_t selector) {
    if ((selector & 0xfffc) == 0) raise_exception(ctx, vec::GP, 0);
    auto code = fetch_descriptor(s, ctx, selector);
    if (!code || !code->is_code()) gp(ctx, selector);
    unsigned rpl = selector & 3;
    if (rpl < cpl(s)) gp(ctx, selector);
    if (code->conforming_code() ? code->dpl() > rpl : code->dpl() != rpl) gp(ctx, selector);
    if (!code->present()) raise_exception(ctx, vec::NP, selector_error(selector));
    if (long_mode(s) && code->l() && code->db()) gp(ctx, selector);
    return *code;
}

// Checks the SS a return to an outer level (or any IRET in 64-bit mode) pops.
Segment check_return_stack(const X86CpuState& s, SysContext& ctx, uint16_t selector, unsigned rpl,
                           bool target64) {
    if ((selector & 0xfffc) == 0) {
        // 64-bit mode may return to a NULL SS below CPL 3 (SDM vol. 2 IRET, RET).
        if (target64 && rpl != 3) return null_segment(selector, uint8_t(rpl));
        raise_exception(ctx, vec::GP, 0);
    }
    auto d = fetch_descriptor(s, ctx, selector);
    if (!d) gp(ctx, selector);
    if ((selector & 3) != rpl || d->dpl() != rpl || !d->writable_data()) gp(ctx, selector);
    if (!d->present()) raise_exception(ctx, vec::SS, selector_error(selector));
    mark_accessed(ctx, *d);
    return segment_from_descriptor(selector, *d);
}

uint64_t stack_pointer_for(const Segment& ss, bool target64, uint64_t old_rsp, uint64_t sp) {
    if (target64) return sp;
    if (ss.db) return sp & 0xffffffff;
    return (old_rsp & ~0xffffull) | (sp & 0xffff);
}

// Data segment registers the outer level may not use become NULL (SDM vol. 2 RET).
void invalidate_inner_segments(X86CpuState& s) {
    unsigned c = cpl(s);
    for (SegReg r : {ES, DS, FS, GS}) {
        const Segment& g = s.seg[r];
        bool data_or_nc_code = g.s && (!(g.type & 8) || !(g.type & 4));
        if (!g.unusable && data_or_nc_code && g.dpl < c) s.seg[r] = null_segment(0);
    }
}

}  // namespace

TaskSwitchResult far_jmp(X86CpuState& s, SysContext& ctx, uint16_t selector, uint64_t offset,
                         unsigned op_size, uint64_t next_rip) {
    return far_transfer(s, ctx, Transfer::Jmp, selector, offset, op_size, next_rip);
}

TaskSwitchResult far_call(X86CpuState& s, SysContext& ctx, uint16_t selector, uint64_t offset,
                          unsigned op_size, uint64_t next_rip) {
    return far_transfer(s, ctx, Transfer::Call, selector, offset, op_size, next_rip);
}

void far_ret(X86CpuState& s, SysContext& ctx, unsigned op_size, uint16_t pop_bytes) {
    bool mode64 = code64(s);
    LocalStack st(ctx, s.seg[SS], s.regs[RSP], stack_addr_size(s.seg[SS], mode64), Priv::Current);
    uint64_t rip = st.pop(op_size);
    uint16_t cs = st.pop(op_size) & 0xffff;
    if (!protected_mode(s) || vm86_mode(s)) {
        if (rip > s.seg[CS].limit) raise_exception(ctx, vec::GP, 0);
        st.skip(pop_bytes);
        s.regs[RSP] = st.merged_rsp(s.regs[RSP]);
        s.seg[CS] = vm86_mode(s) ? vm86_segment(cs, true) : real_mode_segment(s.seg[CS], cs);
        s.rip = rip;
        return;
    }
    Descriptor code = check_return_code(s, ctx, cs);
    unsigned rpl = cs & 3;
    bool target64 = targets_64bit(s, code);
    check_target(s, ctx, code, rip);
    st.skip(pop_bytes);
    if (rpl == cpl(s)) {
        s.regs[RSP] = st.merged_rsp(s.regs[RSP]);
        commit_code_segment(s, ctx, code, cs, rpl);
        s.rip = rip;
        return;
    }
    uint64_t sp = st.pop(op_size);
    uint16_t ss_sel = st.pop(op_size) & 0xffff;
    Segment ss = check_return_stack(s, ctx, ss_sel, rpl, target64);
    s.regs[RSP] = stack_pointer_for(ss, target64, s.regs[RSP], sp + pop_bytes);
    s.seg[SS] = ss;
    commit_code_segment(s, ctx, code, cs, rpl);
    s.rip = rip;
    invalidate_inner_segments(s);
}

namespace {

// EFLAGS bits IRET may change: everything architectural except VM/VIF/VIP/IOPL/IF, which
// depend on privilege, and the reserved ones.
constexpr uint64_t kIretBase = rflag::CF | rflag::PF | rflag::AF | rflag::ZF | rflag::SF |
                               rflag::TF | rflag::DF | rflag::OF | rflag::NT | rflag::RF |
                               rflag::AC | rflag::ID;

uint64_t merge_flags(uint64_t old, uint64_t popped, uint64_t changeable, unsigned op_size) {
    if (op_size == 2) changeable &= 0xffff;
    return (old & ~changeable) | (popped & changeable) | rflag::FIXED1;
}

void iret_unprotected(X86CpuState& s, SysContext& ctx, unsigned op_size) {
    bool vm86 = vm86_mode(s);
    // CR4.VME's virtual interrupt flag is not implemented: IOPL < 3 traps to the monitor.
    if (vm86 && iopl(s) < 3) {
        if (s.cr4 & cr4bit::VME) log_unimp("vm86 IRET: CR4.VME virtual IF, #GP instead\n");
        raise_exception(ctx, vec::GP, 0);
    }
    LocalStack st(ctx, s.seg[SS], s.regs[RSP], stack_addr_size(s.seg[SS], false), Priv::Current);
    uint64_t rip = st.pop(op_size);
    uint16_t cs = st.pop(op_size) & 0xffff;
    uint64_t flags = st.pop(op_size);
    if (rip > s.seg[CS].limit) raise_exception(ctx, vec::GP, 0);
    uint64_t changeable = kIretBase | rflag::IF | (vm86 ? 0 : rflag::IOPL);
    s.rflags = merge_flags(s.rflags, flags, changeable, op_size);
    s.regs[RSP] = st.merged_rsp(s.regs[RSP]);
    s.seg[CS] = vm86 ? vm86_segment(cs, true) : real_mode_segment(s.seg[CS], cs);
    s.rip = rip;
}

TaskSwitchResult iret_task_return(X86CpuState& s, SysContext& ctx, uint64_t next_rip) {
    if (long_mode(s)) raise_exception(ctx, vec::GP, 0);
    uint16_t link = ctx.read(s.tr.base, 2, Priv::Supervisor);
    Descriptor tss = fetch_tss_descriptor(s, ctx, link, TaskSwitchReason::Iret, false);
    return task_switch(s, ctx, link, tss, TaskSwitchReason::Iret, next_rip);
}

// IRET at CPL 0 with VM set in the popped EFLAGS (SDM vol. 2 IRET "RETURN-TO-VIRTUAL-8086-MODE").
void iret_to_vm86(X86CpuState& s, SysContext& ctx, LocalStack& st, uint64_t rip, uint16_t cs,
                  uint64_t flags) {
    uint64_t sp = st.pop(4);
    std::array<uint16_t, 6> sel{};
    sel[CS] = cs;
    sel[SS] = st.pop(4) & 0xffff;
    for (SegReg r : {ES, DS, FS, GS})
        sel[r] = st.pop(4) & 0xffff;
    if ((rip & 0xffffffff) > 0xffff) raise_exception(ctx, vec::GP, 0);
    s.rflags = (flags & 0xffffffff) | rflag::FIXED1;
    for (unsigned i = 0; i < SEG_COUNT; i++)
        s.seg[i] = vm86_segment(sel[i], i == CS);
    s.regs[RSP] = sp & 0xffffffff;
    s.rip = rip & 0xffff;
}

}  // namespace

TaskSwitchResult iret(X86CpuState& s, SysContext& ctx, unsigned op_size, uint64_t next_rip) {
    if (!protected_mode(s) || vm86_mode(s)) {
        iret_unprotected(s, ctx, op_size);
        return {};
    }
    if (s.rflags & rflag::NT) return iret_task_return(s, ctx, next_rip);

    bool mode64 = code64(s);
    unsigned old_cpl = cpl(s);
    LocalStack st(ctx, s.seg[SS], s.regs[RSP], stack_addr_size(s.seg[SS], mode64), Priv::Current);
    uint64_t rip = st.pop(op_size);
    uint16_t cs = st.pop(op_size) & 0xffff;
    uint64_t flags = st.pop(op_size);
    if ((flags & rflag::VM) && old_cpl == 0 && op_size == 4 && !long_mode(s)) {
        iret_to_vm86(s, ctx, st, rip, cs, flags);
        return {};
    }
    Descriptor code = check_return_code(s, ctx, cs);
    unsigned rpl = cs & 3;
    bool target64 = targets_64bit(s, code);
    bool pops_stack = rpl > old_cpl || mode64;
    Segment ss = s.seg[SS];
    uint64_t sp = 0;
    if (pops_stack) {
        sp = st.pop(op_size);
        uint16_t ss_sel = st.pop(op_size) & 0xffff;
        ss = check_return_stack(s, ctx, ss_sel, rpl, target64);
    }
    check_target(s, ctx, code, rip);

    uint64_t changeable = kIretBase;
    if (old_cpl <= iopl(s)) changeable |= rflag::IF;
    if (old_cpl == 0) changeable |= rflag::IOPL | rflag::VIF | rflag::VIP;
    s.rflags = merge_flags(s.rflags, flags, changeable, op_size);
    s.regs[RSP] =
        pops_stack ? stack_pointer_for(ss, target64, s.regs[RSP], sp) : st.merged_rsp(s.regs[RSP]);
    s.seg[SS] = ss;
    commit_code_segment(s, ctx, code, cs, rpl);
    s.rip = rip;
    if (rpl > old_cpl) invalidate_inner_segments(s);
    return {};
}

}  // namespace kemu::x86
