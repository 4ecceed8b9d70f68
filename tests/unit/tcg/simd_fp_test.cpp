// The floating-point handlers of simd_fp.cpp against the host's own VEX instructions, run
// in this file with the same MXCSR: 256-bit references check the handlers' 128-bit
// halves, three-operand references check which operand is which, and the MXCSR tests
// check rounding, DAZ, FTZ, flag accumulation, unmasked faults and the host's MXCSR.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "target-x86/cpuid.h"
#include "target-x86/tcg/simd.h"
#include "target-x86/tcg/simd_fp.h"

namespace kemu::x86::simd {
namespace {

constexpr uint32_t kAllMasks = 0x1f80, kDaz = 0x40, kFtz = 0x8000;
constexpr uint32_t kIE = 1, kDE = 2, kZE = 4, kOE = 8, kUE = 16, kPE = 32;
constexpr uint8_t kSentinel = 0xa5;

uint32_t host_csr() {
    uint32_t c;
    asm volatile("stmxcsr %0" : "=m"(c));
    return c;
}
void set_host_csr(uint32_t c) {
    asm volatile("ldmxcsr %0" : : "m"(c));
}

// The references are VEX instructions, and F16C comes with every AVX2 host.
bool host_has_avx2_fma_f16c() {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

#define REQUIRE_HOST_AVX() \
    if (!host_has_avx2_fma_f16c()) GTEST_SKIP() << "the references need AVX2/FMA/F16C"

const OpInfo* find(std::string_view mnemonic) {
    for (const OpInfo& op : fp_ops())
        if (op.mnemonic == mnemonic) return &op;
    return nullptr;
}

// Runs `body` with the guest's MXCSR as the handlers do; returns the flags it raised.
template <class F>
uint32_t with_guest_csr(uint32_t guest, F body) {
    uint32_t saved = host_csr();
    set_host_csr((guest & (0x6000 | kDaz | kFtz)) | kAllMasks);
    body();
    uint32_t flags = host_csr() & 0x3f;
    set_host_csr(saved);
    return flags;
}

// ---- inputs ------------------------------------------------------------------------------

uint32_t f32(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}
uint64_t f64(double d) {
    uint64_t u;
    std::memcpy(&u, &d, 8);
    return u;
}

// ±0, ±inf, QNaNs and SNaNs of both signs, denormals, extremes, inexact and out-of-range
// values for conversions to integers and halves.
const uint32_t kFloats[] = {
    0x00000000,  0x80000000,   f32(1.0f),   f32(-1.5f),        f32(1.0f / 3),     0x7f800000,
    0xff800000,  0x7fc00000,   0xffc01234,  0x7f800001,        0xff812345,        0x00000001,
    0x807fffff,  0x7f7fffff,   0x00800000,  f32(3e9f),         f32(-3e9f),        f32(2.5f),
    f32(1e-30f), f32(65520.f), f32(-7e-8f), f32(2147483520.f), f32(-2147483648.f)};
const uint64_t kDoubles[] = {0,
                             0x8000000000000000,
                             f64(1.0),
                             f64(-1.5),
                             f64(1.0 / 3),
                             0x7ff0000000000000,
                             0xfff0000000000000,
                             0x7ff8000000000000,
                             0xfff8000000001234,
                             0x7ff0000000000001,
                             0xfff0000000012345,
                             1,
                             0x800fffffffffffff,
                             0x7fefffffffffffff,
                             0x0010000000000000,
                             f64(3e9),
                             f64(-3e9),
                             f64(2.5),
                             f64(1e-300),
                             f64(1e300),
                             f64(2147483647.5),
                             f64(-2147483648.5),
                             f64(9.3e18)};

struct Rng {
    std::mt19937_64 gen{12345};
    uint64_t bits() { return gen(); }
    unsigned below(unsigned n) { return unsigned(gen() % n); }
};

// Lanes of `lane_bytes` from the pools, and now and then any bit pattern.
Vec random_vec(Rng& rng, unsigned lane_bytes) {
    Vec v;
    for (unsigned i = 0; i < 32 / lane_bytes; i++) {
        bool any = rng.below(5) == 0;
        if (lane_bytes == 4)
            v.set<uint32_t>(i, any ? uint32_t(rng.bits()) : kFloats[rng.below(std::size(kFloats))]);
        else
            v.set<uint64_t>(i, any ? rng.bits() : kDoubles[rng.below(std::size(kDoubles))]);
    }
    return v;
}

// Every rounding mode, DAZ and FTZ on and off, all masked, some flags already set.
uint32_t random_mxcsr(Rng& rng) {
    uint32_t m = kAllMasks | rng.below(4) << 13;
    if (rng.below(2)) m |= kDaz;
    if (rng.below(2)) m |= kFtz;
    if (rng.below(4) == 0) m |= uint32_t(rng.bits()) & 0x3f;
    return m;
}

struct Outcome {
    Vec dst;
    uint32_t mxcsr;
    uint64_t ret;
    bool fault;
};

Outcome call(const OpInfo& op, const Vec& dst, const Vec& a, const Vec& b, uint32_t mxcsr,
             uint8_t bytes, uint8_t imm = 0, uint64_t gpr = 0, uint8_t gpr_size = 0) {
    Outcome o{dst, mxcsr, 0, false};
    Args args{&o.dst, &a, &b, nullptr, gpr, &o.mxcsr, imm, bytes, gpr_size, false};
    uint32_t before = host_csr();
    o.ret = op.fn(args);
    // The host keeps its controls; flags may stay set only where the guest has them too.
    uint32_t after = host_csr();
    EXPECT_EQ(after & ~0x3fu, before & ~0x3fu) << op.mnemonic << ": the host MXCSR changed";
    EXPECT_EQ(after & 0x3fu & ~(before | o.mxcsr), 0u)
        << op.mnemonic << ": the host MXCSR has flags the guest has not";
    o.fault = args.unmasked_fault;
    return o;
}

Vec sentinel_vec() {
    Vec v;
    std::memset(v.b, kSentinel, 32);
    return v;
}

// ---- references: the host's VEX instructions on fixed registers --------------------------
// xmm0/ymm0 = a (or FMA's accumulator), xmm1/ymm1 = b, result in xmm2/ymm2.

using Ref = void (*)(const Vec& a, const Vec& b, Vec& r, bool wide);

#define LOAD2(w) "vmovdqu %1, %%" w "0\n\tvmovdqu %2, %%" w "1\n\t"
#define REF_BINARY(insn)                                                                    \
    void ref_##insn(const Vec& a, const Vec& b, Vec& r, bool wide) {                        \
        if (wide)                                                                           \
            asm volatile(LOAD2("ymm") #insn                                                 \
                         " %%ymm1, %%ymm0, %%ymm2\n\t"                                      \
                         "vmovdqu %%ymm2, %0\n\tvzeroupper"                                 \
                         : "+m"(r)                                                          \
                         : "m"(a), "m"(b)                                                   \
                         : "xmm0", "xmm1", "xmm2");                                         \
        else                                                                                \
            asm volatile(LOAD2("xmm") #insn " %%xmm1, %%xmm0, %%xmm2\n\tvmovdqu %%xmm2, %0" \
                         : "+m"(r)                                                          \
                         : "m"(a), "m"(b)                                                   \
                         : "xmm0", "xmm1", "xmm2");                                         \
    }                                                                                       \
    static_assert(true)
// One source: `wsrc`/`wdst` name the registers of the 256-bit form (ymm, or xmm for the
// narrow side of a conversion); the result register is stored whole.
#define REF_UNARY(insn, wsrc, wdst)                                                 \
    void ref_##insn(const Vec& a, const Vec& b, Vec& r, bool wide) {                \
        if (wide)                                                                   \
            asm volatile(LOAD2("ymm") #insn " %%" wsrc "1, %%" wdst                 \
                                            "2\n\t"                                 \
                                            "vmovdqu %%ymm2, %0\n\tvzeroupper"      \
                         : "+m"(r)                                                  \
                         : "m"(a), "m"(b)                                           \
                         : "xmm0", "xmm1", "xmm2");                                 \
        else                                                                        \
            asm volatile(LOAD2("xmm") #insn " %%xmm1, %%xmm2\n\tvmovdqu %%xmm2, %0" \
                         : "+m"(r)                                                  \
                         : "m"(a), "m"(b)                                           \
                         : "xmm0", "xmm1", "xmm2");                                 \
    }                                                                               \
    static_assert(true)

// Scalar (and 128-bit only) forms have no 256-bit encoding.
#define REF_BINARY128(insn)                                                             \
    void ref_##insn(const Vec& a, const Vec& b, Vec& r, bool) {                         \
        asm volatile(LOAD2("xmm") #insn " %%xmm1, %%xmm0, %%xmm2\n\tvmovdqu %%xmm2, %0" \
                     : "+m"(r)                                                          \
                     : "m"(a), "m"(b)                                                   \
                     : "xmm0", "xmm1", "xmm2");                                         \
    }                                                                                   \
    static_assert(true)

