// MMX, SSE..SSE4.1, SSSE3 and AVX2 integer and bit-moving instructions, written from the
// SDM's pseudo-code. Each handler is a lane loop from simd_int_internal.h fed an element
// function; the table at the end names them by the decoder's mnemonics.
#include <span>
#include <type_traits>

#include "target-x86/tcg/simd_int_internal.h"

namespace kemu::x86::simd {
namespace {

using i8 = int8_t;
using i16 = int16_t;
using i32 = int32_t;
using i64 = int64_t;
using u8 = uint8_t;
using u16 = uint16_t;
using u32 = uint32_t;
using u64 = uint64_t;

// ---- element functions -------------------------------------------------------------------
// Wrapping forms work on unsigned elements; integer promotion happens in 64 bits so no
// product overflows.

constexpr auto add = [](auto a, auto b) { return u64(a) + u64(b); };
constexpr auto sub = [](auto a, auto b) { return u64(a) - u64(b); };
constexpr auto add_sat = [](auto a, auto b) { return saturate<decltype(a)>(i64(a) + i64(b)); };
constexpr auto sub_sat = [](auto a, auto b) { return saturate<decltype(a)>(i64(a) - i64(b)); };
constexpr auto mul_low = [](auto a, auto b) { return u64(a) * u64(b); };
constexpr auto mul_high = [](auto a, auto b) { return (i64(a) * i64(b)) >> 16; };
constexpr auto mul_high_round = [](i16 a, i16 b) { return ((i32(a) * b >> 14) + 1) >> 1; };
constexpr auto avg = [](auto a, auto b) { return (u64(a) + u64(b) + 1) >> 1; };
constexpr auto smaller = [](auto a, auto b) { return std::min(a, b); };
constexpr auto larger = [](auto a, auto b) { return std::max(a, b); };
constexpr auto eq = [](auto a, auto b) { return a == b ? ~u64{0} : 0; };
constexpr auto gt = [](auto a, auto b) { return a > b ? ~u64{0} : 0; };
constexpr auto sign = [](auto a, auto b) { return b < 0 ? -i64(a) : b == 0 ? 0 : i64(a); };
constexpr auto magnitude = [](auto v) { return v < 0 ? -i64(v) : i64(v); };
constexpr auto mul_even_u32 = [](u64 a, u64 b) { return u64(u32(a)) * u32(b); };
constexpr auto mul_even_i32 = [](u64 a, u64 b) { return u64(i64(i32(a)) * i32(b)); };
constexpr auto madd_words = [](u32 a, u32 b) {
    return u32(i64(i16(a)) * i16(b) + i64(i16(a >> 16)) * i16(b >> 16));
};
constexpr auto madd_ubytes_sbytes = [](u16 a, u16 b) {
    return saturate<i16>(i64(u8(a)) * i8(b) + i64(u8(a >> 8)) * i8(b >> 8));
};
constexpr auto sum_abs_diff = [](u64 a, u64 b) {
    u64 sum = 0;
    for (int i = 0; i < 64; i += 8) {
        int d = int(u8(a >> i)) - int(u8(b >> i));
        sum += d < 0 ? -d : d;
    }
    return sum;
};

// ---- shifts ------------------------------------------------------------------------------
// Counts past the element width clear the element, or fill it with the sign (PSRA).

template <class T>
T shift_left(T v, u64 n) {
    return n >= sizeof(T) * 8 ? 0 : static_cast<T>(u64(v) << n);
}
template <class T>
T shift_right(T v, u64 n) {
    if constexpr (std::is_signed_v<T>)
        return static_cast<T>(v >> std::min<u64>(n, sizeof(T) * 8 - 1));
    return n >= sizeof(T) * 8 ? 0 : static_cast<T>(v >> n);
}

// PSLLW xmm, xmm/m128: source a, count in b's low quadword.
template <class T, T (*Shift)(T, u64)>
uint64_t shift_by_vector(Args& x) {
    const u64 n = x.b->get<u64>(0);
    Vec r{};
    for (unsigned i = 0; i < lanes<T>(x); ++i)
        r.set<T>(i, Shift(x.a->get<T>(i), n));
    return store(x, r);
}

// PSLLW xmm, imm8 (groups 12-14): source b.
template <class T, T (*Shift)(T, u64)>
uint64_t shift_by_imm(Args& x) {
    Vec r{};
    for (unsigned i = 0; i < lanes<T>(x); ++i)
        r.set<T>(i, Shift(x.b->get<T>(i), x.imm));
    return store(x, r);
}

// VPSLLVD: each element of a shifted by the matching element of b.
template <class T, T (*Shift)(T, u64)>
uint64_t shift_per_element(Args& x) {
    Vec r{};
    for (unsigned i = 0; i < lanes<T>(x); ++i)
        r.set<T>(i, Shift(x.a->get<T>(i), u64(x.b->get<std::make_unsigned_t<T>>(i))));
    return store(x, r);
}

// PSLLDQ/PSRLDQ: whole 128-bit lanes of b shifted by imm bytes.
template <bool Left>
uint64_t shift_bytes(Args& x) {
    const unsigned n = std::min<unsigned>(x.imm, 16);
    Vec r{};
    for (unsigned base = 0; base < x.bytes; base += 16)
        for (unsigned i = 0; i < 16; ++i) {
            const unsigned from = Left ? i - n : i + n;  // wraps out of range when shifted out
            r.b[base + i] = from < 16 ? x.b->b[base + from] : 0;
        }
    return store(x, r);
}

// ---- packs, unpacks, horizontal ops (per 128-bit lane) --------------------------------------

// Each lane: a's elements narrowed with saturation, then b's.
template <class Wide, class Narrow>
uint64_t pack(Args& x) {
    const unsigned lane = lane_bytes(x), n = lane / sizeof(Wide);
    Vec r{};
    for (unsigned base = 0; base < x.bytes; base += lane) {
        const unsigned in = base / sizeof(Wide), out = base / sizeof(Narrow);
        for (unsigned i = 0; i < n; ++i) {
            r.set<Narrow>(out + i, saturate<Narrow>(x.a->get<Wide>(in + i)));
            r.set<Narrow>(out + n + i, saturate<Narrow>(x.b->get<Wide>(in + i)));
        }
    }
    return store(x, r);
}

// Each lane: the low (or high) halves of a and b interleaved, a first.
template <class T, bool High>
uint64_t unpack(Args& x) {
    const unsigned lane = lane_bytes(x), half = lane / sizeof(T) / 2;
    Vec r{};
    for (unsigned base = 0; base < x.bytes; base += lane) {
        const unsigned first = base / sizeof(T), from = first + (High ? half : 0);
        for (unsigned i = 0; i < half; ++i) {
            r.set<T>(first + 2 * i, x.a->get<T>(from + i));
            r.set<T>(first + 2 * i + 1, x.b->get<T>(from + i));
        }
    }
    return store(x, r);
}

// Each lane: F over adjacent pairs of a, then of b (PHADDW, PHSUBD, ...).
template <class T, auto F>
uint64_t horizontal(Args& x) {
    const unsigned lane = lane_bytes(x), half = lane / sizeof(T) / 2;
    Vec r{};
    for (unsigned base = 0; base < x.bytes; base += lane) {
        const unsigned first = base / sizeof(T);
        for (unsigned i = 0; i < half; ++i) {
            const unsigned pair = first + 2 * i;
            r.set<T>(first + i, static_cast<T>(F(x.a->get<T>(pair), x.a->get<T>(pair + 1))));
            r.set<T>(first + half + i, static_cast<T>(F(x.b->get<T>(pair), x.b->get<T>(pair + 1))));
        }
    }
    return store(x, r);
}

// ---- shuffles and permutes ------------------------------------------------------------------

// dst[i] = src[Pick(x, i)] for T elements; Pick returns an element index into its source.
template <class T, unsigned (*Pick)(const Args&, unsigned), bool FromA = false>
uint64_t permute(Args& x) {
    const Vec& src = FromA ? *x.a : *x.b;
    Vec r{};
    for (unsigned i = 0; i < lanes<T>(x); ++i)
        r.set<T>(i, src.get<T>(Pick(x, i)));
    return store(x, r);
}

// The two-bit selector for element i of a four-element group, from imm.
constexpr unsigned imm_pick2(const Args& x, unsigned i) {
    return (x.imm >> (2 * (i & 3))) & 3;
}

unsigned pshufd_pick(const Args& x, unsigned i) {
    return (i & ~3u) + imm_pick2(x, i);
}
unsigned pshuflw_pick(const Args& x, unsigned i) {
    return (i & 7) < 4 ? (i & ~3u) + imm_pick2(x, i) : i;
}
unsigned pshufhw_pick(const Args& x, unsigned i) {
    return (i & 7) >= 4 ? (i & ~3u) + imm_pick2(x, i) : i;
}
unsigned even_pick(const Args&, unsigned i) {
    return i & ~1u;
}
unsigned odd_pick(const Args&, unsigned i) {
    return i | 1u;
}
unsigned broadcast_pick(const Args&, unsigned) {
    return 0;
}
unsigned broadcast128_pick(const Args&, unsigned i) {
    return i & 1;
}
unsigned vpermq_pick(const Args& x, unsigned i) {
    return imm_pick2(x, i);
}
unsigned vpermilps_imm_pick(const Args& x, unsigned i) {
    return (i & ~3u) + imm_pick2(x, i);
}
unsigned vpermilpd_imm_pick(const Args& x, unsigned i) {
    return (i & ~1u) + ((x.imm >> i) & 1);
}
unsigned vpermd_pick(const Args& x, unsigned i) {
    return x.a->get<u32>(i) & 7;
}
unsigned vpermilps_var_pick(const Args& x, unsigned i) {
    return (i & ~3u) + (x.b->get<u32>(i) & 3);
}
unsigned vpermilpd_var_pick(const Args& x, unsigned i) {
    return (i & ~1u) + ((x.b->get<u64>(i) >> 1) & 1);
}

// SHUFPS: per lane, two dwords of a then two of b, each picked by two imm bits.
uint64_t shufps(Args& x) {
    Vec r{};
    for (unsigned i = 0; i < lanes<u32>(x); ++i)
        r.set<u32>(i, ((i & 2) ? x.b : x.a)->get<u32>((i & ~3u) + imm_pick2(x, i)));
    return store(x, r);
}

// SHUFPD: per lane, a quadword of a then one of b, each picked by one imm bit.
uint64_t shufpd(Args& x) {
    Vec r{};
    for (unsigned i = 0; i < lanes<u64>(x); ++i)
        r.set<u64>(i, ((i & 1) ? x.b : x.a)->get<u64>((i & ~1u) + ((x.imm >> i) & 1)));
    return store(x, r);
}

// PSHUFB: per lane, b's bytes index a's bytes; a set bit 7 writes zero.
uint64_t pshufb(Args& x) {
    const unsigned lane = lane_bytes(x);
    Vec r{};
    for (unsigned i = 0; i < x.bytes; ++i) {
        const u8 sel = x.b->b[i];
        r.b[i] = (sel & 0x80) ? 0 : x.a->b[(i & ~(lane - 1)) + (sel & (lane - 1))];
    }
    return store(x, r);
}

// PALIGNR: per lane, a:b concatenated (a high) and shifted right by imm bytes.
uint64_t palignr(Args& x) {
    const unsigned lane = lane_bytes(x);
    Vec r{};
    for (unsigned base = 0; base < x.bytes; base += lane)
        for (unsigned i = 0; i < lane; ++i) {
            const unsigned from = i + x.imm;
            r.b[base + i] = from < lane       ? x.b->b[base + from]
                            : from < 2 * lane ? x.a->b[base + from - lane]
                                              : 0;
        }
    return store(x, r);
}

// ---- blends -------------------------------------------------------------------------------

// Element i from b when imm bit (i mod 8) is set; PBLENDW's 256-bit form reuses the byte.
template <class T>
uint64_t blend_imm(Args& x) {
    Vec r{};
    for (unsigned i = 0; i < lanes<T>(x); ++i)
        r.set<T>(i, ((x.imm >> (i & 7)) & 1 ? x.b : x.a)->get<T>(i));
    return store(x, r);
}

template <class T>
bool is_negative(T v) {
    return static_cast<std::make_signed_t<T>>(v) < 0;
}

// Element i from b when the mask element's sign bit is set.
template <class T>
uint64_t blend_var(Args& x) {
    Vec r{};
    for (unsigned i = 0; i < lanes<T>(x); ++i) {
        const Vec* from = is_negative(x.c->get<T>(i)) ? x.b : x.a;
        r.set<T>(i, from->get<T>(i));
    }
    return store(x, r);
}

// ---- GPR results and sources --------------------------------------------------------------

// PMOVMSKB, MOVMSKPS, MOVMSKPD: the elements' sign bits of b.
template <class T>
uint64_t sign_mask(Args& x) {
    u64 m = 0;
    for (unsigned i = 0; i < lanes<T>(x); ++i)
        m |= u64{is_negative(x.b->get<T>(i))} << i;
    return m;
}

// PEXTRB/W/D, EXTRACTPS: element imm (modulo the element count) of b, zero-extended.
template <class T>
uint64_t extract(Args& x) {
    return x.b->get<T>(x.imm & (lane_bytes(x) / sizeof(T) - 1));
}

// PINSRB/W/D: a with element imm replaced by the integer source.
template <class T>
uint64_t insert(Args& x) {
    Vec r = *x.a;
    r.set<T>(x.imm & (lane_bytes(x) / sizeof(T) - 1), static_cast<T>(x.gpr));
    return store(x, r);
}

// PEXTRD/PINSRD become PEXTRQ/PINSRQ with REX.W, which the caller reports in gpr_size.
uint64_t pextrd(Args& x) {
    return x.gpr_size == 8 ? extract<u64>(x) : extract<u32>(x);
}
uint64_t pinsrd(Args& x) {
    return x.gpr_size == 8 ? insert<u64>(x) : insert<u32>(x);
}

// INSERTPS: dword imm[7:6] of b into dword imm[5:4] of a, then zero the dwords in imm[3:0].
// The memory form's dword arrives as b's dword 0 with imm[7:6] cleared by the caller.
uint64_t insertps(Args& x) {
    Vec r = *x.a;
    r.set<u32>((x.imm >> 4) & 3, x.b->get<u32>(x.imm >> 6));
    for (unsigned i = 0; i < 4; ++i)
        if ((x.imm >> i) & 1) r.set<u32>(i, 0);
    return store(x, r);
}

// ---- tests and searches -------------------------------------------------------------------

// PTEST, VTESTPS/PD: ZF when a AND b has no bit set under Bits, CF likewise for NOT a AND b.
template <class T, T Bits>
uint64_t test_bits(Args& x) {
    bool any_and = false, any_andn = false;
    for (unsigned i = 0; i < lanes<T>(x); ++i) {
        const T a = x.a->get<T>(i), b = x.b->get<T>(i);
        any_and |= (a & b & Bits) != 0;
        any_andn |= (~a & b & Bits) != 0;
    }
    return (any_and ? 0 : kZF) | (any_andn ? 0 : kCF);
}

// PHMINPOSUW: the smallest unsigned word of b and its (first) index; the rest zero.
uint64_t phminposuw(Args& x) {
    unsigned best = 0;
    for (unsigned i = 1; i < 8; ++i)
        if (x.b->get<u16>(i) < x.b->get<u16>(best)) best = i;
    Vec r{};
    r.set<u16>(0, x.b->get<u16>(best));
    r.set<u16>(1, static_cast<u16>(best));
    return store(x, r);
}

// MPSADBW: per lane, eight sums of absolute differences between a sliding 4-byte window
// of a (from offset imm[2]*4) and a fixed block of b (imm[1:0]*4); the upper lane of the
// 256-bit form takes its offsets from imm[5] and imm[4:3].
uint64_t mpsadbw(Args& x) {
    Vec r{};
    for (unsigned lane = 0; lane * 16 < x.bytes; ++lane) {
        const unsigned ctl = x.imm >> (3 * lane), base = lane * 16;
        const unsigned a_off = base + ((ctl >> 2) & 1) * 4, b_off = base + (ctl & 3) * 4;
        for (unsigned i = 0; i < 8; ++i) {
            unsigned sum = 0;
            for (unsigned j = 0; j < 4; ++j) {
                const int d = int(x.a->b[a_off + i + j]) - int(x.b->b[b_off + j]);
                sum += d < 0 ? -d : d;
            }
            r.set<u16>(lane * 8 + i, static_cast<u16>(sum));
        }
    }
    return store(x, r);
}

// ---- widening moves -----------------------------------------------------------------------

// PMOVSX/PMOVZX: the low elements of b, sign- or zero-extended by the type of From.
template <class From, class To>
uint64_t widen(Args& x) {
    Vec r{};
    for (unsigned i = 0; i < lanes<To>(x); ++i)
        r.set<To>(i, static_cast<To>(static_cast<std::make_signed_t<To>>(x.b->get<From>(i))));
    return store(x, r);
}

// ---- 128-bit halves (AVX2) ----------------------------------------------------------------

// VINSERTI128/F128: a with the 128-bit half imm[0] replaced by b's low half.
uint64_t insert128(Args& x) {
    Vec r = *x.a;
    std::memcpy(r.b + 16 * (x.imm & 1), x.b->b, 16);
    return store(x, r);
}

// VEXTRACTI128/F128: b's half imm[0] in the low half, zero above.
uint64_t extract128(Args& x) {
    Vec r{};
    std::memcpy(r.b, x.b->b + 16 * (x.imm & 1), 16);
    return store(x, r);
}

// VPERM2I128/F128: each half picks a.lo, a.hi, b.lo or b.hi, or zero when bit 3 is set.
uint64_t perm2x128(Args& x) {
    Vec r{};
    for (unsigned half = 0; half < 2; ++half) {
        const unsigned ctl = x.imm >> (4 * half);
        if (ctl & 8) continue;
        std::memcpy(r.b + 16 * half, ((ctl & 2) ? x.b : x.a)->b + 16 * (ctl & 1), 16);
    }
    return store(x, r);
}

constexpr uint16_t kMask = kUsesMask;
constexpr uint16_t kGpr = kResultGpr;
constexpr uint16_t kFlags = kResultFlags;

// Names are the decoder's mnemonics, plus two kinds the decoder's rows share with another
// form: "<mnemonic>/ib" for the immediate forms of the shifts (groups 12-14) and of
// VPERMILPS/PD (0F3A 04/05), and VPSLLVQ/VPSRLVQ for the VEX.W1 forms of rows named
// VPSLLVD/VPSRLVD.
constexpr OpInfo kIntegerOps[] = {
    // MMX/SSE2 arithmetic
    {"PADDB", zip<u8, add>, 0},
    {"PADDW", zip<u16, add>, 0},
    {"PADDD", zip<u32, add>, 0},
    {"PADDQ", zip<u64, add>, 0},
    {"PSUBB", zip<u8, sub>, 0},
    {"PSUBW", zip<u16, sub>, 0},
    {"PSUBD", zip<u32, sub>, 0},
    {"PSUBQ", zip<u64, sub>, 0},
    {"PADDSB", zip<i8, add_sat>, 0},
    {"PADDSW", zip<i16, add_sat>, 0},
    {"PADDUSB", zip<u8, add_sat>, 0},
    {"PADDUSW", zip<u16, add_sat>, 0},
    {"PSUBSB", zip<i8, sub_sat>, 0},
    {"PSUBSW", zip<i16, sub_sat>, 0},
    {"PSUBUSB", zip<u8, sub_sat>, 0},
    {"PSUBUSW", zip<u16, sub_sat>, 0},
    {"PMULLW", zip<u16, mul_low>, 0},
    {"PMULHW", zip<i16, mul_high>, 0},
    {"PMULHUW", zip<u16, mul_high>, 0},
    {"PMULUDQ", zip<u64, mul_even_u32>, 0},
    {"PMADDWD", zip<u32, madd_words>, 0},
    {"PAVGB", zip<u8, avg>, 0},
    {"PAVGW", zip<u16, avg>, 0},
    {"PMINUB", zip<u8, smaller>, 0},
    {"PMAXUB", zip<u8, larger>, 0},
    {"PMINSW", zip<i16, smaller>, 0},
    {"PMAXSW", zip<i16, larger>, 0},
    {"PSADBW", zip<u64, sum_abs_diff>, 0},
    {"PCMPEQB", zip<u8, eq>, 0},
    {"PCMPEQW", zip<u16, eq>, 0},
    {"PCMPEQD", zip<u32, eq>, 0},
    {"PCMPGTB", zip<i8, gt>, 0},
    {"PCMPGTW", zip<i16, gt>, 0},
    {"PCMPGTD", zip<i32, gt>, 0},
    // shifts: by a vector's low quadword, by an immediate (groups 12-14, "/ib"), by bytes
    {"PSLLW", shift_by_vector<u16, shift_left<u16>>, 0},
    {"PSLLD", shift_by_vector<u32, shift_left<u32>>, 0},
    {"PSLLQ", shift_by_vector<u64, shift_left<u64>>, 0},
    {"PSRLW", shift_by_vector<u16, shift_right<u16>>, 0},
    {"PSRLD", shift_by_vector<u32, shift_right<u32>>, 0},
    {"PSRLQ", shift_by_vector<u64, shift_right<u64>>, 0},
    {"PSRAW", shift_by_vector<i16, shift_right<i16>>, 0},
    {"PSRAD", shift_by_vector<i32, shift_right<i32>>, 0},
    {"PSLLW/ib", shift_by_imm<u16, shift_left<u16>>, 0},
    {"PSLLD/ib", shift_by_imm<u32, shift_left<u32>>, 0},
    {"PSLLQ/ib", shift_by_imm<u64, shift_left<u64>>, 0},
    {"PSRLW/ib", shift_by_imm<u16, shift_right<u16>>, 0},
    {"PSRLD/ib", shift_by_imm<u32, shift_right<u32>>, 0},
    {"PSRLQ/ib", shift_by_imm<u64, shift_right<u64>>, 0},
    {"PSRAW/ib", shift_by_imm<i16, shift_right<i16>>, 0},
    {"PSRAD/ib", shift_by_imm<i32, shift_right<i32>>, 0},
    {"PSLLDQ", shift_bytes<true>, 0},
    {"PSRLDQ", shift_bytes<false>, 0},
    // packs and unpacks
    {"PACKSSWB", pack<i16, i8>, 0},
    {"PACKSSDW", pack<i32, i16>, 0},
    {"PACKUSWB", pack<i16, u8>, 0},
    {"PACKUSDW", pack<i32, u16>, 0},
    {"PUNPCKLBW", unpack<u8, false>, 0},
    {"PUNPCKLWD", unpack<u16, false>, 0},
    {"PUNPCKLDQ", unpack<u32, false>, 0},
    {"PUNPCKLQDQ", unpack<u64, false>, 0},
    {"PUNPCKHBW", unpack<u8, true>, 0},
    {"PUNPCKHWD", unpack<u16, true>, 0},
    {"PUNPCKHDQ", unpack<u32, true>, 0},
    {"PUNPCKHQDQ", unpack<u64, true>, 0},
    {"UNPCKLPS", unpack<u32, false>, 0},
    {"UNPCKLPD", unpack<u64, false>, 0},
    {"UNPCKHPS", unpack<u32, true>, 0},
    {"UNPCKHPD", unpack<u64, true>, 0},
    // shuffles
    {"PSHUFD", permute<u32, pshufd_pick>, 0},
    {"PSHUFHW", permute<u16, pshufhw_pick>, 0},
    {"PSHUFLW", permute<u16, pshuflw_pick>, 0},
    {"PSHUFW", permute<u16, pshuflw_pick>, 0},
    {"SHUFPS", shufps, 0},
    {"SHUFPD", shufpd, 0},
    {"MOVDDUP", permute<u64, even_pick>, kUnaligned},
    {"MOVSLDUP", permute<u32, even_pick>, 0},
    {"MOVSHDUP", permute<u32, odd_pick>, 0},
    // masks, extracts, inserts
    {"PMOVMSKB", sign_mask<u8>, kGpr},
    {"MOVMSKPS", sign_mask<u32>, kGpr},
    {"MOVMSKPD", sign_mask<u64>, kGpr},
    {"PEXTRB", extract<u8>, kGpr},
    {"PEXTRW", extract<u16>, kGpr},
    {"PEXTRD", pextrd, kGpr},
    {"EXTRACTPS", extract<u32>, kGpr},
    {"PINSRB", insert<u8>, kGprSource},
    {"PINSRW", insert<u16>, kGprSource},
    {"PINSRD", pinsrd, kGprSource},
    {"INSERTPS", insertps, 0},
    // blends
    {"BLENDPS", blend_imm<u32>, 0},
    {"BLENDPD", blend_imm<u64>, 0},
    {"PBLENDW", blend_imm<u16>, 0},
    {"VPBLENDD", blend_imm<u32>, 0},
    {"BLENDVPS", blend_var<u32>, kMask},
    {"BLENDVPD", blend_var<u64>, kMask},
    {"PBLENDVB", blend_var<u8>, kMask},
    {"VBLENDVPS", blend_var<u32>, kMask},
    {"VBLENDVPD", blend_var<u64>, kMask},
    {"VPBLENDVB", blend_var<u8>, kMask},
    // SSSE3
    {"PSHUFB", pshufb, 0},
    {"PHADDW", horizontal<u16, add>, 0},
    {"PHADDD", horizontal<u32, add>, 0},
    {"PHADDSW", horizontal<i16, add_sat>, 0},
    {"PHSUBW", horizontal<u16, sub>, 0},
    {"PHSUBD", horizontal<u32, sub>, 0},
    {"PHSUBSW", horizontal<i16, sub_sat>, 0},
    {"PMADDUBSW", zip<u16, madd_ubytes_sbytes>, 0},
    {"PMULHRSW", zip<i16, mul_high_round>, 0},
    {"PSIGNB", zip<i8, sign>, 0},
    {"PSIGNW", zip<i16, sign>, 0},
    {"PSIGND", zip<i32, sign>, 0},
    {"PABSB", unary<i8, magnitude>, 0},
    {"PABSW", unary<i16, magnitude>, 0},
    {"PABSD", unary<i32, magnitude>, 0},
    {"PALIGNR", palignr, 0},
    // SSE4.1
    {"PMULLD", zip<u32, mul_low>, 0},
    {"PMULDQ", zip<u64, mul_even_i32>, 0},
    {"PMINSB", zip<i8, smaller>, 0},
    {"PMINSD", zip<i32, smaller>, 0},
    {"PMINUW", zip<u16, smaller>, 0},
    {"PMINUD", zip<u32, smaller>, 0},
    {"PMAXSB", zip<i8, larger>, 0},
    {"PMAXSD", zip<i32, larger>, 0},
    {"PMAXUW", zip<u16, larger>, 0},
    {"PMAXUD", zip<u32, larger>, 0},
    {"PCMPEQQ", zip<u64, eq>, 0},
    {"PMOVSXBW", widen<i8, u16>, 0},
    {"PMOVSXBD", widen<i8, u32>, 0},
    {"PMOVSXBQ", widen<i8, u64>, 0},
    {"PMOVSXWD", widen<i16, u32>, 0},
    {"PMOVSXWQ", widen<i16, u64>, 0},
    {"PMOVSXDQ", widen<i32, u64>, 0},
    {"PMOVZXBW", widen<u8, u16>, 0},
    {"PMOVZXBD", widen<u8, u32>, 0},
    {"PMOVZXBQ", widen<u8, u64>, 0},
    {"PMOVZXWD", widen<u16, u32>, 0},
    {"PMOVZXWQ", widen<u16, u64>, 0},
    {"PMOVZXDQ", widen<u32, u64>, 0},
    {"PTEST", test_bits<u64, ~u64{0}>, kFlags},
    {"MPSADBW", mpsadbw, 0},
    {"PHMINPOSUW", phminposuw, 0},
    // SSE4.2
    {"PCMPGTQ", zip<i64, gt>, 0},
    {"PCMPESTRI", pcmpestri, kResultEcxFlags | kUnaligned},
    {"PCMPESTRM", pcmpestrm, kFlags | kUnaligned},
    {"PCMPISTRI", pcmpistri, kResultEcxFlags | kUnaligned},
    {"PCMPISTRM", pcmpistrm, kFlags | kUnaligned},
    // AES, carry-less multiply, SHA
    {"AESENC", aesenc, 0},
    {"AESENCLAST", aesenclast, 0},
    {"AESDEC", aesdec, 0},
    {"AESDECLAST", aesdeclast, 0},
    {"AESIMC", aesimc, 0},
    {"AESKEYGENASSIST", aeskeygenassist, 0},
    {"PCLMULQDQ", pclmulqdq, 0},
    {"SHA1RNDS4", sha1rnds4, 0},
    {"SHA1NEXTE", sha1nexte, 0},
    {"SHA1MSG1", sha1msg1, 0},
    {"SHA1MSG2", sha1msg2, 0},
    {"SHA256RNDS2", sha256rnds2, kMask},
    {"SHA256MSG1", sha256msg1, 0},
    {"SHA256MSG2", sha256msg2, 0},
    // AVX/AVX2 VEX-only rows
    {"VPBROADCASTB", permute<u8, broadcast_pick>, 0},
    {"VPBROADCASTW", permute<u16, broadcast_pick>, 0},
    {"VPBROADCASTD", permute<u32, broadcast_pick>, 0},
    {"VPBROADCASTQ", permute<u64, broadcast_pick>, 0},
    {"VBROADCASTSS", permute<u32, broadcast_pick>, 0},
    {"VBROADCASTSD", permute<u64, broadcast_pick>, 0},
    {"VBROADCASTI128", permute<u64, broadcast128_pick>, 0},
    {"VBROADCASTF128", permute<u64, broadcast128_pick>, 0},
    {"VINSERTI128", insert128, 0},
    {"VINSERTF128", insert128, 0},
    {"VEXTRACTI128", extract128, 0},
    {"VEXTRACTF128", extract128, 0},
    {"VPERM2I128", perm2x128, 0},
    {"VPERM2F128", perm2x128, 0},
    {"VPERMD", permute<u32, vpermd_pick>, 0},
    {"VPERMPS", permute<u32, vpermd_pick>, 0},
    {"VPERMQ", permute<u64, vpermq_pick>, 0},
    {"VPERMPD", permute<u64, vpermq_pick>, 0},
    {"VPERMILPS", permute<u32, vpermilps_var_pick, true>, 0},
    {"VPERMILPD", permute<u64, vpermilpd_var_pick, true>, 0},
    {"VPERMILPS/ib", permute<u32, vpermilps_imm_pick>, 0},
    {"VPERMILPD/ib", permute<u64, vpermilpd_imm_pick>, 0},
    {"VPSLLVD", shift_per_element<u32, shift_left<u32>>, 0},
    {"VPSLLVQ", shift_per_element<u64, shift_left<u64>>, 0},
    {"VPSRLVD", shift_per_element<u32, shift_right<u32>>, 0},
    {"VPSRLVQ", shift_per_element<u64, shift_right<u64>>, 0},
    {"VPSRAVD", shift_per_element<i32, shift_right<i32>>, 0},
    {"VTESTPS", test_bits<u32, u32{1} << 31>, kFlags},
    {"VTESTPD", test_bits<u64, u64{1} << 63>, kFlags},
};

}  // namespace

std::span<const OpInfo> integer_ops() {
    return kIntegerOps;
}

}  // namespace kemu::x86::simd
