// CPUID under TCG: the guest is told about what kemu's translator implements, never more.
// Named models lose the features whose `tcg` column in cpuid_features.def is false;
// "max" is an allow-list of exactly the true ones; "host" needs KVM. Leaf 0xd describes
// the XSAVE components the translator saves, and the fields that follow guest state
// (OSXSAVE, XSAVE area sizes) are filled in when the guest executes CPUID.
#pragma once

#include <cstdint>
#include <vector>

#include "system/error.h"
#include "target-x86/cpuid.h"

namespace kemu {

struct TcgCpuid {
    CpuidTable table;
    // Features the model or a +feat edit asked for that TCG cannot offer (QEMU warns).
    std::vector<const CpuFeature*> unsupported;
};

// host_x87: whether x87 instructions can run (on the host's x87); without it no FPU.
Result<TcgCpuid> build_tcg_cpuid(const CpuModel& model, const CpuFeatureEdits& edits,
                                 const CpuTopology& topology, bool host_x87);

// Replaces leaf 0xd with the XSAVE layout the translator implements (x87, SSE, AVX in the
// standard format; XSAVEOPT and XSAVEC), limited to the features the table advertises.
void set_tcg_xsave_leaf(CpuidTable& table);

// Guest state that CPUID reports (SDM vol. 2, CPUID).
struct CpuidGuestState {
    bool cr4_osxsave = false;
    uint64_t xcr0 = 1;
};

// Fills the fields of one CPUID answer (regs from the table, for leaf/subleaf) that follow
// guest state: leaf 1 ECX.OSXSAVE mirrors CR4.OSXSAVE; leaf 0xd subleaf 0 EBX is the
// standard-format XSAVE area size for XCR0, subleaf 1 EBX the compacted size for XCR0
// (IA32_XSS does not exist: XSAVES is not offered).
void apply_cpuid_guest_state(uint32_t leaf, uint32_t subleaf, uint32_t regs[4],
                             const CpuidGuestState& state);

}  // namespace kemu
