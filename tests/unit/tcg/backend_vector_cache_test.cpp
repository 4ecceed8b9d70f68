// The JIT's vector cache (tcg/backend_x86_64_vregs.h) and its deferred MXCSR flags, held to
// the interpreter on programs that read a vector after each event that must make the cache
// forget, keep or store what it holds: paths joining at a label, a helper writing env, an env
// store into a cached vector, a narrower write over part of a wide one, the call of a slow path
// (the harness's callees set every host vector register and trace env's vectors, which must
// be current); and the guest's MXCSR read after a label, where only env's unsettled byte
// knows whether flags are still in the host's.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <string>

#include "tcg/builder.h"
#include "tcg/vfp.h"
#include "tests/unit/tcg/backend_harness.h"

namespace kemu::tcg::backend_test {
namespace {

constexpr uint32_t kVec[4] = {kVecOffset, kVecOffset + 16, kVecOffset + 32, kVecOffset + 48};

Machine patterned_machine() {
    Machine m;
    for (unsigned i = 0; i < sizeof m.env.vec; i++)
        m.env.vec[i / 16][i % 16] = uint8_t(0x3d * i + 7);
    m.env.fp_status = 0x1f80;
    return m;
}

std::string differences(const std::function<void(Builder&)>& build, const Machine& m) {
    Function f(test_target());
    Builder b(f);
    build(b);
    return compare_runs(f, m);
}

// vec[dst] += vec[src] in 32-bit lanes: PADDD as itself, or the fallback helper.
void paddd(Builder& b, unsigned dst, unsigned src) {
    HostSimdInsn h;
    const uint8_t bytes[] = {0x66, 0x0f, 0xfe, 0xc1};  // paddd xmm0, xmm1
    std::memcpy(h.bytes.data(), bytes, sizeof bytes);
    h.length = sizeof bytes;
    h.sources = {kVec[dst], kVec[src], HostSimdInsn::kNoSource};
    h.result = kVec[dst];
    h.result_reg = 0;
    const uint32_t index = b.function().add_host_simd(h);
    b.emit(Opc::host_simd, Type::I64, {b.cst(dst), b.cst(src), b.cst(0), b.cst(0), kPaddd, index});
}

void vmov(Builder& b, uint32_t dst, uint32_t src, uint32_t size) {
    b.emit(Opc::vmov, Type::I64, {dst, src, size});
}

TEST(VectorCache, PathsJoiningForgetWhatOnlyOnePathCached) {
    for (uint64_t taken : {0, 1}) {
        Machine m = patterned_machine();
        m.env.g[0] = taken;
        EXPECT_EQ(differences(
                      [](Builder& b) {
                          const LabelId join = b.label();
                          paddd(b, 0, 1);
                          b.brcond(Cond::Ne, 0, b.cst(0), join);
                          vmov(b, kVec[3], kVec[2], 16);  // caches vec2 on this path only
                          b.set_label(join);
                          vmov(b, kVec[1], kVec[2], 16);
                          paddd(b, 0, 1);
                          b.emit(Opc::exit_tb, Type::I64, {});
                      },
                      m),
                  "")
            << "branch taken: " << taken;
    }
}

TEST(VectorCache, AHelperWritingEnvIsNotAnsweredFromTheCache) {
    EXPECT_EQ(differences(
                  [](Builder& b) {
                      paddd(b, 0, 1);
                      const TempId r = b.temp();
                      b.emit(Opc::call2, Type::I64, {r, b.cst(0), b.cst(1), kPaddd});
                      paddd(b, 0, 1);
                      b.emit(Opc::exit_tb, Type::I64, {});
                  },
                  patterned_machine()),
              "");
}

TEST(VectorCache, AnEnvStoreIntoACachedVectorIsSeen) {
    EXPECT_EQ(differences(
                  [](Builder& b) {
                      paddd(b, 0, 1);
                      b.emit(Opc::st, Type::I64, {2, kVec[0] + 8});
                      paddd(b, 1, 0);
                      b.emit(Opc::exit_tb, Type::I64, {});
                  },
                  patterned_machine()),
              "");
}

TEST(VectorCache, ANarrowWriteOverAWideValueDropsIt) {
    EXPECT_EQ(differences(
                  [](Builder& b) {
                      vmov(b, kVec[0], kVec[2], 32);  // cached whole where the host has AVX
                      vmov(b, kVec[1], kVec[0], 16);  // its upper half
                      vmov(b, kVec[2], kVec[0], 32);
                      b.emit(Opc::exit_tb, Type::I64, {});
                  },
                  patterned_machine()),
              "");
}

// A TLB miss (every entry of the machine's TLB is invalid) calls out between a value's
// caching and its use, in both widths, for each kind of guest access.
TEST(VectorCache, SlowPathsKeepTheCachedRegisters) {
    for (uint32_t size : {16u, 32u})
        for (Opc access : {Opc::guest_ld, Opc::guest_st, Opc::guest_ld_vec, Opc::guest_st_vec}) {
            Machine m = patterned_machine();
            m.env.g[0] = 0x48;
            EXPECT_EQ(differences(
                          [&](Builder& b) {
                              vmov(b, kVec[0], kVec[2], size);
                              const uint32_t mop = MemOp::make(size == 16 ? 4 : 5, false, 0).bits;
                              if (access == Opc::guest_ld)
                                  b.emit(access, Type::I64, {6, 0, MemOp::make(3, false, 0).bits});
                              else if (access == Opc::guest_st)
                                  b.emit(access, Type::I64, {1, 0, MemOp::make(3, false, 0).bits});
                              else
                                  b.emit(access, Type::I64, {0, mop, kVec[2]});
                              vmov(b, kVec[2], kVec[0], size);
                              b.emit(Opc::exit_tb, Type::I64, {});
                          },
                          m),
                      "")
                << op_info(access).name << ", " << size << " bytes";
        }
}

// Two vfp ops in a row store the first result only where the second overwrites it: not
// for another destination; the same one may be the second's source (from its register).
TEST(VectorCache, AVfpStoreIsSkippedOnlyWhereTheNextOverwritesIt) {
    const uint32_t add = vfp_op(VfpOperation::Add, VfpForm::PackedDouble);
    const uint32_t second[][2] = {{kVec[1], kVec[2]}, {kVec[0], kVec[2]}, {kVec[0], kVec[0]}};
    for (const auto& [dst, src] : second) {
        EXPECT_EQ(differences(
                      [&](Builder& b) {
                          b.emit(Opc::vfp, Type::I64, {add, kVec[0], kVec[1]});
                          b.emit(Opc::vfp, Type::I64, {add, dst, src});
                          b.emit(Opc::exit_tb, Type::I64, {});
                      },
                      patterned_machine()),
                  "")
            << "second op on env+" << dst << " from env+" << src;
    }
}

// The loaded value is cached on the fast path; the slow path's callee writes env instead.
TEST(VectorCache, AVectorLoadsSlowPathFillsItsRegister) {
    for (uint32_t size : {16u, 32u}) {
        Machine m = patterned_machine();
        m.env.g[0] = 0x10;
        EXPECT_EQ(differences(
                      [&](Builder& b) {
                          const uint32_t mop = MemOp::make(size == 16 ? 4 : 5, false, 0).bits;
                          b.emit(Opc::guest_ld_vec, Type::I64, {0, mop, kVec[0]});
                          vmov(b, kVec[2], kVec[0], size);
                          b.emit(Opc::exit_tb, Type::I64, {});
                      },
                      m),
                  "")
            << size << " bytes";
    }
}

// DIVPD by zero raises ZE; then something looks at the status word (an env load of it, a
// helper, a memory slow path's callee: the harness's leave it in the trace), on the same path
// or after paths join, where only the unsettled byte knows whether flags are left.
TEST(VectorCache, FlagsLeftInTheHostAreSettledBeforeTheStatusIsSeen) {
    enum class Reader { EnvLoad, Helper, SlowPath };
    for (Reader reader : {Reader::EnvLoad, Reader::Helper, Reader::SlowPath})
        for (bool after_label : {false, true}) {
            Machine m = patterned_machine();
            const double one[2] = {1.0, 1.0}, zero[2] = {0.0, 0.0};
            std::memcpy(m.env.vec[0], one, 16);
            std::memcpy(m.env.vec[1], zero, 16);
            const std::string diff = differences(
                [&](Builder& b) {
                    b.emit(Opc::vfp, Type::I64,
                           {vfp_op(VfpOperation::Div, VfpForm::PackedDouble), kVec[0], kVec[1]});
                    if (after_label) {
                        const LabelId join = b.label();
                        b.brcond(Cond::Eq, 0, b.cst(0), join);
                        b.emit(Opc::add, Type::I64, {1, 1, b.cst(1)});
                        b.set_label(join);
                    }
                    if (reader == Reader::EnvLoad)
                        b.emit(Opc::ld32u, Type::I64, {7, offsetof(TestEnv, fp_status)});
                    else if (reader == Reader::Helper)
                        b.emit(Opc::call1, Type::I64, {b.temp(), b.cst(5), kTrace});
                    else
                        b.emit(Opc::guest_ld, Type::I64, {7, 0, MemOp::make(3, false, 0).bits});
                    b.emit(Opc::exit_tb, Type::I64, {});
                },
                m);
            EXPECT_EQ(diff, "") << "reader " << int(reader)
                                << (after_label ? ", after a label" : ", on the same path");
        }
}

}  // namespace
}  // namespace kemu::tcg::backend_test
