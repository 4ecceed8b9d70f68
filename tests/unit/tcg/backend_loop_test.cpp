// Self-loops in the x86-64 backend: a block whose goto_tb stores its own entry PC keeps the
// globals and env vectors it reads in registers across the back edge, and chained to itself
// enters past their loads. Each loop here runs chained in host code and is held to the interpreter
// running the same block once per iteration.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <functional>
#include <optional>
#include <random>
#include <string>

#include "tcg/backend_x86_64.h"
#include "tcg/builder.h"
#include "tcg/interpreter.h"
#include "tcg/vfp.h"

namespace kemu::tcg {
namespace {

constexpr unsigned kGlobalCount = 12;  // more than the loop keeps, and than free registers
constexpr uint64_t kEntryPc = 0x401000;
constexpr unsigned kVectorCount = 16;  // more than the vector cache's 13 registers

struct LoopEnv {
    uint64_t g[kGlobalCount] = {};
    uint64_t tag = 0;
    uint32_t chain_break = 0;
    uint32_t insn = 0;
    uint32_t fp_status = 0;  // helper calls settle SIMD flags here
    uint8_t fp_unsettled = 0;
    uint64_t scratch[64] = {};
    uint64_t pc = 0;
    uint64_t fast_key = 0;
    FastJump fast[4] = {};
    uint64_t calls = 0;        // helper calls so far
    uint64_t break_after = 0;  // the helper sets chain_break at this many calls
    alignas(32) uint8_t vec[kVectorCount][32] = {};
};

constexpr uint32_t vec_at(unsigned i) {
    return uint32_t(offsetof(LoopEnv, vec) + 32 * i);
}

constexpr GlobalInfo kGlobals[] = {
    {"g0", uint32_t(offsetof(LoopEnv, g[0])), Type::I64},
    {"g1", uint32_t(offsetof(LoopEnv, g[1])), Type::I64},
    {"g2", uint32_t(offsetof(LoopEnv, g[2])), Type::I64},
    {"g3", uint32_t(offsetof(LoopEnv, g[3])), Type::I64},
    {"g4", uint32_t(offsetof(LoopEnv, g[4])), Type::I64},
    {"g5", uint32_t(offsetof(LoopEnv, g[5])), Type::I64},
    {"g6", uint32_t(offsetof(LoopEnv, g[6])), Type::I64},
    {"g7", uint32_t(offsetof(LoopEnv, g[7])), Type::I64},
    {"g8", uint32_t(offsetof(LoopEnv, g[8])), Type::I64},
    {"g9", uint32_t(offsetof(LoopEnv, g[9])), Type::I64},
    {"g10", uint32_t(offsetof(LoopEnv, g[10])), Type::I64},
    {"g11", uint32_t(offsetof(LoopEnv, g[11])), Type::I64},
};
static_assert(std::size(kGlobals) == kGlobalCount);

// Counts its calls, changes g1 (which the loops keep in a register), and asks chained code
// to stop after env->break_after calls.
uint64_t count_call(void* env, uint64_t, uint64_t, uint64_t, uint64_t) {
    auto& e = *static_cast<LoopEnv*>(env);
    e.g[1] = e.g[1] * 3 + 1;
    if (++e.calls == e.break_after) e.chain_break = 1;
    return e.calls;
}
constexpr HelperInfo kHelpers[] = {{"count_call", count_call, 0}};

uint64_t no_load(void*, uint64_t, uint32_t) {
    return 0;
}
void no_store(void*, uint64_t, uint64_t, uint32_t) {}

TargetInfo loop_target() {
    TargetInfo t{kGlobals,
                 kHelpers,
                 uint32_t(offsetof(LoopEnv, scratch)),
                 64,
                 uint32_t(offsetof(LoopEnv, insn)),
                 no_load,
                 no_store};
    t.chaining = true;
    t.block_tag_offset = uint32_t(offsetof(LoopEnv, tag));
    t.chain_break_offset = uint32_t(offsetof(LoopEnv, chain_break));
    t.fp_status_offset = uint32_t(offsetof(LoopEnv, fp_status));
    t.fp_unsettled_offset = uint32_t(offsetof(LoopEnv, fp_unsettled));
    t.fast_jumps.offset = uint32_t(offsetof(LoopEnv, fast));
    t.fast_jumps.bits = 2;
    t.fast_jumps.pc_offset = uint32_t(offsetof(LoopEnv, pc));
    t.fast_jumps.key_offset = uint32_t(offsetof(LoopEnv, fast_key));
    t.fast_jumps.present = true;
    return t;
}

std::string differences(const LoopEnv& jit, const LoopEnv& interp) {
    std::string out;
    for (unsigned i = 0; i < kGlobalCount; i++)
        if (jit.g[i] != interp.g[i])
            out += "g" + std::to_string(i) + ": jit " + std::to_string(jit.g[i]) +
                   ", interpreter " + std::to_string(interp.g[i]) + "\n";
    for (unsigned i = 0; i < kVectorCount; i++)
        if (std::memcmp(jit.vec[i], interp.vec[i], 32))
            out += "vec" + std::to_string(i) + " differs\n";
    if (jit.pc != interp.pc) out += "pc differs\n";
    if (jit.calls != interp.calls) out += "call counts differ\n";
    return out;
}

class BackendLoop : public ::testing::Test {
  protected:
    BackendLoop() : target_(loop_target()) {
        auto buf = CodeBuffer::create(1 << 20);
        EXPECT_TRUE(buf.ok());
        buf_.emplace(std::move(*buf));
        for (unsigned i = 0; i < kGlobalCount; i++)
            start_.g[i] = 0x1000 * (i + 1) + i;
        for (unsigned i = 0; i < kVectorCount; i++)
            for (unsigned lane = 0; lane < 4; lane++) {
                const double v = 1.0 + i + lane / 8.0;
                std::memcpy(&start_.vec[i][8 * lane], &v, 8);
            }
    }

