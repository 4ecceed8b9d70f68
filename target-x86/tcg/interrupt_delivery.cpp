#include "target-x86/tcg/interrupt_delivery.h"

#include "system/log.h"

#include "target-x86/tcg/cpu_mode.h"
#include "target-x86/tcg/descriptor.h"
#include "target-x86/tcg/exceptions.h"
#include "target-x86/tcg/stack.h"
#include "target-x86/tcg/tss.h"

namespace kemu::x86 {
namespace {

bool gated_by_dpl(EventKind k) {
    return k == EventKind::SoftwareInt || k == EventKind::SoftwareException;
}

// EXT (error-code bit 0): the event did not come from INT n/INT3/INTO (SDM vol. 3 6.13).
bool external(EventKind k) {
    return !gated_by_dpl(k);
}

uint64_t return_address(const X86CpuState& s, const InterruptEvent& ev) {
    bool software = gated_by_dpl(ev.kind) || ev.kind == EventKind::PrivilegedSoftwareException;
    return software ? ev.next_rip : s.rip;
}

// The RFLAGS image pushed: faults set RF so that IRET does not re-trigger an instruction
// breakpoint on the restarted instruction (SDM vol. 3 18.3.1.1).
uint64_t pushed_flags(const X86CpuState& s, const InterruptEvent& ev) {
    bool fault =
        ev.kind == EventKind::Exception && exception_type(ev.vector) == ExceptionType::Fault;
    return fault ? s.rflags | rflag::RF : s.rflags;
}

void deliver_real_mode(X86CpuState& s, SysContext& ctx, const InterruptEvent& ev) {
    uint32_t off = uint32_t(ev.vector) * 4;
    if (off + 3 > s.idt.limit) raise_exception(ctx, vec::GP, 0);
    uint32_t entry = ctx.read(s.idt.base + off, 4, Priv::Supervisor);
    LocalStack st(ctx, s.seg[SS], s.regs[RSP], stack_addr_size(s.seg[SS], false), Priv::Current);
    st.push(s.rflags & 0xffff, 2);
    st.push(s.seg[CS].selector, 2);
    st.push(return_address(s, ev) & 0xffff, 2);
    s.regs[RSP] = st.merged_rsp(s.regs[RSP]);
    s.seg[CS] = real_mode_segment(s.seg[CS], entry >> 16);
    s.rip = entry & 0xffff;
    s.rflags &= ~(rflag::IF | rflag::TF | rflag::AC);
}

Descriptor read_gate(const X86CpuState& s, SysContext& ctx, const InterruptEvent& ev) {
    bool ia32e = long_mode(s);
    unsigned size = ia32e ? 16 : 8;
    uint32_t idt_err = uint32_t(ev.vector) * 8 + errbit::IDT + (external(ev.kind) ? 1 : 0);
    if (uint32_t(ev.vector) * size + size - 1 > s.idt.limit) raise_exception(ctx, vec::GP, idt_err);
    Descriptor gate;
    gate.addr = s.idt.base + uint64_t(ev.vector) * size;
    gate.raw = ctx.read(gate.addr, 8, Priv::Supervisor);
    if (ia32e) gate.high = ctx.read(gate.addr + 8, 8, Priv::Supervisor);
    uint8_t t = gate.type();
    bool valid = !gate.s() && (t == systype::INT_GATE32 || t == systype::TRAP_GATE32 ||
                               (!ia32e && (t == systype::TASK_GATE || t == systype::INT_GATE16 ||
                                           t == systype::TRAP_GATE16)));
    if (!valid) raise_exception(ctx, vec::GP, idt_err);
    if (gated_by_dpl(ev.kind) && gate.dpl() < cpl(s)) raise_exception(ctx, vec::GP, idt_err);
    if (!gate.present()) raise_exception(ctx, vec::NP, idt_err);
    return gate;
}

TaskSwitchResult deliver_through_task_gate(X86CpuState& s, SysContext& ctx,
                                           const InterruptEvent& ev, const Descriptor& gate) {
    bool ext = external(ev.kind);
    uint16_t sel = gate.gate_selector();
    Descriptor tss = fetch_tss_descriptor(s, ctx, sel, TaskSwitchReason::Int, ext);
    return task_switch(s, ctx, sel, tss, TaskSwitchReason::Int, return_address(s, ev),
                       ev.error_code, ext);
}

void deliver_through_gate(X86CpuState& s, SysContext& ctx, const InterruptEvent& ev,
                          const Descriptor& gate) {
    bool ext = external(ev.kind);
    bool ia32e = long_mode(s);
    bool from_vm86 = s.rflags & rflag::VM;
    unsigned old_cpl = cpl(s);

    uint16_t code_sel = gate.gate_selector();
    uint32_t code_err = selector_error(code_sel, ext);
    if ((code_sel & 0xfffc) == 0) raise_exception(ctx, vec::GP, ext ? 1u : 0u);
    auto code = fetch_descriptor(s, ctx, code_sel);
    if (!code || !code->is_code() || code->dpl() > old_cpl) raise_exception(ctx, vec::GP, code_err);
    if (!code->present()) raise_exception(ctx, vec::NP, code_err);
    if (ia32e && !(code->l() && !code->db())) raise_exception(ctx, vec::GP, code_err);

    bool inner = !code->conforming_code() && code->dpl() < old_cpl;
    if (from_vm86 && (!inner || code->dpl() != 0)) raise_exception(ctx, vec::GP, code_err);
    unsigned new_cpl = inner ? code->dpl() : old_cpl;

    unsigned width = ia32e ? 8 : (gate.type() & 8) ? 4 : 2;
    uint64_t target = ia32e ? gate.gate_offset() : gate.gate_offset() & 0xffffffff;
    if (width == 2) target &= 0xffff;
    if (ia32e ? !is_canonical(target) : target > code->limit())
        raise_exception(ctx, vec::GP, ext ? 1u : 0u);

    Segment new_ss = s.seg[SS];
    uint64_t new_sp = s.regs[RSP];
    uint32_t stack_fault = ext ? 1u : 0u;
    if (ia32e) {
        // IA-32e mode: the RSPn/IST slot of the 64-bit TSS, a NULL SS carrying the new CPL,
        // and a 16-byte aligned frame (SDM vol. 3 6.14.2-6.14.5).
        unsigned ist = gate.gate_ist();
        if (inner || ist) new_sp = tss64_stack(s, ctx, new_cpl, ist, ext);
        if (inner) new_ss = null_segment(uint16_t(new_cpl), uint8_t(new_cpl));
        new_sp &= ~0xfull;
    } else if (inner) {
        InnerStack in = tss_inner_stack(s, ctx, new_cpl, ext);
        new_ss = load_inner_stack_segment(s, ctx, in.ss, new_cpl, ext);
        new_sp = in.sp;
        stack_fault = selector_error(in.ss, ext);
    }

    bool mode64 = ia32e;
    LocalStack st(ctx, new_ss, new_sp, stack_addr_size(new_ss, mode64),
                  inner ? Priv::Supervisor : Priv::Current, stack_fault);
    if (from_vm86) {
        for (SegReg r : {GS, FS, DS, ES})
            st.push(s.seg[r].selector, width);
    }
    if (inner || ia32e) {
        st.push(s.seg[SS].selector, width);
        st.push(s.regs[RSP], width);
    }
    st.push(pushed_flags(s, ev), width);
    st.push(s.seg[CS].selector, width);
    st.push(return_address(s, ev), width);
    if (ev.error_code) st.push(*ev.error_code, width);

    Descriptor code_desc = *code;
    mark_accessed(ctx, code_desc);
    if (from_vm86) {
        for (SegReg r : {GS, FS, DS, ES})
            s.seg[r] = null_segment(0);
    }
    new_ss.dpl = uint8_t(new_cpl);
    s.seg[SS] = new_ss;
    s.regs[RSP] = inner ? st.sp() : st.merged_rsp(s.regs[RSP]);
    s.seg[CS] = segment_from_descriptor(uint16_t((code_sel & 0xfffc) | new_cpl), code_desc);
    s.rip = target;
    s.rflags &= ~(rflag::TF | rflag::NT | rflag::RF | rflag::VM);
    if (!(gate.type() & 1)) s.rflags &= ~rflag::IF;
}

}  // namespace

TaskSwitchResult deliver_interrupt(X86CpuState& s, SysContext& ctx, const InterruptEvent& ev) {
    if (!protected_mode(s)) {
        deliver_real_mode(s, ctx, ev);
        return {};
    }
    // Only INT n traps to the vm86 monitor; INT3, INTO and INT1 go through the IDT
    // (SDM vol. 3 20.3.3; CR4.VME redirection is not implemented, see docs/tcg-system.md).
    if ((s.rflags & rflag::VM) && iopl(s) < 3 && ev.kind == EventKind::SoftwareInt) {
        if (s.cr4 & cr4bit::VME)
            log_unimp("vm86 INT %u: CR4.VME redirection, #GP instead\n", ev.vector);
        raise_exception(ctx, vec::GP, 0);
    }
    Descriptor gate = read_gate(s, ctx, ev);
    if (gate.type() == systype::TASK_GATE) return deliver_through_task_gate(s, ctx, ev, gate);
    deliver_through_gate(s, ctx, ev, gate);
    return {};
}

}  // namespace kemu::x86