REF_BINARY(vaddps);
REF_BINARY(vaddpd);
REF_BINARY128(vaddss);
REF_BINARY128(vaddsd);
REF_BINARY(vsubps);
REF_BINARY(vsubpd);
REF_BINARY128(vsubss);
REF_BINARY128(vsubsd);
REF_BINARY(vmulps);
REF_BINARY(vmulpd);
REF_BINARY128(vmulss);
REF_BINARY128(vmulsd);
REF_BINARY(vdivps);
REF_BINARY(vdivpd);
REF_BINARY128(vdivss);
REF_BINARY128(vdivsd);
REF_BINARY(vminps);
REF_BINARY(vminpd);
REF_BINARY128(vminss);
REF_BINARY128(vminsd);
REF_BINARY(vmaxps);
REF_BINARY(vmaxpd);
REF_BINARY128(vmaxss);
REF_BINARY128(vmaxsd);
REF_BINARY128(vsqrtss);
REF_BINARY128(vsqrtsd);
REF_BINARY128(vrcpss);
REF_BINARY128(vrsqrtss);
REF_BINARY(vaddsubps);
REF_BINARY(vaddsubpd);
REF_BINARY(vhaddps);
REF_BINARY(vhaddpd);
REF_BINARY(vhsubps);
REF_BINARY(vhsubpd);
REF_BINARY128(vcvtss2sd);
REF_BINARY128(vcvtsd2ss);
REF_UNARY(vsqrtps, "ymm", "ymm");
REF_UNARY(vsqrtpd, "ymm", "ymm");
REF_UNARY(vrcpps, "ymm", "ymm");
REF_UNARY(vrsqrtps, "ymm", "ymm");
REF_UNARY(vcvtdq2ps, "ymm", "ymm");
REF_UNARY(vcvtps2dq, "ymm", "ymm");
REF_UNARY(vcvttps2dq, "ymm", "ymm");
REF_UNARY(vcvtps2pd, "xmm", "ymm");
REF_UNARY(vcvtdq2pd, "xmm", "ymm");
REF_UNARY(vcvtph2ps, "xmm", "ymm");
REF_UNARY(vcvtpd2ps, "ymm", "xmm");
REF_UNARY(vcvtpd2dq, "ymm", "xmm");
REF_UNARY(vcvttpd2dq, "ymm", "xmm");

struct Case {
    const char* mnemonic;
    Ref ref;
    unsigned lane_bytes;
    bool scalar;
};

const Case kCases[] = {
    {"ADDPS", ref_vaddps, 4, false},         {"ADDPD", ref_vaddpd, 8, false},
    {"ADDSS", ref_vaddss, 4, true},          {"ADDSD", ref_vaddsd, 8, true},
    {"SUBPS", ref_vsubps, 4, false},         {"SUBPD", ref_vsubpd, 8, false},
    {"SUBSS", ref_vsubss, 4, true},          {"SUBSD", ref_vsubsd, 8, true},
    {"MULPS", ref_vmulps, 4, false},         {"MULPD", ref_vmulpd, 8, false},
    {"MULSS", ref_vmulss, 4, true},          {"MULSD", ref_vmulsd, 8, true},
    {"DIVPS", ref_vdivps, 4, false},         {"DIVPD", ref_vdivpd, 8, false},
    {"DIVSS", ref_vdivss, 4, true},          {"DIVSD", ref_vdivsd, 8, true},
    {"MINPS", ref_vminps, 4, false},         {"MINPD", ref_vminpd, 8, false},
    {"MINSS", ref_vminss, 4, true},          {"MINSD", ref_vminsd, 8, true},
    {"MAXPS", ref_vmaxps, 4, false},         {"MAXPD", ref_vmaxpd, 8, false},
    {"MAXSS", ref_vmaxss, 4, true},          {"MAXSD", ref_vmaxsd, 8, true},
    {"SQRTSS", ref_vsqrtss, 4, true},        {"SQRTSD", ref_vsqrtsd, 8, true},
    {"RCPSS", ref_vrcpss, 4, true},          {"RSQRTSS", ref_vrsqrtss, 4, true},
    {"ADDSUBPS", ref_vaddsubps, 4, false},   {"ADDSUBPD", ref_vaddsubpd, 8, false},
    {"HADDPS", ref_vhaddps, 4, false},       {"HADDPD", ref_vhaddpd, 8, false},
    {"HSUBPS", ref_vhsubps, 4, false},       {"HSUBPD", ref_vhsubpd, 8, false},
    {"CVTSS2SD", ref_vcvtss2sd, 4, true},    {"CVTSD2SS", ref_vcvtsd2ss, 8, true},
    {"SQRTPS", ref_vsqrtps, 4, false},       {"SQRTPD", ref_vsqrtpd, 8, false},
    {"RCPPS", ref_vrcpps, 4, false},         {"RSQRTPS", ref_vrsqrtps, 4, false},
    {"CVTDQ2PS", ref_vcvtdq2ps, 4, false},   {"CVTPS2DQ", ref_vcvtps2dq, 4, false},
    {"CVTTPS2DQ", ref_vcvttps2dq, 4, false}, {"CVTPS2PD", ref_vcvtps2pd, 4, false},
    {"CVTDQ2PD", ref_vcvtdq2pd, 4, false},   {"VCVTPH2PS", ref_vcvtph2ps, 4, false},
    {"CVTPD2PS", ref_vcvtpd2ps, 8, false},   {"CVTPD2DQ", ref_vcvtpd2dq, 8, false},
    {"CVTTPD2DQ", ref_vcvttpd2dq, 8, false},
};

