#include "target-x86/tcg/task_switch.h"

#include <array>

#include "target-x86/tcg/cpu_mode.h"
#include "target-x86/tcg/exceptions.h"
#include "target-x86/tcg/stack.h"

namespace kemu::x86 {
namespace {

// Offsets of the dynamic fields in a 32-bit and a 16-bit TSS (SDM vol. 3 figures 7-2, 7-11).
struct TssLayout {
    unsigned ip, flags, gprs, seg_regs, ldt, width;
};
constexpr TssLayout kTss32 = {0x20, 0x24, 0x28, 0x48, 0x60, 4};
constexpr TssLayout kTss16 = {0x0e, 0x10, 0x12, 0x22, 0x2a, 2};
constexpr uint32_t kTss32Cr3 = 0x1c, kTss32Trap = 0x64;
constexpr uint32_t kTss32MinLimit = 0x67, kTss16MinLimit = 0x2b;
constexpr uint64_t kDr6Bt = 1u << 15;

// Segment registers in TSS order: ES, CS, SS, DS, FS, GS (the SegReg enum order).
struct TaskState {
    uint64_t ip = 0, flags = 0, cr3 = 0;
    std::array<uint64_t, 8> gprs{};
    std::array<uint16_t, SEG_COUNT> sel{};
    uint16_t ldt = 0;
    bool trap = false;
};

bool is_tss32(uint8_t type) {
    return type & 8;
}

void save_task(const X86CpuState& s, SysContext& ctx, uint64_t base, const TssLayout& L,
               uint64_t ip, uint64_t flags) {
    auto put = [&](uint32_t off, uint64_t v) {
        ctx.write(base + off, L.width, v, Priv::Supervisor);
    };
    put(L.ip, ip);
    put(L.flags, flags);
    for (unsigned i = 0; i < 8; i++)
        put(L.gprs + i * L.width, s.regs[i]);
    for (unsigned i = 0; i < SEG_COUNT; i++)
        ctx.write(base + L.seg_regs + i * L.width, 2, s.seg[i].selector, Priv::Supervisor);
}

TaskState read_task(SysContext& ctx, uint64_t base, const TssLayout& L, bool tss32) {
    auto get = [&](uint32_t off) { return ctx.read(base + off, L.width, Priv::Supervisor); };
    TaskState t;
    t.ip = get(L.ip);
    t.flags = get(L.flags);
    for (unsigned i = 0; i < 8; i++)
        t.gprs[i] = get(L.gprs + i * L.width);
    for (unsigned i = 0; i < SEG_COUNT; i++)
        t.sel[i] = ctx.read(base + L.seg_regs + i * L.width, 2, Priv::Supervisor);
    t.ldt = ctx.read(base + L.ldt, 2, Priv::Supervisor);
    if (tss32) {
        t.cr3 = ctx.read(base + kTss32Cr3, 4, Priv::Supervisor);
        t.trap = ctx.read(base + kTss32Trap, 2, Priv::Supervisor) & 1;
    }
    return t;
}

[[noreturn]] void ts(SysContext& ctx, uint16_t selector, bool ext) {
    raise_exception(ctx, vec::TS, selector_error(selector, ext));
}

void load_task_ldt(X86CpuState& s, SysContext& ctx, uint16_t selector, bool ext) {
    if ((selector & 0xfffc) == 0) {
        s.ldt = null_segment(selector);
        return;
    }
    if (selector & 4) ts(ctx, selector, ext);
    auto d = fetch_descriptor(s, ctx, selector);
    if (!d || d->s() || d->type() != systype::LDT || !d->present()) ts(ctx, selector, ext);
    s.ldt = segment_from_descriptor(selector, *d);
}

// The segment checks of SDM vol. 3 7.3 step 13; faults are #TS/#NP/#SS in the new task.
void load_task_segments(X86CpuState& s, SysContext& ctx, const TaskState& t, bool ext) {
    if (t.flags & rflag::VM) {
        for (unsigned i = 0; i < SEG_COUNT; i++)
            s.seg[i] = vm86_segment(t.sel[i], i == CS);
        return;
    }
    uint16_t cs = t.sel[CS];
    unsigned new_cpl = cs & 3;
    if ((cs & 0xfffc) == 0) ts(ctx, cs, ext);
    auto code = fetch_descriptor(s, ctx, cs);
    if (!code || !code->is_code()) ts(ctx, cs, ext);
    if (code->conforming_code() ? code->dpl() > new_cpl : code->dpl() != new_cpl) ts(ctx, cs, ext);
    if (!code->present()) raise_exception(ctx, vec::NP, selector_error(cs, ext));

    uint16_t ss = t.sel[SS];
    if ((ss & 0xfffc) == 0) ts(ctx, ss, ext);
    auto stack = fetch_descriptor(s, ctx, ss);
    if (!stack || (ss & 3) != new_cpl || stack->dpl() != new_cpl || !stack->writable_data())
        ts(ctx, ss, ext);
    if (!stack->present()) raise_exception(ctx, vec::SS, selector_error(ss, ext));
    mark_accessed(ctx, *code);
    mark_accessed(ctx, *stack);
    s.seg[CS] = segment_from_descriptor(cs, *code);
    s.seg[SS] = segment_from_descriptor(ss, *stack);

    for (SegReg r : {ES, DS, FS, GS}) {
        uint16_t sel = t.sel[r];
        if ((sel & 0xfffc) == 0) {
            s.seg[r] = null_segment(sel);
            continue;
        }
        auto d = fetch_descriptor(s, ctx, sel);
        if (!d || !d->s() || !d->readable()) ts(ctx, sel, ext);
        if (!d->conforming_code() && (d->dpl() < new_cpl || d->dpl() < (sel & 3)))
            ts(ctx, sel, ext);
        if (!d->present()) raise_exception(ctx, vec::NP, selector_error(sel, ext));
        mark_accessed(ctx, *d);
        s.seg[r] = segment_from_descriptor(sel, *d);
    }
}

}  // namespace

Descriptor fetch_tss_descriptor(const X86CpuState& s, SysContext& ctx, uint16_t selector,
                                TaskSwitchReason reason, bool ext) {
    bool iret = reason == TaskSwitchReason::Iret;
    uint8_t fault = iret ? vec::TS : vec::GP;
    uint32_t err = selector_error(selector, ext);
    if (selector & 4) raise_exception(ctx, fault, err);
    auto d = fetch_descriptor(s, ctx, selector);
    if (!d || d->s()) raise_exception(ctx, fault, err);
    uint8_t t = d->type();
    bool ok = iret ? (t == systype::TSS16_BUSY || t == systype::TSS32_BUSY)
                   : (t == systype::TSS16_AVAIL || t == systype::TSS32_AVAIL);
    if (!ok) raise_exception(ctx, fault, err);
    return *d;
}

TaskSwitchResult task_switch(X86CpuState& s, SysContext& ctx, uint16_t tss_selector, Descriptor tss,
                             TaskSwitchReason reason, uint64_t return_rip,
                             std::optional<uint32_t> error_code, bool ext) {
    bool new32 = is_tss32(tss.type());
    if (!tss.present()) raise_exception(ctx, vec::NP, selector_error(tss_selector, ext));
    if (tss.limit() < (new32 ? kTss32MinLimit : kTss16MinLimit)) ts(ctx, tss_selector, ext);

    bool nesting = reason == TaskSwitchReason::Call || reason == TaskSwitchReason::Int;
    bool old32 = is_tss32(s.tr.type);
    uint64_t old_flags = s.rflags;
    if (reason == TaskSwitchReason::Iret) old_flags &= ~rflag::NT;

    // Old task: clear busy for JMP/IRET, then save its dynamic state.
    if (reason == TaskSwitchReason::Jmp || reason == TaskSwitchReason::Iret) {
        if (auto old = fetch_descriptor(s, ctx, s.tr.selector)) set_tss_busy(ctx, *old, false);
    }
    save_task(s, ctx, s.tr.base, old32 ? kTss32 : kTss16, return_rip, old_flags);

    TaskState t = read_task(ctx, tss.base(), new32 ? kTss32 : kTss16, new32);
    if (nesting) {
        ctx.write(tss.base(), 2, s.tr.selector, Priv::Supervisor);
        t.flags |= rflag::NT;
    }
    if (reason != TaskSwitchReason::Iret) set_tss_busy(ctx, tss, true);

    // From here on the processor is in the new task: faults are reported there.
    TaskSwitchResult result;
    s.tr = segment_from_descriptor(tss_selector, tss);
    s.cr0 |= cr0bit::TS;
    if (new32 && (s.cr0 & cr0bit::PG)) {
        s.cr3 = t.cr3;
        result.cr3_loaded = true;
    }
    s.rip = t.ip;
    if (new32) {
        s.rflags = (t.flags & 0xffffffff) | rflag::FIXED1;
        for (unsigned i = 0; i < 8; i++)
            s.regs[i] = t.gprs[i] & 0xffffffff;
    } else {
        // A 16-bit TSS holds only the low halves; the upper halves keep their values.
        s.rflags = (s.rflags & ~0xffffull) | (t.flags & 0xffff) | rflag::FIXED1;
        for (unsigned i = 0; i < 8; i++)
            s.regs[i] = (s.regs[i] & ~0xffffull) | t.gprs[i];
    }
    for (unsigned i = 0; i < SEG_COUNT; i++)
        s.seg[i].selector = t.sel[i];
    s.ldt.selector = t.ldt;
    load_task_ldt(s, ctx, t.ldt, ext);
    load_task_segments(s, ctx, t, ext);

    if (error_code) {
        LocalStack st(ctx, s.seg[SS], s.regs[RSP], stack_addr_size(s.seg[SS], false), Priv::Current,
                      ext ? 1u : 0u);
        st.push(*error_code, new32 ? 4 : 2);
        s.regs[RSP] = st.merged_rsp(s.regs[RSP]);
    }
    if (s.rip > s.seg[CS].limit) raise_exception(ctx, vec::GP, 0);
    if (t.trap) {
        s.dr[6] |= kDr6Bt;
        result.debug_trap = true;
    }
    return result;
}

}  // namespace kemu::x86
