// RDMSR/WRMSR for the architectural MSRs kept in X86CpuState (SDM vol. 4 table 2-2). The
// local APIC's MSRs (APIC base, x2APIC) go to the device through SysContext; MTRRs read as
// 0 and drop writes (no memory-type emulation); the machine-check MSRs are machine_check.h's;
// any other index raises #GP(0).
#pragma once

#include <cstdint>

#include "target-x86/cpu_state.h"
#include "target-x86/tcg/control_regs.h"
#include "target-x86/tcg/sys_context.h"

namespace kemu::x86 {

namespace msr {
constexpr uint32_t TSC = 0x10, APIC_BASE = 0x1b, TSC_ADJUST = 0x3b, BIOS_SIGN_ID = 0x8b,
                   MTRRCAP = 0xfe;
constexpr uint32_t SYSENTER_CS = 0x174, SYSENTER_ESP = 0x175, SYSENTER_EIP = 0x176;
constexpr uint32_t MISC_ENABLE = 0x1a0, MTRR_PHYS_FIRST = 0x200, MTRR_PHYS_LAST = 0x20f;
constexpr uint32_t MTRR_FIX64K = 0x250, MTRR_FIX16K_80000 = 0x258, MTRR_FIX16K_A0000 = 0x259;
constexpr uint32_t MTRR_FIX4K_FIRST = 0x268, MTRR_FIX4K_LAST = 0x26f, PAT = 0x277;
constexpr uint32_t TSC_DEADLINE = 0x6e0;
constexpr uint32_t MTRR_DEF_TYPE = 0x2ff, X2APIC_FIRST = 0x800, X2APIC_LAST = 0x8ff;
constexpr uint32_t EFER = 0xc0000080, STAR = 0xc0000081, LSTAR = 0xc0000082;
constexpr uint32_t CSTAR = 0xc0000083, FMASK = 0xc0000084, FS_BASE = 0xc0000100;
constexpr uint32_t GS_BASE = 0xc0000101, KERNEL_GS_BASE = 0xc0000102, TSC_AUX = 0xc0000103;
constexpr uint32_t K8_INT_PENDING_MSG = 0xc0010055;
}  // namespace msr

// Both raise #GP(0) for an unknown index, a reserved value or CPL > 0.
uint64_t read_msr(X86CpuState& s, SysContext& ctx, uint32_t index);
CrWriteEffect write_msr(X86CpuState& s, SysContext& ctx, uint32_t index, uint64_t value);

}  // namespace kemu::x86
