// Differential tests of the x86 translator (translate_block + the IR interpreter) against
// the host CPU. Each case runs a generated program natively and as a 64-bit guest from
// the same registers (GPRs and YMM/MMX/MXCSR), flags and memory, and compares the GPRs,
// the flags the SDM defines, the vector state and the data arena. KEMU_DIFF_ITERATIONS sets the
// number of random programs (default 20000) and KEMU_DIFF_SEED the seed; a failure prints a shrunk
// reproducer.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>

#include "target-x86/disas.h"
#include "target-x86/tcg/translate.h"
#include "tests/unit/tcg/arena.h"
#include "tests/unit/tcg/diff_harness.h"
#include "tests/unit/tcg/insn_generator.h"
#include "tests/unit/tcg/native_runner.h"

namespace kemu::x86::difftest {
namespace {

uint64_t env_number(const char* name, uint64_t fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::strtoull(v, nullptr, 0) : fallback;
}

class X86Diff : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!Arena::get()) GTEST_SKIP() << "cannot map the test arena below 4 GiB";
    }

    // Runs `pieces` from a fresh state; on a mismatch records a shrunk reproducer
    // under the name of its last remaining instruction (the one that failed).
    void check(const DiffInput& in, const std::vector<Piece>& pieces, bool mode64, uint64_t seed,
               uint64_t iteration) {
        Program p = harness_.layout(pieces, mode64);
        if (!p.valid) {
            invalid_++;
            return;
        }
        ran_++;
        if (harness_.compare(in, p).empty()) return;
        std::vector<Piece> small = harness_.shrink(in, pieces, mode64);
        Program sp = harness_.layout(small, mode64);
        std::string diff = harness_.compare(in, sp);
        std::string key = std::string(mode64 ? "64-bit " : "32-bit ") + small.back().form;
        auto text =
            capstone_disassemble(encode(small.back().main.spec, 0, mode64), 0, mode64 ? 64 : 32, 1);
        if (!text.empty()) key += ": " + text[0].text.substr(0, text[0].text.find(' '));
        auto& bucket = failures_[key];
        bucket.count++;
        if (bucket.count <= 2) {
            bucket.reports += "seed " + std::to_string(seed) + " iteration " +
                              std::to_string(iteration) + "\n" + listing(sp) +
                              "  initial state:\n" + describe_state(in.state) + diff;
            if (std::getenv("KEMU_DIFF_IR")) bucket.reports += harness_.last_ir();
        }
    }

    // Each instruction family on its own: a failure names the family directly.
    void run_forms(bool mode64) {
        const uint64_t per_form = env_number("KEMU_DIFF_FORM_ITERATIONS", 300);
        const uint64_t seed = env_number("KEMU_DIFF_SEED", 1);
        InsnGenerator gen(seed, host_features(), mode64);
        for (const char* form : InsnGenerator::form_names()) {
            for (uint64_t i = 0; i < per_form; i++) {
                // The state comes first: it picks the base/index registers pieces address through.
                DiffInput in{gen.initial_state(), gen.initial_data(Arena::kDataSize)};
                check(in, {gen.piece(form)}, mode64, seed, i);
            }
        }
        report();
    }

    // Every SIMD row the decoder has, alone: KEMU_DIFF_SIMD_ITERATIONS cases per row and
    // encoding (legacy, VEX.128/256, W0/W1, register and memory forms).
    void run_simd_rows(bool mode64) {
        const uint64_t per_row = env_number("KEMU_DIFF_SIMD_ITERATIONS", 6);
        const uint64_t seed = env_number("KEMU_DIFF_SEED", 1);
        InsnGenerator gen(seed, host_features(), mode64);
        const std::vector<SimdTemplate>& rows = simd_templates(mode64);
        for (const SimdTemplate& row : rows) {
            for (uint64_t i = 0; i < per_row; i++) {
                DiffInput in{gen.initial_state(), gen.initial_data(Arena::kDataSize)};
                check(in, {gen.simd_piece(row)}, mode64, seed, i);
            }
        }
        std::printf("[ difftest ] %zu SIMD row encodings; host SIMD: %s\n", rows.size(),
                    describe_host_simd().c_str());
        report();
    }

    void run_sequences(bool mode64, uint64_t iterations) {
        const uint64_t seed = env_number("KEMU_DIFF_SEED", 1);
        for (uint64_t i = 0; i < iterations; i++) {
            // One generator per program, so any failing program is reproducible alone.
            InsnGenerator gen(seed * 1000003 + i, host_features(), mode64);
            DiffInput in{gen.initial_state(), gen.initial_data(Arena::kDataSize)};
            check(in, gen.pieces(8), mode64, seed * 1000003 + i, i);
        }
        report();
    }

    void report() {
        unsigned total = 0;
        for (auto& [key, b] : failures_) {
            total += b.count;
            ADD_FAILURE() << b.count << " mismatches, " << key << "\n" << b.reports;
        }
        std::printf("[ difftest ] %u programs run, %u mismatching, %u rejected as invalid\n", ran_,
                    total, invalid_);
        std::printf("[ difftest ] optional forms the host can check: %s\n",
                    describe(host_features()).c_str());
    }

    struct Bucket {
        unsigned count = 0;
        std::string reports;
    };
    DiffHarness harness_;
    std::map<std::string, Bucket> failures_;
    unsigned ran_ = 0, invalid_ = 0;
};

