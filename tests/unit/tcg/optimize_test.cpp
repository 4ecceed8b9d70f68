// The optimizer's rewrites: each program runs in the interpreter before and after
// optimize() on edge inputs, with the same results, and the rewrite is checked to happen
// (or, where it would be wrong, not to).
#include "tcg/optimize.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <functional>

#include "tcg/builder.h"
#include "tcg/interpreter.h"
#include "tests/unit/tcg/interp_env.h"

namespace kemu::tcg {
namespace {

using namespace interp_test;

uint64_t no_load(void*, uint64_t, uint32_t) {
    return 0;
}
void no_store(void*, uint64_t, uint64_t, uint32_t) {}
void no_vector_access(void*, uint64_t, uint32_t, uint32_t) {}

const TargetInfo& target() {
    static const TargetInfo t{kGlobals,
                              {},
                              offsetof(TestEnv, scratch),
                              64,
                              offsetof(TestEnv, insn_index),
                              no_load,
                              no_store,
                              no_vector_access,
                              no_vector_access};
    return t;
}

constexpr uint64_t kValues[] = {0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff, ~0ull, 1ull << 63};

TestEnv run(const Function& f, uint64_t g0, uint64_t g1) {
    InterpCode code;
    EXPECT_TRUE(code.compile(f));
    TestEnv env{};
    env.g[0] = g0;
    env.g[1] = g1;
    code.run(&env);
    return env;
}

// Builds `build`, checks that optimizing it changes no result, and returns the optimized ops.
std::vector<Op> optimized(const std::function<void(Builder&)>& build) {
    Function before(target()), after(target());
    for (Function* f : {&before, &after}) {
        Builder b(*f);
        build(b);
        b.emit(Opc::exit_tb, Type::I64, {});
    }
    optimize(after);
    for (uint64_t a : kValues)
        for (uint64_t b : kValues) {
            TestEnv x = run(before, a, b), y = run(after, a, b);
            EXPECT_TRUE(std::equal(std::begin(x.g), std::end(x.g), std::begin(y.g)))
                << "g0=" << a << " g1=" << b << "\n"
                << format_function(after);
        }
    return after.ops();
}

unsigned count(const std::vector<Op>& ops, Opc opc) {
    return unsigned(
        std::count_if(ops.begin(), ops.end(), [&](const Op& o) { return o.opc == opc; }));
}

// g2 = 1 when the branch on `test` of setcond(cond, g0, g1) is taken, else 2.
void branch_on_setcond(Builder& b, Cond cond, Cond test, Type type, bool clobber_input) {
    LabelId taken = b.label(), done = b.label();
    TempId flag = b.setcond(cond, G0, G1, type);
    if (clobber_input) b.mov(G0, b.cst(5));
    b.brcond(test, flag, b.cst(0), taken);
    b.mov(G2, b.cst(2));
    b.br(done);
    b.set_label(taken);
    b.mov(G2, b.cst(1));
    b.set_label(done);
}

TEST(Optimize, BranchOnASetcondBranchesOnItsComparison) {
    for (Type type : {Type::I32, Type::I64})
        for (Cond cond : {Cond::Eq, Cond::Lt, Cond::Geu, Cond::Gtu})
            for (Cond test : {Cond::Eq, Cond::Ne}) {
                auto ops =
                    optimized([&](Builder& b) { branch_on_setcond(b, cond, test, type, false); });
                EXPECT_EQ(count(ops, Opc::setcond), 0u);
                auto branch = std::find_if(ops.begin(), ops.end(),
                                           [](const Op& o) { return o.opc == Opc::brcond; });
                ASSERT_NE(branch, ops.end());
                EXPECT_EQ(branch->input(0), G0);
                EXPECT_EQ(branch->input(1), G1);
                EXPECT_EQ(branch->type, type);
            }
}

// movcond(setcond(g0 < g1) != 0, ...) selects on g0 < g1 itself; == 0 on the inverse.
TEST(Optimize, ASelectOnASetcondSelectsOnItsComparison) {
    for (Cond test : {Cond::Ne, Cond::Eq}) {
        auto ops = optimized([&](Builder& b) {
            TempId flag = b.setcond(Cond::Lt, G0, G1);
            b.emit(Opc::movcond, Type::I64, {G2, flag, b.cst(0), G0, G1, uint32_t(test)});
            b.mov(G3, b.cst(7));
        });
        auto sel =
            std::find_if(ops.begin(), ops.end(), [](const Op& o) { return o.opc == Opc::movcond; });
        ASSERT_NE(sel, ops.end());
        EXPECT_EQ(sel->input(0), G0);
        EXPECT_EQ(sel->input(1), G1);
        EXPECT_EQ(Cond(sel->constant(0)), test == Cond::Ne ? Cond::Lt : Cond::Ge);
        EXPECT_EQ(count(ops, Opc::setcond), 0u) << "the setcond is dead";
    }
}

TEST(Optimize, ABranchAfterTheInputChangedKeepsTheSetcond) {
    auto ops =
        optimized([&](Builder& b) { branch_on_setcond(b, Cond::Ltu, Cond::Ne, Type::I64, true); });
    EXPECT_EQ(count(ops, Opc::setcond), 1u);
}

TEST(Optimize, XorOfASetcondWithOneIsTheInverseSetcond) {
    auto ops = optimized([](Builder& b) {
        TempId flag = b.setcond(Cond::Le, G0, G1);
        b.emit(Opc::xor_, Type::I64, {G3, flag, b.cst(1)});
    });
    EXPECT_EQ(count(ops, Opc::xor_), 0u);
    auto set = std::find_if(ops.begin(), ops.end(),
                            [](const Op& o) { return o.opc == Opc::setcond && o.output(0) == G3; });
    ASSERT_NE(set, ops.end());
    EXPECT_EQ(Cond(set->constant(0)), Cond::Gt);
}

TEST(Optimize, OpsWithAnIdentityOperandBecomeMoves) {
    struct Case {
        Opc opc;
        uint64_t constant;
        bool constant_first;
    };
    const Case kCases[] = {{Opc::add, 0, false},     {Opc::add, 0, true},   {Opc::or_, 0, false},
                           {Opc::xor_, 0, true},     {Opc::sub, 0, false},  {Opc::shl, 0, false},
                           {Opc::sar, 0, false},     {Opc::rotr, 0, false}, {Opc::mul, 1, true},
                           {Opc::and_, ~0ull, false}};
    for (Type type : {Type::I32, Type::I64})
        for (const Case& k : kCases) {
            auto ops = optimized([&](Builder& b) {
                TempId c = b.cst(k.constant, type);
                b.emit(k.opc, type, {G2, k.constant_first ? c : G0, k.constant_first ? G0 : c});
            });
            EXPECT_EQ(count(ops, k.opc), 0u) << op_info(k.opc).name;
        }
    // Not identities: 0 - x, and x & ~0 at 64 bits when only the low half is ones.
    auto ops = optimized([](Builder& b) {
        b.emit(Opc::sub, Type::I64, {G2, b.cst(0), G0});
        b.emit(Opc::and_, Type::I64, {G3, G1, b.cst(0xffffffff)});
    });
    EXPECT_EQ(count(ops, Opc::sub), 1u);
    EXPECT_EQ(count(ops, Opc::and_), 1u);
}

TEST(Optimize, ZeroExtendingAZeroExtendedValueIsAMove) {
    auto ops = optimized([](Builder& b) {
        TempId low = b.temp();
        b.emit(Opc::ext32u, Type::I64, {low, G0});
        b.emit(Opc::ext32u, Type::I64, {G2, low});  // already clear above bit 31
        b.emit(Opc::ext32u, Type::I64, {G3, G1});   // not known
        b.emit(Opc::add, Type::I32, {G1, G0, G1});  // an i32 result is zero-extended
        b.emit(Opc::ext32u, Type::I64, {G0, G1});
    });
    EXPECT_EQ(count(ops, Opc::ext32u), 2u) << "the first and the unknown one stay";
}

// A full-width multiply whose high half is dead is a plain multiply; one whose high half is
// read stays.
TEST(Optimize, AMultiplyWithADeadHighHalfKeepsOnlyTheLowHalf) {
    for (Opc opc : {Opc::mulu2, Opc::muls2})
        for (Type t : {Type::I32, Type::I64}) {
            auto ops = optimized([&](Builder& b) {
                TempId high = b.temp(), dead = b.temp();
                b.emit(opc, t, {G2, high, G0, G1});
                b.mov(G3, high);
                b.emit(opc, t, {G0, dead, G0, G1});
            });
            EXPECT_EQ(count(ops, opc), 1u);
            EXPECT_EQ(count(ops, Opc::mul), 1u);
        }
}

// A zero-extending narrow guest load is that narrow: extending it again is a copy (the
// load itself stays, as it may fault).
TEST(Optimize, ExtendingANarrowGuestLoadIsAMove) {
    auto ops = optimized([](Builder& b) {
        TempId byte = b.guest_ld(G0, MemOp::make(0, false, 0));
        b.emit(Opc::ext8u, Type::I64, {G2, byte});  // a copy
        TempId signed_byte = b.guest_ld(G0, MemOp::make(0, true, 0));
        b.emit(Opc::ext8u, Type::I64, {G3, signed_byte});  // kept: sign bits above
    });
    EXPECT_EQ(count(ops, Opc::ext8u), 1u);
    EXPECT_EQ(count(ops, Opc::guest_ld), 2u);
}

// An extension of a value already that narrow is a copy; one to fewer bits is kept.
TEST(Optimize, ExtendingANarrowValueToItsWidthIsAMove) {
    auto ops = optimized([](Builder& b) {
        TempId byte = b.temp(), half = b.temp();
        b.emit(Opc::ext8u, Type::I64, {byte, G0});
        b.emit(Opc::ext8u, Type::I64, {G2, byte});   // a copy
        b.emit(Opc::ext16u, Type::I64, {G3, byte});  // a copy: 8 bits fit in 16
        b.emit(Opc::ext16u, Type::I64, {half, G1});
        b.emit(Opc::ext8u, Type::I64, {G1, half});  // kept: 16 bits do not fit in 8
        TempId flag = b.setcond(Cond::Ltu, G0, G1);
        b.emit(Opc::ext8u, Type::I64, {G0, flag});  // a copy of a 0/1 result
    });
    EXPECT_EQ(count(ops, Opc::ext8u), 2u) << "the first and the narrowing one stay";
    EXPECT_EQ(count(ops, Opc::ext16u), 1u);
}

TEST(Optimize, I32OpsReadAnExtensionsSourceDirectly) {
    auto ops = optimized([](Builder& b) {
        TempId low = b.temp(), high_cleared = b.temp();
        b.emit(Opc::ext32u, Type::I64, {low, G0});
        b.emit(Opc::ext32s, Type::I64, {high_cleared, G1});
        b.emit(Opc::add, Type::I32, {G2, low, high_cleared});
    });
    EXPECT_EQ(count(ops, Opc::ext32u) + count(ops, Opc::ext32s), 0u);
    auto add = std::find_if(ops.begin(), ops.end(), [](const Op& o) { return o.opc == Opc::add; });
    ASSERT_NE(add, ops.end());
    EXPECT_EQ(add->input(0), G0);
    EXPECT_EQ(add->input(1), G1);
    // Not after the source changed, and not for an i64 op, which reads the upper half too.
    ops = optimized([](Builder& b) {
        TempId low = b.temp();
        b.emit(Opc::ext32u, Type::I64, {low, G0});
        b.mov(G0, b.cst(7));
        b.emit(Opc::add, Type::I32, {G2, low, G1});
        b.emit(Opc::add, Type::I64, {G3, low, G1});
    });
    EXPECT_EQ(count(ops, Opc::ext32u), 1u);
}

// An instruction index nothing can read is not stored: a block's closing branch to its exits.
TEST(Optimize, AnInsnStartBeforeTheClosingBranchIsDropped) {
    auto ops = optimized([&](Builder& b) {
        b.emit(Opc::insn_start, Type::I64, {3, 0});
        branch_on_setcond(b, Cond::Eq, Cond::Ne, Type::I64, false);
    });
    EXPECT_EQ(count(ops, Opc::insn_start), 0u);
}

// A branch forward to an access that can fault keeps the index the access reports.
TEST(Optimize, AnInsnStartABranchLeadsToAFaultingAccessIsKept) {
    auto ops = optimized([&](Builder& b) {
        LabelId access = b.label();
        b.emit(Opc::insn_start, Type::I64, {3, 0});
        b.brcond(Cond::Eq, G0, G1, access);
        b.mov(G2, b.cst(2));
        b.set_label(access);
        b.mov(G3, b.guest_ld(G0, MemOp::make(3, false, 0)));
    });
    EXPECT_EQ(count(ops, Opc::insn_start), 1u);
}

// An access that names its own instruction needs no insn_start; one that does not, does.
TEST(Optimize, AnAccessCarryingItsInstructionIndexDropsTheInsnStart) {
    for (bool vector : {false, true}) {
        for (bool carries : {false, true}) {
            auto ops = optimized([&](Builder& b) {
                b.emit(Opc::insn_start, Type::I64, {3, 0});
                MemOp mop = MemOp::make(vector ? 4 : 3, false, 0);
                if (carries) mop = mop.with_insn(3);
                if (vector)
                    b.guest_st_vec(G0, mop, offsetof(TestEnv, vec));
                else
                    b.guest_st(G1, G0, mop);
            });
            EXPECT_EQ(count(ops, Opc::insn_start), carries ? 0u : 1u)
                << (vector ? "vector" : "scalar") << " access";
        }
    }
}

// An env store outside the globals' homes changes no global: what is known of them holds
// across it. One into a global's home (the first's or the last's) does change it.
TEST(Optimize, AnEnvStoreElsewhereKeepsWhatIsKnownOfGlobals) {
    for (TempId g : {G0, G3})
        for (bool into_home : {false, true}) {
            auto ops = optimized([&](Builder& b) {
                b.mov(g, b.cst(5));
                const uint32_t at = into_home ? kGlobals[g].env_offset : offsetof(TestEnv, field);
                b.st(Opc::st, b.cst(1), at);
                b.mov(G1, b.add(g, b.cst(1)));
            });
            EXPECT_EQ(count(ops, Opc::add), into_home ? 1u : 0u)
                << "g" << g << (into_home ? ": store into its home" : ": store elsewhere");
        }
}

// An env load outside the globals' homes reads no global: a store to a global that is
// overwritten after it is dead. One from a global's home reads it.
TEST(Optimize, AnEnvLoadElsewhereDoesNotKeepADeadGlobalStore) {
    for (TempId g : {G0, G3})
        for (bool from_home : {false, true}) {
            auto ops = optimized([&](Builder& b) {
                b.mov(g, b.add(G1, b.cst(1)));
                const uint32_t at = from_home ? kGlobals[g].env_offset : offsetof(TestEnv, field);
                b.mov(G2, b.ld(Opc::ld, at));
                b.mov(g, b.cst(7));
            });
            EXPECT_EQ(count(ops, Opc::add), from_home ? 1u : 0u)
                << "g" << g << (from_home ? ": load from its home" : ": load elsewhere");
        }
}

// The op whose output is just copied to a global: Op `x = g0 + g1` followed by `mov g2, x`,
// with x read again after the copy.
const Op* def_of_sum(const std::vector<Op>& ops) {
    auto it = std::find_if(ops.begin(), ops.end(), [](const Op& o) {
        return o.opc == Opc::add && o.input(0) == G0 && o.input(1) == G1;
    });
    return it == ops.end() ? nullptr : &*it;
}

// `x = op; mov g, x` computes into g, and x's later reads read g: no copy is left.
TEST(Optimize, AValueCopiedToAGlobalIsComputedThere) {
    for (Type type : {Type::I64, Type::I32}) {
        auto ops = optimized([&](Builder& b) {
            TempId x = b.temp(type);
            b.emit(Opc::add, type, {x, G0, G1});
            b.mov(G2, x);  // an i64 copy of an i32 result: it is kept zero-extended
            b.emit(Opc::sub, type, {G3, x, G0});
        });
        const Op* sum = def_of_sum(ops);
        ASSERT_NE(sum, nullptr);
        EXPECT_EQ(sum->output(0), G2) << (type == Type::I32 ? "i32" : "i64");
        EXPECT_EQ(count(ops, Opc::mov), 0u);
    }
}

// A global written again, directly or by a store into the CPU state, while the local is still
// read afterwards, no longer holds the local's value there: the copy stays.
TEST(Optimize, AGlobalChangedBeforeTheLocalsLastReadKeepsTheCopy) {
    for (bool by_env_store : {false, true}) {
        auto ops = optimized([&](Builder& b) {
            TempId x = b.add(G0, G1);
            b.mov(G2, x);
            b.guest_ld(G1, MemOp::make(3, false, 0));  // may fault: sees g2 == x
            if (by_env_store)
                b.st(Opc::st, b.cst(9), kGlobals[G2].env_offset);
            else
                b.mov(G2, b.cst(9));
            b.mov(G3, x);
        });
        const Op* sum = def_of_sum(ops);
        ASSERT_NE(sum, nullptr);
        EXPECT_NE(sum->output(0), G2) << (by_env_store ? "env store" : "global write");
    }
}

// A local defined on two paths that join is not one value: renaming one definition would
// leave the join reading the global on the other path.
TEST(Optimize, ALocalWithTwoDefinitionsKeepsItsCopy) {
    auto ops = optimized([](Builder& b) {
        LabelId other = b.label(), join = b.label();
        TempId x = b.temp();
        b.brcond(Cond::Eq, G0, G1, other);
        b.emit(Opc::add, Type::I64, {x, G0, G1});
        b.mov(G2, x);
        b.br(join);
        b.set_label(other);
        b.emit(Opc::add, Type::I64, {x, G1, b.cst(2)});
        b.set_label(join);
        b.mov(G3, x);
    });
    const Op* sum = def_of_sum(ops);
    ASSERT_NE(sum, nullptr);
    EXPECT_NE(sum->output(0), G2);
}

}  // namespace
}  // namespace kemu::tcg
