// CPUID executed by the translator: the fields that follow guest state (SDM vol. 2, CPUID)
// come from the vCPU's CR4 and XCR0 at the moment the guest asks, not from the table.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "target-x86/cpuid_tcg.h"
#include "target-x86/tcg/cpu_mode.h"
#include "tests/unit/tcg/arena.h"
#include "tests/unit/tcg/guest_runner.h"

namespace kemu::x86::difftest {
namespace {

class CpuidGuest : public ::testing::TestWithParam<Backend> {
  protected:
    void SetUp() override {
        if (!Arena::get()) GTEST_SKIP() << "cannot map the test arena below 4 GiB";
        // A model with XSAVE and AVX, leaf 0xd as TCG synthesizes it.
        CpuidTable t = build_model_cpuid(*find_cpu_model("Skylake-Client"), {}, {1, 1, 1});
        set_tcg_xsave_leaf(t);
        runner_.runtime().set_cpuid_table(std::move(t));
    }

    // CPUID with EAX = leaf, ECX = subleaf, under the given CR4.OSXSAVE and XCR0.
    MachineState cpuid(uint32_t leaf, uint32_t subleaf, bool osxsave, uint64_t xcr0) {
        runner_.prepare = [=](X86CpuState& s) {
            s.cr4 = osxsave ? (s.cr4 | cr4bit::OSXSAVE) : (s.cr4 & ~cr4bit::OSXSAVE);
            s.fpu.xcr0 = xcr0;
        };
        const uint8_t code[] = {0x0f, 0xa2, 0xeb, 0x00};  // cpuid; jmp +0 ends the block
        uint8_t* arena = Arena::get()->code();
        std::memset(arena, 0xcc, Arena::kCodeSize);
        std::memcpy(arena, code, sizeof code);
        MachineState in;
        in.gpr[0] = leaf;
        in.gpr[1] = subleaf;
        RunResult r = runner_.run(in, Arena::kCodeAddr, Arena::kCodeAddr + sizeof code);
        EXPECT_EQ(r.fault, Fault::None);
        return r.state;
    }

    GuestRunner runner_{GetParam()};
};

constexpr unsigned RAX = 0, RCX = 1, RBX = 3;

TEST_P(CpuidGuest, XsaveAreaSizeFollowsXcr0) {
    EXPECT_EQ(cpuid(0xd, 0, true, 1).gpr[RBX], 576u);
    EXPECT_EQ(cpuid(0xd, 0, true, 3).gpr[RBX], 576u);
    MachineState all = cpuid(0xd, 0, true, 7);
    EXPECT_EQ(all.gpr[RAX], 7u);
    EXPECT_EQ(all.gpr[RBX], 832u);
    EXPECT_EQ(all.gpr[RCX], 832u);
    EXPECT_EQ(cpuid(0xd, 1, true, 3).gpr[RBX], 576u);
    EXPECT_EQ(cpuid(0xd, 1, true, 7).gpr[RBX], 832u);
}

TEST_P(CpuidGuest, OsxsaveFollowsCr4) {
    constexpr uint64_t kOsxsave = 1u << 27;
    EXPECT_TRUE(cpuid(1, 0, true, 1).gpr[RCX] & kOsxsave);
    EXPECT_FALSE(cpuid(1, 0, false, 1).gpr[RCX] & kOsxsave);
}

INSTANTIATE_TEST_SUITE_P(Backends, CpuidGuest, ::testing::Values(Backend::Interp, Backend::Jit),
                         [](const auto& info) {
                             return info.param == Backend::Interp ? "Interp" : "Jit";
                         });

}  // namespace
}  // namespace kemu::x86::difftest