// A hand-written program: proves the two runners and the comparison work at all.
TEST_F(X86Diff, HarnessAgreesOnAKnownProgram) {
    InsnGenerator gen(1, host_features());
    DiffInput in{gen.initial_state(), std::vector<uint8_t>(Arena::kDataSize, 0x5a)};
    in.state.gpr[0] = 40;
    Piece add;
    add.main.spec.opcode = {0x83};  // add eax, 2
    add.main.spec.has_modrm = true;
    add.main.spec.rm = RmRef{false, {0, false}, {}};
    add.main.spec.imm_size = 1;
    add.main.spec.imm = 2;
    add.main.flags = {0, flag::kArith, 0};
    Program p = harness_.layout({add}, true);
    ASSERT_TRUE(p.valid);
    EXPECT_EQ(harness_.compare(in, p), "");  // also leaves the program in the code arena
    EXPECT_GT(harness_.jit_blocks(), 0u);    // the JIT ran it, not only the interpreter
    RunResult native = run_native(in.state, p.address);
    EXPECT_EQ(native.fault, Fault::None);
    EXPECT_EQ(native.state.gpr[0], 42u);
    EXPECT_EQ(native.rip, native_exit_address());
}

// The translator's block flags must keep alignment checking apart from the other bits: a
// CPL 0 block with flat segments has no #AC.
TEST(X86DiffSetup, FlatSegmentsDoNotTurnOnAlignmentChecks) {
    X86CpuState s;
    s.cr0 = 0x11;  // PE, ET
    for (Segment& seg : s.seg) {
        seg.base = 0;
        seg.limit = 0xffffffff;
        seg.type = 3;
        seg.db = true;
    }
    s.seg[CS].type = 0xb;
    EXPECT_EQ(tb_flags(s) & tbflag::kAlignCheck, 0u);
}

// The comparison sees a divide error and where it happened, in both runs.
TEST_F(X86Diff, DivideErrorIsReportedByBothRuns) {
    InsnGenerator gen(2, host_features());
    DiffInput in{gen.initial_state(), std::vector<uint8_t>(Arena::kDataSize, 0)};
    in.state.gpr[1] = 0;  // div ecx with ecx = 0
    Piece div;
    div.main.spec.opcode = {0xf7};
    div.main.spec.has_modrm = true;
    div.main.spec.reg = {6, false};
    div.main.spec.rm = RmRef{false, {1, false}, {}};
    div.main.flags = {0, 0, flag::kArith};
    Program p = harness_.layout({div}, true);
    EXPECT_EQ(harness_.compare(in, p), "");  // also leaves the program in the code arena
    RunResult native = run_native(in.state, p.address);
    EXPECT_EQ(native.fault, Fault::DivideError);
    EXPECT_EQ(native.rip, p.address);
    EXPECT_EQ(native.state.gpr[1], 0u);
}

TEST_F(X86Diff, EachFormAlone64) {
    run_forms(true);
}

TEST_F(X86Diff, EachFormAlone32) {
    run_forms(false);
}

TEST_F(X86Diff, SimdRowsAlone64) {
    run_simd_rows(true);
}

TEST_F(X86Diff, SimdRowsAlone32) {
    run_simd_rows(false);
}

TEST_F(X86Diff, RandomSequences64) {
    run_sequences(true, env_number("KEMU_DIFF_ITERATIONS", 20000));
}

// 32-bit code runs natively in compatibility mode (Linux's 0x23 code segment) and as a
// flat protected-mode guest.
TEST_F(X86Diff, RandomSequences32) {
    run_sequences(false, env_number("KEMU_DIFF_ITERATIONS", 20000) / 2);
}

}  // namespace
}  // namespace kemu::x86::difftest