    // A block: `body`, then g0 -= 1 and, while g0 != 0, pc = kEntryPc and goto_tb 0 (the
    // back edge); else pc = kEntryPc + 1 and exit_tb.
    void build(Function& f, const std::function<void(Builder&)>& body) const {
        f.set_entry_pc(kEntryPc);
        Builder b(f);
        body(b);
        LabelId done = b.label();
        b.mov(0, b.binop(Opc::sub, 0, b.cst(1)));
        b.brcond(Cond::Eq, 0, b.cst(0), done);
        b.st(Opc::st, b.cst(kEntryPc), uint32_t(offsetof(LoopEnv, pc)));
        b.emit(Opc::goto_tb, Type::I64, {0});
        b.set_label(done);
        b.st(Opc::st, b.cst(kEntryPc + 1), uint32_t(offsetof(LoopEnv, pc)));
        b.emit(Opc::exit_tb, Type::I64, {});
    }

    // The block run chained to itself from `start`, and by the interpreter until it
    // leaves through exit_tb or the chain break: their states must agree.
    void check(const std::function<void(Builder&)>& body, uint64_t iterations,
               uint64_t break_after = 0) {
        Function f(target_);
        build(f, body);
        CompiledBlock loop;
        ASSERT_TRUE(backend_.compile(f, *buf_, loop, 0x5e1f));
        EXPECT_EQ(loop.loop_slots, 1u) << "goto_tb 0 is a back edge";
        EXPECT_GT(loop.loop_entry, 0u) << "the entry loads what the loop keeps";
        patch_chain(*buf_, loop, 0, &loop);

        LoopEnv jit = start_;
        jit.g[0] = iterations;
        jit.break_after = break_after;
        const BlockExit exit = loop.run(&jit);

        InterpCode code;
        ASSERT_TRUE(code.compile(f));
        LoopEnv interp = start_;
        interp.g[0] = iterations;
        interp.break_after = break_after;
        BlockExit step;
        do {
            step = code.run(&interp);
        } while (step == BlockExit::Goto0 && !interp.chain_break);
        EXPECT_EQ(exit, BlockExit::Exit);
        EXPECT_EQ(differences(jit, interp), "");
    }