// Checks one handler call against the reference: the written bytes, the bytes beyond
// them untouched, and MXCSR = the old value with the reference's flags ORed in.
void expect_matches(const OpInfo& op, Ref ref, const Vec& a, const Vec& b, uint32_t mxcsr,
                    unsigned bytes, unsigned written) {
    Vec want = sentinel_vec();
    uint32_t flags = with_guest_csr(mxcsr, [&] { ref(a, b, want, bytes == 32); });
    Outcome got = call(op, sentinel_vec(), a, b, mxcsr, uint8_t(bytes));
    ASSERT_FALSE(got.fault) << op.mnemonic;
    EXPECT_EQ(0, std::memcmp(got.dst.b, want.b, written))
        << op.mnemonic << " bytes=" << bytes << " mxcsr=" << std::hex << mxcsr;
    for (unsigned i = written; i < 32; i++)
        ASSERT_EQ(got.dst.b[i], kSentinel) << op.mnemonic << " wrote byte " << i;
    EXPECT_EQ(got.mxcsr, mxcsr | flags) << op.mnemonic << " mxcsr=" << std::hex << mxcsr;
}

TEST(VecFp, ArithmeticAndConversionsMatchTheHost) {
    REQUIRE_HOST_AVX();
    Rng rng;
    for (const Case& c : kCases) {
        const OpInfo* op = find(c.mnemonic);
        ASSERT_NE(op, nullptr) << c.mnemonic;
        EXPECT_TRUE(op->flags & kFloatingPoint) << c.mnemonic;
        for (int i = 0; i < 300; i++) {
            Vec a = random_vec(rng, c.lane_bytes), b = random_vec(rng, c.lane_bytes);
            uint32_t mxcsr = random_mxcsr(rng);
            if (c.scalar) {
                // Scalar forms: 16 bytes with the upper lanes from a; VEX.L=1 zeroes 16-31.
                expect_matches(*op, c.ref, a, b, mxcsr, 16, 16);
                Outcome wide = call(*op, sentinel_vec(), a, b, mxcsr, 32);
                for (unsigned k = 16; k < 32; k++)
                    ASSERT_EQ(wide.dst.b[k], 0) << c.mnemonic;
            } else {
                expect_matches(*op, c.ref, a, b, mxcsr, 16, 16);
                expect_matches(*op, c.ref, a, b, mxcsr, 32, 32);
            }
        }
    }
}

// ---- immediate forms ---------------------------------------------------------------------

template <size_t N, class Make>
auto per_imm(Make make) {
    return [&]<size_t... I>(std::index_sequence<I...>) {
        return std::array<Ref, N>{make.template operator()<unsigned(I)>()...};
    }
    (std::make_index_sequence<N>());
}

#define REF_BINARY_IMM(insn)                                         \
    template <unsigned Imm>                                          \
    void ref_##insn(const Vec& a, const Vec& b, Vec& r, bool wide) { \
        if (wide)                                                    \
            asm volatile(LOAD2("ymm") #insn                          \
                         " %3, %%ymm1, %%ymm0, %%ymm2\n\t"           \
                         "vmovdqu %%ymm2, %0\n\tvzeroupper"          \
                         : "+m"(r)                                   \
                         : "m"(a), "m"(b), "i"(Imm)                  \
                         : "xmm0", "xmm1", "xmm2");                  \
        else                                                         \
            asm volatile(LOAD2("xmm") #insn                          \
                         " %3, %%xmm1, %%xmm0, %%xmm2\n\t"           \
                         "vmovdqu %%xmm2, %0"                        \
                         : "+m"(r)                                   \
                         : "m"(a), "m"(b), "i"(Imm)                  \
                         : "xmm0", "xmm1", "xmm2");                  \
    }                                                                \
    static_assert(true)
#define REF_UNARY_IMM(insn, wdst)                                                       \
    template <unsigned Imm>                                                             \
    void ref_##insn(const Vec& a, const Vec& b, Vec& r, bool wide) {                    \
        if (wide)                                                                       \
            asm volatile(LOAD2("ymm") #insn " %3, %%ymm1, %%" wdst                      \
                                            "2\n\t"                                     \
                                            "vmovdqu %%ymm2, %0\n\tvzeroupper"          \
                         : "+m"(r)                                                      \
                         : "m"(a), "m"(b), "i"(Imm)                                     \
                         : "xmm0", "xmm1", "xmm2");                                     \
        else                                                                            \
            asm volatile(LOAD2("xmm") #insn " %3, %%xmm1, %%xmm2\n\tvmovdqu %%xmm2, %0" \
                         : "+m"(r)                                                      \
                         : "m"(a), "m"(b), "i"(Imm)                                     \
                         : "xmm0", "xmm1", "xmm2");                                     \
    }                                                                                   \
    static_assert(true)

#define REF_BINARY_IMM128(insn)                                                             \
    template <unsigned Imm>                                                                 \
    void ref_##insn(const Vec& a, const Vec& b, Vec& r, bool) {                             \
        asm volatile(LOAD2("xmm") #insn " %3, %%xmm1, %%xmm0, %%xmm2\n\tvmovdqu %%xmm2, %0" \
                     : "+m"(r)                                                              \
                     : "m"(a), "m"(b), "i"(Imm)                                             \
                     : "xmm0", "xmm1", "xmm2");                                             \
    }                                                                                       \
    static_assert(true)

