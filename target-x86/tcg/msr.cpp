#include "target-x86/tcg/msr.h"

#include <algorithm>
#include <array>

#include "system/log.h"
#include "target-x86/tcg/cpu_mode.h"
#include "target-x86/tcg/exceptions.h"
#include "target-x86/tcg/machine_check.h"

namespace kemu::x86 {
namespace {

// A WRMSR handler returns false for a value the MSR rejects (#GP(0)).
using MsrRead = uint64_t (*)(X86CpuState&, SysContext&);
using MsrWrite = bool (*)(X86CpuState&, SysContext&, uint64_t, CrWriteEffect&);

struct MsrRow {
    uint32_t index;
    MsrRead read;
    MsrWrite write;
};

// Stores a plain MSR field; `canonical` rejects non-canonical addresses.
template <uint64_t MsrState::*Field, bool Canonical>
constexpr MsrRow field_row(uint32_t index) {
    return {index, [](X86CpuState& s, SysContext&) { return s.msr.*Field; },
            [](X86CpuState& s, SysContext&, uint64_t v, CrWriteEffect&) {
                if (Canonical && !is_canonical(v)) return false;
                s.msr.*Field = v;
                return true;
            }};
}

template <SegReg Reg>
constexpr MsrRow segment_base_row(uint32_t index) {
    return {index, [](X86CpuState& s, SysContext&) { return s.seg[Reg].base; },
            [](X86CpuState& s, SysContext&, uint64_t v, CrWriteEffect&) {
                if (!is_canonical(v)) return false;
                s.seg[Reg].base = v;
                return true;
            }};
}

// Reads as zero, drops writes: MTRRs and the microcode signature. Guests program MTRRs but
// TCG has no memory types to apply them to.
constexpr MsrRow ignored_row(uint32_t index) {
    return {index, [](X86CpuState&, SysContext&) -> uint64_t { return 0; },
            [](X86CpuState&, SysContext&, uint64_t, CrWriteEffect&) { return true; }};
}

bool valid_pat(uint64_t v) {
    for (unsigned i = 0; i < 8; i++) {
        uint8_t type = (v >> (8 * i)) & 0xff;
        if (type == 2 || type == 3 || type > 7) return false;
    }
    return true;
}

// A write to the TSC adds its change to IA32_TSC_ADJUST, and a write to IA32_TSC_ADJUST
// moves the TSC by its change (SDM vol. 3 18.17.3).
const std::array kMsrs = {
    MsrRow{msr::TSC, [](X86CpuState&, SysContext& ctx) { return ctx.read_tsc(); },
           [](X86CpuState& s, SysContext& ctx, uint64_t v, CrWriteEffect&) {
               s.msr.tsc_adjust += v - ctx.read_tsc();
               ctx.write_tsc(v);
               return true;
           }},
    MsrRow{msr::TSC_ADJUST, [](X86CpuState& s, SysContext&) { return s.msr.tsc_adjust; },
           [](X86CpuState& s, SysContext& ctx, uint64_t v, CrWriteEffect&) {
               ctx.write_tsc(ctx.read_tsc() + (v - s.msr.tsc_adjust));
               s.msr.tsc_adjust = v;
               return true;
           }},
    ignored_row(msr::BIOS_SIGN_ID),
    ignored_row(msr::MTRRCAP),
    field_row<&MsrState::sysenter_cs, false>(msr::SYSENTER_CS),
    field_row<&MsrState::sysenter_esp, true>(msr::SYSENTER_ESP),
    field_row<&MsrState::sysenter_eip, true>(msr::SYSENTER_EIP),
    field_row<&MsrState::misc_enable, false>(msr::MISC_ENABLE),
    ignored_row(msr::MTRR_FIX64K),
    ignored_row(msr::MTRR_FIX16K_80000),
    ignored_row(msr::MTRR_FIX16K_A0000),
    MsrRow{msr::PAT, [](X86CpuState& s, SysContext&) { return s.msr.pat; },
           [](X86CpuState& s, SysContext&, uint64_t v, CrWriteEffect& e) {
               if (!valid_pat(v)) return false;
               s.msr.pat = v;
               e.flush_tlb = e.flush_global = true;
               return true;
           }},
    ignored_row(msr::MTRR_DEF_TYPE),
    // AMD family 0Fh/10h "interrupt pending message" register: zero means C1E is off, which
    // is what Linux's AMD idle code checks on the family qemu64 reports.
    ignored_row(msr::K8_INT_PENDING_MSG),
    MsrRow{msr::EFER, [](X86CpuState& s, SysContext&) { return s.efer; },
           [](X86CpuState& s, SysContext& ctx, uint64_t v, CrWriteEffect& e) {
               e |= write_efer(s, ctx, v);
               return true;
           }},
    field_row<&MsrState::star, false>(msr::STAR),
    field_row<&MsrState::lstar, true>(msr::LSTAR),
    field_row<&MsrState::cstar, true>(msr::CSTAR),
    field_row<&MsrState::fmask, false>(msr::FMASK),
    segment_base_row<FS>(msr::FS_BASE),
    segment_base_row<GS>(msr::GS_BASE),
    field_row<&MsrState::kernel_gs_base, true>(msr::KERNEL_GS_BASE),
    MsrRow{msr::TSC_AUX, [](X86CpuState& s, SysContext&) { return s.msr.tsc_aux; },
           [](X86CpuState& s, SysContext&, uint64_t v, CrWriteEffect&) {
               if (v >> 32) return false;
               s.msr.tsc_aux = v;
               return true;
           }},
};

const MsrRow* find_msr(uint32_t index) {
    auto it = std::find_if(kMsrs.begin(), kMsrs.end(),
                           [index](const MsrRow& r) { return r.index == index; });
    return it == kMsrs.end() ? nullptr : &*it;
}

bool is_mtrr_range(uint32_t index) {
    return (index >= msr::MTRR_PHYS_FIRST && index <= msr::MTRR_PHYS_LAST) ||
           (index >= msr::MTRR_FIX4K_FIRST && index <= msr::MTRR_FIX4K_LAST);
}

// The local APIC's MSRs, IA32_TSC_DEADLINE included: the timer it arms is the APIC's.
bool is_apic_msr(uint32_t index) {
    return index == msr::APIC_BASE || index == msr::TSC_DEADLINE ||
           (index >= msr::X2APIC_FIRST && index <= msr::X2APIC_LAST);
}

[[noreturn]] void unknown_msr(SysContext& ctx, const char* op, uint32_t index) {
    log_guest_error("%s: unknown or rejected MSR 0x%x: #GP\n", op, index);
    raise_exception(ctx, vec::GP, 0);
}

}  // namespace

uint64_t read_msr(X86CpuState& s, SysContext& ctx, uint32_t index) {
    if (cpl(s) != 0) raise_exception(ctx, vec::GP, 0);
    if (is_apic_msr(index)) {
        if (auto v = ctx.read_apic_msr(index)) return *v;
        unknown_msr(ctx, "rdmsr", index);
    }
    if (is_mtrr_range(index)) return 0;
    if (is_machine_check_msr(index)) return read_machine_check_msr(s, index);
    if (const MsrRow* row = find_msr(index)) return row->read(s, ctx);
    unknown_msr(ctx, "rdmsr", index);
}

CrWriteEffect write_msr(X86CpuState& s, SysContext& ctx, uint32_t index, uint64_t value) {
    if (cpl(s) != 0) raise_exception(ctx, vec::GP, 0);
    CrWriteEffect e;
    if (is_apic_msr(index)) {
        if (!ctx.write_apic_msr(index, value)) unknown_msr(ctx, "wrmsr", index);
        e.end_block = true;  // the APIC may now deliver or mask interrupts
        return e;
    }
    if (is_mtrr_range(index)) return e;
    if (is_machine_check_msr(index)) {
        if (!write_machine_check_msr(s, index, value)) unknown_msr(ctx, "wrmsr", index);
        return e;
    }
    const MsrRow* row = find_msr(index);
    if (!row || !row->write(s, ctx, value, e)) unknown_msr(ctx, "wrmsr", index);
    return e;
}

}  // namespace kemu::x86
