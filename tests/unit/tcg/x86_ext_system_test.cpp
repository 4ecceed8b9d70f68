// The integer extensions the native oracle cannot check, run through the translator on both
// backends: RDRAND/RDSEED (random by design), RDPID (the host's TSC_AUX is its CPU number),
// RDFSBASE/RDGSBASE/WRFSBASE/WRGSBASE (they would move the test process's own TLS) and
// CLAC/STAC (CPL 0 only).
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "target-x86/tcg/cpu_mode.h"
#include "tests/unit/tcg/arena.h"
#include "tests/unit/tcg/guest_runner.h"

namespace kemu::x86::difftest {
namespace {

constexpr uint64_t kArith = 0x8d5;  // OF SF ZF AF PF CF

class X86ExtSystem : public ::testing::TestWithParam<Backend> {
  protected:
    void SetUp() override {
        if (!Arena::get()) GTEST_SKIP() << "cannot map the test arena below 4 GiB";
    }

    // Runs `code` from the start of the code arena; a JMP +0 after it ends the block, and
    // the run stops where that jump lands.
    RunResult run(const std::vector<uint8_t>& code, const MachineState& in, bool mode64 = true) {
        uint8_t* arena = Arena::get()->code();
        std::memset(arena, 0xcc, Arena::kCodeSize);  // INT3 wherever the run should not go
        std::memcpy(arena, code.data(), code.size());
        const uint8_t jmp_next[] = {0xeb, 0x00};
        std::memcpy(arena + code.size(), jmp_next, sizeof jmp_next);
        uint64_t stop = Arena::kCodeAddr + code.size() + sizeof jmp_next;
        return runner_.run(in, Arena::kCodeAddr, stop, mode64);
    }
    const X86CpuState& state() { return runner_.runtime().env().s; }