REF_BINARY_IMM(vcmpps);
REF_BINARY_IMM(vcmppd);
REF_BINARY_IMM128(vcmpss);
REF_BINARY_IMM128(vcmpsd);
REF_BINARY_IMM128(vroundss);
REF_BINARY_IMM128(vroundsd);
REF_BINARY_IMM(vdpps);
REF_BINARY_IMM128(vdppd);
REF_UNARY_IMM(vroundps, "ymm");
REF_UNARY_IMM(vroundpd, "ymm");
REF_UNARY_IMM(vcvtps2ph, "xmm");

struct ImmCase {
    const char* mnemonic;
    std::array<Ref, 32> refs;  // by imm (low bits), up to 32
    unsigned imms;
    unsigned lane_bytes;
    bool scalar;
    bool has_256;
};

template <size_t N, class Make>
std::array<Ref, 32> refs32(Make make) {
    std::array<Ref, 32> out{};
    auto t = per_imm<N>(make);
    std::copy(t.begin(), t.end(), out.begin());
    return out;
}

TEST(VecFp, ImmediateFormsMatchTheHostForEveryImmediate) {
    REQUIRE_HOST_AVX();
    const ImmCase cases[] = {
        {"CMPPS", refs32<32>([]<unsigned I>() { return &ref_vcmpps<I>; }), 32, 4, false, true},
        {"CMPPD", refs32<32>([]<unsigned I>() { return &ref_vcmppd<I>; }), 32, 8, false, true},
        {"CMPSS", refs32<32>([]<unsigned I>() { return &ref_vcmpss<I>; }), 32, 4, true, false},
        {"CMPSD", refs32<32>([]<unsigned I>() { return &ref_vcmpsd<I>; }), 32, 8, true, false},
        {"ROUNDPS", refs32<16>([]<unsigned I>() { return &ref_vroundps<I>; }), 16, 4, false, true},
        {"ROUNDPD", refs32<16>([]<unsigned I>() { return &ref_vroundpd<I>; }), 16, 8, false, true},
        {"ROUNDSS", refs32<16>([]<unsigned I>() { return &ref_vroundss<I>; }), 16, 4, true, false},
        {"ROUNDSD", refs32<16>([]<unsigned I>() { return &ref_vroundsd<I>; }), 16, 8, true, false},
        {"VCVTPS2PH", refs32<8>([]<unsigned I>() { return &ref_vcvtps2ph<I>; }), 8, 4, false, true},
    };
    Rng rng;
    for (const ImmCase& c : cases) {
        const OpInfo* op = find(c.mnemonic);
        ASSERT_NE(op, nullptr) << c.mnemonic;
        for (unsigned imm = 0; imm < c.imms; imm++) {
            for (int i = 0; i < 60; i++) {
                Vec a = random_vec(rng, c.lane_bytes), b = random_vec(rng, c.lane_bytes);
                uint32_t mxcsr = random_mxcsr(rng);
                SCOPED_TRACE(std::string(c.mnemonic) + " imm " + std::to_string(imm));
                Ref ref = c.refs[imm];
                auto run = [&](unsigned bytes) {
                    Vec want = sentinel_vec();
                    uint32_t flags = with_guest_csr(mxcsr, [&] { ref(a, b, want, bytes == 32); });
                    Outcome got =
                        call(*op, sentinel_vec(), a, b, mxcsr, uint8_t(bytes), uint8_t(imm));
                    EXPECT_EQ(0, std::memcmp(got.dst.b, want.b, bytes));
                    EXPECT_EQ(got.mxcsr, mxcsr | flags);
                };
                run(16);
                if (c.has_256) run(32);
            }
        }
    }
}

TEST(VecFp, DotProductsMatchTheHost) {
    REQUIRE_HOST_AVX();
    auto dpps = per_imm<256>([]<unsigned I>() { return &ref_vdpps<I>; });
    auto dppd = per_imm<256>([]<unsigned I>() { return &ref_vdppd<I>; });
    Rng rng;
    for (unsigned imm = 0; imm < 256; imm++) {
        for (int i = 0; i < 10; i++) {
            uint32_t mxcsr = random_mxcsr(rng);
            Vec a = random_vec(rng, 4), b = random_vec(rng, 4);
            Vec want = sentinel_vec();
            uint32_t flags = with_guest_csr(mxcsr, [&] { dpps[imm](a, b, want, true); });
            Outcome got = call(*find("DPPS"), sentinel_vec(), a, b, mxcsr, 32, uint8_t(imm));
            EXPECT_EQ(0, std::memcmp(got.dst.b, want.b, 32)) << "DPPS " << imm;
            EXPECT_EQ(got.mxcsr, mxcsr | flags) << "DPPS " << imm;

            a = random_vec(rng, 8), b = random_vec(rng, 8), want = sentinel_vec();
            flags = with_guest_csr(mxcsr, [&] { dppd[imm](a, b, want, false); });
            got = call(*find("DPPD"), sentinel_vec(), a, b, mxcsr, 16, uint8_t(imm));
            EXPECT_EQ(0, std::memcmp(got.dst.b, want.b, 16)) << "DPPD " << imm;
            EXPECT_EQ(got.mxcsr, mxcsr | flags) << "DPPD " << imm;
            EXPECT_EQ(got.dst.b[16], kSentinel);
        }
    }
}

// ---- FMA3 --------------------------------------------------------------------------------

using FmaRef = void (*)(const Vec& d, const Vec& a, const Vec& b, Vec& r, bool wide);

#define REF_FMA(insn)                                                                      \
    void ref_##insn(const Vec& d, const Vec& a, const Vec& b, Vec& r, bool wide) {         \
        if (wide)                                                                          \
            asm volatile(                                                                  \
                "vmovdqu %1, %%ymm0\n\tvmovdqu %2, %%ymm1\n\tvmovdqu %3, %%ymm2\n\t" #insn \
                " %%ymm2, %%ymm1, %%ymm0\n\tvmovdqu %%ymm0, %0\n\tvzeroupper"              \
                : "+m"(r)                                                                  \
                : "m"(d), "m"(a), "m"(b)                                                   \
                : "xmm0", "xmm1", "xmm2");                                                 \
        else                                                                               \
            asm volatile(                                                                  \
                "vmovdqu %1, %%xmm0\n\tvmovdqu %2, %%xmm1\n\tvmovdqu %3, %%xmm2\n\t" #insn \
                " %%xmm2, %%xmm1, %%xmm0\n\tvmovdqu %%xmm0, %0"                            \
                : "+m"(r)                                                                  \
                : "m"(d), "m"(a), "m"(b)                                                   \
                : "xmm0", "xmm1", "xmm2");                                                 \
    }                                                                                      \
    static_assert(true)
