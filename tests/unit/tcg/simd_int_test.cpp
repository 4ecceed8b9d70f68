// The integer vector handlers (integer_ops()) against the host CPU running the same
// instruction: seeded random inputs salted with edge values, compared byte for byte for
// the MMX (8-byte), SSE (16-byte) and AVX2 (32-byte) forms. Every case also checks that
// the handler writes no byte past Args::bytes and survives dst aliasing its sources.
#include <gtest/gtest.h>

#include <array>
#include <cctype>
#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "target-x86/tcg/simd.h"

namespace kemu::x86::simd {
namespace {

// What the host stubs load and store: c, a and b go to (x/y)mm0, 1 and 2 (mm1 and mm2 for
// MMX); the legacy result is xmm1 (mm1), the VEX result ymm3; xmm0 is kept for PCMPxSTRM.
struct alignas(32) HostRegs {
    Vec c, a, b;             // offsets 0, 32, 64
    Vec out;                 // 96
    Vec out0;                // 128
    uint64_t rax, rdx, rcx;  // 160, 168, 176
    uint16_t flags;          // 184: AH from LAHF, AL from SETO
};

using HostFn = void (*)(HostRegs&);

#define KEMU_LOAD_GPRS "mov rax, [rdi+160]\n mov rdx, [rdi+168]\n mov rcx, [rdi+176]\n"
#define KEMU_SAVE_GPRS \
    "mov [rdi+160], rax\n mov [rdi+176], rcx\n lahf\n seto al\n mov [rdi+184], ax\n"
#define KEMU_SSE_PRE \
    "movdqu xmm0, [rdi]\n movdqu xmm1, [rdi+32]\n movdqu xmm2, [rdi+64]\n" KEMU_LOAD_GPRS
#define KEMU_SSE_POST "movdqu [rdi+96], xmm1\n movdqu [rdi+128], xmm0\n" KEMU_SAVE_GPRS
#define KEMU_AVX_PRE                                                                       \
    "vmovdqu ymm0, [rdi]\n vmovdqu ymm1, [rdi+32]\n vmovdqu ymm2, [rdi+64]\n vpxor ymm3, " \
    "ymm3, ymm3\n" KEMU_LOAD_GPRS
#define KEMU_AVX_POST \
    "vmovdqu [rdi+96], ymm3\n vmovdqu [rdi+128], ymm0\n vzeroupper\n" KEMU_SAVE_GPRS
#define KEMU_MMX_PRE "movq mm1, [rdi+32]\n movq mm2, [rdi+64]\n" KEMU_LOAD_GPRS
#define KEMU_MMX_POST "movq [rdi+96], mm1\n emms\n" KEMU_SAVE_GPRS

// A stub is a template lambda over the immediate, which the text names as %c[i].
#define KEMU_STUB(pre, text, post)                                                                 \
    []<uint8_t I>(HostRegs& r) {                                                                   \
        asm volatile(".intel_syntax noprefix\n" pre text "\n" post ".att_syntax prefix\n"          \
                     :                                                                             \
                     : "D"(&r), [i] "i"(I)                                                         \
                     : "memory", "cc", "rax", "rcx", "rdx", "xmm0", "xmm1", "xmm2", "xmm3", "mm1", \
                       "mm2");                                                                     \
    }
#define SSE(text) KEMU_STUB(KEMU_SSE_PRE, text, KEMU_SSE_POST)
#define AVX(text) KEMU_STUB(KEMU_AVX_PRE, text, KEMU_AVX_POST)
#define MMX(text) KEMU_STUB(KEMU_MMX_PRE, text, KEMU_MMX_POST)

struct HostImm {
    uint8_t imm;
    HostFn fn;
};

template <class Stub, uint8_t I>
void call_stub(HostRegs& r) {
    Stub{}.template operator()<I>(r);
}

template <class Stub>
std::vector<HostImm> once(Stub) {
    return {{0, call_stub<Stub, 0>}};
}

// Immediates that reach every selector field's extremes and a few mixed patterns.
constexpr uint8_t kImmSample[] = {0x00, 0x01, 0x02, 0x03, 0x05, 0x07, 0x08, 0x0f,
                                  0x10, 0x11, 0x1b, 0x1f, 0x20, 0x31, 0x3f, 0x40,
                                  0x4e, 0x55, 0x72, 0x80, 0x8d, 0xb1, 0xe4, 0xff};

template <class Stub, size_t... K>
std::vector<HostImm> sample_imms(std::index_sequence<K...>) {
    return {{kImmSample[K], call_stub<Stub, kImmSample[K]>}...};
}
template <class Stub>
std::vector<HostImm> imms(Stub) {
    return sample_imms<Stub>(std::make_index_sequence<std::size(kImmSample)>());
}

// PCMPxSTRx: every meaningful control byte (bit 7 is ignored).
template <class Stub, size_t... K>
std::vector<HostImm> all_controls(std::index_sequence<K...>) {
    return {{uint8_t(K), call_stub<Stub, uint8_t(K)>}...};
}
template <class Stub>
std::vector<HostImm> controls(Stub) {
    return all_controls<Stub>(std::make_index_sequence<128>());
}

enum class Feature { None, Sse3, Ssse3, Sse41, Sse42, Aes, Pclmul, Sha, Avx, Avx2, Vaes, Vpclmul };

bool host_has(Feature f) {
    switch (f) {
        case Feature::None:
            return true;
        case Feature::Sse3:
            return __builtin_cpu_supports("sse3");
        case Feature::Ssse3:
            return __builtin_cpu_supports("ssse3");
        case Feature::Sse41:
            return __builtin_cpu_supports("sse4.1");
        case Feature::Sse42:
            return __builtin_cpu_supports("sse4.2");
        case Feature::Aes:
            return __builtin_cpu_supports("aes");
        case Feature::Pclmul:
            return __builtin_cpu_supports("pclmul");
        case Feature::Sha:
            return __builtin_cpu_supports("sha");
        case Feature::Avx:
            return __builtin_cpu_supports("avx");
        case Feature::Avx2:
            return __builtin_cpu_supports("avx2");
        case Feature::Vaes:
            return __builtin_cpu_supports("vaes") && __builtin_cpu_supports("avx2");
        case Feature::Vpclmul:
            return __builtin_cpu_supports("vpclmulqdq") && __builtin_cpu_supports("avx2");
    }
    return false;
}

// Where the handler's answer is compared with the host's.
enum class Result { Vector, Gpr, Flags, EcxFlags, MaskAndFlags };

// How the random inputs are bent toward the interesting cases.
enum class Shape { Plain, ShiftCount, Counts32, Counts64, Strings };

struct Case {
    std::string_view mnemonic;
    unsigned bytes;
    Feature feature;
    std::vector<HostImm> hosts;
    Result result = Result::Vector;
    Shape shape = Shape::Plain;
    uint8_t gpr_size = 4;
};

using F = Feature;
using R = Result;
using S = Shape;

// Two-source forms: MMX (mm1, mm2), SSE (xmm1, xmm2) and AVX2 (ymm3, ymm1, ymm2).
#define BIN_SSE_AVX(M, op, fs, fa)                       \
    {M, 16, fs, once(SSE(op " xmm1, xmm2"))}, {          \
        M, 32, fa, once(AVX("v" op " ymm3, ymm1, ymm2")) \
    }
#define BIN3(M, op, fs, fa) {M, 8, fs, once(MMX(op " mm1, mm2"))}, BIN_SSE_AVX(M, op, fs, fa)
#define UN_SSE_AVX(M, op, fs, fa)                  \
    {M, 16, fs, once(SSE(op " xmm1, xmm2"))}, {    \
        M, 32, fa, once(AVX("v" op " ymm3, ymm2")) \
    }
#define WIDEN(M, op)                                    \
    {M, 16, F::Sse41, once(SSE(op " xmm1, xmm2"))}, {   \
        M, 32, F::Avx2, once(AVX("v" op " ymm3, xmm2")) \
    }
#define SHIFT_VEC(M, op)                                                                \
    {M, 8, F::None, once(MMX(op " mm1, mm2")), R::Vector, S::ShiftCount},               \
        {M, 16, F::None, once(SSE(op " xmm1, xmm2")), R::Vector, S::ShiftCount}, {      \
        M, 32, F::Avx2, once(AVX("v" op " ymm3, ymm1, xmm2")), R::Vector, S::ShiftCount \
    }
#define SHIFT_IMM(M, op)                                                               \
    {M "/ib", 8, F::None, imms(MMX("movq mm1, mm2\n " op " mm1, %c[i]"))},             \
        {M "/ib", 16, F::None, imms(SSE("movdqa xmm1, xmm2\n " op " xmm1, %c[i]"))}, { \
        M "/ib", 32, F::Avx2, imms(AVX("v" op " ymm3, ymm2, %c[i]"))                   \
    }
#define UN_IMM(M, op, fs, fa)                             \
    {M, 16, fs, imms(SSE(op " xmm1, xmm2, %c[i]"))}, {    \
        M, 32, fa, imms(AVX("v" op " ymm3, ymm2, %c[i]")) \
    }
#define BIN_IMM(M, op, fs, fa)                                  \
    {M, 16, fs, imms(SSE(op " xmm1, xmm2, %c[i]"))}, {          \
        M, 32, fa, imms(AVX("v" op " ymm3, ymm1, ymm2, %c[i]")) \
    }
#define VEX_BIN(M, op, f)                            \
    {M, 16, f, once(AVX(op " xmm3, xmm1, xmm2"))}, { \
        M, 32, f, once(AVX(op " ymm3, ymm1, ymm2"))  \
    }
#define VEX_BIN_COUNTS(M, op, shape)                                         \
    {M, 16, F::Avx2, once(AVX(op " xmm3, xmm1, xmm2")), R::Vector, shape}, { \
        M, 32, F::Avx2, once(AVX(op " ymm3, ymm1, ymm2")), R::Vector, shape  \
    }
#define STRCMP(M, op, result) \
    { M, 16, F::Sse42, controls(SSE(op " xmm1, xmm2, %c[i]")), result, S::Strings }

std::vector<Case> make_cases() {
    return {
        // MMX / SSE2 arithmetic
        BIN3("PADDB", "paddb", F::None, F::Avx2),
        BIN3("PADDW", "paddw", F::None, F::Avx2),
        BIN3("PADDD", "paddd", F::None, F::Avx2),
        BIN3("PADDQ", "paddq", F::None, F::Avx2),
        BIN3("PSUBB", "psubb", F::None, F::Avx2),
        BIN3("PSUBW", "psubw", F::None, F::Avx2),
        BIN3("PSUBD", "psubd", F::None, F::Avx2),
        BIN3("PSUBQ", "psubq", F::None, F::Avx2),
        BIN3("PADDSB", "paddsb", F::None, F::Avx2),
        BIN3("PADDSW", "paddsw", F::None, F::Avx2),
        BIN3("PADDUSB", "paddusb", F::None, F::Avx2),
        BIN3("PADDUSW", "paddusw", F::None, F::Avx2),
        BIN3("PSUBSB", "psubsb", F::None, F::Avx2),
        BIN3("PSUBSW", "psubsw", F::None, F::Avx2),
        BIN3("PSUBUSB", "psubusb", F::None, F::Avx2),
        BIN3("PSUBUSW", "psubusw", F::None, F::Avx2),
        BIN3("PMULLW", "pmullw", F::None, F::Avx2),
        BIN3("PMULHW", "pmulhw", F::None, F::Avx2),
        BIN3("PMULHUW", "pmulhuw", F::None, F::Avx2),
        BIN3("PMULUDQ", "pmuludq", F::None, F::Avx2),
        BIN3("PMADDWD", "pmaddwd", F::None, F::Avx2),
        BIN3("PAVGB", "pavgb", F::None, F::Avx2),
        BIN3("PAVGW", "pavgw", F::None, F::Avx2),
        BIN3("PMINUB", "pminub", F::None, F::Avx2),
        BIN3("PMAXUB", "pmaxub", F::None, F::Avx2),
        BIN3("PMINSW", "pminsw", F::None, F::Avx2),
        BIN3("PMAXSW", "pmaxsw", F::None, F::Avx2),
        BIN3("PSADBW", "psadbw", F::None, F::Avx2),
        BIN3("PCMPEQB", "pcmpeqb", F::None, F::Avx2),
        BIN3("PCMPEQW", "pcmpeqw", F::None, F::Avx2),
        BIN3("PCMPEQD", "pcmpeqd", F::None, F::Avx2),
        BIN3("PCMPGTB", "pcmpgtb", F::None, F::Avx2),
        BIN3("PCMPGTW", "pcmpgtw", F::None, F::Avx2),
        BIN3("PCMPGTD", "pcmpgtd", F::None, F::Avx2),
        // shifts
        SHIFT_VEC("PSLLW", "psllw"),
        SHIFT_VEC("PSLLD", "pslld"),
        SHIFT_VEC("PSLLQ", "psllq"),
        SHIFT_VEC("PSRLW", "psrlw"),
        SHIFT_VEC("PSRLD", "psrld"),
        SHIFT_VEC("PSRLQ", "psrlq"),
        SHIFT_VEC("PSRAW", "psraw"),
        SHIFT_VEC("PSRAD", "psrad"),
        SHIFT_IMM("PSLLW", "psllw"),
        SHIFT_IMM("PSLLD", "pslld"),
        SHIFT_IMM("PSLLQ", "psllq"),
        SHIFT_IMM("PSRLW", "psrlw"),
        SHIFT_IMM("PSRLD", "psrld"),
        SHIFT_IMM("PSRLQ", "psrlq"),
        SHIFT_IMM("PSRAW", "psraw"),
        SHIFT_IMM("PSRAD", "psrad"),
        {"PSLLDQ", 16, F::None, imms(SSE("movdqa xmm1, xmm2\n pslldq xmm1, %c[i]"))},
        {"PSLLDQ", 32, F::Avx2, imms(AVX("vpslldq ymm3, ymm2, %c[i]"))},
        {"PSRLDQ", 16, F::None, imms(SSE("movdqa xmm1, xmm2\n psrldq xmm1, %c[i]"))},
        {"PSRLDQ", 32, F::Avx2, imms(AVX("vpsrldq ymm3, ymm2, %c[i]"))},
        // packs and unpacks
        BIN3("PACKSSWB", "packsswb", F::None, F::Avx2),
        BIN3("PACKSSDW", "packssdw", F::None, F::Avx2),
        BIN3("PACKUSWB", "packuswb", F::None, F::Avx2),
        BIN_SSE_AVX("PACKUSDW", "packusdw", F::Sse41, F::Avx2),
        BIN3("PUNPCKLBW", "punpcklbw", F::None, F::Avx2),
        BIN3("PUNPCKLWD", "punpcklwd", F::None, F::Avx2),
        BIN3("PUNPCKLDQ", "punpckldq", F::None, F::Avx2),
        BIN_SSE_AVX("PUNPCKLQDQ", "punpcklqdq", F::None, F::Avx2),
        BIN3("PUNPCKHBW", "punpckhbw", F::None, F::Avx2),
        BIN3("PUNPCKHWD", "punpckhwd", F::None, F::Avx2),
        BIN3("PUNPCKHDQ", "punpckhdq", F::None, F::Avx2),
        BIN_SSE_AVX("PUNPCKHQDQ", "punpckhqdq", F::None, F::Avx2),
        BIN_SSE_AVX("UNPCKLPS", "unpcklps", F::None, F::Avx),
        BIN_SSE_AVX("UNPCKLPD", "unpcklpd", F::None, F::Avx),
        BIN_SSE_AVX("UNPCKHPS", "unpckhps", F::None, F::Avx),
        BIN_SSE_AVX("UNPCKHPD", "unpckhpd", F::None, F::Avx),
        // shuffles
        UN_IMM("PSHUFD", "pshufd", F::None, F::Avx2),
        UN_IMM("PSHUFHW", "pshufhw", F::None, F::Avx2),
        UN_IMM("PSHUFLW", "pshuflw", F::None, F::Avx2),
        {"PSHUFW", 8, F::None, imms(MMX("pshufw mm1, mm2, %c[i]"))},
        BIN_IMM("SHUFPS", "shufps", F::None, F::Avx),
        BIN_IMM("SHUFPD", "shufpd", F::None, F::Avx),
        UN_SSE_AVX("MOVDDUP", "movddup", F::Sse3, F::Avx),
        UN_SSE_AVX("MOVSLDUP", "movsldup", F::Sse3, F::Avx),
        UN_SSE_AVX("MOVSHDUP", "movshdup", F::Sse3, F::Avx),
        // masks, extracts, inserts
        {"PMOVMSKB", 8, F::None, once(MMX("pmovmskb eax, mm2")), R::Gpr},
        {"PMOVMSKB", 16, F::None, once(SSE("pmovmskb eax, xmm2")), R::Gpr},
        {"PMOVMSKB", 32, F::Avx2, once(AVX("vpmovmskb eax, ymm2")), R::Gpr},
        {"MOVMSKPS", 16, F::None, once(SSE("movmskps eax, xmm2")), R::Gpr},
        {"MOVMSKPS", 32, F::Avx, once(AVX("vmovmskps eax, ymm2")), R::Gpr},
        {"MOVMSKPD", 16, F::None, once(SSE("movmskpd eax, xmm2")), R::Gpr},
        {"MOVMSKPD", 32, F::Avx, once(AVX("vmovmskpd eax, ymm2")), R::Gpr},
        {"PEXTRW", 8, F::None, imms(MMX("pextrw eax, mm2, %c[i]")), R::Gpr},
        {"PEXTRW", 16, F::None, imms(SSE("pextrw eax, xmm2, %c[i]")), R::Gpr},
        {"PEXTRB", 16, F::Sse41, imms(SSE("pextrb eax, xmm2, %c[i]")), R::Gpr},
        {"PEXTRD", 16, F::Sse41, imms(SSE("pextrd eax, xmm2, %c[i]")), R::Gpr},
        {"PEXTRD", 16, F::Sse41, imms(SSE("pextrq rax, xmm2, %c[i]")), R::Gpr, S::Plain, 8},
        {"EXTRACTPS", 16, F::Sse41, imms(SSE("extractps eax, xmm2, %c[i]")), R::Gpr},
        {"PINSRW", 8, F::None, imms(MMX("pinsrw mm1, eax, %c[i]")), R::Vector, S::Plain, 2},
        {"PINSRW", 16, F::None, imms(SSE("pinsrw xmm1, eax, %c[i]")), R::Vector, S::Plain, 2},
        {"PINSRB", 16, F::Sse41, imms(SSE("pinsrb xmm1, eax, %c[i]")), R::Vector, S::Plain, 1},
        {"PINSRD", 16, F::Sse41, imms(SSE("pinsrd xmm1, eax, %c[i]"))},
        {"PINSRD", 16, F::Sse41, imms(SSE("pinsrq xmm1, rax, %c[i]")), R::Vector, S::Plain, 8},
        {"INSERTPS", 16, F::Sse41, imms(SSE("insertps xmm1, xmm2, %c[i]"))},
        // blends
        BIN_IMM("BLENDPS", "blendps", F::Sse41, F::Avx),
        BIN_IMM("BLENDPD", "blendpd", F::Sse41, F::Avx),
        BIN_IMM("PBLENDW", "pblendw", F::Sse41, F::Avx2),
        {"VPBLENDD", 16, F::Avx2, imms(AVX("vpblendd xmm3, xmm1, xmm2, %c[i]"))},
        {"VPBLENDD", 32, F::Avx2, imms(AVX("vpblendd ymm3, ymm1, ymm2, %c[i]"))},
        {"BLENDVPS", 16, F::Sse41, once(SSE("blendvps xmm1, xmm2, xmm0"))},
        {"BLENDVPD", 16, F::Sse41, once(SSE("blendvpd xmm1, xmm2, xmm0"))},
        {"PBLENDVB", 16, F::Sse41, once(SSE("pblendvb xmm1, xmm2, xmm0"))},
        {"VBLENDVPS", 16, F::Avx, once(AVX("vblendvps xmm3, xmm1, xmm2, xmm0"))},
        {"VBLENDVPS", 32, F::Avx, once(AVX("vblendvps ymm3, ymm1, ymm2, ymm0"))},
        {"VBLENDVPD", 16, F::Avx, once(AVX("vblendvpd xmm3, xmm1, xmm2, xmm0"))},
        {"VBLENDVPD", 32, F::Avx, once(AVX("vblendvpd ymm3, ymm1, ymm2, ymm0"))},
        {"VPBLENDVB", 16, F::Avx, once(AVX("vpblendvb xmm3, xmm1, xmm2, xmm0"))},
        {"VPBLENDVB", 32, F::Avx2, once(AVX("vpblendvb ymm3, ymm1, ymm2, ymm0"))},
        // SSSE3
        BIN3("PSHUFB", "pshufb", F::Ssse3, F::Avx2),
        BIN3("PHADDW", "phaddw", F::Ssse3, F::Avx2),
        BIN3("PHADDD", "phaddd", F::Ssse3, F::Avx2),
        BIN3("PHADDSW", "phaddsw", F::Ssse3, F::Avx2),
        BIN3("PHSUBW", "phsubw", F::Ssse3, F::Avx2),
        BIN3("PHSUBD", "phsubd", F::Ssse3, F::Avx2),
        BIN3("PHSUBSW", "phsubsw", F::Ssse3, F::Avx2),
        BIN3("PMADDUBSW", "pmaddubsw", F::Ssse3, F::Avx2),
        BIN3("PMULHRSW", "pmulhrsw", F::Ssse3, F::Avx2),
        BIN3("PSIGNB", "psignb", F::Ssse3, F::Avx2),
        BIN3("PSIGNW", "psignw", F::Ssse3, F::Avx2),
        BIN3("PSIGND", "psignd", F::Ssse3, F::Avx2),
        {"PABSB", 8, F::Ssse3, once(MMX("pabsb mm1, mm2"))},
        UN_SSE_AVX("PABSB", "pabsb", F::Ssse3, F::Avx2),
        {"PABSW", 8, F::Ssse3, once(MMX("pabsw mm1, mm2"))},
        UN_SSE_AVX("PABSW", "pabsw", F::Ssse3, F::Avx2),
        {"PABSD", 8, F::Ssse3, once(MMX("pabsd mm1, mm2"))},
        UN_SSE_AVX("PABSD", "pabsd", F::Ssse3, F::Avx2),
        {"PALIGNR", 8, F::Ssse3, imms(MMX("palignr mm1, mm2, %c[i]"))},
        BIN_IMM("PALIGNR", "palignr", F::Ssse3, F::Avx2),
        // SSE4.1
        BIN_SSE_AVX("PMULLD", "pmulld", F::Sse41, F::Avx2),
        BIN_SSE_AVX("PMULDQ", "pmuldq", F::Sse41, F::Avx2),
        BIN_SSE_AVX("PMINSB", "pminsb", F::Sse41, F::Avx2),
        BIN_SSE_AVX("PMINSD", "pminsd", F::Sse41, F::Avx2),
        BIN_SSE_AVX("PMINUW", "pminuw", F::Sse41, F::Avx2),
        BIN_SSE_AVX("PMINUD", "pminud", F::Sse41, F::Avx2),
        BIN_SSE_AVX("PMAXSB", "pmaxsb", F::Sse41, F::Avx2),
        BIN_SSE_AVX("PMAXSD", "pmaxsd", F::Sse41, F::Avx2),
        BIN_SSE_AVX("PMAXUW", "pmaxuw", F::Sse41, F::Avx2),
        BIN_SSE_AVX("PMAXUD", "pmaxud", F::Sse41, F::Avx2),
        BIN_SSE_AVX("PCMPEQQ", "pcmpeqq", F::Sse41, F::Avx2),
        WIDEN("PMOVSXBW", "pmovsxbw"),
        WIDEN("PMOVSXBD", "pmovsxbd"),
        WIDEN("PMOVSXBQ", "pmovsxbq"),
        WIDEN("PMOVSXWD", "pmovsxwd"),
        WIDEN("PMOVSXWQ", "pmovsxwq"),
        WIDEN("PMOVSXDQ", "pmovsxdq"),
        WIDEN("PMOVZXBW", "pmovzxbw"),
        WIDEN("PMOVZXBD", "pmovzxbd"),
        WIDEN("PMOVZXBQ", "pmovzxbq"),
        WIDEN("PMOVZXWD", "pmovzxwd"),
        WIDEN("PMOVZXWQ", "pmovzxwq"),
        WIDEN("PMOVZXDQ", "pmovzxdq"),
        {"PTEST", 16, F::Sse41, once(SSE("ptest xmm1, xmm2")), R::Flags},
        {"PTEST", 32, F::Avx, once(AVX("vptest ymm1, ymm2")), R::Flags},
        BIN_IMM("MPSADBW", "mpsadbw", F::Sse41, F::Avx2),
        {"PHMINPOSUW", 16, F::Sse41, once(SSE("phminposuw xmm1, xmm2"))},
        // SSE4.2
        BIN_SSE_AVX("PCMPGTQ", "pcmpgtq", F::Sse42, F::Avx2),
        STRCMP("PCMPESTRI", "pcmpestri", R::EcxFlags),
        STRCMP("PCMPESTRM", "pcmpestrm", R::MaskAndFlags),
        STRCMP("PCMPISTRI", "pcmpistri", R::EcxFlags),
        STRCMP("PCMPISTRM", "pcmpistrm", R::MaskAndFlags),
        // AES, carry-less multiply, SHA
        BIN_SSE_AVX("AESENC", "aesenc", F::Aes, F::Vaes),
        BIN_SSE_AVX("AESENCLAST", "aesenclast", F::Aes, F::Vaes),
        BIN_SSE_AVX("AESDEC", "aesdec", F::Aes, F::Vaes),
        BIN_SSE_AVX("AESDECLAST", "aesdeclast", F::Aes, F::Vaes),
        {"AESIMC", 16, F::Aes, once(SSE("aesimc xmm1, xmm2"))},
        {"AESKEYGENASSIST", 16, F::Aes, imms(SSE("aeskeygenassist xmm1, xmm2, %c[i]"))},
        BIN_IMM("PCLMULQDQ", "pclmulqdq", F::Pclmul, F::Vpclmul),
        {"SHA1RNDS4", 16, F::Sha, imms(SSE("sha1rnds4 xmm1, xmm2, %c[i]"))},
        {"SHA1NEXTE", 16, F::Sha, once(SSE("sha1nexte xmm1, xmm2"))},
        {"SHA1MSG1", 16, F::Sha, once(SSE("sha1msg1 xmm1, xmm2"))},
        {"SHA1MSG2", 16, F::Sha, once(SSE("sha1msg2 xmm1, xmm2"))},
        {"SHA256RNDS2", 16, F::Sha, once(SSE("sha256rnds2 xmm1, xmm2, xmm0"))},
        {"SHA256MSG1", 16, F::Sha, once(SSE("sha256msg1 xmm1, xmm2"))},
        {"SHA256MSG2", 16, F::Sha, once(SSE("sha256msg2 xmm1, xmm2"))},
        // AVX/AVX2 VEX-only rows
        {"VPBROADCASTB", 16, F::Avx2, once(AVX("vpbroadcastb xmm3, xmm2"))},
        {"VPBROADCASTB", 32, F::Avx2, once(AVX("vpbroadcastb ymm3, xmm2"))},
        {"VPBROADCASTW", 16, F::Avx2, once(AVX("vpbroadcastw xmm3, xmm2"))},
        {"VPBROADCASTW", 32, F::Avx2, once(AVX("vpbroadcastw ymm3, xmm2"))},
        {"VPBROADCASTD", 16, F::Avx2, once(AVX("vpbroadcastd xmm3, xmm2"))},
        {"VPBROADCASTD", 32, F::Avx2, once(AVX("vpbroadcastd ymm3, xmm2"))},
        {"VPBROADCASTQ", 16, F::Avx2, once(AVX("vpbroadcastq xmm3, xmm2"))},
        {"VPBROADCASTQ", 32, F::Avx2, once(AVX("vpbroadcastq ymm3, xmm2"))},
        {"VBROADCASTSS", 16, F::Avx2, once(AVX("vbroadcastss xmm3, xmm2"))},
        {"VBROADCASTSS", 32, F::Avx2, once(AVX("vbroadcastss ymm3, xmm2"))},
        {"VBROADCASTSD", 32, F::Avx2, once(AVX("vbroadcastsd ymm3, xmm2"))},
        {"VBROADCASTI128", 32, F::Avx2, once(AVX("vbroadcasti128 ymm3, [rdi+64]"))},
        {"VBROADCASTF128", 32, F::Avx, once(AVX("vbroadcastf128 ymm3, [rdi+64]"))},
        {"VINSERTI128", 32, F::Avx2, imms(AVX("vinserti128 ymm3, ymm1, xmm2, %c[i]"))},
        {"VINSERTF128", 32, F::Avx, imms(AVX("vinsertf128 ymm3, ymm1, xmm2, %c[i]"))},
        {"VEXTRACTI128", 32, F::Avx2, imms(AVX("vextracti128 xmm3, ymm2, %c[i]"))},
        {"VEXTRACTF128", 32, F::Avx, imms(AVX("vextractf128 xmm3, ymm2, %c[i]"))},
        {"VPERM2I128", 32, F::Avx2, imms(AVX("vperm2i128 ymm3, ymm1, ymm2, %c[i]"))},
        {"VPERM2F128", 32, F::Avx, imms(AVX("vperm2f128 ymm3, ymm1, ymm2, %c[i]"))},
        {"VPERMD", 32, F::Avx2, once(AVX("vpermd ymm3, ymm1, ymm2"))},
        {"VPERMPS", 32, F::Avx2, once(AVX("vpermps ymm3, ymm1, ymm2"))},
        {"VPERMQ", 32, F::Avx2, imms(AVX("vpermq ymm3, ymm2, %c[i]"))},
        {"VPERMPD", 32, F::Avx2, imms(AVX("vpermpd ymm3, ymm2, %c[i]"))},
        VEX_BIN("VPERMILPS", "vpermilps", F::Avx),
        VEX_BIN("VPERMILPD", "vpermilpd", F::Avx),
        {"VPERMILPS/ib", 16, F::Avx, imms(AVX("vpermilps xmm3, xmm2, %c[i]"))},
        {"VPERMILPS/ib", 32, F::Avx, imms(AVX("vpermilps ymm3, ymm2, %c[i]"))},
        {"VPERMILPD/ib", 16, F::Avx, imms(AVX("vpermilpd xmm3, xmm2, %c[i]"))},
        {"VPERMILPD/ib", 32, F::Avx, imms(AVX("vpermilpd ymm3, ymm2, %c[i]"))},
        VEX_BIN_COUNTS("VPSLLVD", "vpsllvd", S::Counts32),
        VEX_BIN_COUNTS("VPSLLVQ", "vpsllvq", S::Counts64),
        VEX_BIN_COUNTS("VPSRLVD", "vpsrlvd", S::Counts32),
        VEX_BIN_COUNTS("VPSRLVQ", "vpsrlvq", S::Counts64),
        VEX_BIN_COUNTS("VPSRAVD", "vpsravd", S::Counts32),
        {"VTESTPS", 16, F::Avx, once(AVX("vtestps xmm1, xmm2")), R::Flags},
        {"VTESTPS", 32, F::Avx, once(AVX("vtestps ymm1, ymm2")), R::Flags},
        {"VTESTPD", 16, F::Avx, once(AVX("vtestpd xmm1, xmm2")), R::Flags},
        {"VTESTPD", 32, F::Avx, once(AVX("vtestpd ymm1, ymm2")), R::Flags},
    };
}

const std::vector<Case>& cases() {
    static const std::vector<Case> all = make_cases();
    return all;
}

const OpInfo* find_integer_op(std::string_view mnemonic) {
    for (const OpInfo& op : integer_ops())
        if (op.mnemonic == mnemonic) return &op;
    return nullptr;
}

// ---- inputs ---------------------------------------------------------------------------------

class Inputs {
  public:
    explicit Inputs(uint64_t seed) : rng_(seed) {}