    TargetInfo target_;
    X86Backend backend_;
    std::optional<CodeBuffer> buf_;
    LoopEnv start_;
};

// Loop-carried values in several globals, each read before it is written.
TEST_F(BackendLoop, CarriesGlobalsAroundTheLoop) {
    check(
        [](Builder& b) {
            b.mov(1, b.add(1, 2));
            b.mov(2, b.xor_(2, b.shli(1, 3)));
            b.mov(3, b.add(3, b.cst(7)));
        },
        1000);
}

// Globals that trade values each iteration: their registers at the back edge are a
// permutation of the loop entry's, with cycles to break.
TEST_F(BackendLoop, RotatesAndSwapsGlobals) {
    check(
        [](Builder& b) {
            TempId first = b.copy(1);
            b.mov(1, 2);
            b.mov(2, 3);
            b.mov(3, first);
            TempId other = b.copy(4);
            b.mov(4, 5);
            b.mov(5, other);
            b.mov(6, b.add(6, 1));
        },
        257);
}

// More globals read than the loop keeps and than there are registers: some go home and
// come back from env at the back edge.
TEST_F(BackendLoop, ReadsMoreGlobalsThanItKeeps) {
    check(
        [](Builder& b) {
            TempId sum = b.add(1, 2);
            for (TempId g = 3; g < kGlobalCount; g++)
                sum = b.add(sum, g);
            for (TempId g = 1; g < kGlobalCount; g++)
                b.mov(g, b.add(g, b.xor_(sum, b.cst(g))));
        },
        100);
}

// A helper that changes a kept global: the back edge reloads it from env.
TEST_F(BackendLoop, ReloadsWhatAHelperChanged) {
    check(
        [](Builder& b) {
            b.mov(1, b.add(1, 11));
            b.call(0, {});
            b.mov(2, b.add(2, 11));
        },
        50);
}

// The chain-break word stops the loop at its entry, with env as the last iteration left it.
TEST_F(BackendLoop, ChainBreakLeavesAtTheLoopEntry) {
    check(
        [](Builder& b) {
            b.mov(1, b.add(1, 2));
            b.call(0, {});
            b.mov(2, b.add(2, 1));
        },
        1000, 37);
}

// Chained to another block, a back edge enters that block at its start, where it loads
// what it keeps itself; unpatched, the jump leaves.
TEST_F(BackendLoop, ChainedElsewhereEntersAtTheStart) {
    auto body = [](Builder& b) { b.mov(1, b.add(1, 2)); };
    Function f(target_), g(target_);
    build(f, body);
    build(g, [](Builder& b) { b.mov(2, b.add(2, 1)); });
    CompiledBlock first, second;
    ASSERT_TRUE(backend_.compile(f, *buf_, first, 1));
    ASSERT_TRUE(backend_.compile(g, *buf_, second, 2));
    patch_chain(*buf_, first, 0, &second);
    patch_chain(*buf_, second, 0, &first);
    LoopEnv env = start_;
    env.g[0] = 10;
    EXPECT_EQ(first.run(&env), BlockExit::Exit);
    // Five rounds of first-then-second, g1 += g2 then g2 += g1.
    uint64_t g1 = start_.g[1], g2 = start_.g[2];
    for (int i = 0; i < 5; i++) {
        g1 += g2;
        g2 += g1;
    }
    EXPECT_EQ(env.g[1], g1);
    EXPECT_EQ(env.g[2], g2);
    EXPECT_EQ(env.g[0], 0u);

    patch_chain(*buf_, first, 0, nullptr);
    env.g[0] = 10;
    EXPECT_EQ(first.run(&env), BlockExit::Goto0);
    EXPECT_EQ(env.g[0], 9u);
    EXPECT_EQ(env.pc, kEntryPc);
}

// Vector loops. A 32-byte rotation through a temporary: the three vectors are read before
// they are written, so they stay in host registers, upper halves included.
TEST_F(BackendLoop, CarriesVectorsAroundTheLoop) {
    check(
        [](Builder& b) {
            b.emit(Opc::vmov, Type::I64, {vec_at(8), vec_at(0), 32});
            b.emit(Opc::vmov, Type::I64, {vec_at(0), vec_at(1), 32});
            b.emit(Opc::vmov, Type::I64, {vec_at(1), vec_at(2), 32});
            b.emit(Opc::vmov, Type::I64, {vec_at(2), vec_at(8), 32});
            b.mov(1, b.add(1, 2));
        },
        1001);
}

// Legacy-SSE arithmetic on 16 bytes of vectors the loop keeps whole: it cleans the upper
// halves of every register, so the back edge takes those vectors from env again.
TEST_F(BackendLoop, MixesSseArithmeticWithWholeVectors) {
    if (!kVfpAvailable) GTEST_SKIP() << "vfp needs an x86-64 host";
    const uint32_t add = vfp_op(VfpOperation::Add, VfpForm::PackedDouble);
    const uint32_t mul = vfp_op(VfpOperation::Mul, VfpForm::PackedDouble);
    check(
        [&](Builder& b) {
            b.emit(Opc::vmov, Type::I64, {vec_at(3), vec_at(4), 32});
            b.emit(Opc::vfp, Type::I64, {add, vec_at(0), vec_at(1)});
            b.emit(Opc::vfp, Type::I64, {mul, vec_at(1), vec_at(5)});
            b.emit(Opc::vmov, Type::I64, {vec_at(4), vec_at(0), 32});
            b.emit(Opc::vmov, Type::I64, {vec_at(5), vec_at(3), 16});
        },
        300);
}

// Every vector in turn takes the next one's value: sixteen of them in a body that the
// cache's thirteen registers cannot hold, so kept vectors are evicted and come back in other
// registers, or from env, at the back edge.
TEST_F(BackendLoop, CyclesMoreVectorsThanTheCacheHolds) {
    check(
        [](Builder& b) {
            for (unsigned i = 0; i + 1 < kVectorCount; i++)
                b.emit(Opc::vmov, Type::I64, {vec_at(i), vec_at(i + 1), 32});
            b.emit(Opc::vmov, Type::I64, {vec_at(kVectorCount - 1), vec_at(0), 32});
        },
        77);
}

// The back edge leaves env without the vectors' latest values; unchained, it leaves the
// block and must store them on the way out.
TEST_F(BackendLoop, AnUnchainedBackEdgeStoresTheVectors) {
    Function f(target_);
    build(f, [](Builder& b) {
        b.emit(Opc::vmov, Type::I64, {vec_at(8), vec_at(0), 32});
        b.emit(Opc::vmov, Type::I64, {vec_at(0), vec_at(1), 32});
        b.emit(Opc::vmov, Type::I64, {vec_at(1), vec_at(8), 32});
    });
    CompiledBlock block;
    ASSERT_TRUE(backend_.compile(f, *buf_, block, 0x77));
    ASSERT_EQ(block.loop_slots, 1u);
    LoopEnv jit = start_, interp = start_;
    jit.g[0] = interp.g[0] = 10;
    EXPECT_EQ(block.run(&jit), BlockExit::Goto0);
    InterpCode code;
    ASSERT_TRUE(code.compile(f));
    EXPECT_EQ(code.run(&interp), BlockExit::Goto0);
    EXPECT_EQ(differences(jit, interp), "");
}

// The chain-break word, set by the body itself after some iterations, stops the loop at its
// entry: the vectors the back edge brought are stored there on the way out.
TEST_F(BackendLoop, AChainBreakAtTheLoopEntryStoresTheVectors) {
    check(
        [](Builder& b) {
            b.emit(Opc::vmov, Type::I64, {vec_at(8), vec_at(0), 32});
            b.emit(Opc::vmov, Type::I64, {vec_at(0), vec_at(2), 32});
            b.emit(Opc::vmov, Type::I64, {vec_at(2), vec_at(8), 32});
            const TempId stop = b.setcond(Cond::Eq, 0, b.cst(7));
            b.st(Opc::st32, stop, uint32_t(offsetof(LoopEnv, chain_break)));
        },
        20);
}

// Random moves among the sixteen vectors, 16 or 32 bytes: as the cache evicts and reloads,
// kept vectors end up in one another's registers, in chains and cycles the back edge undoes.
TEST_F(BackendLoop, ShufflesVectorsAtRandom) {
    std::mt19937 rng(7);
    for (int body = 0; body < 300 && !HasFailure(); body++) {
        check(
            [&](Builder& b) {
                for (int i = 0; i < 24; i++) {
                    const uint32_t dst = rng() % kVectorCount, src = rng() % kVectorCount;
                    const uint32_t size = rng() % 3 ? 32 : 16;
                    if (dst != src) b.emit(Opc::vmov, Type::I64, {vec_at(dst), vec_at(src), size});
                }
            },
            5);
    }
}

// A helper call in the body: the cache forgets every register there, and the back edge
// loads the kept vectors again.
TEST_F(BackendLoop, ReloadsVectorsAfterACall) {
    check(
        [](Builder& b) {
            b.emit(Opc::vmov, Type::I64, {vec_at(6), vec_at(7), 32});
            b.call(0, {});
            b.emit(Opc::vmov, Type::I64, {vec_at(7), vec_at(9), 32});
            b.emit(Opc::vmov, Type::I64, {vec_at(9), vec_at(6), 32});
        },
        40);
}

// Without the PC of its own entry before the goto_tb, nothing loops back.
TEST_F(BackendLoop, AJumpElsewhereIsNoBackEdge) {
    Function f(target_);
    build(f, [](Builder& b) { b.mov(1, b.add(1, 2)); });
    f.set_entry_pc(kEntryPc + 0x40);
    CompiledBlock block;
    ASSERT_TRUE(backend_.compile(f, *buf_, block, 3));
    EXPECT_EQ(block.loop_slots, 0u);
    EXPECT_EQ(block.loop_entry, 0u);
}

}  // namespace
}  // namespace kemu::tcg
