// Direct chaining in the x86-64 backend: a goto_tb jump patched into another block's chain
// entry runs that block without returning to the caller; unpatched it exits again; a set
// chain-break word makes a chained block leave at its start; every block stores its tag.
#include <gtest/gtest.h>

#include <cstddef>
#include <optional>

#include "tcg/backend_x86_64.h"
#include "tcg/builder.h"

namespace kemu::tcg {
namespace {

struct ChainEnv {
    uint64_t g[2] = {};
    uint64_t tag = 0;
    uint32_t chain_break = 0;
    uint32_t insn = 0;
    uint64_t scratch[16] = {};
    uint64_t pc = 0;    // where an indirect branch goes
    uint64_t next = 0;  // a PC for a block to load
    uint64_t fast_key = 0;
    FastJump fast[4] = {};
};
constexpr unsigned kFastBits = 2;

constexpr GlobalInfo kGlobals[] = {
    {"g0", uint32_t(offsetof(ChainEnv, g[0])), Type::I64},
    {"g1", uint32_t(offsetof(ChainEnv, g[1])), Type::I64},
};

uint64_t no_load(void*, uint64_t, uint32_t) {
    return 0;
}
void no_store(void*, uint64_t, uint64_t, uint32_t) {}

TargetInfo chaining_target() {
    TargetInfo t{kGlobals,
                 {},
                 uint32_t(offsetof(ChainEnv, scratch)),
                 16,
                 uint32_t(offsetof(ChainEnv, insn)),
                 no_load,
                 no_store};
    t.chaining = true;
    t.block_tag_offset = uint32_t(offsetof(ChainEnv, tag));
    t.chain_break_offset = uint32_t(offsetof(ChainEnv, chain_break));
    t.goto_ptr_target = [](void*) -> const void* { return nullptr; };  // always a miss
    t.fast_jumps.offset = uint32_t(offsetof(ChainEnv, fast));
    t.fast_jumps.bits = kFastBits;
    t.fast_jumps.pc_offset = uint32_t(offsetof(ChainEnv, pc));
    t.fast_jumps.key_offset = uint32_t(offsetof(ChainEnv, fast_key));
    t.fast_jumps.present = true;
    return t;
}

class BackendChain : public ::testing::Test {
  protected:
    BackendChain() : target_(chaining_target()) {
        auto buf = CodeBuffer::create(1 << 20);
        EXPECT_TRUE(buf.ok());
        buf_.emplace(std::move(*buf));
    }

    // g[which] += add, then goto_tb 0 (or exit_tb when `exit` is set).
    CompiledBlock block(unsigned which, uint64_t add, bool exit, uint64_t tag) {
        Function f(target_);
        Builder b(f);
        b.mov(which, b.add(which, b.cst(add)));
        b.emit(exit ? Opc::exit_tb : Opc::goto_tb, Type::I64,
               exit ? std::initializer_list<uint32_t>{} : std::initializer_list<uint32_t>{0});
        CompiledBlock out;
        EXPECT_TRUE(backend_.compile(f, *buf_, out, tag));
        return out;
    }