    uint64_t next() { return rng_(); }

    // Random elements of a random width, about half of them edge values: 0, -1, the
    // signed minimum and maximum, 1, and their neighbours.
    Vec vector() {
        Vec v;
        const unsigned width = 1u << (next() % 4);
        for (unsigned at = 0; at < 32; at += width) {
            const uint64_t top = uint64_t{1} << (8 * width - 1);
            const uint64_t edges[] = {0, ~uint64_t{0}, top, top - 1, 1, top + 1, top - 2};
            const uint64_t r = next();
            const uint64_t e = (r & 1) ? next() : edges[(r >> 1) % std::size(edges)];
            std::memcpy(v.b + at, &e, width);
        }
        return v;
    }

    // Strings over a small alphabet (so that sets, ranges and substrings match), with
    // an occasional terminating zero.
    Vec text() {
        static constexpr uint8_t kAlphabet[] = {0x41, 0x42, 0x43, 0x61, 0x7f, 0x80, 0xff, 0x01};
        Vec v;
        for (uint8_t& byte : v.b)
            byte = kAlphabet[next() % std::size(kAlphabet)];
        if (next() % 3 == 0) v.b[next() % 16] = 0;
        // a zero word for the word formats: a zero byte at an even and at an odd offset
        if (next() % 5 == 0) {
            v.b[next() % 16 & ~1u] = 0;
            v.b[(next() % 16) | 1] = 0;
        }
        return v;
    }

