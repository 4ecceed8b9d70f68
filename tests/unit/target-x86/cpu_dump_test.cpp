#include "target-x86/cpu_dump.h"

#include <gtest/gtest.h>

namespace kemu {
namespace {

TEST(CpuDump, ResetStateInQemuLayout) {
    std::string text = format_cpu_state(reset_cpu_state(true));
    EXPECT_NE(text.find("EAX=00000000 EBX=00000000 ECX=00000000 EDX=00000600\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("EIP=0000fff0 EFL=00000002 [-------] CPL=0"), std::string::npos) << text;
    EXPECT_NE(text.find("CS =f000 ffff0000 0000ffff 00009b00\n"), std::string::npos) << text;
    EXPECT_NE(text.find("CR0=60000010"), std::string::npos);
}

TEST(CpuDump, LongModeUses64BitRegisters) {
    X86CpuState s = reset_cpu_state(true);
    s.efer = 0x500;  // LME | LMA
    s.regs[R12] = 0x1122334455667788ull;
    s.rflags = 0x46;  // ZF PF
    std::string text = format_cpu_state(s);
    EXPECT_NE(text.find("R12=1122334455667788"), std::string::npos) << text;
    EXPECT_NE(text.find("RFL=00000046 [---Z-P-]"), std::string::npos) << text;
    EXPECT_NE(text.find("EFER=0000000000000500"), std::string::npos);
}

}  // namespace
}  // namespace kemu