    GuestRunner runner_{GetParam()};
};

// CF = 1 (a value was returned) with the other arithmetic flags cleared, a fresh value each
// time, written at the operand size like any other register destination.
TEST_P(X86ExtSystem, RdrandAndRdseedReturnFreshHostRandomness) {
    const std::vector<uint8_t> code = {
        0x48, 0x0f, 0xc7, 0xf0,        // rdrand rax
        0x48, 0x0f, 0xc7, 0xf3,        // rdrand rbx
        0x48, 0x0f, 0xc7, 0xf9,        // rdseed rcx
        0x66, 0x41, 0x0f, 0xc7, 0xf0,  // rdrand r8w
        0x0f, 0xc7, 0xfe,              // rdseed esi
    };
    MachineState in;
    in.rflags = 0x202 | kArith;
    in.gpr[8] = 0x1122334455667788;
    in.gpr[6] = ~0ull;
    RunResult first = run(code, in);
    ASSERT_EQ(first.fault, Fault::None);
    EXPECT_EQ(first.state.rflags & kArith, rflag::CF);
    EXPECT_NE(first.state.gpr[0], first.state.gpr[3]);
    EXPECT_NE(first.state.gpr[0], first.state.gpr[1]);
    EXPECT_EQ(first.state.gpr[8] >> 16, 0x112233445566u);
    EXPECT_EQ(first.state.gpr[6] >> 32, 0u);
    RunResult second = run(code, in);
    ASSERT_EQ(second.fault, Fault::None);
    EXPECT_NE(second.state.gpr[0], first.state.gpr[0]);
    EXPECT_NE(second.state.gpr[1], first.state.gpr[1]);
}

// RDPID: IA32_TSC_AUX zero-extended into a 64-bit register (its operand size is 64 bits in
// 64-bit mode whatever the prefixes say).
TEST_P(X86ExtSystem, RdpidReadsTscAux) {
    runner_.prepare = [](X86CpuState& s) { s.msr.tsc_aux = 0x8badf00d; };
    MachineState in;
    in.gpr[0] = in.gpr[9] = ~0ull;
    RunResult r = run({0xf3, 0x0f, 0xc7, 0xf8, 0xf3, 0x41, 0x0f, 0xc7, 0xf9}, in);  // rax, r9
    ASSERT_EQ(r.fault, Fault::None);
    EXPECT_EQ(r.state.gpr[0], 0x8badf00du);
    EXPECT_EQ(r.state.gpr[9], 0x8badf00du);
}

TEST_P(X86ExtSystem, FsGsBaseReadAndWriteTheHiddenBases) {
    runner_.prepare = [](X86CpuState& s) {
        s.cr4 |= cr4bit::FSGSBASE;
        s.seg[FS].base = 0x1111;
        s.seg[GS].base = 0xffff800000002222;
    };
    const std::vector<uint8_t> code = {
        0xf3, 0x48, 0x0f, 0xae, 0xc0,  // rdfsbase rax
        0xf3, 0x48, 0x0f, 0xae, 0xcb,  // rdgsbase rbx
        0xf3, 0x48, 0x0f, 0xae, 0xd1,  // wrfsbase rcx
        0xf3, 0x0f, 0xae, 0xda,        // wrgsbase edx: the base is zero-extended
        0xf3, 0x0f, 0xae, 0xc6,        // rdfsbase esi: the low half of the base
    };
    MachineState in;
    in.gpr[1] = 0x00007fff12345678;
    in.gpr[2] = 0xffffffff87654321;
    in.gpr[6] = ~0ull;
    RunResult r = run(code, in);
    ASSERT_EQ(r.fault, Fault::None);
    EXPECT_EQ(r.state.gpr[0], 0x1111u);
    EXPECT_EQ(r.state.gpr[3], 0xffff800000002222u);
    EXPECT_EQ(state().seg[FS].base, 0x00007fff12345678u);
    EXPECT_EQ(state().seg[GS].base, 0x87654321u);
    EXPECT_EQ(r.state.gpr[6], 0x12345678u);
}

TEST_P(X86ExtSystem, FsGsBaseIsUndefinedWithoutCr4Enable) {
    runner_.prepare = [](X86CpuState& s) { s.seg[FS].base = 0x1111; };
    MachineState in;
    RunResult r = run({0x90, 0xf3, 0x48, 0x0f, 0xae, 0xc0}, in);  // nop; rdfsbase rax
    EXPECT_EQ(r.fault, Fault::InvalidOpcode);
    EXPECT_EQ(r.rip, Arena::kCodeAddr + 1);
    r = run({0xf3, 0x48, 0x0f, 0xae, 0xd1}, in);  // wrfsbase rcx
    EXPECT_EQ(r.fault, Fault::InvalidOpcode);
    EXPECT_EQ(state().seg[FS].base, 0x1111u);
}

TEST_P(X86ExtSystem, FsGsBaseIsUndefinedOutside64BitMode) {
    runner_.prepare = [](X86CpuState& s) { s.cr4 |= cr4bit::FSGSBASE; };
    RunResult r = run({0xf3, 0x0f, 0xae, 0xc0}, MachineState{}, false);  // rdfsbase eax
    EXPECT_EQ(r.fault, Fault::InvalidOpcode);
}

TEST_P(X86ExtSystem, WrfsbaseRejectsANonCanonicalBase) {
    runner_.prepare = [](X86CpuState& s) {
        s.cr4 |= cr4bit::FSGSBASE;
        s.seg[GS].base = 0x2222;
    };
    MachineState in;
    // Bit 47 set with bits 63:48 clear: wrgsbase rcx takes #GP(0), a memory fault here.
    in.gpr[1] = 0x0000800000000000;
    RunResult r = run({0xf3, 0x48, 0x0f, 0xae, 0xd9}, in);
    EXPECT_EQ(r.fault, Fault::MemoryFault);
    EXPECT_EQ(state().seg[GS].base, 0x2222u);
}

CpuidTable with_smap(bool smap) {
    CpuidTable t;
    CpuidEntry leaf7;
    leaf7.function = 7;
    leaf7.indexed = true;
    leaf7.regs[EBX] = smap ? 1u << 20 : 0;
    t.entries.push_back(leaf7);
    return t;
}

TEST_P(X86ExtSystem, StacSetsAndClacClearsAlignmentCheck) {
    runner_.runtime().set_cpuid_table(with_smap(true));
    MachineState in;
    in.rflags = 0x202 | rflag::CF | rflag::ZF;
    RunResult r = run({0x0f, 0x01, 0xcb}, in);  // stac
    ASSERT_EQ(r.fault, Fault::None);
    EXPECT_EQ(r.state.rflags, 0x202 | rflag::CF | rflag::ZF | rflag::AC);
    in.rflags = 0x202 | rflag::AC | rflag::OF;
    r = run({0x0f, 0x01, 0xca}, in);  // clac
    ASSERT_EQ(r.fault, Fault::None);
    EXPECT_EQ(r.state.rflags, 0x202 | rflag::OF);
}

TEST_P(X86ExtSystem, ClacAndStacAreUndefinedWithoutSmap) {
    runner_.runtime().set_cpuid_table(with_smap(false));
    MachineState in;
    RunResult r = run({0x0f, 0x01, 0xcb}, in);  // stac
    EXPECT_EQ(r.fault, Fault::InvalidOpcode);
    EXPECT_EQ(r.state.rflags & rflag::AC, 0u);
    runner_.runtime().set_cpuid_table(CpuidTable{});  // no leaf 7 at all
    r = run({0x0f, 0x01, 0xca}, in);                  // clac
    EXPECT_EQ(r.fault, Fault::InvalidOpcode);
}

INSTANTIATE_TEST_SUITE_P(Backends, X86ExtSystem, ::testing::Values(Backend::Interp, Backend::Jit),
                         [](const auto& info) {
                             return info.param == Backend::Interp ? "Interp" : "Jit";
                         });

}  // namespace
}  // namespace kemu::x86::difftest