#define REF_FMA128(insn)                                                                        \
    void ref_##insn(const Vec& d, const Vec& a, const Vec& b, Vec& r, bool) {                   \
        asm volatile("vmovdqu %1, %%xmm0\n\tvmovdqu %2, %%xmm1\n\tvmovdqu %3, %%xmm2\n\t" #insn \
                     " %%xmm2, %%xmm1, %%xmm0\n\tvmovdqu %%xmm0, %0"                            \
                     : "+m"(r)                                                                  \
                     : "m"(d), "m"(a), "m"(b)                                                   \
                     : "xmm0", "xmm1", "xmm2");                                                 \
    }                                                                                           \
    static_assert(true)
// The 60 FMA3 instructions: P stamps the packed ones, S the scalar ones.
#define FMA_ORDERS(X, op, t) \
    X(op##132##t);           \
    X(op##213##t);           \
    X(op##231##t)
#define FMA_PACKED(X, op)  \
    FMA_ORDERS(X, op, ps); \
    FMA_ORDERS(X, op, pd)
#define FMA_BOTH(P, S, op) \
    FMA_PACKED(P, op);     \
    FMA_ORDERS(S, op, ss); \
    FMA_ORDERS(S, op, sd)
#define FMA_LIST(P, S)        \
    FMA_PACKED(P, vfmaddsub); \
    FMA_PACKED(P, vfmsubadd); \
    FMA_BOTH(P, S, vfmadd);   \
    FMA_BOTH(P, S, vfmsub);   \
    FMA_BOTH(P, S, vfnmadd);  \
    FMA_BOTH(P, S, vfnmsub)

FMA_LIST(REF_FMA, REF_FMA128);

struct FmaCase {
    const char* name;
    FmaRef ref;
};

std::vector<FmaCase> fma_cases() {
    std::vector<FmaCase> cases;
#define ADD_FMA_CASE(insn) cases.push_back({#insn, ref_##insn})
    FMA_LIST(ADD_FMA_CASE, ADD_FMA_CASE);
#undef ADD_FMA_CASE
    return cases;
}

std::string upper(std::string s) {
    for (char& ch : s)
        ch = char(std::toupper(static_cast<unsigned char>(ch)));
    return s;
}

TEST(VecFp, FmaMnemonicsNameTheDecoderSpans) {
    EXPECT_EQ(fma_mnemonic(0x96, false), "VFMADDSUB132PS");
    EXPECT_EQ(fma_mnemonic(0x97, true), "VFMSUBADD132PD");
    EXPECT_EQ(fma_mnemonic(0xa8, false), "VFMADD213PS");
    EXPECT_EQ(fma_mnemonic(0xb9, true), "VFMADD231SD");
    EXPECT_EQ(fma_mnemonic(0xbf, false), "VFNMSUB231SS");
    EXPECT_EQ(fma_mnemonic(0x9e, true), "VFNMSUB132PD");
    EXPECT_EQ(fma_mnemonic(0x95, false), "");
    EXPECT_EQ(fma_mnemonic(0xc6, false), "");
    EXPECT_EQ(fma_mnemonic(0x86, false), "");
}

TEST(VecFp, FmaMatchesTheHost) {
    REQUIRE_HOST_AVX();
    Rng rng;
    unsigned seen = 0;
    const std::vector<FmaCase> all = fma_cases();
    for (unsigned opcode = 0x90; opcode < 0xc0; opcode++) {
        for (bool w : {false, true}) {
            std::string_view name = fma_mnemonic(uint8_t(opcode), w);
            if (name.empty()) continue;
            const FmaCase* c = nullptr;
            for (const FmaCase& f : all)
                if (upper(f.name) == name) c = &f;
            ASSERT_NE(c, nullptr) << name;
            const OpInfo* op = find(name);
            ASSERT_NE(op, nullptr) << name;
            ASSERT_TRUE(fp_op_available(*op));
            seen++;
            bool scalar = name.ends_with("SS") || name.ends_with("SD");
            unsigned lane = name.back() == 'D' ? 8 : 4;
            for (int i = 0; i < 200; i++) {
                Vec d = random_vec(rng, lane), a = random_vec(rng, lane), b = random_vec(rng, lane);
                uint32_t mxcsr = random_mxcsr(rng);
                for (unsigned bytes : {16u, 32u}) {
                    if (scalar && bytes == 32) continue;
                    Vec want = sentinel_vec();
                    uint32_t flags =
                        with_guest_csr(mxcsr, [&] { c->ref(d, a, b, want, bytes == 32); });
                    // The accumulator is dst itself.
                    Vec dst = sentinel_vec();
                    std::memcpy(dst.b, d.b, bytes);
                    Outcome got = call(*op, dst, a, b, mxcsr, uint8_t(bytes));
                    EXPECT_EQ(0, std::memcmp(got.dst.b, want.b, bytes)) << name;
                    EXPECT_EQ(got.mxcsr, mxcsr | flags) << name;
                    if (bytes == 16) {
                        EXPECT_EQ(got.dst.b[16], kSentinel) << name;
                    }
                }
            }
        }
    }
    EXPECT_EQ(seen, 60u);
}

// ---- GPR conversions and RFLAGS compares -------------------------------------------------

#define REF_TO_GPR(insn)                                               \
    uint64_t ref_##insn(const Vec& b, bool wide) {                     \
        uint64_t r;                                                    \
        if (wide)                                                      \
            asm volatile("vmovdqu %1, %%xmm1\n\t" #insn " %%xmm1, %q0" \
                         : "=r"(r)                                     \
                         : "m"(b)                                      \
                         : "xmm1");                                    \
        else                                                           \
            asm volatile("vmovdqu %1, %%xmm1\n\t" #insn " %%xmm1, %k0" \
                         : "=r"(r)                                     \
                         : "m"(b)                                      \
                         : "xmm1");                                    \
        return r;                                                      \
    }                                                                  \
    static_assert(true)
REF_TO_GPR(vcvtss2si);
REF_TO_GPR(vcvttss2si);
REF_TO_GPR(vcvtsd2si);
REF_TO_GPR(vcvttsd2si);

#define REF_FROM_GPR(insn)                                         \
    void ref_##insn(const Vec& a, uint64_t v, bool wide, Vec& r) { \
        if (wide)                                                  \
            asm volatile("vmovdqu %1, %%xmm0\n\t" #insn            \
                         "q %2, %%xmm0, %%xmm2\n\t"                \
                         "vmovdqu %%xmm2, %0"                      \
                         : "+m"(r)                                 \
                         : "m"(a), "r"(v)                          \
                         : "xmm0", "xmm2");                        \
        else                                                       \
            asm volatile("vmovdqu %1, %%xmm0\n\t" #insn            \
                         "l %k2, %%xmm0, %%xmm2\n\t"               \
                         "vmovdqu %%xmm2, %0"                      \
                         : "+m"(r)                                 \
                         : "m"(a), "r"(v)                          \
                         : "xmm0", "xmm2");                        \
    }                                                              \
    static_assert(true)
REF_FROM_GPR(vcvtsi2ss);
REF_FROM_GPR(vcvtsi2sd);

TEST(VecFp, ConversionsToGprMatchTheHost) {
    REQUIRE_HOST_AVX();
    const struct {
        const char* mnemonic;
        uint64_t (*ref)(const Vec&, bool);
        unsigned lane;
    } cases[] = {{"CVTSS2SI", ref_vcvtss2si, 4},
                 {"CVTTSS2SI", ref_vcvttss2si, 4},
                 {"CVTSD2SI", ref_vcvtsd2si, 8},
                 {"CVTTSD2SI", ref_vcvttsd2si, 8}};
    Rng rng;
    for (const auto& c : cases) {
        const OpInfo* op = find(c.mnemonic);
        ASSERT_NE(op, nullptr);
        EXPECT_TRUE(op->flags & kResultGpr);
        for (int i = 0; i < 400; i++) {
            Vec b = random_vec(rng, c.lane);
            uint32_t mxcsr = random_mxcsr(rng);
            for (uint8_t size : {uint8_t(4), uint8_t(8)}) {
                uint64_t want = 0;
                uint32_t flags = with_guest_csr(mxcsr, [&] { want = c.ref(b, size == 8); });
                Outcome got = call(*op, sentinel_vec(), b, b, mxcsr, 16, 0, 0, size);
                EXPECT_EQ(got.ret, want) << c.mnemonic << " size " << int(size);
                EXPECT_EQ(got.mxcsr, mxcsr | flags) << c.mnemonic;
                EXPECT_EQ(got.dst.b[0], kSentinel);
            }
        }
    }
    // Out of range and NaN give the integer indefinite at the destination's width.
    Vec big{};
    big.set<uint32_t>(0, f32(3e9f));
    uint32_t m = kAllMasks;
    EXPECT_EQ(call(*find("CVTSS2SI"), big, big, big, m, 16, 0, 0, 4).ret, 0x80000000u);
    EXPECT_EQ(call(*find("CVTSS2SI"), big, big, big, m, 16, 0, 0, 8).ret, 3000000000u);
    big.set<uint64_t>(0, 0x7ff8000000000000);
    Outcome nan = call(*find("CVTTSD2SI"), big, big, big, m, 16, 0, 0, 8);
    EXPECT_EQ(nan.ret, 0x8000000000000000u);
    EXPECT_EQ(nan.mxcsr, m | kIE);
}

TEST(VecFp, ConversionsFromGprMatchTheHost) {
    REQUIRE_HOST_AVX();
    const struct {
        const char* mnemonic;
        void (*ref)(const Vec&, uint64_t, bool, Vec&);
    } cases[] = {{"CVTSI2SS", ref_vcvtsi2ss}, {"CVTSI2SD", ref_vcvtsi2sd}};
    const uint64_t values[] = {0,
                               1,
                               0xffffffff,
                               0x80000000,
                               0x7fffffff,
                               16777217,
                               0x8000000000000000,
                               0x7fffffffffffffff,
                               0xfffffffffffffffe,
                               0x20000000000001};
    Rng rng;
    for (const auto& c : cases) {
        const OpInfo* op = find(c.mnemonic);
        ASSERT_NE(op, nullptr);
        EXPECT_TRUE(op->flags & kGprSource);
        for (int i = 0; i < 300; i++) {
            uint64_t v = i < int(std::size(values)) ? values[i] : rng.bits() >> rng.below(64);
            Vec a = random_vec(rng, 4);
            uint32_t mxcsr = random_mxcsr(rng);
            for (uint8_t size : {uint8_t(4), uint8_t(8)}) {
                uint64_t gpr = size == 4 ? uint32_t(v) : v;  // the caller zero-extends
                Vec want = sentinel_vec();
                uint32_t flags = with_guest_csr(mxcsr, [&] { c.ref(a, gpr, size == 8, want); });
                Outcome got = call(*op, sentinel_vec(), a, a, mxcsr, 16, 0, gpr, size);
                EXPECT_EQ(0, std::memcmp(got.dst.b, want.b, 16)) << c.mnemonic << " " << v;
                EXPECT_EQ(got.dst.b[16], kSentinel);
                EXPECT_EQ(got.mxcsr, mxcsr | flags) << c.mnemonic;
            }
        }
    }
}

#define REF_RFLAGS(insn)                                                                    \
    uint64_t ref_##insn(const Vec& a, const Vec& b) {                                       \
        bool zf, pf, cf;                                                                    \
        asm volatile("vmovdqu %3, %%xmm0\n\tvmovdqu %4, %%xmm1\n\t" #insn " %%xmm1, %%xmm0" \
                     : "=@ccz"(zf), "=@ccp"(pf), "=@ccc"(cf)                                \
                     : "m"(a), "m"(b)                                                       \
                     : "xmm0", "xmm1");                                                     \
        return uint64_t(zf) << 6 | uint64_t(pf) << 2 | uint64_t(cf);                        \
    }                                                                                       \
    static_assert(true)
