#include "target-x86/tcg/machine_check.h"

namespace kemu::x86 {
namespace {

// Bank i's registers are MSRs MC0_CTL + 4i + reg.
enum BankReg : unsigned { kCtl, kStatus, kAddr, kMisc, kBankRegs };
constexpr uint32_t kBanksEnd = msr::MC0_CTL + kBankRegs * MsrState::kMcBanks;

// The bank register behind an MSR index of the bank range (MsrState or const MsrState).
template <typename State>
auto& bank_register(State& m, uint32_t index) {
    unsigned n = index - msr::MC0_CTL;
    return m.mc_bank[n / kBankRegs][n % kBankRegs];
}

}  // namespace

bool is_machine_check_msr(uint32_t index) {
    return (index >= msr::MCG_CAP && index <= msr::MCG_CTL) ||
           (index >= msr::MC0_CTL && index < kBanksEnd);
}

uint64_t read_machine_check_msr(const X86CpuState& s, uint32_t index) {
    switch (index) {
        case msr::MCG_CAP:
            return kMcgCap;
        case msr::MCG_STATUS:
            return s.msr.mcg_status;
        case msr::MCG_CTL:
            return s.msr.mcg_ctl;
        default:
            return bank_register(s.msr, index);
    }
}

bool write_machine_check_msr(X86CpuState& s, uint32_t index, uint64_t value) {
    switch (index) {
        case msr::MCG_CAP:
            return false;  // read-only
        case msr::MCG_STATUS:
            // Bits 63:3 are reserved (LMCE_S needs MCG_LMCE_P, which MCG_CAP does not offer).
            if (value & ~(mcg::RIPV | mcg::EIPV | mcg::MCIP)) return false;
            s.msr.mcg_status = value;
            return true;
        case msr::MCG_CTL:
            // All ones enable machine-check features and all zeros disable them; other
            // values are implementation specific: kept as written.
            s.msr.mcg_ctl = value;
            return true;
        default:
            break;
    }
    // Each CTL bit enables the reporting of one error type, so any value goes. STATUS, ADDR
    // and MISC hold what the hardware logged: software may clear them, writing ones is #GP
    // (SDM vol. 3 16.3.2.2-16.3.2.4).
    bool is_ctl = (index - msr::MC0_CTL) % kBankRegs == kCtl;
    if (!is_ctl && value != 0) return false;
    bank_register(s.msr, index) = value;
    return true;
}

}  // namespace kemu::x86
