// The IR interpreter op by op: every row of tcg/ir_ops.def run on edge values in i32 and
// i64 and checked against the op's documented meaning, computed here in plain C++. This
// is the reference every JIT backend will be held to, so it must itself be right.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <vector>

#include "tcg/builder.h"
#include "tcg/host_x87.h"
#include "tcg/interpreter.h"
#include "tcg/vfp.h"
#include "tests/unit/tcg/edge_values.h"
#include "tests/unit/tcg/interp_env.h"

namespace kemu::tcg {
namespace {

using namespace interp_test;
constexpr uint32_t kField = offsetof(TestEnv, field);

// Guest memory for guest_ld/guest_st: records what the interpreter passes on.
struct MemLog {
    uint64_t addr = 0, value = 0;
    uint32_t memop = 0;
    void* env = nullptr;
};
MemLog g_mem;

uint64_t test_load(void* env, uint64_t addr, uint32_t memop) {
    g_mem = {addr, 0, memop, env};
    return addr * 3 + memop;
}
void test_store(void* env, uint64_t addr, uint64_t value, uint32_t memop) {
    g_mem = {addr, value, memop, env};
}
// The vector forms record the env offset as the value.
void test_load_vector(void* env, uint64_t addr, uint32_t memop, uint32_t env_offset) {
    g_mem = {addr, env_offset, memop, env};
}
void test_store_vector(void* env, uint64_t addr, uint32_t memop, uint32_t env_offset) {
    g_mem = {addr, ~uint64_t(env_offset), memop, env};
}

void* g_helper_env = nullptr;
uint64_t helper_weigh(void* env, uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
    g_helper_env = env;
    return a + 2 * b + 3 * c + 5 * d;
}
uint64_t helper_seven(void*, uint64_t, uint64_t, uint64_t, uint64_t) {
    return 7;
}
uint64_t g_recorded = 0;
uint64_t helper_record(void*, uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
    g_recorded = a + 2 * b + 3 * c + 5 * d;
    return 0;
}
constexpr HelperInfo kHelpers[] = {
    {"weigh", helper_weigh, 0}, {"seven", helper_seven, 0}, {"record", helper_record, 0}};

const TargetInfo& target() {
    static const TargetInfo t = [] {
        TargetInfo t{kGlobals,
                     kHelpers,
                     offsetof(TestEnv, scratch),
                     64,
                     offsetof(TestEnv, insn_index),
                     test_load,
                     test_store,
                     test_load_vector,
                     test_store_vector};
        t.fp_status_offset = offsetof(TestEnv, fp_status);
        return t;
    }();
    return t;
}

constexpr Type kTypes[] = {Type::I32, Type::I64};

unsigned width(Type t) {
    return t == Type::I32 ? 32 : 64;
}
uint64_t mask(Type t) {
    return t == Type::I32 ? 0xffffffffull : ~0ull;
}
int64_t signed_value(Type t, uint64_t v) {
    return t == Type::I32 ? int64_t(int32_t(uint32_t(v))) : int64_t(v);
}
const char* type_name(Type t) {
    return t == Type::I32 ? "i32" : "i64";
}

// Runs `build` (which emits ops on G0..G3) then exit_tb; returns the final env.
template <typename Build>
TestEnv run(Build build, uint64_t g0 = 0, uint64_t g1 = 0, uint64_t g2 = 0, uint64_t g3 = 0,
            BlockExit* exit = nullptr) {
    Function f(target());
    Builder b(f);
    build(b);
    if (f.ops().empty() || !(f.ops().back().info().flags & kBlockEnd))
        b.emit(Opc::exit_tb, Type::I64, {});
    InterpCode code;
    EXPECT_TRUE(code.compile(f));
    TestEnv env{};
    env.g[0] = g0;
    env.g[1] = g1;
    env.g[2] = g2;
    env.g[3] = g3;
    BlockExit e = code.run(&env);
    if (exit) *exit = e;
    return env;
}

uint64_t rotate_left(uint64_t a, unsigned n, unsigned w) {
    uint64_t m = w == 64 ? ~0ull : (1ull << w) - 1;
    a &= m;
    n %= w;
    return n ? ((a << n) | (a >> (w - n))) & m : a;
}

struct BinaryCase {
    Opc opc;
    bool shift;  // b must be below the width
    uint64_t (*expect)(Type, uint64_t, uint64_t);
};

const BinaryCase kBinary[] = {
    {Opc::add, false, [](Type t, uint64_t a, uint64_t b) { return (a + b) & mask(t); }},
    {Opc::sub, false, [](Type t, uint64_t a, uint64_t b) { return (a - b) & mask(t); }},
    {Opc::mul, false, [](Type t, uint64_t a, uint64_t b) { return (a * b) & mask(t); }},
    {Opc::and_, false, [](Type t, uint64_t a, uint64_t b) { return a & b & mask(t); }},
    {Opc::or_, false, [](Type t, uint64_t a, uint64_t b) { return (a | b) & mask(t); }},
    {Opc::xor_, false, [](Type t, uint64_t a, uint64_t b) { return (a ^ b) & mask(t); }},
    {Opc::andc, false, [](Type t, uint64_t a, uint64_t b) { return a & ~b & mask(t); }},
    {Opc::shl, true, [](Type t, uint64_t a, uint64_t b) { return (a << b) & mask(t); }},
    {Opc::shr, true, [](Type t, uint64_t a, uint64_t b) { return (a & mask(t)) >> b; }},
    {Opc::sar, true,
     [](Type t, uint64_t a, uint64_t b) { return uint64_t(signed_value(t, a) >> b) & mask(t); }},
    {Opc::rotl, true,
     [](Type t, uint64_t a, uint64_t b) { return rotate_left(a, unsigned(b), width(t)); }},
    {Opc::rotr, true,
     [](Type t, uint64_t a, uint64_t b) {
         return rotate_left(a, (width(t) - unsigned(b)) % width(t), width(t));
     }},
};

std::vector<uint64_t> second_operands(Type t, bool shift) {
    if (!shift) return {std::begin(kEdges), std::end(kEdges)};
    std::vector<uint64_t> counts;
    for (uint64_t n = 0; n < width(t); n++)
        counts.push_back(n);
    return counts;
}

TEST(TcgInterpreter, BinaryOpsOnGlobalsAndConstants) {
    for (const BinaryCase& c : kBinary) {
        for (Type t : kTypes) {
            for (uint64_t a : kEdges) {
                for (uint64_t bv : second_operands(t, c.shift)) {
                    uint64_t want = c.expect(t, a, bv);
                    TestEnv e = run([&](Builder& b) { b.emit(c.opc, t, {G2, G0, G1}); }, a, bv);
                    EXPECT_EQ(e.g[2], want) << op_info(c.opc).name << "_" << type_name(t) << " 0x"
                                            << std::hex << a << ", 0x" << bv;
                    // The same with the second operand from the constant pool.
                    TestEnv k = run(
                        [&](Builder& b) {
                            b.emit(c.opc, t, {G2, G0, b.cst(bv, t)});
                        },
                        a);
                    EXPECT_EQ(k.g[2], c.expect(t, a, bv & mask(t)))
                        << op_info(c.opc).name << "_" << type_name(t) << " const 0x" << std::hex
                        << a << ", 0x" << bv;
                }
            }
        }
    }
}

struct UnaryCase {
    Opc opc;
    uint64_t (*expect)(Type, uint64_t);
};

const UnaryCase kUnary[] = {
    {Opc::mov, [](Type t, uint64_t a) { return a & mask(t); }},
    {Opc::neg, [](Type t, uint64_t a) { return (0 - a) & mask(t); }},
    {Opc::not_, [](Type t, uint64_t a) { return ~a & mask(t); }},
    {Opc::ctpop, [](Type t, uint64_t a) { return uint64_t(std::popcount(a & mask(t))); }},
    {Opc::ext8s, [](Type t, uint64_t a) { return uint64_t(int64_t(int8_t(a))) & mask(t); }},
    {Opc::ext8u, [](Type, uint64_t a) { return a & 0xff; }},
    {Opc::ext16s, [](Type t, uint64_t a) { return uint64_t(int64_t(int16_t(a))) & mask(t); }},
    {Opc::ext16u, [](Type, uint64_t a) { return a & 0xffff; }},
};

TEST(TcgInterpreter, UnaryOps) {
    for (const UnaryCase& c : kUnary)
        for (Type t : kTypes)
            for (uint64_t a : kEdges)
                EXPECT_EQ(run(
                              [&](Builder& b) {
                                  b.emit(c.opc, t, {G1, G0});
                              },
                              a)
                              .g[1],
                          c.expect(t, a))
                    << op_info(c.opc).name << "_" << type_name(t) << " 0x" << std::hex << a;
}

TEST(TcgInterpreter, Extend32IsAnI64Op) {
    for (uint64_t a : kEdges) {
        EXPECT_EQ(run(
                      [&](Builder& b) {
                          b.emit(Opc::ext32s, Type::I64, {G1, G0});
                      },
                      a)
                      .g[1],
                  uint64_t(int64_t(int32_t(uint32_t(a)))));
        EXPECT_EQ(run(
                      [&](Builder& b) {
                          b.emit(Opc::ext32u, Type::I64, {G1, G0});
                      },
                      a)
                      .g[1],
                  a & 0xffffffff);
    }
}

TEST(TcgInterpreter, CountLeadingAndTrailingZeros) {
    constexpr uint64_t kFallback = 0x99;
    for (Type t : kTypes) {
        for (uint64_t a : kEdges) {
            uint64_t v = a & mask(t);
            uint64_t clz = v ? uint64_t(std::countl_zero(v) - (64 - width(t))) : kFallback;
            uint64_t ctz = v ? uint64_t(std::countr_zero(v)) : kFallback;
            EXPECT_EQ(run(
                          [&](Builder& b) {
                              b.emit(Opc::clz, t, {G2, G0, G1});
                          },
                          a, kFallback)
                          .g[2],
                      clz)
                << "clz_" << type_name(t) << " 0x" << std::hex << a;
            EXPECT_EQ(run(
                          [&](Builder& b) {
                              b.emit(Opc::ctz, t, {G2, G0, G1});
                          },
                          a, kFallback)
                          .g[2],
                      ctz)
                << "ctz_" << type_name(t) << " 0x" << std::hex << a;
        }
    }
}

TEST(TcgInterpreter, ByteSwap) {
    for (uint64_t a : kEdges) {
        for (Type t : kTypes) {
            EXPECT_EQ(run(
                          [&](Builder& b) {
                              b.emit(Opc::bswap, t, {G1, G0, 2});
                          },
                          a)
                          .g[1],
                      uint64_t(__builtin_bswap16(uint16_t(a))));
            EXPECT_EQ(run(
                          [&](Builder& b) {
                              b.emit(Opc::bswap, t, {G1, G0, 4});
                          },
                          a)
                          .g[1],
                      uint64_t(__builtin_bswap32(uint32_t(a))));
        }
        EXPECT_EQ(run(
                      [&](Builder& b) {
                          b.emit(Opc::bswap, Type::I64, {G1, G0, 8});
                      },
                      a)
                      .g[1],
                  __builtin_bswap64(a));
    }
}

TEST(TcgInterpreter, DoubleWidthMultiply) {
    for (uint64_t a : kEdges) {
        for (uint64_t bv : kEdges) {
            // i64
            unsigned __int128 pu = (unsigned __int128)a * bv;
            TestEnv u = run(
                [&](Builder& b) {
                    b.emit(Opc::mulu2, Type::I64, {G2, G3, G0, G1});
                },
                a, bv);
            EXPECT_EQ(u.g[2], uint64_t(pu));
            EXPECT_EQ(u.g[3], uint64_t(pu >> 64));
            __int128 ps = (__int128)int64_t(a) * int64_t(bv);
            TestEnv s = run(
                [&](Builder& b) {
                    b.emit(Opc::muls2, Type::I64, {G2, G3, G0, G1});
                },
                a, bv);
            EXPECT_EQ(s.g[2], uint64_t(ps));
            EXPECT_EQ(s.g[3], uint64_t((unsigned __int128)ps >> 64))
                << std::hex << a << " * " << bv;
            // i32: on the low halves, each result zero-extended
            uint64_t pu32 = uint64_t(uint32_t(a)) * uint32_t(bv);
            TestEnv u32 = run(
                [&](Builder& b) {
                    b.emit(Opc::mulu2, Type::I32, {G2, G3, G0, G1});
                },
                a, bv);
            EXPECT_EQ(u32.g[2], pu32 & 0xffffffff);
            EXPECT_EQ(u32.g[3], pu32 >> 32);
            int64_t ps32 = int64_t(int32_t(uint32_t(a))) * int64_t(int32_t(uint32_t(bv)));
            TestEnv s32 = run(
                [&](Builder& b) {
                    b.emit(Opc::muls2, Type::I32, {G2, G3, G0, G1});
                },
                a, bv);
            EXPECT_EQ(s32.g[2], uint64_t(ps32) & 0xffffffff);
            EXPECT_EQ(s32.g[3], (uint64_t(ps32) >> 32) & 0xffffffff);
        }
    }
}

// divu2/divs2 as DIV and IDIV compute them, over the inputs their contract allows (the
// quotient lands in G3, the remainder in G0).
TEST(TcgInterpreter, DoubleWidthDivide) {
    auto divide = [&](Opc opc, Type t, uint64_t high, uint64_t low, uint64_t divisor) {
        return run([&](Builder& b) { b.emit(opc, t, {G3, G0, G0, G1, G2}); }, high, low, divisor);
    };
    for (uint64_t low : kEdges) {
        for (uint64_t d : kEdges) {
            if (d == 0) continue;
            for (uint64_t high : {uint64_t(0), d - 1, d / 2}) {
                const unsigned __int128 n = (unsigned __int128)high << 64 | low;
                TestEnv u = divide(Opc::divu2, Type::I64, high, low, d);
                EXPECT_EQ(u.g[3], uint64_t(n / d)) << std::hex << high << ":" << low << " / " << d;
                EXPECT_EQ(u.g[0], uint64_t(n % d));
            }
            const uint32_t d32 = uint32_t(d);
            if (d32 != 0) {
                const uint64_t n32 = uint64_t(d32 - 1) << 32 | uint32_t(low);
                TestEnv u32 = divide(Opc::divu2, Type::I32, d32 - 1, low, d);
                EXPECT_EQ(u32.g[3], n32 / d32);
                EXPECT_EQ(u32.g[0], n32 % d32);
            }
            if (int64_t(d) != 0 && int64_t(d) != -1) {
                const int64_t n = int64_t(low);
                TestEnv s = divide(Opc::divs2, Type::I64, uint64_t(n >> 63), low, d);
                EXPECT_EQ(s.g[3], uint64_t(n / int64_t(d)));
                EXPECT_EQ(s.g[0], uint64_t(n % int64_t(d)));
            }
            if (int32_t(d32) != 0 && int32_t(d32) != -1) {
                const int32_t n = int32_t(low);
                TestEnv s32 = divide(Opc::divs2, Type::I32, uint32_t(n >> 31), low, d);
                EXPECT_EQ(s32.g[3], uint32_t(n / int32_t(d32)));
                EXPECT_EQ(s32.g[0], uint32_t(n % int32_t(d32)));
            }
        }
    }
    // Outside the contract: zeros, never a trap.
    EXPECT_EQ(divide(Opc::divu2, Type::I64, 5, 0, 5).g[3], 0u);
    EXPECT_EQ(divide(Opc::divu2, Type::I64, 0, 7, 0).g[3], 0u);
    EXPECT_EQ(divide(Opc::divs2, Type::I64, ~0ull, 1ull << 63, ~0ull).g[3], 0u);
    EXPECT_EQ(divide(Opc::divs2, Type::I32, 0, 0x80000000u, ~0ull).g[3], 0u);
}

TEST(TcgInterpreter, DepositAndExtract) {
    const std::pair<uint32_t, uint32_t> kFields[] = {{0, 8},  {8, 8},   {0, 16}, {16, 16},
                                                     {0, 32}, {32, 32}, {5, 3},  {0, 64},
                                                     {31, 1}, {63, 1},  {1, 62}};
    for (auto [pos, len] : kFields) {
        uint64_t field = len == 64 ? ~0ull : ((1ull << len) - 1) << pos;
        for (uint64_t a : kEdges) {
            for (uint64_t v : {0ull, ~0ull, 0x5a5a5a5a5a5a5a5aull}) {
                EXPECT_EQ(run(
                              [&](Builder& b) {
                                  b.emit(Opc::deposit, Type::I64, {G2, G0, G1, pos, len});
                              },
                              a, v)
                              .g[2],
                          (a & ~field) | ((v << pos) & field))
                    << "deposit " << pos << "," << len;
            }
            uint64_t want = (a >> pos) & (len == 64 ? ~0ull : (1ull << len) - 1);
            EXPECT_EQ(run(
                          [&](Builder& b) {
                              b.emit(Opc::extract, Type::I64, {G1, G0, pos, len});
                          },
                          a)
                          .g[1],
                      want)
                << "extract " << pos << "," << len;
            if (pos + len <= 32) {
                uint64_t want32 = (a & 0xffffffff & field) >> pos;
                EXPECT_EQ(run(
                              [&](Builder& b) {
                                  b.emit(Opc::extract, Type::I32, {G1, G0, pos, len});
                              },
                              a)
                              .g[1],
                          want32)
                    << "extract_i32 " << pos << "," << len;
            }
        }
    }
}

bool expect_cond(Cond c, Type t, uint64_t a, uint64_t b) {
    uint64_t ua = a & mask(t), ub = b & mask(t);
    int64_t sa = signed_value(t, a), sb = signed_value(t, b);
    switch (c) {
        case Cond::Eq:
            return ua == ub;
        case Cond::Ne:
            return ua != ub;
        case Cond::Lt:
            return sa < sb;
        case Cond::Ge:
            return sa >= sb;
        case Cond::Le:
            return sa <= sb;
        case Cond::Gt:
            return sa > sb;
        case Cond::Ltu:
            return ua < ub;
        case Cond::Geu:
            return ua >= ub;
        case Cond::Leu:
            return ua <= ub;
        case Cond::Gtu:
            return ua > ub;
        case Cond::Always:
            return true;
        case Cond::Never:
            return false;
    }
    return false;
}

TEST(TcgInterpreter, ComparisonsSelectsAndBranches) {
    for (unsigned ci = 0; ci <= unsigned(Cond::Never); ci++) {
        Cond c = Cond(ci);
        for (Type t : kTypes) {
            for (uint64_t a : kEdges) {
                for (uint64_t bv : kEdges) {
                    bool want = expect_cond(c, t, a, bv);
                    EXPECT_EQ(run(
                                  [&](Builder& b) {
                                      b.emit(Opc::setcond, t, {G2, G0, G1, ci});
                                  },
                                  a, bv)
                                  .g[2],
                              uint64_t(want))
                        << "setcond " << cond_name(c) << "_" << type_name(t) << std::hex << " 0x"
                        << a << ", 0x" << bv;
                    EXPECT_EQ(run(
                                  [&](Builder& b) {
                                      b.emit(Opc::movcond, t,
                                             {G2, G0, G1, b.cst(0x1111), b.cst(0x2222), ci});
                                  },
                                  a, bv)
                                  .g[2],
                              want ? 0x1111u : 0x2222u)
                        << "movcond " << cond_name(c);
                    // brcond skips the store of 1 when taken.
                    TestEnv e = run(
                        [&](Builder& b) {
                            LabelId l = b.label();
                            b.brcond(c, G0, G1, l, t);
                            b.mov(G2, b.cst(1));
                            b.set_label(l);
                        },
                        a, bv);
                    EXPECT_EQ(e.g[2], uint64_t(!want)) << "brcond " << cond_name(c);
                }
            }
        }
    }
    EXPECT_EQ(invert(Cond::Lt), Cond::Ge);
    for (unsigned ci = 0; ci <= unsigned(Cond::Never); ci++)
        EXPECT_EQ(invert(invert(Cond(ci))), Cond(ci));
}

TEST(TcgInterpreter, BranchesAndLabels) {
    // A backward branch: count G0 down to zero, adding 3 to G1 each time.
    TestEnv e = run(
        [&](Builder& b) {
            LabelId top = b.label(), done = b.label();
            b.set_label(top);
            b.brcond(Cond::Eq, G0, b.cst(0), done);
            b.mov(G1, b.add(G1, b.cst(3)));
            b.mov(G0, b.sub(G0, b.cst(1)));
            b.br(top);
            b.set_label(done);
        },
        5, 100);
    EXPECT_EQ(e.g[0], 0u);
    EXPECT_EQ(e.g[1], 115u);
}

TEST(TcgInterpreter, EnvLoadsAndStores) {
    const uint64_t v = 0x8182838485868788;
    auto load = [&](Opc opc, Type t) {
        Function f(target());
        Builder b(f);
        b.emit(opc, t, {G1, kField});
        b.emit(Opc::exit_tb, Type::I64, {});
        InterpCode code;
        EXPECT_TRUE(code.compile(f));
        TestEnv env{};
        env.field = v;
        env.g[1] = 0xdeadbeefdeadbeef;
        code.run(&env);
        return env.g[1];
    };
    EXPECT_EQ(load(Opc::ld8u, Type::I64), 0x88u);
    EXPECT_EQ(load(Opc::ld16u, Type::I64), 0x8788u);
    EXPECT_EQ(load(Opc::ld32u, Type::I64), 0x85868788u);
    EXPECT_EQ(load(Opc::ld32s, Type::I64), 0xffffffff85868788u);
    EXPECT_EQ(load(Opc::ld32s, Type::I32), 0x85868788u);
    EXPECT_EQ(load(Opc::ld, Type::I64), v);
    EXPECT_EQ(load(Opc::ld, Type::I32), 0x85868788u);

    auto store = [&](Opc opc, Type t) {
        TestEnv e{};
        Function f(target());
        Builder b(f);
        b.emit(opc, t, {G0, kField});
        b.emit(Opc::exit_tb, Type::I64, {});
        InterpCode code;
        EXPECT_TRUE(code.compile(f));
        e.field = ~0ull;
        e.g[0] = 0x0102030405060708;
        code.run(&e);
        return e.field;
    };
    EXPECT_EQ(store(Opc::st8, Type::I64), 0xffffffffffffff08u);
    EXPECT_EQ(store(Opc::st16, Type::I64), 0xffffffffffff0708u);
    EXPECT_EQ(store(Opc::st32, Type::I64), 0xffffffff05060708u);
    EXPECT_EQ(store(Opc::st, Type::I64), 0x0102030405060708u);
    EXPECT_EQ(store(Opc::st, Type::I32), 0xffffffff05060708u);
}

// vfp: SSE arithmetic on env vectors, its flags ORed into the status word. The host's own
// flags start clear, as a vCPU keeps them within the guest's.
TEST(TcgInterpreter, VectorFloatingPoint) {
    if (!kVfpAvailable) GTEST_SKIP() << "vfp ops run on x86-64 hosts only";
    auto run = [](uint32_t op, TestEnv env) {
        Function f(target());
        Builder b(f);
        b.emit(Opc::vfp, Type::I64,
               {op, uint32_t(offsetof(TestEnv, vec)), uint32_t(offsetof(TestEnv, vec) + 16)});
        b.emit(Opc::exit_tb, Type::I64, {});
        InterpCode code;
        EXPECT_TRUE(code.compile(f));
        trim_host_fp_flags(0);
        code.run(&env);
        return env;
    };
    constexpr uint32_t kPe = 0x20, kZe = 0x04, kIe = 0x01;
    TestEnv e{};
    e.fp_status = 0x1f80;
    e.vec[0][0] = 1.5, e.vec[0][1] = 10.0, e.vec[1][0] = 2.25, e.vec[1][1] = 4.0;
    TestEnv r = run(vfp_op(VfpOperation::Add, VfpForm::ScalarDouble), e);
    EXPECT_EQ(r.vec[0][0], 3.75);
    EXPECT_EQ(r.vec[0][1], 10.0);     // a scalar form keeps the upper lane
    EXPECT_EQ(r.fp_status, 0x1f80u);  // exact: no flag
    r = run(vfp_op(VfpOperation::Div, VfpForm::PackedDouble), e);
    EXPECT_EQ(r.vec[0][0], 1.5 / 2.25);
    EXPECT_EQ(r.vec[0][1], 2.5);
    EXPECT_EQ(r.fp_status, 0x1f80u | kPe);
    e.vec[1][0] = 0.0;
    r = run(vfp_op(VfpOperation::Div, VfpForm::ScalarDouble), e);
    EXPECT_EQ(r.vec[0][0], __builtin_inf());
    EXPECT_EQ(r.fp_status, 0x1f80u | kZe);
    e.vec[0][0] = -1.0;
    r = run(vfp_op(VfpOperation::Sqrt, VfpForm::ScalarDouble), e);  // sqrt of the source
    EXPECT_EQ(r.vec[0][0], 0.0);
    e.vec[1][0] = -4.0;
    r = run(vfp_op(VfpOperation::Sqrt, VfpForm::ScalarDouble), e);
    EXPECT_TRUE(std::isnan(r.vec[0][0]));
    EXPECT_EQ(r.fp_status, 0x1f80u | kIe);
    // MIN with a NaN returns the second operand, whichever it is.
    e.vec[0][0] = __builtin_nan("");
    e.vec[1][0] = 7.0;
    EXPECT_EQ(run(vfp_op(VfpOperation::Min, VfpForm::ScalarDouble), e).vec[0][0], 7.0);
}

TEST(TcgInterpreter, GuestMemoryGoesThroughTheTarget) {
    TestEnv e =
        run([&](Builder& b) { b.mov(G1, b.guest_ld(G0, MemOp::make(2, true, 1))); }, 0x1000);
    EXPECT_EQ(g_mem.addr, 0x1000u);
    EXPECT_EQ(g_mem.memop, MemOp::make(2, true, 1).bits);
    EXPECT_NE(g_mem.env, nullptr);
    EXPECT_EQ(e.g[1], 0x3000u + MemOp::make(2, true, 1).bits);

    run([&](Builder& b) { b.guest_st(G1, G0, MemOp::make(3, false, 0)); }, 0x2000, 0xabcdef);
    EXPECT_EQ(g_mem.addr, 0x2000u);
    EXPECT_EQ(g_mem.value, 0xabcdefu);
    EXPECT_EQ(g_mem.memop, MemOp::make(3, false, 0).bits);
}

TEST(TcgInterpreter, VectorGuestMemoryGoesThroughTheTarget) {
    const uint32_t at = offsetof(TestEnv, vec);
    const MemOp load = MemOp::make(4, false, 1).with_alignment(16);
    run([&](Builder& b) { b.guest_ld_vec(G0, load, at); }, 0x1230);
    EXPECT_EQ(g_mem.addr, 0x1230u);
    EXPECT_EQ(g_mem.value, at);
    EXPECT_EQ(g_mem.memop, load.bits);
    EXPECT_NE(g_mem.env, nullptr);

    const MemOp store = MemOp::make(5, false, 0);
    run([&](Builder& b) { b.guest_st_vec(G0, store, at); }, 0x2000);
    EXPECT_EQ(g_mem.addr, 0x2000u);
    EXPECT_EQ(g_mem.value, ~uint64_t(at));
    EXPECT_EQ(MemOp{g_mem.memop}.size(), 32u);
}

TEST(TcgInterpreter, VmovCopiesEnvBytes) {
    const uint32_t at = offsetof(TestEnv, vec);
    TestEnv e = run(
        [&](Builder& b) {
            b.emit(Opc::st, Type::I64, {G0, at});
            b.emit(Opc::st, Type::I64, {G1, at + 8});
            b.emit(Opc::vmov, Type::I64, {at + 16, at, 16});
        },
        0x1111, 0x2222);
    uint64_t copied[2];
    std::memcpy(copied, e.vec[1], 16);
    EXPECT_EQ(copied[0], 0x1111u);
    EXPECT_EQ(copied[1], 0x2222u);
}

TEST(TcgInterpreter, HelperCallsPassEnvAndArguments) {
    const uint64_t args[] = {11, 13, 17, 19};
    for (unsigned arity = 0; arity <= 4; arity++) {
        TestEnv e = run([&](Builder& b) {
            std::vector<TempId> in;
            for (unsigned i = 0; i < arity; i++)
                in.push_back(b.cst(args[i]));
            TempId r;
            switch (arity) {
                case 0:
                    r = b.call(0, {});
                    break;
                case 1:
                    r = b.call(0, {in[0]});
                    break;
                case 2:
                    r = b.call(0, {in[0], in[1]});
                    break;
                case 3:
                    r = b.call(0, {in[0], in[1], in[2]});
                    break;
                default:
                    r = b.call(0, {in[0], in[1], in[2], in[3]});
                    break;
            }
            b.mov(G0, r);
        });
        uint64_t want = 0;
        const uint64_t weights[] = {1, 2, 3, 5};
        for (unsigned i = 0; i < arity; i++)
            want += weights[i] * args[i];
        EXPECT_EQ(e.g[0], want) << "call" << arity;
        EXPECT_NE(g_helper_env, nullptr);
    }
    EXPECT_EQ(run([&](Builder& b) { b.mov(G0, b.call(1, {})); }).g[0], 7u);
}

TEST(TcgInterpreter, BlockExitsAndInsnStart) {
    BlockExit exit;
    auto leave = [&](Opc opc, std::initializer_list<uint32_t> args) {
        TestEnv e = run(
            [&](Builder& b) {
                b.emit(Opc::insn_start, Type::I64, {7, 0});
                b.emit(Opc::discard, Type::I64, {G3});
                b.emit(Opc::mb, Type::I64, {0});
                b.emit(opc, Type::I64, args);
                b.mov(G0, b.cst(1));  // never reached
            },
            0, 0, 0, 0, &exit);
        EXPECT_EQ(e.insn_index, 7u);
        EXPECT_EQ(e.g[0], 0u);
        return exit;
    };
    EXPECT_EQ(leave(Opc::exit_tb, {}), BlockExit::Exit);
    EXPECT_EQ(leave(Opc::goto_tb, {0}), BlockExit::Goto0);
    EXPECT_EQ(leave(Opc::goto_tb, {1}), BlockExit::Goto1);
    EXPECT_EQ(leave(Opc::goto_ptr, {}), BlockExit::GotoPtr);
}

TEST(TcgInterpreter, LocalsLiveInScratchAndRunOutCleanly) {
    // Locals round-trip through scratch slots.
    TestEnv e = run(
        [&](Builder& b) {
            TempId x = b.add(G0, b.cst(1));
            TempId y = b.add(x, x);
            b.mov(G1, y);
        },
        20);
    EXPECT_EQ(e.g[1], 42u);
    // More locals than scratch slots: compile fails instead of overrunning the env.
    Function f(target());
    Builder b(f);
    for (int i = 0; i < 65; i++)
        b.temp();
    b.emit(Opc::exit_tb, Type::I64, {});
    InterpCode code;
    EXPECT_FALSE(code.compile(f));
}

// host_x87: instructions on the host FPU, memory forms through env bytes.
TEST(TcgInterpreter, HostX87) {
    if (!kHostX87Available) GTEST_SKIP() << "host_x87 ops run on x86-64 hosts only";
    const uint32_t lane0 = offsetof(TestEnv, vec), lane1 = lane0 + 8, other = lane0 + 16;
    Function f(target());
    Builder b(f);
    b.emit(Opc::host_x87, Type::I64, {host_x87_insn(5, 0 << 3), lane0});  // FLD m64
    b.emit(Opc::host_x87, Type::I64, {host_x87_insn(4, 6 << 3), other});  // FDIV m64
    b.emit(Opc::host_x87, Type::I64, {host_x87_insn(1, 0xe8), 0});        // FLD1
    b.emit(Opc::host_x87, Type::I64, {host_x87_insn(6, 0xc1), 0});        // FADDP
    b.emit(Opc::host_x87, Type::I64, {host_x87_insn(5, 3 << 3), lane1});  // FSTP m64
    b.emit(Opc::exit_tb, Type::I64, {});
    InterpCode code;
    ASSERT_TRUE(code.compile(f));
    TestEnv e{};
    e.vec[0][0] = 10.0;
    e.vec[1][0] = 4.0;
    code.run(&e);
    EXPECT_EQ(e.vec[0][1], 3.5);
    EXPECT_EQ(e.vec[0][0], 10.0);
    EXPECT_EQ(host_x87_status() >> 11 & 7, 0) << "the FPU stack is balanced again";
}

// lea: an address, base + index << scale + a signed 32-bit displacement, at the op's width.
TEST(TcgInterpreter, AddressArithmetic) {
    auto lea = [](Type t, uint64_t a, uint64_t b, uint32_t shift, uint32_t disp) {
        return run(
                   [&](Builder& bld) {
                       bld.emit(Opc::lea, t, {G2, G0, G1, shift, disp});
                   },
                   a, b)
            .g[2];
    };
    EXPECT_EQ(lea(Type::I64, 0x1000, 3, 2, 0x10), 0x101cu);
    EXPECT_EQ(lea(Type::I64, 0x1000, 1, 0, 0xfffffff0), 0xff1u);  // disp -16
    EXPECT_EQ(lea(Type::I64, ~0ull, 1, 3, 0), 7u);
    EXPECT_EQ(lea(Type::I32, 0xfffffff0, 0x20, 0, 0), 0x10u) << "wraps at 32 bits";
    EXPECT_EQ(lea(Type::I32, 0x100000005, 1, 1, 0x7fffffff), 0x80000006u);
}

// host_simd: the interpreter runs no host code; it calls the fallback helper with the op's
// four inputs.
TEST(TcgInterpreter, HostSimdCallsItsFallback) {
    g_recorded = 0;
    TestEnv e = run(
        [](Builder& b) {
            const uint32_t index = b.function().add_host_simd(HostSimdInsn{});
            b.emit(Opc::host_simd, Type::I64, {G0, G1, b.cst(3), b.cst(4), 2, index});
        },
        1, 2);
    EXPECT_EQ(g_recorded, 1u + 2 * 2 + 3 * 3 + 5 * 4);
    EXPECT_EQ(e.g[0], 1u) << "no output";
}

// Every op in ir_ops.def is covered by one of the tests above.
TEST(TcgInterpreter, EveryOpIsTested) {
    const Opc kTested[] = {
        Opc::mov,          Opc::discard,      Opc::add,        Opc::sub,       Opc::mul,
        Opc::and_,         Opc::or_,          Opc::xor_,       Opc::andc,      Opc::shl,
        Opc::shr,          Opc::sar,          Opc::rotl,       Opc::rotr,      Opc::neg,
        Opc::not_,         Opc::mulu2,        Opc::muls2,      Opc::divu2,     Opc::divs2,
        Opc::clz,          Opc::ctz,          Opc::ctpop,      Opc::bswap,     Opc::ext8s,
        Opc::ext8u,        Opc::ext16s,       Opc::ext16u,     Opc::ext32s,    Opc::ext32u,
        Opc::deposit,      Opc::extract,      Opc::lea,        Opc::setcond,   Opc::movcond,
        Opc::set_label,    Opc::br,           Opc::brcond,     Opc::ld8u,      Opc::ld16u,
        Opc::ld32u,        Opc::ld32s,        Opc::ld,         Opc::st8,       Opc::st16,
        Opc::st32,         Opc::st,           Opc::guest_ld,   Opc::guest_st,  Opc::mb,
        Opc::guest_ld_vec, Opc::guest_st_vec, Opc::call0,      Opc::call1,     Opc::call2,
        Opc::call3,        Opc::call4,        Opc::insn_start, Opc::goto_tb,   Opc::exit_tb,
        Opc::goto_ptr,     Opc::vfp,          Opc::host_x87,   Opc::host_simd, Opc::vmov,
    };
    EXPECT_EQ(std::size(kTested), size_t(Opc::Count))
        << "an op was added to ir_ops.def: give it a test here";
}

}  // namespace
}  // namespace kemu::tcg
