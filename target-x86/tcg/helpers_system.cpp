// Helpers for system instructions: they bring the lazy state up to date, call the
// SDM-following functions of the system layer (segments, far transfers, control
// registers, MSRs) and tell the vCPU what to flush.
#include <sys/random.h>

#include <cstring>

#include "target-x86/cpuid_tcg.h"
#include "target-x86/tcg/cc_op.h"
#include "target-x86/tcg/control_regs.h"
#include "target-x86/tcg/cpu_mode.h"
#include "target-x86/tcg/cpu_runtime.h"
#include "target-x86/tcg/exceptions.h"
#include "target-x86/tcg/far_transfer.h"
#include "target-x86/tcg/fast_syscall.h"
#include "target-x86/tcg/helper_ids.h"
#include "target-x86/tcg/msr.h"
#include "target-x86/tcg/segments.h"
#include "target-x86/tcg/translate.h"

namespace kemu::x86 {

namespace {

CpuEnv& E(void* env) {
    return *static_cast<CpuEnv*>(env);
}

// Runs a system-layer function on complete state, then takes RFLAGS back.
template <typename Fn>
auto with_state(void* env, Fn&& fn) {
    CpuEnv& e = E(env);
    sync_state_for_helper(e);
    if constexpr (std::is_void_v<decltype(fn(e.s, runtime(env)))>) {
        fn(e.s, runtime(env));
        adopt_rflags(e);
    } else {
        auto r = fn(e.s, runtime(env));
        adopt_rflags(e);
        return r;
    }
}

void finish_task_switch(void* env, const TaskSwitchResult& r) {
    CpuRuntime& rt = runtime(env);
    if (r.cr3_loaded) rt.apply({true, false, true});
    if (r.debug_trap) rt.raise_event({vec::DB, EventKind::Exception, std::nullopt, 0});
}

[[noreturn]] void gp0(void* env) {
    runtime(env).raise(vec::GP, 0);
    __builtin_unreachable();
}

void require_cpl0(void* env) {
    if (cpl(E(env).s) != 0) gp0(env);
}

}  // namespace

// I/O permission: CPL <= IOPL, or the TSS I/O bitmap allows every port of the access.
void check_io_permission(void* env, uint16_t port, unsigned size) {
    CpuEnv& e = E(env);
    if (!protected_mode(e.s)) return;
    if (!vm86_mode(e.s) && cpl(e.s) <= iopl(e.s)) return;
    const Segment& tr = e.s.tr;
    bool tss32 = !tr.s && (tr.type == 9 || tr.type == 11);
    if (!tss32 || tr.limit < 0x67) gp0(env);
    CpuRuntime& rt = runtime(env);
    uint32_t bitmap = uint32_t(rt.read(tr.base + 0x66, 2, Priv::Supervisor));
    uint32_t byte = bitmap + port / 8;
    if (byte + 1 > tr.limit) gp0(env);
    uint32_t bits = uint32_t(rt.read(tr.base + byte, 2, Priv::Supervisor));
    uint32_t mask = ((1u << size) - 1) << (port & 7);
    if (bits & mask) gp0(env);
}

uint64_t helper_in(void* env, uint64_t port, uint64_t size, uint64_t, uint64_t) {
    check_io_permission(env, uint16_t(port), unsigned(size));
    return runtime(env).io_in(uint16_t(port), unsigned(size));
}

uint64_t helper_out(void* env, uint64_t port, uint64_t value, uint64_t size, uint64_t) {
    check_io_permission(env, uint16_t(port), unsigned(size));
    runtime(env).io_out(uint16_t(port), value, unsigned(size));
    return 0;
}

uint64_t helper_pause(void* env, uint64_t, uint64_t, uint64_t, uint64_t) {
    runtime(env).spin_wait_hint();
    return 0;
}

uint64_t helper_cpuid(void* env, uint64_t, uint64_t, uint64_t, uint64_t) {
    CpuEnv& e = E(env);
    auto& r = e.s.regs;
    uint32_t leaf = uint32_t(r[RAX]), sub = uint32_t(r[RCX]);
    const CpuidTable& table = runtime(env).cpuid_table();
    const CpuidEntry* hit = nullptr;
    uint32_t max_basic = 0, max_ext = 0;
    for (const CpuidEntry& ent : table.entries) {
        if (ent.function == 0) max_basic = ent.regs[0];
        if (ent.function == 0x80000000) max_ext = ent.regs[0];
    }
    // Out-of-range basic leaves return the highest basic leaf, as Intel CPUs do.
    if (leaf < 0x80000000 && leaf > max_basic) leaf = max_basic;
    if (leaf >= 0x80000000 && leaf > max_ext) leaf = max_basic;
    for (const CpuidEntry& ent : table.entries)
        if (ent.function == leaf && (!ent.indexed || ent.index == sub)) hit = &ent;
    uint32_t out[4] = {};
    if (hit) std::memcpy(out, hit->regs, sizeof out);
    apply_cpuid_guest_state(leaf, sub, out, {(e.s.cr4 & cr4bit::OSXSAVE) != 0, e.s.fpu.xcr0});
    r[RAX] = out[0];
    r[RBX] = out[1];
    r[RCX] = out[2];
    r[RDX] = out[3];
    return 0;
}

uint64_t helper_rdtsc(void* env, uint64_t, uint64_t, uint64_t, uint64_t) {
    CpuEnv& e = E(env);
    if ((e.s.cr4 & cr4bit::TSD) && cpl(e.s) != 0) gp0(env);
    uint64_t tsc = runtime(env).read_tsc();
    e.s.regs[RAX] = uint32_t(tsc);
    e.s.regs[RDX] = tsc >> 32;
    return 0;
}

uint64_t helper_rdtscp(void* env, uint64_t, uint64_t, uint64_t, uint64_t) {
    helper_rdtsc(env, 0, 0, 0, 0);
    E(env).s.regs[RCX] = uint32_t(E(env).s.msr.tsc_aux);
    return 0;
}

uint64_t helper_rdmsr(void* env, uint64_t, uint64_t, uint64_t, uint64_t) {
    CpuEnv& e = E(env);
    uint64_t v = with_state(env, [&](X86CpuState& s, SysContext& ctx) {
        return read_msr(s, ctx, uint32_t(s.regs[RCX]));
    });
    e.s.regs[RAX] = uint32_t(v);
    e.s.regs[RDX] = v >> 32;
    return 0;
}

uint64_t helper_wrmsr(void* env, uint64_t, uint64_t, uint64_t, uint64_t) {
    CrWriteEffect effect = with_state(env, [&](X86CpuState& s, SysContext& ctx) {
        uint64_t v = uint32_t(s.regs[RAX]) | s.regs[RDX] << 32;
        return write_msr(s, ctx, uint32_t(s.regs[RCX]), v);
    });
    runtime(env).apply(effect);
    return 0;
}

uint64_t helper_read_cr(void* env, uint64_t n, uint64_t, uint64_t, uint64_t) {
    require_cpl0(env);
    const X86CpuState& s = E(env).s;
    switch (n) {
        case 0:
            return s.cr0;
        case 2:
            return s.cr2;
        case 3:
            return s.cr3;
        case 4:
            return s.cr4;
        case 8:
            return runtime(env).read_tpr();
        default:
            runtime(env).raise(vec::UD, std::nullopt);
    }
    __builtin_unreachable();
}

uint64_t helper_write_cr(void* env, uint64_t n, uint64_t value, uint64_t, uint64_t) {
    require_cpl0(env);
    CrWriteEffect effect = with_state(env, [&](X86CpuState& s, SysContext& ctx) {
        switch (n) {
            case 0:
                return write_cr0(s, ctx, value);
            case 2:
                s.cr2 = value;
                return CrWriteEffect{};
            case 3:
                return write_cr3(s, ctx, value);
            case 4:
                return write_cr4(s, ctx, value);
            case 8:
                return write_cr8(s, ctx, value);
            default:
                raise_exception(ctx, vec::UD, std::nullopt);
        }
    });
    if (n == 8) runtime(env).write_tpr(value);
    runtime(env).apply(effect);
    return 0;
}

uint64_t helper_read_dr(void* env, uint64_t n, uint64_t, uint64_t, uint64_t) {
    require_cpl0(env);
    const X86CpuState& s = E(env).s;
    if (n == 4 || n == 5) {
        if (s.cr4 & cr4bit::DE) runtime(env).raise(vec::UD, std::nullopt);
        n += 2;
    }
    if (n > 7) runtime(env).raise(vec::UD, std::nullopt);
    return s.dr[n];
}

uint64_t helper_write_dr(void* env, uint64_t n, uint64_t value, uint64_t, uint64_t) {
    require_cpl0(env);
    X86CpuState& s = E(env).s;
    if (n == 4 || n == 5) {
        if (s.cr4 & cr4bit::DE) runtime(env).raise(vec::UD, std::nullopt);
        n += 2;
    }
    if (n > 7) runtime(env).raise(vec::UD, std::nullopt);
    if (n >= 6 && (value >> 32)) gp0(env);
    s.dr[n] = value;
    // Breakpoint addresses and enables decide which pages the TLB must watch.
    runtime(env).apply({true, true, true});
    return 0;
}

uint64_t helper_lmsw(void* env, uint64_t value, uint64_t, uint64_t, uint64_t) {
    require_cpl0(env);
    // LMSW sets PE but never clears it, and only touches MP, EM and TS besides.
    CrWriteEffect effect = with_state(env, [&](X86CpuState& s, SysContext& ctx) {
        uint64_t cr0 = (s.cr0 & ~0xeull) | (value & 0xf) | (s.cr0 & 1);
        return write_cr0(s, ctx, cr0);
    });
    runtime(env).apply(effect);
    return 0;
}

uint64_t helper_clts(void* env, uint64_t, uint64_t, uint64_t, uint64_t) {
    require_cpl0(env);
    E(env).s.cr0 &= ~cr0bit::TS;
    return 0;
}

// LGDT/LIDT: a 16-bit limit then the base (24 bits with a 16-bit operand, 32, or 64 in 64-bit
// mode).
uint64_t helper_load_dt(void* env, uint64_t addr, uint64_t bits, uint64_t, uint64_t) {
    require_cpl0(env);
    CpuEnv& e = E(env);
    CpuRuntime& rt = runtime(env);
    bool mode64 = code64(e.s);
    uint64_t limit = rt.read(addr, 2, Priv::Current);
    uint64_t base_addr = mode64 ? addr + 2 : uint32_t(addr + 2);
    uint64_t base =
        mode64 ? rt.read(base_addr, 8, Priv::Current) : rt.read(base_addr, 4, Priv::Current);
    if (!mode64 && (bits >> 4) == 2) base &= 0xffffff;
    DescriptorTable& t = (bits & 1) ? e.s.idt : e.s.gdt;
    t.base = base;
    t.limit = uint16_t(limit);
    return 0;
}

uint64_t helper_store_dt(void* env, uint64_t addr, uint64_t which, uint64_t, uint64_t) {
    CpuEnv& e = E(env);
    CpuRuntime& rt = runtime(env);
    if ((e.s.cr4 & cr4bit::UMIP) && cpl(e.s) > 0) gp0(env);
    const DescriptorTable& t = which ? e.s.idt : e.s.gdt;
    bool mode64 = code64(e.s);
    rt.write(addr, 2, t.limit, Priv::Current);
    uint64_t base_addr = mode64 ? addr + 2 : uint32_t(addr + 2);
    rt.write(base_addr, mode64 ? 8 : 4, t.base, Priv::Current);
    return 0;
}

uint64_t helper_load_seg(void* env, uint64_t seg, uint64_t selector, uint64_t, uint64_t) {
    with_state(env, [&](X86CpuState& s, SysContext& ctx) {
        load_segment(s, ctx, SegReg(seg), uint16_t(selector));
    });
    if (seg == SS) E(env).interrupt_shadow = kShadowMovSs;
    return 0;
}

uint64_t helper_lldt(void* env, uint64_t selector, uint64_t, uint64_t, uint64_t) {
    require_cpl0(env);
    with_state(env, [&](X86CpuState& s, SysContext& ctx) { load_ldt(s, ctx, uint16_t(selector)); });
    return 0;
}

uint64_t helper_ltr(void* env, uint64_t selector, uint64_t, uint64_t, uint64_t) {
    require_cpl0(env);
    with_state(env, [&](X86CpuState& s, SysContext& ctx) { load_tr(s, ctx, uint16_t(selector)); });
    return 0;
}

// LAR LSL VERR VERW: ZF in the flags; bit 32 of the result says the value is valid.
uint64_t helper_lar(void* env, uint64_t selector, uint64_t kind, uint64_t, uint64_t) {
    CpuEnv& e = E(env);
    if (!protected_mode(e.s) || vm86_mode(e.s)) runtime(env).raise(vec::UD, std::nullopt);
    SelectorQuery q = with_state(env, [&](X86CpuState& s, SysContext& ctx) {
        uint16_t sel = uint16_t(selector);
        switch (kind) {
            case 0:
                return lar(s, ctx, sel);
            case 1:
                return lsl(s, ctx, sel);
            case 2:
                return SelectorQuery{verr(s, ctx, sel), 0};
            default:
                return SelectorQuery{verw(s, ctx, sel), 0};
        }
    });
    uint64_t flags = (full_rflags(e) & kArithFlags & ~rflag::ZF) | (q.zf ? rflag::ZF : 0);
    e.cc_op = kCcEflags;
    e.cc_src = flags;
    return q.zf ? (1ull << 32) | q.value : 0;
}

uint64_t helper_far_jump(void* env, uint64_t sel, uint64_t offset, uint64_t size, uint64_t next) {
    auto r = with_state(env, [&](X86CpuState& s, SysContext& ctx) {
        return far_jmp(s, ctx, uint16_t(sel), offset, unsigned(size), next);
    });
    finish_task_switch(env, r);
    return 0;
}

uint64_t helper_far_call(void* env, uint64_t sel, uint64_t offset, uint64_t size, uint64_t next) {
    auto r = with_state(env, [&](X86CpuState& s, SysContext& ctx) {
        return far_call(s, ctx, uint16_t(sel), offset, unsigned(size), next);
    });
    finish_task_switch(env, r);
    return 0;
}

uint64_t helper_far_return(void* env, uint64_t size, uint64_t release, uint64_t, uint64_t) {
    with_state(env, [&](X86CpuState& s, SysContext& ctx) {
        far_ret(s, ctx, unsigned(size), uint16_t(release));
    });
    return 0;
}

uint64_t helper_iret(void* env, uint64_t size, uint64_t next, uint64_t, uint64_t) {
    const uint32_t flags_before = tb_flags(E(env).s);
    auto r = with_state(
        env, [&](X86CpuState& s, SysContext& ctx) { return iret(s, ctx, unsigned(size), next); });
    finish_task_switch(env, r);
    // 64-bit code goes on through goto_ptr (emit_iret), whose fast jump probe knows only
    // this block's flags.
    end_chain_for_new_flags(E(env), flags_before);
    return 0;
}

// INT n (kind 0), INT3 (1), INTO (2), INT1 (3): delivered by the exec loop.
uint64_t helper_software_int(void* env, uint64_t vector, uint64_t next, uint64_t kind, uint64_t) {
    static constexpr EventKind kKinds[] = {EventKind::SoftwareInt, EventKind::SoftwareException,
                                           EventKind::SoftwareException,
                                           EventKind::PrivilegedSoftwareException};
    sync_state_for_helper(E(env));
    runtime(env).raise_event({uint8_t(vector), kKinds[kind & 3], std::nullopt, next});
    __builtin_unreachable();
}

uint64_t helper_hlt(void* env, uint64_t next, uint64_t, uint64_t, uint64_t) {
    require_cpl0(env);
    E(env).s.rip = next;
    runtime(env).halt();
    return 0;
}

// CLI/STI: IOPL-sensitive in protected mode (no VME/PVI: those stay off in CPUID).
uint64_t helper_cli(void* env, uint64_t, uint64_t, uint64_t, uint64_t) {
    CpuEnv& e = E(env);
    if (protected_mode(e.s) && iopl(e.s) < cpl(e.s)) gp0(env);
    e.s.rflags &= ~rflag::IF;
    return 0;
}

uint64_t helper_sti(void* env, uint64_t, uint64_t, uint64_t, uint64_t) {
    CpuEnv& e = E(env);
    if (protected_mode(e.s) && iopl(e.s) < cpl(e.s)) gp0(env);
    if (!(e.s.rflags & rflag::IF)) e.interrupt_shadow = kShadowSti;
    e.s.rflags |= rflag::IF;
    return 0;
}

uint64_t helper_invlpg(void* env, uint64_t addr, uint64_t, uint64_t, uint64_t) {
    require_cpl0(env);
    runtime(env).flush_tlb_page(addr);
    return 0;
}

uint64_t helper_swapgs(void* env, uint64_t, uint64_t, uint64_t, uint64_t) {
    with_state(env, [&](X86CpuState& s, SysContext& ctx) { swapgs(s, ctx); });
    return 0;
}

uint64_t helper_syscall(void* env, uint64_t next, uint64_t, uint64_t, uint64_t) {
    with_state(env, [&](X86CpuState& s, SysContext& ctx) { syscall(s, ctx, next); });
    return 0;
}

uint64_t helper_sysret(void* env, uint64_t size, uint64_t, uint64_t, uint64_t) {
    with_state(env, [&](X86CpuState& s, SysContext& ctx) { sysret(s, ctx, unsigned(size)); });
    return 0;
}

uint64_t helper_sysenter(void* env, uint64_t, uint64_t, uint64_t, uint64_t) {
    with_state(env, [&](X86CpuState& s, SysContext& ctx) { sysenter(s, ctx); });
    return 0;
}

uint64_t helper_sysexit(void* env, uint64_t size, uint64_t, uint64_t, uint64_t) {
    with_state(env, [&](X86CpuState& s, SysContext& ctx) { sysexit(s, ctx, unsigned(size)); });
    return 0;
}

uint64_t helper_xgetbv(void* env, uint64_t, uint64_t, uint64_t, uint64_t) {
    CpuEnv& e = E(env);
    if (!(e.s.cr4 & cr4bit::OSXSAVE)) runtime(env).raise(vec::UD, std::nullopt);
    if (uint32_t(e.s.regs[RCX]) != 0) gp0(env);
    e.s.regs[RAX] = uint32_t(e.s.fpu.xcr0);
    e.s.regs[RDX] = e.s.fpu.xcr0 >> 32;
    return 0;
}

uint64_t helper_xsetbv(void* env, uint64_t, uint64_t, uint64_t, uint64_t) {
    with_state(env, [&](X86CpuState& s, SysContext& ctx) {
        write_xcr(s, ctx, uint32_t(s.regs[RCX]), uint32_t(s.regs[RAX]) | s.regs[RDX] << 32);
    });
    return 0;
}

// RDRAND and RDSEED: `bytes` random bytes from the host with CF set or, when the host has
// none to give yet, zero with CF clear (the SDM's "retry" outcome). OF SF ZF AF PF are clear.
uint64_t helper_rdrand(void* env, uint64_t bytes, uint64_t, uint64_t, uint64_t) {
    CpuEnv& e = E(env);
    uint64_t v = 0;
    bool ok = getrandom(&v, bytes, GRND_NONBLOCK) == ssize_t(bytes);
    if (!ok) v = 0;
    e.s.rflags = (full_rflags(e) & ~kArithFlags) | (ok ? rflag::CF : 0);
    adopt_rflags(e);
    return v;
}

namespace {

// RDFSBASE/RDGSBASE/WRFSBASE/WRGSBASE (64-bit mode only: the decoder checks that).
void require_fsgsbase(void* env) {
    if (!(E(env).s.cr4 & cr4bit::FSGSBASE)) runtime(env).raise(vec::UD, std::nullopt);
}

}  // namespace

uint64_t helper_rdfsbase(void* env, uint64_t seg, uint64_t, uint64_t, uint64_t) {
    require_fsgsbase(env);
    return E(env).s.seg[seg].base;
}

uint64_t helper_wrfsbase(void* env, uint64_t seg, uint64_t base, uint64_t, uint64_t) {
    require_fsgsbase(env);
    if (!is_canonical(base, E(env).s.cr4 & cr4bit::LA57)) gp0(env);
    E(env).s.seg[seg].base = base;
    return 0;
}

// CLAC/STAC (the translator has checked CPL 0): #UD unless the CPU model offers SMAP.
uint64_t helper_set_ac(void* env, uint64_t set, uint64_t, uint64_t, uint64_t) {
    constexpr uint32_t kCpuidSmap = 1u << 20;  // CPUID.(EAX=7,ECX=0):EBX
    const CpuidEntry* leaf7 = runtime(env).cpuid_table().find(7, 0);
    if (!leaf7 || !(leaf7->regs[EBX] & kCpuidSmap)) runtime(env).raise(vec::UD, std::nullopt);
    CpuEnv& e = E(env);
    e.s.rflags = set ? e.s.rflags | rflag::AC : e.s.rflags & ~rflag::AC;
    return 0;
}

}  // namespace kemu::x86