REF_RFLAGS(vcomiss);
REF_RFLAGS(vcomisd);
REF_RFLAGS(vucomiss);
REF_RFLAGS(vucomisd);

TEST(VecFp, ComisMatchesTheHost) {
    REQUIRE_HOST_AVX();
    const struct {
        const char* mnemonic;
        uint64_t (*ref)(const Vec&, const Vec&);
        unsigned lane;
    } cases[] = {{"COMISS", ref_vcomiss, 4},
                 {"COMISD", ref_vcomisd, 8},
                 {"UCOMISS", ref_vucomiss, 4},
                 {"UCOMISD", ref_vucomisd, 8}};
    Rng rng;
    for (const auto& c : cases) {
        const OpInfo* op = find(c.mnemonic);
        ASSERT_NE(op, nullptr);
        EXPECT_TRUE(op->flags & kResultFlags);
        for (int i = 0; i < 400; i++) {
            Vec a = random_vec(rng, c.lane), b = rng.below(4) ? random_vec(rng, c.lane) : a;
            uint32_t mxcsr = random_mxcsr(rng);
            uint64_t want = 0;
            uint32_t flags = with_guest_csr(mxcsr, [&] { want = c.ref(a, b); });
            Outcome got = call(*op, sentinel_vec(), a, b, mxcsr, 16);
            EXPECT_EQ(got.ret, want) << c.mnemonic;
            EXPECT_EQ(got.mxcsr, mxcsr | flags) << c.mnemonic;
        }
    }
    // Unordered: ZF PF CF all set; a QNaN signals only for COMIS.
    Vec one{}, qnan{};
    one.set<uint32_t>(0, f32(1.0f));
    qnan.set<uint32_t>(0, 0x7fc00000);
    Outcome comi = call(*find("COMISS"), one, one, qnan, kAllMasks, 16);
    Outcome ucomi = call(*find("UCOMISS"), one, one, qnan, kAllMasks, 16);
    EXPECT_EQ(comi.ret, 0x45u);
    EXPECT_EQ(comi.mxcsr, kAllMasks | kIE);
    EXPECT_EQ(ucomi.ret, 0x45u);
    EXPECT_EQ(ucomi.mxcsr, kAllMasks);
    EXPECT_EQ(call(*find("COMISS"), one, qnan, one, kAllMasks & ~0x80u, 16).ret, 0u);
}