    TargetInfo target_;
    X86Backend backend_;
    std::optional<CodeBuffer> buf_;
    ChainEnv env_;
};

TEST_F(BackendChain, PatchedJumpRunsTheNextBlockAndUnpatchingUndoesIt) {
    CompiledBlock a = block(0, 1, false, 0xa);
    CompiledBlock b = block(1, 10, true, 0xb);
    ASSERT_NE(a.jump_rel32[0], CompiledBlock::kNoJump);
    EXPECT_EQ(b.jump_rel32[0], CompiledBlock::kNoJump);
    EXPECT_EQ((reinterpret_cast<uintptr_t>(a.code()) + a.jump_rel32[0]) % 4, 0u);

    EXPECT_EQ(a.run(&env_), BlockExit::Goto0);
    EXPECT_EQ(env_.g[0], 1u);
    EXPECT_EQ(env_.g[1], 0u);
    EXPECT_EQ(env_.tag, 0xau);

    patch_chain(*buf_, a, 0, &b);
    EXPECT_EQ(a.run(&env_), BlockExit::Exit);
    EXPECT_EQ(env_.g[0], 2u);
    EXPECT_EQ(env_.g[1], 10u);
    EXPECT_EQ(env_.tag, 0xbu);

    patch_chain(*buf_, a, 0, nullptr);
    EXPECT_EQ(a.run(&env_), BlockExit::Goto0);
    EXPECT_EQ(env_.g[0], 3u);
    EXPECT_EQ(env_.g[1], 10u);
}

TEST_F(BackendChain, ChainBreakStopsAChainedBlockAtItsStart) {
    CompiledBlock a = block(0, 1, false, 0xa);
    CompiledBlock b = block(1, 10, true, 0xb);
    patch_chain(*buf_, a, 0, &b);
    env_.chain_break = 1;
    EXPECT_EQ(a.run(&env_), BlockExit::Exit);  // even the first block leaves at once
    EXPECT_EQ(env_.g[0], 0u);
    EXPECT_EQ(env_.g[1], 0u);
}

// A block's closing store of the next PC happens on the way out only: a chained jump skips
// it, as the block it goes to knows its own PC. That block, leaving at its entry check,
// stores it.
TEST_F(BackendChain, TheNextPcIsStoredOnlyWhereTheBlockLeaves) {
    constexpr uint64_t kA = 0xa00, kB = 0xb00;
    auto compile = [&](uint64_t entry, unsigned which, bool exit, uint64_t tag) {
        Function f(target_);
        f.set_entry_pc(entry);
        Builder b(f);
        b.mov(which, b.add(which, b.cst(1)));
        if (exit) {
            b.emit(Opc::exit_tb, Type::I64, {});
        } else {
            b.st(Opc::st, b.cst(kB), uint32_t(offsetof(ChainEnv, pc)));
            b.emit(Opc::goto_tb, Type::I64, {0});
        }
        CompiledBlock out;
        EXPECT_TRUE(backend_.compile(f, *buf_, out, tag));
        return out;
    };
    CompiledBlock a = compile(kA, 0, false, 0xa);
    CompiledBlock b = compile(kB, 1, true, 0xb);
    EXPECT_EQ(a.run(&env_), BlockExit::Goto0);
    EXPECT_EQ(env_.pc, kB) << "unchained, the jump leaves with the next PC in env";

    patch_chain(*buf_, a, 0, &b);
    env_.pc = 0;
    EXPECT_EQ(a.run(&env_), BlockExit::Exit);
    EXPECT_EQ(env_.g[1], 1u) << "b ran";
    EXPECT_EQ(env_.pc, 0u) << "chained, the store was skipped";

    env_.chain_break = 1;
    EXPECT_EQ(b.run(&env_), BlockExit::Exit);
    EXPECT_EQ(env_.g[1], 1u) << "b left at its entry";
    EXPECT_EQ(env_.pc, kB) << "with its own PC";
}

// A block chained to itself loops inside host code until its own condition exits.
TEST_F(BackendChain, SelfChainedLoopRunsToItsExit) {
    Function f(target_);
    Builder b(f);
    LabelId again = b.label();
    b.mov(0, b.add(0, b.cst(1)));
    b.brcond(Cond::Ltu, 0, b.cst(100), again);
    b.emit(Opc::exit_tb, Type::I64, {});
    b.set_label(again);
    b.emit(Opc::goto_tb, Type::I64, {0});
    CompiledBlock loop;
    ASSERT_TRUE(backend_.compile(f, *buf_, loop, 0xc));
    patch_chain(*buf_, loop, 0, &loop);
    EXPECT_EQ(loop.run(&env_), BlockExit::Exit);
    EXPECT_EQ(env_.g[0], 100u);
}

// Blocks enter and leave through stubs at the start of their buffer: after a reset the
// next block brings them back, and a second backend finds them where the first put them.
TEST_F(BackendChain, BlocksShareTheirBuffersEntryAndExitsAcrossResets) {
    CompiledBlock a = block(0, 1, false, 0xa);
    CompiledBlock b = block(1, 2, true, 0xb);
    EXPECT_LT(b.code_size, 96u) << "a block carries no prologue or epilogue of its own";
    EXPECT_EQ(a.run(&env_), BlockExit::Goto0);
    EXPECT_EQ(b.run(&env_), BlockExit::Exit);
    buf_->reset();
    CompiledBlock c = block(0, 3, true, 0xc);
    EXPECT_EQ(c.run(&env_), BlockExit::Exit);
    X86Backend other;
    Function f(target_);
    Builder builder(f);
    builder.mov(1, builder.add(1, builder.cst(4)));
    builder.emit(Opc::goto_ptr, Type::I64, {});
    CompiledBlock d;
    ASSERT_TRUE(other.compile(f, *buf_, d, 0xd));
    EXPECT_EQ(d.run(&env_), BlockExit::GotoPtr);
    EXPECT_EQ(env_.g[0], 4u);
    EXPECT_EQ(env_.g[1], 6u);
    EXPECT_EQ(env_.tag, 0xdu);
}

// Where goto_ptr's block got the new PC from: the probe takes it from there.
enum class PcFrom {
    Imm32,     // a constant store, the PC an immediate
    Imm64,     // a constant store of a PC beyond a sign-extended imm32
    Register,  // a store of a temp, still in its register
    Env,       // stored before other code: read back from env
};

// goto_ptr enters the block its fast jump entry names when PC, key and validity all match,
// and otherwise asks goto_ptr_target (here: no answer) and exits.
class BackendFastJump : public BackendChain, public ::testing::WithParamInterface<PcFrom> {};

TEST_P(BackendFastJump, IndirectBranchTakesAMatchingFastJumpEntry) {
    const uint64_t pc = GetParam() == PcFrom::Imm64 ? 0x123456789aull : 0xffffffff81234567ull;
    constexpr uint32_t kKey = 5;
    env_.next = pc;
    auto indirect = [&](bool keyed) {
        Function f(target_);
        Builder b(f);
        auto count = [&] { b.mov(0, b.add(0, b.cst(1))); };
        if (GetParam() != PcFrom::Env) count();
        if (GetParam() == PcFrom::Register || GetParam() == PcFrom::Env) {
            const TempId next = f.new_local(Type::I64);
            b.emit(Opc::ld, Type::I64, {next, uint32_t(offsetof(ChainEnv, next))});
            b.emit(Opc::st, Type::I64, {next, uint32_t(offsetof(ChainEnv, pc))});
        } else {
            b.emit(Opc::st, Type::I64, {b.cst(pc), uint32_t(offsetof(ChainEnv, pc))});
        }
        if (GetParam() == PcFrom::Env) count();
        b.emit(Opc::goto_ptr, Type::I64, {});
        if (keyed) f.set_fast_jump_key(kKey);
        CompiledBlock out;
        EXPECT_TRUE(backend_.compile(f, *buf_, out, 0xa));
        return out;
    };
    CompiledBlock a = indirect(true), unkeyed = indirect(false);
    CompiledBlock target = block(1, 10, true, 0xb);
    uint8_t valid = 1;
    FastJump& slot = env_.fast[(pc ^ pc >> kFastBits) & ((1u << kFastBits) - 1)];
    env_.fast_key = 0x300000000;
    EXPECT_EQ(a.run(&env_), BlockExit::GotoPtr) << "an empty cache";
    EXPECT_EQ(env_.pc, pc);
    slot = {pc, env_.fast_key | kKey, target.code(), &valid};
    EXPECT_EQ(a.run(&env_), BlockExit::Exit);
    EXPECT_EQ(env_.g[1], 10u);
    EXPECT_EQ(env_.tag, 0xbu);
    EXPECT_EQ(unkeyed.run(&env_), BlockExit::GotoPtr) << "a block without a key";
    env_.fast_key += 1ull << 32;
    EXPECT_EQ(a.run(&env_), BlockExit::GotoPtr) << "a key moved on since";
    slot.key = env_.fast_key | kKey;
    valid = 0;
    EXPECT_EQ(a.run(&env_), BlockExit::GotoPtr) << "an invalidated block";
    valid = 1;
    slot.pc = pc + 1;
    EXPECT_EQ(a.run(&env_), BlockExit::GotoPtr) << "another PC";
    slot.pc = pc ^ 0x100000000ull;
    EXPECT_EQ(a.run(&env_), BlockExit::GotoPtr) << "a PC that differs above bit 31";
    EXPECT_EQ(env_.g[0], 7u);
    EXPECT_EQ(env_.g[1], 10u);
}

INSTANTIATE_TEST_SUITE_P(PcSources, BackendFastJump,
                         ::testing::Values(PcFrom::Imm32, PcFrom::Imm64, PcFrom::Register,
                                           PcFrom::Env));

}  // namespace
}  // namespace kemu::tcg