    // Shift counts around the element widths, sometimes beyond 2^32.
    uint64_t count() {
        const uint64_t r = next();
        if (r % 8 == 0) return next();
        if (r % 8 == 1) return (uint64_t{1} << 32) + (next() % 8);
        return next() % 70;
    }

    // PCMPESTRx lengths: mostly in range, sometimes negative or far out.
    uint64_t length() {
        const int64_t r = int64_t(next() % 41) - 20;
        return next() % 10 == 0 ? next() : uint64_t(r);
    }

  private:
    std::mt19937_64 rng_;
};

// ---- the comparison -------------------------------------------------------------------------

uint64_t host_flags(const HostRegs& h) {
    return (h.flags >> 8 & 0xd5) | ((h.flags & 0xff) ? (1u << 11) : 0);
}

std::string hex(const uint8_t* p, unsigned n) {
    std::string s;
    char buf[4];
    for (unsigned i = n; i-- > 0;) {
        std::snprintf(buf, sizeof buf, "%02x", p[i]);
        s += buf;
        if (i && i % 8 == 0) s += '_';
    }
    return s;
}

// How dst relates to the sources in one run: separate, or the same Vec as a, b or both.
enum class Alias { None, DstIsA, DstIsB, All };

class VecIntTest : public ::testing::TestWithParam<size_t> {};

TEST_P(VecIntTest, MatchesHost) {
    const Case& k = cases()[GetParam()];
    if (!host_has(k.feature)) GTEST_SKIP() << "host lacks the feature for " << k.mnemonic;
    const OpInfo* op = find_integer_op(k.mnemonic);
    ASSERT_NE(op, nullptr) << k.mnemonic << " has no handler";

    const unsigned per_imm = std::max<unsigned>(12, 400 / unsigned(k.hosts.size()));
    Inputs in(0x5eed0000 + GetParam());
    unsigned failures = 0;
    for (const HostImm& host : k.hosts) {
        for (unsigned n = 0; n < per_imm && failures < 5; ++n) {
            HostRegs h{};
            const bool text = k.shape == Shape::Strings && n % 4 != 3;
            h.a = text ? in.text() : in.vector();
            h.b = text ? in.text() : in.vector();
            h.c = in.vector();
            if (k.shape == Shape::ShiftCount) h.b.set<uint64_t>(0, in.count());
            for (unsigned i = 0; k.shape == Shape::Counts32 && i < 8; ++i)
                h.b.set<uint32_t>(i, uint32_t(in.count()));
            for (unsigned i = 0; k.shape == Shape::Counts64 && i < 4; ++i)
                h.b.set<uint64_t>(i, in.count());
            const Alias alias = Alias(n % 4);
            if (alias == Alias::All) h.b = h.a;
            h.rax = k.shape == Shape::Strings ? in.length() : in.next();
            h.rdx = in.length();
            h.rcx = in.next();
            const Vec a = h.a, b = h.b, c = h.c;
            const uint64_t gpr =
                k.shape == Shape::Strings ? (h.rax & 0xffffffff) | (h.rdx << 32) : h.rax;
            host.fn(h);

            // Vector results may alias; the others leave dst alone, so give them their own.
            const bool writes_dst = k.result == Result::Vector;
            Vec own;
            std::memset(own.b, 0xa5, sizeof own.b);
            Vec va = a, vb = b;
            Vec* dst = &own;
            const Vec* pa = &va;
            const Vec* pb = &vb;
            if (writes_dst && alias == Alias::DstIsA) dst = &va;
            if (writes_dst && alias == Alias::DstIsB) dst = &vb;
            if (writes_dst && alias == Alias::All) {
                dst = &va;
                pb = &va;
            }
            const Vec before = *dst;
            uint32_t mxcsr = 0x1f80;
            Args args{dst, pa, pb, &c, gpr, &mxcsr, host.imm, uint8_t(k.bytes), k.gpr_size, false};
            const uint64_t got = op->fn(args);

            const std::string where =
                std::string(k.mnemonic) + " bytes=" + std::to_string(k.bytes) +
                " imm=" + std::to_string(host.imm) + " alias=" + std::to_string(int(alias)) +
                "\n  a=" + hex(a.b, 32) + "\n  b=" + hex(b.b, 32) + "\n  c=" + hex(c.b, 32) +
                "\n  rax=" + std::to_string(h.rax);
            bool ok = true;
            switch (k.result) {
                case Result::Vector:
                    EXPECT_EQ(hex(dst->b, k.bytes), hex(h.out.b, k.bytes)) << where;
                    ok = std::memcmp(dst->b, h.out.b, k.bytes) == 0;
                    break;
                case Result::Gpr:
                    EXPECT_EQ(got, h.rax) << where;
                    ok = got == h.rax;
                    break;
                case Result::Flags:
                    EXPECT_EQ(got, host_flags(h)) << where;
                    ok = got == host_flags(h);
                    break;
                case Result::EcxFlags: {
                    const uint64_t want = (host_flags(h) << 32) | uint32_t(h.rcx);
                    EXPECT_EQ(got, want) << where;
                    ok = got == want;
                    break;
                }
                case Result::MaskAndFlags:
                    EXPECT_EQ(hex(dst->b, 16), hex(h.out0.b, 16)) << where;
                    EXPECT_EQ(got, host_flags(h)) << where;
                    ok = std::memcmp(dst->b, h.out0.b, 16) == 0 && got == host_flags(h);
                    break;
            }
            // Only `bytes` bytes of dst are written (and none for GPR or flag results).
            const unsigned written = (writes_dst || k.result == Result::MaskAndFlags) ? k.bytes : 0;
            EXPECT_EQ(hex(dst->b + written, 32 - written), hex(before.b + written, 32 - written))
                << "wrote past bytes: " << where;
            failures += !ok;
        }
    }
}

std::string case_name(const ::testing::TestParamInfo<size_t>& info) {
    const Case& k = cases()[info.param];
    std::string name(k.mnemonic);
    for (char& ch : name)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    name += "_" + std::to_string(k.bytes);
    if (k.gpr_size == 8) name += "_q";
    // Two rows may share a mnemonic and width (PEXTRW's two encodings): keep names unique.
    return name + "_" + std::to_string(info.param);
}

INSTANTIATE_TEST_SUITE_P(Host, VecIntTest, ::testing::Range<size_t>(0, cases().size()), case_name);

// Records which of the oracle's features this machine has, so a skipped case is explained.
TEST(VecIntHost, HostFeatures) {
    const std::pair<const char*, Feature> features[] = {
        {"sse3", F::Sse3}, {"ssse3", F::Ssse3},   {"sse4.1", F::Sse41},      {"sse4.2", F::Sse42},
        {"aes", F::Aes},   {"pclmul", F::Pclmul}, {"sha", F::Sha},           {"avx", F::Avx},
        {"avx2", F::Avx2}, {"vaes", F::Vaes},     {"vpclmulqdq", F::Vpclmul}};
    std::string have, lack;
    for (const auto& [name, f] : features)
        (host_has(f) ? have : lack) += std::string(" ") + name;
    RecordProperty("host_features", have);
    std::printf("host has:%s\nhost lacks:%s\n", have.c_str(), lack.empty() ? " -" : lack.c_str());
    EXPECT_TRUE(host_has(F::None));
}

// Every handler in the table is exercised by at least one host comparison above, and no
// mnemonic is listed twice.
TEST(VecIntTable, EveryHandlerHasAnOracle) {
    std::set<std::string_view> tested, seen;
    for (const Case& k : cases())
        tested.insert(k.mnemonic);
    for (const OpInfo& op : integer_ops()) {
        EXPECT_TRUE(seen.insert(op.mnemonic).second) << op.mnemonic << " listed twice";
        EXPECT_TRUE(tested.count(op.mnemonic)) << op.mnemonic << " has no oracle case";
        EXPECT_NE(op.fn, nullptr) << op.mnemonic;
    }
}

// The flags the emitter relies on.
TEST(VecIntTable, ResultKinds) {
    EXPECT_TRUE(find_integer_op("PMOVMSKB")->flags & kResultGpr);
    EXPECT_TRUE(find_integer_op("PEXTRD")->flags & kResultGpr);
    EXPECT_TRUE(find_integer_op("PINSRB")->flags & kGprSource);
    EXPECT_TRUE(find_integer_op("PTEST")->flags & kResultFlags);
    EXPECT_TRUE(find_integer_op("PCMPISTRI")->flags & kResultEcxFlags);
    EXPECT_TRUE(find_integer_op("PCMPESTRM")->flags & kResultFlags);
    EXPECT_TRUE(find_integer_op("VPBLENDVB")->flags & kUsesMask);
    EXPECT_TRUE(find_integer_op("SHA256RNDS2")->flags & kUsesMask);
    EXPECT_FALSE(find_integer_op("PADDB")->flags & kFloatingPoint);
}

}  // namespace
}  // namespace kemu::x86::simd