// ---- MMX conversions against the host's MMX forms ----------------------------------------

TEST(VecFp, MmxConversionsMatchTheHost) {
    Rng rng;
    for (int i = 0; i < 300; i++) {
        Vec s = random_vec(rng, 4), d = random_vec(rng, 8), a = random_vec(rng, 4);
        uint32_t mxcsr = random_mxcsr(rng);
        struct {
            uint64_t ps2pi, tps2pi, pd2pi, tpd2pi;
            Vec pi2ps, pi2pd;
        } want{};
        want.pi2ps = a;
        uint32_t f_ps2pi = with_guest_csr(mxcsr, [&] {
            asm volatile("movdqu %1, %%xmm0\n\tcvtps2pi %%xmm0, %%mm0\n\tmovq %%mm0, %0\n\temms"
                         : "=m"(want.ps2pi)
                         : "m"(s)
                         : "xmm0", "mm0");
        });
        uint32_t f_tps2pi = with_guest_csr(mxcsr, [&] {
            asm volatile("movdqu %1, %%xmm0\n\tcvttps2pi %%xmm0, %%mm0\n\tmovq %%mm0, %0\n\temms"
                         : "=m"(want.tps2pi)
                         : "m"(s)
                         : "xmm0", "mm0");
        });
        uint32_t f_pd2pi = with_guest_csr(mxcsr, [&] {
            asm volatile("movdqu %1, %%xmm0\n\tcvtpd2pi %%xmm0, %%mm0\n\tmovq %%mm0, %0\n\temms"
                         : "=m"(want.pd2pi)
                         : "m"(d)
                         : "xmm0", "mm0");
        });
        uint32_t f_tpd2pi = with_guest_csr(mxcsr, [&] {
            asm volatile("movdqu %1, %%xmm0\n\tcvttpd2pi %%xmm0, %%mm0\n\tmovq %%mm0, %0\n\temms"
                         : "=m"(want.tpd2pi)
                         : "m"(d)
                         : "xmm0", "mm0");
        });
        uint32_t f_pi2ps = with_guest_csr(mxcsr, [&] {
            asm volatile(
                "movdqu %0, %%xmm0\n\tmovq %1, %%mm0\n\tcvtpi2ps %%mm0, %%xmm0\n\t"
                "movdqu %%xmm0, %0\n\temms"
                : "+m"(want.pi2ps)
                : "m"(s)
                : "xmm0", "mm0");
        });
        uint32_t f_pi2pd = with_guest_csr(mxcsr, [&] {
            asm volatile("movq %1, %%mm0\n\tcvtpi2pd %%mm0, %%xmm0\n\tmovdqu %%xmm0, %0\n\temms"
                         : "+m"(want.pi2pd)
                         : "m"(s)
                         : "xmm0", "mm0");
        });
        auto check8 = [&](const char* m, const Vec& src, uint64_t want8, uint32_t flags) {
            Outcome got = call(*find(m), sentinel_vec(), a, src, mxcsr, 8);
            EXPECT_EQ(got.dst.get<uint64_t>(0), want8) << m;
            EXPECT_EQ(got.dst.b[8], kSentinel) << m;
            EXPECT_EQ(got.mxcsr, mxcsr | flags) << m;
        };
        check8("CVTPS2PI", s, want.ps2pi, f_ps2pi);
        check8("CVTTPS2PI", s, want.tps2pi, f_tps2pi);
        check8("CVTPD2PI", d, want.pd2pi, f_pd2pi);
        check8("CVTTPD2PI", d, want.tpd2pi, f_tpd2pi);
        Vec mmx = sentinel_vec();  // only the MMX register's 8 bytes are read
        std::memcpy(mmx.b, s.b, 8);
        for (auto [m, w, f] : {std::tuple{"CVTPI2PS", &want.pi2ps, f_pi2ps},
                               std::tuple{"CVTPI2PD", &want.pi2pd, f_pi2pd}}) {
            Outcome got = call(*find(m), sentinel_vec(), a, mmx, mxcsr, 16);
            EXPECT_EQ(0, std::memcmp(got.dst.b, w->b, 16)) << m;
            EXPECT_EQ(got.dst.b[16], kSentinel) << m;
            EXPECT_EQ(got.mxcsr, mxcsr | f) << m;
        }
    }
}

// ---- MXCSR behaviour, spelled out ------------------------------------------------------------

Vec scalar_f32(float lane0) {
    Vec v{};
    v.set<float>(0, lane0);
    v.set<uint32_t>(1, 0x11111111);
    return v;
}

TEST(VecFp, EachRoundingModeRounds) {
    const uint32_t want[4] = {0x3eaaaaab, 0x3eaaaaaa, 0x3eaaaaab, 0x3eaaaaaa};  // RN RD RU RZ
    for (uint32_t rc = 0; rc < 4; rc++) {
        uint32_t m = kAllMasks | rc << 13;
        Outcome o = call(*find("DIVSS"), {}, scalar_f32(1), scalar_f32(3), m, 16);
        EXPECT_EQ(o.dst.get<uint32_t>(0), want[rc]) << "rc " << rc;
        EXPECT_EQ(o.dst.get<uint32_t>(1), 0x11111111u);  // from a
        EXPECT_EQ(o.mxcsr, m | kPE);
    }
    // ROUNDSS imm bit 2 takes MXCSR.RC; bits 1:0 otherwise; bit 3 suppresses PE.
    Outcome up = call(*find("ROUNDSS"), {}, {}, scalar_f32(1.25f), kAllMasks | 2u << 13, 16, 4);
    EXPECT_EQ(up.dst.get<float>(0), 2.0f);
    EXPECT_EQ(up.mxcsr, kAllMasks | 2u << 13 | kPE);
    Outcome quiet = call(*find("ROUNDSS"), {}, {}, scalar_f32(1.25f), kAllMasks, 16, 8 | 3);
    EXPECT_EQ(quiet.dst.get<float>(0), 1.0f);
    EXPECT_EQ(quiet.mxcsr, kAllMasks);
}

