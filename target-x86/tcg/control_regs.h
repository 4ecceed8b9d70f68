// MOV to CR0/CR3/CR4/CR8, EFER and XSETBV with their #GP checks (SDM vol. 3 2.5, 4.1, vol. 2
// MOV CR, XSETBV). Each write reports what the caller must throw away.
#pragma once

#include <cstdint>

#include "target-x86/cpu_state.h"
#include "target-x86/tcg/sys_context.h"

namespace kemu::x86 {

struct CrWriteEffect {
    bool flush_tlb = false;     // drop non-global TLB entries
    bool flush_global = false;  // drop global entries too (implies flush_tlb)
    bool end_block = false;     // translation-relevant state changed (mode, CPL rules,
                                // feature enables, TPR): leave the block and look up afresh
    CrWriteEffect& operator|=(const CrWriteEffect& o) {
        flush_tlb |= o.flush_tlb;
        flush_global |= o.flush_global;
        end_block |= o.end_block;
        return *this;
    }
};

CrWriteEffect write_cr0(X86CpuState& s, SysContext& ctx, uint64_t value);
CrWriteEffect write_cr3(X86CpuState& s, SysContext& ctx, uint64_t value);
CrWriteEffect write_cr4(X86CpuState& s, SysContext& ctx, uint64_t value);
// CR8 mirrors the local APIC TPR; the caller forwards the new value to the LAPIC.
CrWriteEffect write_cr8(X86CpuState& s, SysContext& ctx, uint64_t value);
CrWriteEffect write_efer(X86CpuState& s, SysContext& ctx, uint64_t value);
// XSETBV: only XCR0 exists; x87, SSE and AVX state components are supported.
void write_xcr(X86CpuState& s, SysContext& ctx, uint32_t index, uint64_t value);

// CR4 bits this CPU accepts (the rest raise #GP).
extern const uint64_t kSupportedCr4;

}  // namespace kemu::x86
