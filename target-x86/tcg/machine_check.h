// The machine-check architecture's MSRs (SDM vol. 3 chapter 16): IA32_MCG_CAP, IA32_MCG_STATUS,
// IA32_MCG_CTL and MsrState::kMcBanks error-reporting banks of CTL, STATUS, ADDR and MISC.
// kemu has no hardware to fail: no error is ever logged and #MC is never raised, so the banks
// only hold what software writes, under the SDM's write rules.
#pragma once

#include <cstdint>

#include "target-x86/cpu_state.h"

namespace kemu::x86 {

namespace msr {
constexpr uint32_t MCG_CAP = 0x179, MCG_STATUS = 0x17a, MCG_CTL = 0x17b, MC0_CTL = 0x400;
}  // namespace msr

namespace mcg {
constexpr uint64_t CTL_P = 1u << 8;  // IA32_MCG_CTL is present
// MCG_STATUS: restart IP valid, error IP valid, machine check in progress.
constexpr uint64_t RIPV = 1u << 0, EIPV = 1u << 1, MCIP = 1u << 2;
}  // namespace mcg

// The bank count and MCG_CTL; no extended, CMCI, threshold or recovery capabilities.
constexpr uint64_t kMcgCap = MsrState::kMcBanks | mcg::CTL_P;

bool is_machine_check_msr(uint32_t index);
uint64_t read_machine_check_msr(const X86CpuState& s, uint32_t index);
// False for a write the SDM rejects with #GP(0).
bool write_machine_check_msr(X86CpuState& s, uint32_t index, uint64_t value);

}  // namespace kemu::x86