TEST(VecFp, DazAndFtz) {
    Vec denormal{};
    denormal.set<uint32_t>(0, 1);
    Outcome plain = call(*find("MULSS"), {}, denormal, scalar_f32(1), kAllMasks, 16);
    EXPECT_EQ(plain.dst.get<uint32_t>(0), 1u);
    EXPECT_EQ(plain.mxcsr, kAllMasks | kDE);
    Outcome daz = call(*find("MULSS"), {}, denormal, scalar_f32(1), kAllMasks | kDaz, 16);
    EXPECT_EQ(daz.dst.get<uint32_t>(0), 0u);
    EXPECT_EQ(daz.mxcsr, kAllMasks | kDaz);

    Outcome tiny = call(*find("MULSS"), {}, scalar_f32(1e-30f), scalar_f32(1e-10f), kAllMasks, 16);
    EXPECT_NE(tiny.dst.get<uint32_t>(0), 0u);
    EXPECT_EQ(tiny.mxcsr, kAllMasks | kUE | kPE);
    Outcome ftz =
        call(*find("MULSS"), {}, scalar_f32(1e-30f), scalar_f32(1e-10f), kAllMasks | kFtz, 16);
    EXPECT_EQ(ftz.dst.get<uint32_t>(0), 0u);
    EXPECT_EQ(ftz.mxcsr, kAllMasks | kFtz | kUE | kPE);
}

TEST(VecFp, FlagsAccumulate) {
    uint32_t m = kAllMasks | kOE | kIE;
    Outcome o = call(*find("DIVSS"), {}, scalar_f32(1), scalar_f32(0), m, 16);
    EXPECT_EQ(o.mxcsr, m | kZE);
    EXPECT_EQ(o.dst.get<float>(0), INFINITY);
}

TEST(VecFp, UnmaskedExceptionFaultsAndLeavesDstAlone) {
    // A distinctive host MXCSR (round down, PE set) must survive the handler.
    uint32_t host = host_csr();
    set_host_csr(kAllMasks | 1u << 13 | kPE);
    uint32_t m = kAllMasks & ~(kZE << 7);
    Vec a{}, b{};
    a.set<float>(0, 1), b.set<float>(0, 0);  // lane 0: divide by zero (unmasked)
    a.set<float>(1, 1), b.set<float>(1, 3);  // lane 1: inexact (masked)
    for (unsigned i = 2; i < 8; i++)
        a.set<float>(i, 1), b.set<float>(i, 1);
    Outcome o = call(*find("DIVPS"), sentinel_vec(), a, b, m, 16);
    EXPECT_EQ(host_csr(), kAllMasks | 1u << 13 | kPE);
    set_host_csr(host);
    EXPECT_TRUE(o.fault);
    EXPECT_EQ(o.dst.b[0], kSentinel);
    EXPECT_EQ(o.dst.b[31], kSentinel);
    // The pre-computation #Z stops the instruction before PE is detected.
    EXPECT_EQ(o.mxcsr, m | kZE);

    // An unmasked post-computation exception reports every flag.
    uint32_t pm = kAllMasks & ~(kPE << 7);
    Outcome p = call(*find("DIVPS"), sentinel_vec(), a, b, pm, 16);
    EXPECT_TRUE(p.fault);
    EXPECT_EQ(p.dst.b[0], kSentinel);
    EXPECT_EQ(p.mxcsr, pm | kZE | kPE);  // the masked #Z of lane 0 too
    // Returning handlers report 0 and the caller leaves the GPR alone.
    Outcome g = call(*find("CVTSS2SI"), {}, b, scalar_f32(1.5f), pm, 16, 0, 0, 4);
    EXPECT_TRUE(g.fault);
    EXPECT_EQ(g.ret, 0u);
}

TEST(VecFp, DestinationMayAliasASource) {
    Vec a = scalar_f32(2), b = scalar_f32(5);
    uint32_t m = kAllMasks;
    for (const char* mn : {"SUBPS", "SUBSS"}) {
        Vec x = a, y = b;
        Args args{&x, &x, &y, nullptr, 0, &m, 0, 16, 0, false};
        find(mn)->fn(args);
        EXPECT_EQ(x.get<float>(0), -3.0f) << mn;
        x = a;
        Args args_b{&y, &x, &y, nullptr, 0, &m, 0, 16, 0, false};
        find(mn)->fn(args_b);
        EXPECT_EQ(y.get<float>(0), -3.0f) << mn;
        uint32_t lane1 = std::string_view(mn) == "SUBSS" ? 0x11111111u : 0;  // a1 - b1 = 0
        EXPECT_EQ(y.get<uint32_t>(1), lane1) << mn;
    }
    // FMA with dst also the first source: d = d * d + b (VFMADD213SS: a * d + b).
    if (fp_op_available(*find("VFMADD213SS"))) {
        Vec d = scalar_f32(3), c = scalar_f32(1);
        Args args{&d, &d, &c, nullptr, 0, &m, 0, 16, 0, false};
        find("VFMADD213SS")->fn(args);
        EXPECT_EQ(d.get<float>(0), 10.0f);
        EXPECT_EQ(d.get<uint32_t>(1), 0x11111111u);
    }
}

TEST(VecFp, EveryOpIsFloatingPointAndAvailableHere) {
    EXPECT_GE(fp_ops().size(), 60u + 60u);
    for (const OpInfo& op : fp_ops()) {
        EXPECT_TRUE(op.flags & kFloatingPoint) << op.mnemonic;
        unsigned same = 0;
        for (const OpInfo& other : fp_ops())
            same += other.mnemonic == op.mnemonic;
        EXPECT_EQ(same, 1u) << op.mnemonic;
    }
    if (host_has_avx2_fma_f16c()) {
        for (const OpInfo& op : fp_ops()) {
            OpInfo copy = op;  // matched by value, not address
            EXPECT_TRUE(fp_op_available(copy)) << op.mnemonic;
        }
    }
}

// TCG offers a SIMD feature only where the host runs its floating-point instructions.
TEST(VecFp, FeaturesTheHostLacksAreTheOnesItLacks) {
    std::vector<std::string_view> missing = fp_features_host_lacks();
    auto lacks = [&](std::string_view name) {
        return std::find(missing.begin(), missing.end(), name) != missing.end();
    };
    for (std::string_view name : missing)
        EXPECT_NE(find_cpu_feature(name), nullptr) << name << " is not a CPUID feature";
    __builtin_cpu_init();
    EXPECT_EQ(lacks("pni"), !__builtin_cpu_supports("sse3"));
    EXPECT_EQ(lacks("sse4.1"), !__builtin_cpu_supports("sse4.1"));
    EXPECT_EQ(lacks("fma"), !__builtin_cpu_supports("fma"));
    EXPECT_EQ(lacks("f16c"), !__builtin_cpu_supports("f16c"));
    EXPECT_FALSE(lacks("sse2"));
}

}  // namespace
}  // namespace kemu::x86::simd
