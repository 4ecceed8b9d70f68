// MCE and MCA under TCG (SDM vol. 3 chapter 16): CR4.MCE, IA32_MCG_CAP/STATUS/CTL and the
// error-reporting banks' write rules, through RDMSR/WRMSR as the guest reaches them.
#include "target-x86/tcg/machine_check.h"

#include <gtest/gtest.h>

#include "target-x86/tcg/control_regs.h"
#include "target-x86/tcg/exceptions.h"
#include "target-x86/tcg/msr.h"
#include "tests/unit/target-x86/tcg_sys_fake.h"

namespace kemu::x86::test {
namespace {

constexpr uint32_t bank_msr(unsigned bank, unsigned reg) {
    return msr::MC0_CTL + 4 * bank + reg;
}
constexpr unsigned kCtl = 0, kStatus = 1, kAddr = 2, kMisc = 3;

TEST(TcgMachineCheck, Cr4MceIsWritable) {
    FakeSysContext m;
    X86CpuState s = reset_cpu_state(true);
    write_cr4(s, m, cr4bit::MCE);
    EXPECT_EQ(s.cr4, cr4bit::MCE);
    write_cr4(s, m, 0);
    EXPECT_EQ(s.cr4, 0u);
}

// Ten banks as QEMU's default, IA32_MCG_CTL present, nothing else (no CMCI, threshold or
// software-recovery capability, no extended registers).
TEST(TcgMachineCheck, McgCapReportsTenBanksAndMcgCtl) {
    FakeSysContext m;
    X86CpuState s = reset_cpu_state(true);
    EXPECT_EQ(read_msr(s, m, msr::MCG_CAP), 0x10au);
    EXPECT_FAULT(write_msr(s, m, msr::MCG_CAP, 0x10a), vec::GP, 0);
    EXPECT_FAULT(write_msr(s, m, msr::MCG_CAP, 0), vec::GP, 0);
    EXPECT_EQ(read_msr(s, m, msr::MCG_CAP), 0x10au);
}

TEST(TcgMachineCheck, McgStatusTakesRipvEipvMcipOnly) {
    FakeSysContext m;
    X86CpuState s = reset_cpu_state(true);
    EXPECT_EQ(read_msr(s, m, msr::MCG_STATUS), 0u);
    write_msr(s, m, msr::MCG_STATUS, mcg::RIPV | mcg::EIPV | mcg::MCIP);
    EXPECT_EQ(read_msr(s, m, msr::MCG_STATUS), 7u);
    EXPECT_FAULT(write_msr(s, m, msr::MCG_STATUS, 1u << 3), vec::GP, 0);  // LMCE_S: no LMCE_P
    EXPECT_FAULT(write_msr(s, m, msr::MCG_STATUS, 1ull << 63), vec::GP, 0);
    EXPECT_EQ(s.msr.mcg_status, 7u) << "a rejected write leaves the register alone";
    write_msr(s, m, msr::MCG_STATUS, 0);
    EXPECT_EQ(s.msr.mcg_status, 0u);
}

TEST(TcgMachineCheck, McgCtlKeepsWhatIsWritten) {
    FakeSysContext m;
    X86CpuState s = reset_cpu_state(true);
    write_msr(s, m, msr::MCG_CTL, ~0ull);
    EXPECT_EQ(read_msr(s, m, msr::MCG_CTL), ~0ull);
    write_msr(s, m, msr::MCG_CTL, 0);
    EXPECT_EQ(read_msr(s, m, msr::MCG_CTL), 0u);
}

// CTL takes any enable mask (Linux clears single bits, e.g. GART TLB walk errors in MC4_CTL
// on AMD family 0Fh); STATUS, ADDR and MISC can only be cleared.
TEST(TcgMachineCheck, BankWriteRules) {
    FakeSysContext m;
    X86CpuState s = reset_cpu_state(true);
    for (unsigned bank = 0; bank < MsrState::kMcBanks; bank++) {
        write_msr(s, m, bank_msr(bank, kCtl), ~0ull);
        EXPECT_EQ(read_msr(s, m, bank_msr(bank, kCtl)), ~0ull) << bank;
        write_msr(s, m, bank_msr(bank, kCtl), ~(1ull << 10));
        EXPECT_EQ(read_msr(s, m, bank_msr(bank, kCtl)), ~(1ull << 10)) << bank;
        for (unsigned reg : {kStatus, kAddr, kMisc}) {
            EXPECT_EQ(read_msr(s, m, bank_msr(bank, reg)), 0u) << bank << " " << reg;
            EXPECT_FAULT(write_msr(s, m, bank_msr(bank, reg), 1), vec::GP, 0);
            EXPECT_FAULT(write_msr(s, m, bank_msr(bank, reg), 1ull << 63), vec::GP, 0);
        }
    }
    // Clearing a logged error: what the hardware logged goes, zeros are accepted.
    s.msr.mc_bank[4][kStatus] = 0xb200000000000813ull;
    s.msr.mc_bank[4][kAddr] = 0x1234000;
    EXPECT_EQ(read_msr(s, m, bank_msr(4, kStatus)), 0xb200000000000813ull);
    EXPECT_EQ(read_msr(s, m, bank_msr(4, kAddr)), 0x1234000u);
    write_msr(s, m, bank_msr(4, kStatus), 0);
    write_msr(s, m, bank_msr(4, kAddr), 0);
    EXPECT_EQ(read_msr(s, m, bank_msr(4, kStatus)), 0u);
    EXPECT_EQ(read_msr(s, m, bank_msr(4, kAddr)), 0u);
    EXPECT_EQ(s.msr.mc_bank[4][kCtl], ~(1ull << 10)) << "banks are independent registers";
}

TEST(TcgMachineCheck, NoBankBeyondTheCount) {
    FakeSysContext m;
    X86CpuState s = reset_cpu_state(true);
    uint32_t past = bank_msr(MsrState::kMcBanks, kCtl);
    EXPECT_FALSE(is_machine_check_msr(past));
    EXPECT_FAULT(read_msr(s, m, past), vec::GP, 0);
    EXPECT_FAULT(write_msr(s, m, past, 0), vec::GP, 0);
    EXPECT_TRUE(is_machine_check_msr(past - 1));
    EXPECT_FALSE(is_machine_check_msr(msr::MCG_CAP - 1));
}

TEST(TcgMachineCheck, RequiresCpl0) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 3);
    EXPECT_FAULT(read_msr(s, m, msr::MCG_CAP), vec::GP, 0);
    EXPECT_FAULT(write_msr(s, m, bank_msr(0, kCtl), 0), vec::GP, 0);
}

}  // namespace
}  // namespace kemu::x86::test
