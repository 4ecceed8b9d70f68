// SSE/AVX floating-point and conversion handlers (vec.h), computed by the host's own
// instructions under the guest's MXCSR.
//
// Exactness is the point: NaN selection and quieting, MIN/MAX operand order, denormal
// handling, rounding, the RCP/RSQRT approximations and the integer-indefinite results all
// come from the very instruction the guest ran. Each host instruction is a volatile asm
// kernel: the compiler can neither pick another form (it may swap the operands of a
// commutative ADDPS, which changes which NaN wins) nor move it across the MXCSR writes,
// which it does not model. Nothing here does floating point in C++, so no -frounding-math
// is needed.
//
// 256-bit forms run as two 128-bit halves: every instruction here works lane by lane or
// per 128-bit lane, and the flags of the halves are simply ORed, as the hardware does.
//
// Only x86-64 hosts run these handlers; elsewhere fp_ops() is empty and the translator
// reports the rows as unimplemented.
#include "target-x86/tcg/simd_fp.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <type_traits>
#include <utility>

namespace kemu::x86::simd {

namespace {

// The FMA3 runs of 0F38: 96-9F, A6-AF, B6-BF (orders 132, 213, 231), by low nibble - 6.
constexpr unsigned kFmaOrders = 3, kFmaKinds = 10, kFmaOps = kFmaOrders * kFmaKinds * 2;
constexpr std::string_view kFmaOrderNames[kFmaOrders] = {"132", "213", "231"};
constexpr std::string_view kFmaKindNames[kFmaKinds] = {
    "VFMADDSUB", "VFMSUBADD", "VFMADD",  "VFMADD",  "VFMSUB",
    "VFMSUB",    "VFNMADD",   "VFNMADD", "VFNMSUB", "VFNMSUB"};

// Odd opcodes from x9 on are the scalar forms; VEX.W picks single or double.
constexpr bool fma_is_scalar(unsigned kind) {
    return kind >= 3 && (kind & 1);
}

struct FmaName {
    char text[16];
    uint8_t size;
    constexpr std::string_view view() const { return {text, size}; }
};

// Index: (order * kFmaKinds + kind) * 2 + W.
consteval std::array<FmaName, kFmaOps> make_fma_names() {
    std::array<FmaName, kFmaOps> names{};
    for (unsigned i = 0; i < kFmaOps; i++) {
        unsigned order = i / (2 * kFmaKinds), kind = i / 2 % kFmaKinds;
        FmaName& n = names[i];
        for (std::string_view part : {kFmaKindNames[kind], kFmaOrderNames[order]})
            for (char c : part)
                n.text[n.size++] = c;
        n.text[n.size++] = fma_is_scalar(kind) ? 'S' : 'P';
        n.text[n.size++] = (i & 1) ? 'D' : 'S';
    }
    return names;
}

constexpr auto kFmaNames = make_fma_names();

}  // namespace

std::string_view fma_mnemonic(uint8_t opcode, bool vex_w) {
    unsigned order = (opcode >> 4) - 9, kind = (opcode & 15) - 6;
    if (order >= kFmaOrders || kind >= kFmaKinds) return {};
    return kFmaNames[(order * kFmaKinds + kind) * 2 + vex_w].view();
}

#if defined(__x86_64__)

namespace {

// ---- the guest's MXCSR on the host ---------------------------------------------------------

namespace mxcsr {
constexpr uint32_t kFlags = 0x3f;          // IE DE ZE OE UE PE
constexpr uint32_t kPreComputation = 0x7;  // IE DE ZE: detected before any result exists
constexpr uint32_t kDaz = 1u << 6, kRc = 3u << 13, kFtz = 1u << 15;
constexpr unsigned kMaskShift = 7;  // IM..PM are the flags shifted left by 7
constexpr uint32_t kAllMasks = kFlags << kMaskShift;
}  // namespace mxcsr

// Runs the enclosed host instructions with the guest's rounding, DAZ and FTZ and every
// exception masked (an unmasked one would trap in the host), and reports the flags they raise.
//
// LDMXCSR stalls the pipeline, so the common case avoids it: when the guest masks every
// exception and the host already runs with the same controls (both the defaults, usually),
// the instructions run on the host's MXCSR as it is. Between scopes its flags are kept a
// subset of the guest's: any other flag is cleared on the way in and on the way out (a flag
// the guest is about to receive costs one clear, once; a discarded one, as CMPPS's unused
// compares raise, every time). Otherwise the scope loads a run value with clear flags and puts
// the host's MXCSR back at the end.
class GuestMxcsrScope {
  public:
    explicit GuestMxcsrScope(const uint32_t& guest) : guest_(guest) {
        asm volatile("stmxcsr %0" : "=m"(host_));
        run_ = (guest & (mxcsr::kRc | mxcsr::kDaz | mxcsr::kFtz)) | mxcsr::kAllMasks;
        const bool all_masked = (guest & mxcsr::kAllMasks) == mxcsr::kAllMasks;
        if (all_masked && (host_ & ~mxcsr::kFlags) == run_) {
            restore_ = false;
            if (host_ & mxcsr::kFlags & ~guest) asm volatile("ldmxcsr %0" : : "m"(run_));
            return;
        }
        asm volatile("ldmxcsr %0" : : "m"(run_));
    }
    ~GuestMxcsrScope() {
        if (restore_)
            asm volatile("ldmxcsr %0" : : "m"(host_));
        else if (flags() & ~guest_)
            asm volatile("ldmxcsr %0" : : "m"(run_));
    }
    GuestMxcsrScope(const GuestMxcsrScope&) = delete;
    GuestMxcsrScope& operator=(const GuestMxcsrScope&) = delete;

    // The exception flags raised since the scope began (on the fast path, possibly with
    // flags the guest's MXCSR already has).
    uint32_t flags() const {
        uint32_t csr;
        asm volatile("stmxcsr %0" : "=m"(csr));
        return csr & mxcsr::kFlags;
    }

  private:
    const uint32_t& guest_;
    uint32_t host_;
    uint32_t run_;
    bool restore_ = true;
};

// Folds the flags into the guest's MXCSR. An unmasked exception faults: the destination is
// left alone, and, as the SDM describes, an unmasked pre-computation exception stops the
// instruction before the post-computation ones (OE UE PE) are detected.
bool accept_flags(Args& args, uint32_t flags) {
    uint32_t unmasked = flags & ~(*args.mxcsr >> mxcsr::kMaskShift) & mxcsr::kFlags;
    if (!unmasked) {
        *args.mxcsr |= flags;
        return true;
    }
    bool stopped_early = unmasked & mxcsr::kPreComputation;
    *args.mxcsr |= stopped_early ? flags & mxcsr::kPreComputation : flags;
    args.unmasked_fault = true;
    return false;
}

void finish(Args& args, uint32_t flags, const Vec& result, unsigned bytes) {
    if (accept_flags(args, flags)) std::memcpy(args.dst->b, result.b, bytes);
}

// ---- host instruction kernels ----------------------------------------------------------

typedef uint8_t Xmm __attribute__((vector_size(16)));

Xmm lane(const Vec& v, unsigned i) {
    Xmm x;
    std::memcpy(&x, v.b + 16 * i, 16);
    return x;
}

// The 8 bytes at v.b + 8 * i, zero above (the source half of a widening conversion).
Xmm half(const Vec& v, unsigned i) {
    Xmm x{};
    std::memcpy(&x, v.b + 8 * i, 8);
    return x;
}

void put(Vec& v, unsigned i, Xmm x, unsigned bytes = 16) {
    std::memcpy(v.b + 16 * i, &x, bytes);
}

using Unary = Xmm (*)(Xmm b);
using Binary = Xmm (*)(Xmm a, Xmm b);
using UnaryImm = Xmm (*)(Xmm b, uint8_t imm);
using BinaryImm = Xmm (*)(Xmm a, Xmm b, uint8_t imm);
using Ternary = Xmm (*)(Xmm d, Xmm a, Xmm b);

// Asm templates must be string literals, so each kernel is stamped out by a macro named
// after its instruction. AT&T order: the destination is last, so "addps %1, %0" is
// ADDPS a, b with a the destination and the first source.
#define KEMU_UNARY(insn)                                  \
    Xmm insn(Xmm b) {                                     \
        Xmm r;                                            \
        asm volatile(#insn " %1, %0" : "=x"(r) : "x"(b)); \
        return r;                                         \
    }                                                     \
    static_assert(true)
#define KEMU_BINARY(insn)                                 \
    Xmm insn(Xmm a, Xmm b) {                              \
        asm volatile(#insn " %1, %0" : "+x"(a) : "x"(b)); \
        return a;                                         \
    }                                                     \
    static_assert(true)
#define KEMU_UNARY_IMM(insn)                                            \
    template <unsigned Imm>                                             \
    Xmm insn(Xmm b) {                                                   \
        Xmm r;                                                          \
        asm volatile(#insn " %2, %1, %0" : "=x"(r) : "x"(b), "i"(Imm)); \
        return r;                                                       \
    }                                                                   \
    static_assert(true)
#define KEMU_BINARY_IMM(insn)                                           \
    template <unsigned Imm>                                             \
    Xmm insn(Xmm a, Xmm b) {                                            \
        asm volatile(#insn " %2, %1, %0" : "+x"(a) : "x"(b), "i"(Imm)); \
        return a;                                                       \
    }                                                                   \
    static_assert(true)

KEMU_BINARY(addps);
KEMU_BINARY(addpd);
KEMU_BINARY(addss);
KEMU_BINARY(addsd);
KEMU_BINARY(subps);
KEMU_BINARY(subpd);
KEMU_BINARY(subss);
KEMU_BINARY(subsd);
KEMU_BINARY(mulps);
KEMU_BINARY(mulpd);
KEMU_BINARY(mulss);
KEMU_BINARY(mulsd);
KEMU_BINARY(divps);
KEMU_BINARY(divpd);
KEMU_BINARY(divss);
KEMU_BINARY(divsd);
KEMU_BINARY(minps);
KEMU_BINARY(minpd);
KEMU_BINARY(minss);
KEMU_BINARY(minsd);
KEMU_BINARY(maxps);
KEMU_BINARY(maxpd);
KEMU_BINARY(maxss);
KEMU_BINARY(maxsd);
KEMU_UNARY(sqrtps);
KEMU_UNARY(sqrtpd);
KEMU_BINARY(sqrtss);
KEMU_BINARY(sqrtsd);
KEMU_UNARY(rcpps);
KEMU_BINARY(rcpss);
KEMU_UNARY(rsqrtps);
KEMU_BINARY(rsqrtss);
KEMU_BINARY(addsubps);
KEMU_BINARY(addsubpd);
KEMU_BINARY(haddps);
KEMU_BINARY(haddpd);
KEMU_BINARY(hsubps);
KEMU_BINARY(hsubpd);
KEMU_BINARY(cmpeqps);
KEMU_BINARY(cmpeqpd);
KEMU_BINARY(cmpeqss);
KEMU_BINARY(cmpeqsd);
KEMU_BINARY(cmpltps);
KEMU_BINARY(cmpltpd);
KEMU_BINARY(cmpltss);
KEMU_BINARY(cmpltsd);
KEMU_UNARY(cvtps2pd);
KEMU_UNARY(cvtpd2ps);
KEMU_BINARY(cvtss2sd);
KEMU_BINARY(cvtsd2ss);
KEMU_UNARY(cvtdq2ps);
KEMU_UNARY(cvtps2dq);
KEMU_UNARY(cvttps2dq);
KEMU_UNARY(cvtdq2pd);
KEMU_UNARY(cvtpd2dq);
KEMU_UNARY(cvttpd2dq);
KEMU_UNARY(vcvtph2ps);
KEMU_UNARY_IMM(roundps);
KEMU_UNARY_IMM(roundpd);
KEMU_BINARY_IMM(roundss);
KEMU_BINARY_IMM(roundsd);
KEMU_BINARY_IMM(dpps);
KEMU_BINARY_IMM(dppd);
KEMU_UNARY_IMM(vcvtps2ph);
// Scalar to GPR (32 or 64 bits) and GPR (signed, 32 or 64 bits) to scalar.
#define KEMU_TO_GPR(insn)                                      \
    uint64_t insn(Xmm b, bool wide) {                          \
        uint64_t r;                                            \
        if (wide)                                              \
            asm volatile(#insn " %1, %q0" : "=r"(r) : "x"(b)); \
        else                                                   \
            asm volatile(#insn " %1, %k0" : "=r"(r) : "x"(b)); \
        return r;                                              \
    }                                                          \
    static_assert(true)
#define KEMU_FROM_GPR(insn)                                     \
    Xmm insn(Xmm a, uint64_t v, bool wide) {                    \
        if (wide)                                               \
            asm volatile(#insn "q %1, %0" : "+x"(a) : "r"(v));  \
        else                                                    \
            asm volatile(#insn "l %k1, %0" : "+x"(a) : "r"(v)); \
        return a;                                               \
    }                                                           \
    static_assert(true)

KEMU_TO_GPR(cvtss2si);
KEMU_TO_GPR(cvttss2si);
KEMU_TO_GPR(cvtsd2si);
KEMU_TO_GPR(cvttsd2si);
KEMU_FROM_GPR(cvtsi2ss);
KEMU_FROM_GPR(cvtsi2sd);

// (U)COMIS: ZF, PF and CF at their RFLAGS bit positions; the instruction clears the rest.
#define KEMU_TO_RFLAGS(insn)                                                                    \
    uint64_t insn(Xmm a, Xmm b) {                                                               \
        bool zf, pf, cf;                                                                        \
        asm volatile(#insn " %4, %3" : "=@ccz"(zf), "=@ccp"(pf), "=@ccc"(cf) : "x"(a), "x"(b)); \
        return uint64_t(zf) << 6 | uint64_t(pf) << 2 | uint64_t(cf);                            \
    }                                                                                           \
    static_assert(true)

KEMU_TO_RFLAGS(comiss);
KEMU_TO_RFLAGS(comisd);
KEMU_TO_RFLAGS(ucomiss);
KEMU_TO_RFLAGS(ucomisd);

#undef KEMU_UNARY
#undef KEMU_BINARY
#undef KEMU_UNARY_IMM
#undef KEMU_BINARY_IMM
#undef KEMU_TO_GPR
#undef KEMU_FROM_GPR
#undef KEMU_TO_RFLAGS

// FMA3 by opcode (0F38 96-BF) and VEX.W, as raw VEX bytes so one template covers all 60:
// C4, RXB=111 map 0F38, W vvvv=xmm1 L=0 pp=66, opcode, ModRM reg=xmm0 rm=xmm2. The
// accumulator (Args::dst) is xmm0, VEX.vvvv (a) xmm1, r/m (b) xmm2.
template <unsigned Opcode, bool W>
Xmm fma(Xmm d, Xmm a, Xmm b) {
    register Xmm x0 asm("xmm0") = d;
    register Xmm x1 asm("xmm1") = a;
    register Xmm x2 asm("xmm2") = b;
    asm volatile(".byte 0xc4, 0xe2, %c[vex], %c[op], 0xc2"
                 : "+x"(x0)
                 : "x"(x1), "x"(x2), [vex] "i"(W ? 0xf1 : 0x71), [op] "i"(Opcode));
    return x0;
}

// One kernel per immediate, since the immediate is part of the instruction.
template <size_t N, class Make>
consteval auto per_imm(Make make) {
    return [&]<size_t... I>(std::index_sequence<I...>) {
        return std::array{make.template operator()<unsigned(I)>()...};
    }
    (std::make_index_sequence<N>());
}

// ROUND*: bits 3:0 (RC, use MXCSR.RC, suppress precision); VCVTPS2PH: bits 2:0; DPPD: 5:4
// and 1:0. The other bits are reserved and ignored.
constexpr auto kRoundps = per_imm<16>([]<unsigned I>() { return &roundps<I>; });
constexpr auto kRoundpd = per_imm<16>([]<unsigned I>() { return &roundpd<I>; });
constexpr auto kRoundss = per_imm<16>([]<unsigned I>() { return &roundss<I>; });
constexpr auto kRoundsd = per_imm<16>([]<unsigned I>() { return &roundsd<I>; });
constexpr auto kDpps = per_imm<256>([]<unsigned I>() { return &dpps<I>; });
constexpr auto kDppd = per_imm<0x34>([]<unsigned I>() { return &dppd<I>; });
constexpr auto kCvtps2ph = per_imm<8>([]<unsigned I>() { return &vcvtps2ph<I>; });

Xmm round_ps(Xmm b, uint8_t imm) {
    return kRoundps[imm & 15](b);
}
Xmm round_pd(Xmm b, uint8_t imm) {
    return kRoundpd[imm & 15](b);
}
Xmm round_ss(Xmm a, Xmm b, uint8_t imm) {
    return kRoundss[imm & 15](a, b);
}
Xmm round_sd(Xmm a, Xmm b, uint8_t imm) {
    return kRoundsd[imm & 15](a, b);
}
Xmm dot_ps(Xmm a, Xmm b, uint8_t imm) {
    return kDpps[imm](a, b);
}
Xmm dot_pd(Xmm a, Xmm b, uint8_t imm) {
    return kDppd[imm & 0x33](a, b);
}
Xmm ps_to_ph(Xmm b, uint8_t imm) {
    return kCvtps2ph[imm & 7](b);
}

// ---- handler shapes ----------------------------------------------------------------------

// Calls kernel K on 16-byte lane i of the operands it reads.
template <auto K>
Xmm run_kernel(const Args& args, unsigned i) {
    using K_t = decltype(K);
    if constexpr (std::is_same_v<K_t, Unary>)
        return K(lane(*args.b, i));
    else if constexpr (std::is_same_v<K_t, UnaryImm>)
        return K(lane(*args.b, i), args.imm);
    else if constexpr (std::is_same_v<K_t, Binary>)
        return K(lane(*args.a, i), lane(*args.b, i));
    else if constexpr (std::is_same_v<K_t, BinaryImm>)
        return K(lane(*args.a, i), lane(*args.b, i), args.imm);
    else
        return K(lane(*args.dst, i), lane(*args.a, i), lane(*args.b, i));
}

// Packed operations and same-width conversions: every 16-byte lane of `bytes`.
template <auto K>
uint64_t packed(Args& args) {
    Vec r{};
    uint32_t flags;
    {
        GuestMxcsrScope scope(*args.mxcsr);
        for (unsigned i = 0; i < args.bytes / 16u; i++)
            put(r, i, run_kernel<K>(args, i));
        flags = scope.flags();
    }
    finish(args, flags, r, args.bytes);
    return 0;
}

// Scalar operations: the host's scalar instruction keeps the upper lanes of its first
// operand (a, or dst for FMA), which is what the guest's form says.
unsigned scalar_bytes(const Args& args) {
    return std::max<unsigned>(args.bytes, 16);
}

template <auto K>
uint64_t scalar(Args& args) {
    Vec r{};
    uint32_t flags;
    {
        GuestMxcsrScope scope(*args.mxcsr);
        put(r, 0, run_kernel<K>(args, 0));
        flags = scope.flags();
    }
    finish(args, flags, r, scalar_bytes(args));
    return 0;
}

// Widening conversions: 8 source bytes make each 16-byte lane of the destination.
template <Unary K>
uint64_t widen(Args& args) {
    Vec r{};
    uint32_t flags;
    {
        GuestMxcsrScope scope(*args.mxcsr);
        for (unsigned i = 0; i < args.bytes / 16u; i++)
            put(r, i, K(half(*args.b, i)));
        flags = scope.flags();
    }
    finish(args, flags, r, args.bytes);
    return 0;
}

// Narrowing conversions: each 16-byte source lane makes 8 bytes, packed low, zeros above.
template <auto K>
uint64_t narrow(Args& args) {
    Vec r{};
    uint32_t flags;
    {
        GuestMxcsrScope scope(*args.mxcsr);
        for (unsigned i = 0; i < args.bytes / 16u; i++) {
            Xmm x = run_kernel<K>(args, i);
            std::memcpy(r.b + 8 * i, &x, 8);
        }
        flags = scope.flags();
    }
    finish(args, flags, r, args.bytes);
    return 0;
}

// CMPPS/PD/SS/SD with all 32 VEX predicates, on any SSE2 host. A predicate is a set of the
// four relations (equal, less, greater, unordered) plus whether a QNaN signals #I. Each
// lane is in exactly one relation, which the host's CMPEQ and CMPLT both ways tell apart
// (under the guest's DAZ); the flags are those of CMPLT (signals on any NaN) or CMPEQ (on
// SNaN only), which raise #I and #D exactly as the guest's predicate does.
namespace relation {
constexpr uint8_t kEq = 1, kLt = 2, kGt = 4, kUnordered = 8;
}

// SDM Vol. 2 CMPPS table 3-1, predicates 0-15 (16-31 repeat them with signalling flipped).
constexpr uint8_t kPredicateRelations[16] = {1, 2, 3, 8, 14, 13, 12, 7, 9, 10, 11, 0, 6, 5, 4, 15};
constexpr uint16_t kSignalingPredicates = 0x6666;  // LT LE NLT NLE NGE NGT GE GT

template <Binary Eq, Binary Lt, class Element, bool Scalar>
uint64_t compare(Args& args) {
    unsigned predicate = args.imm & 31, lanes = Scalar ? 1 : args.bytes / 16u;
    bool signaling = ((kSignalingPredicates >> (predicate & 15)) ^ (predicate >> 4)) & 1;
    Vec eq{}, lt{}, gt{};
    uint32_t flags;
    {
        GuestMxcsrScope scope(*args.mxcsr);
        for (unsigned i = 0; i < lanes; i++)
            put(eq, i, Eq(lane(*args.a, i), lane(*args.b, i)));
        uint32_t quiet_flags = scope.flags();
        for (unsigned i = 0; i < lanes; i++) {
            put(lt, i, Lt(lane(*args.a, i), lane(*args.b, i)));
            put(gt, i, Lt(lane(*args.b, i), lane(*args.a, i)));
        }
        flags = signaling ? scope.flags() : quiet_flags;
    }
    Vec r{};
    if (Scalar) put(r, 0, lane(*args.a, 0));
    unsigned elements = Scalar ? 1 : lanes * 16 / sizeof(Element);
    for (unsigned e = 0; e < elements; e++) {
        uint8_t rel = eq.get<Element>(e)   ? relation::kEq
                      : lt.get<Element>(e) ? relation::kLt
                      : gt.get<Element>(e) ? relation::kGt
                                           : relation::kUnordered;
        bool truth = kPredicateRelations[predicate & 15] & rel;
        r.set<Element>(e, truth ? Element(~Element(0)) : Element(0));
    }
    finish(args, flags, r, Scalar ? scalar_bytes(args) : args.bytes);
    return 0;
}

template <uint64_t (*K)(Xmm, Xmm)>
uint64_t compare_to_rflags(Args& args) {
    uint64_t rflags;
    uint32_t flags;
    {
        GuestMxcsrScope scope(*args.mxcsr);
        rflags = K(lane(*args.a, 0), lane(*args.b, 0));
        flags = scope.flags();
    }
    return accept_flags(args, flags) ? rflags : 0;
}

template <uint64_t (*K)(Xmm, bool)>
uint64_t to_gpr(Args& args) {
    uint64_t value;
    uint32_t flags;
    {
        GuestMxcsrScope scope(*args.mxcsr);
        value = K(lane(*args.b, 0), args.gpr_size == 8);
        flags = scope.flags();
    }
    return accept_flags(args, flags) ? value : 0;
}

template <Xmm (*K)(Xmm, uint64_t, bool)>
uint64_t from_gpr(Args& args) {
    Vec r{};
    uint32_t flags;
    {
        GuestMxcsrScope scope(*args.mxcsr);
        put(r, 0, K(lane(*args.a, 0), args.gpr, args.gpr_size == 8));
        flags = scope.flags();
    }
    finish(args, flags, r, scalar_bytes(args));
    return 0;
}

// The MMX conversions are their XMM twins on two elements (the host's own MMX forms would
// switch the host x87 into MMX mode). Unused source elements are zero: they convert
// exactly and raise nothing. `InBytes` of b go in; `OutBytes` of the result come out,
// over a's bytes when `KeepA` (CVTPI2PS leaves the high quadword alone).
template <Unary K, unsigned InBytes, unsigned OutBytes, bool KeepA>
uint64_t mmx_convert(Args& args) {
    Xmm in{};
    std::memcpy(&in, args.b->b, InBytes);
    Vec r{};
    if (KeepA) put(r, 0, lane(*args.a, 0));
    uint32_t flags;
    {
        GuestMxcsrScope scope(*args.mxcsr);
        put(r, 0, K(in), OutBytes);
        flags = scope.flags();
    }
    finish(args, flags, r, KeepA ? 16 : OutBytes);
    return 0;
}

// ---- the tables --------------------------------------------------------------------------

constexpr uint16_t kFp = kFloatingPoint;

// SSE and SSE2: every x86-64 host has them.
constexpr OpInfo kSse2Ops[] = {
    {"ADDPS", packed<&addps>, kFp},
    {"ADDPD", packed<&addpd>, kFp},
    {"ADDSS", scalar<&addss>, kFp},
    {"ADDSD", scalar<&addsd>, kFp},
    {"SUBPS", packed<&subps>, kFp},
    {"SUBPD", packed<&subpd>, kFp},
    {"SUBSS", scalar<&subss>, kFp},
    {"SUBSD", scalar<&subsd>, kFp},
    {"MULPS", packed<&mulps>, kFp},
    {"MULPD", packed<&mulpd>, kFp},
    {"MULSS", scalar<&mulss>, kFp},
    {"MULSD", scalar<&mulsd>, kFp},
    {"DIVPS", packed<&divps>, kFp},
    {"DIVPD", packed<&divpd>, kFp},
    {"DIVSS", scalar<&divss>, kFp},
    {"DIVSD", scalar<&divsd>, kFp},
    {"MINPS", packed<&minps>, kFp},
    {"MINPD", packed<&minpd>, kFp},
    {"MINSS", scalar<&minss>, kFp},
    {"MINSD", scalar<&minsd>, kFp},
    {"MAXPS", packed<&maxps>, kFp},
    {"MAXPD", packed<&maxpd>, kFp},
    {"MAXSS", scalar<&maxss>, kFp},
    {"MAXSD", scalar<&maxsd>, kFp},
    {"SQRTPS", packed<&sqrtps>, kFp},
    {"SQRTPD", packed<&sqrtpd>, kFp},
    {"SQRTSS", scalar<&sqrtss>, kFp},
    {"SQRTSD", scalar<&sqrtsd>, kFp},
    {"RCPPS", packed<&rcpps>, kFp},
    {"RCPSS", scalar<&rcpss>, kFp},
    {"RSQRTPS", packed<&rsqrtps>, kFp},
    {"RSQRTSS", scalar<&rsqrtss>, kFp},
    {"CMPPS", compare<&cmpeqps, &cmpltps, uint32_t, false>, kFp},
    {"CMPPD", compare<&cmpeqpd, &cmpltpd, uint64_t, false>, kFp},
    {"CMPSS", compare<&cmpeqss, &cmpltss, uint32_t, true>, kFp},
    {"CMPSD", compare<&cmpeqsd, &cmpltsd, uint64_t, true>, kFp},
    {"COMISS", compare_to_rflags<&comiss>, kFp | kResultFlags},
    {"COMISD", compare_to_rflags<&comisd>, kFp | kResultFlags},
    {"UCOMISS", compare_to_rflags<&ucomiss>, kFp | kResultFlags},
    {"UCOMISD", compare_to_rflags<&ucomisd>, kFp | kResultFlags},
    {"CVTPS2PD", widen<&cvtps2pd>, kFp},
    {"CVTPD2PS", narrow<&cvtpd2ps>, kFp},
    {"CVTSS2SD", scalar<&cvtss2sd>, kFp},
    {"CVTSD2SS", scalar<&cvtsd2ss>, kFp},
    {"CVTDQ2PS", packed<&cvtdq2ps>, kFp},
    {"CVTPS2DQ", packed<&cvtps2dq>, kFp},
    {"CVTTPS2DQ", packed<&cvttps2dq>, kFp},
    {"CVTDQ2PD", widen<&cvtdq2pd>, kFp},
    {"CVTPD2DQ", narrow<&cvtpd2dq>, kFp},
    {"CVTTPD2DQ", narrow<&cvttpd2dq>, kFp},
    {"CVTSI2SS", from_gpr<&cvtsi2ss>, kFp | kGprSource},
    {"CVTSI2SD", from_gpr<&cvtsi2sd>, kFp | kGprSource},
    {"CVTSS2SI", to_gpr<&cvtss2si>, kFp | kResultGpr},
    {"CVTTSS2SI", to_gpr<&cvttss2si>, kFp | kResultGpr},
    {"CVTSD2SI", to_gpr<&cvtsd2si>, kFp | kResultGpr},
    {"CVTTSD2SI", to_gpr<&cvttsd2si>, kFp | kResultGpr},
    {"CVTPI2PS", mmx_convert<&cvtdq2ps, 8, 8, true>, kFp},
    {"CVTPI2PD", mmx_convert<&cvtdq2pd, 8, 16, false>, kFp},
    {"CVTPS2PI", mmx_convert<&cvtps2dq, 8, 8, false>, kFp},
    {"CVTTPS2PI", mmx_convert<&cvttps2dq, 8, 8, false>, kFp},
    {"CVTPD2PI", mmx_convert<&cvtpd2dq, 16, 8, false>, kFp},
    {"CVTTPD2PI", mmx_convert<&cvttpd2dq, 16, 8, false>, kFp},
};

constexpr OpInfo kSse3Ops[] = {
    {"ADDSUBPS", packed<&addsubps>, kFp}, {"ADDSUBPD", packed<&addsubpd>, kFp},
    {"HADDPS", packed<&haddps>, kFp},     {"HADDPD", packed<&haddpd>, kFp},
    {"HSUBPS", packed<&hsubps>, kFp},     {"HSUBPD", packed<&hsubpd>, kFp},
};

constexpr OpInfo kSse41Ops[] = {
    {"ROUNDPS", packed<&round_ps>, kFp}, {"ROUNDPD", packed<&round_pd>, kFp},
    {"ROUNDSS", scalar<&round_ss>, kFp}, {"ROUNDSD", scalar<&round_sd>, kFp},
    {"DPPS", packed<&dot_ps>, kFp},      {"DPPD", packed<&dot_pd>, kFp},
};

consteval std::array<OpInfo, kFmaOps> make_fma_ops() {
    return []<size_t... I>(std::index_sequence<I...>) {
        return std::array<OpInfo, kFmaOps>{[]<size_t Index>() {
            constexpr unsigned order = Index / (2 * kFmaKinds), kind = Index / 2 % kFmaKinds;
            constexpr auto kernel = &fma<0x96 + 16 * order + kind, (Index & 1) != 0>;
            Handler fn = fma_is_scalar(kind) ? scalar<kernel> : packed<kernel>;
            return OpInfo{kFmaNames[Index].view(), fn, kFp};
        }.template operator()<I>()...};
    }
    (std::make_index_sequence<kFmaOps>());
}

constexpr auto kFmaOpsTable = make_fma_ops();

constexpr OpInfo kF16cOps[] = {
    {"VCVTPH2PS", widen<&vcvtph2ps>, kFp},
    {"VCVTPS2PH", narrow<&ps_to_ph>, kFp},
};

// CPUID leaf 1 ECX. FMA and F16C are VEX-encoded: they also need the OS to have enabled
// the SSE and AVX state in XCR0 (OSXSAVE set, XCR0 bits 1 and 2).
namespace cpuid1_ecx {
constexpr uint32_t kSse3 = 1u << 0, kFma = 1u << 12, kSse41 = 1u << 19, kOsxsave = 1u << 27,
                   kAvx = 1u << 28, kF16c = 1u << 29;
}

uint32_t host_cpuid1_ecx() {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    return ecx;
}

bool host_has(uint32_t ecx_bits) {
    static const uint32_t ecx = host_cpuid1_ecx();
    return (ecx & ecx_bits) == ecx_bits;
}

bool host_has_vex(uint32_t ecx_bits) {
    if (!host_has(cpuid1_ecx::kOsxsave | cpuid1_ecx::kAvx)) return false;
    uint32_t xcr0_low, xcr0_high;
    asm("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    return (xcr0_low & 6) == 6 && host_has(ecx_bits);
}

bool host_always() {
    return true;
}
bool host_sse3() {
    return host_has(cpuid1_ecx::kSse3);
}
bool host_sse41() {
    return host_has(cpuid1_ecx::kSse41);
}
bool host_fma() {
    return host_has_vex(cpuid1_ecx::kFma);
}
bool host_f16c() {
    return host_has_vex(cpuid1_ecx::kF16c);
}

struct Group {
    std::span<const OpInfo> ops;
    bool (*available)();
    const char* feature;  // the CPUID feature (cpuid_features.def) these instructions belong to
};

template <size_t... N>
consteval auto join(const std::span<const OpInfo, N>... parts) {
    std::array<OpInfo, (N + ...)> out{};
    size_t i = 0;
    ((std::copy(parts.begin(), parts.end(), out.begin() + i), i += N), ...);
    return out;
}

constexpr auto kOps = join(std::span(kSse2Ops), std::span(kSse3Ops), std::span(kSse41Ops),
                           std::span(kFmaOpsTable), std::span(kF16cOps));

// kOps in order, each with the host check its instructions need.
constexpr size_t kSse3Start = std::size(kSse2Ops), kSse41Start = kSse3Start + std::size(kSse3Ops),
                 kFmaStart = kSse41Start + std::size(kSse41Ops), kF16cStart = kFmaStart + kFmaOps;
constexpr std::span<const OpInfo> kAll(kOps);
const Group kGroups[] = {
    {kAll.subspan(0, kSse3Start), host_always, "sse2"},
    {kAll.subspan(kSse3Start, std::size(kSse3Ops)), host_sse3, "pni"},
    {kAll.subspan(kSse41Start, std::size(kSse41Ops)), host_sse41, "sse4.1"},
    {kAll.subspan(kFmaStart, kFmaOps), host_fma, "fma"},
    {kAll.subspan(kF16cStart), host_f16c, "f16c"},
};

}  // namespace

std::span<const OpInfo> fp_ops() {
    return kOps;
}

bool fp_op_available(const OpInfo& op) {
    // By handler and name, not address: callers may hold copies of the table's entries.
    for (const Group& g : kGroups)
        for (const OpInfo& mine : g.ops)
            if (mine.fn == op.fn && mine.mnemonic == op.mnemonic) return g.available();
    return true;
}

std::vector<std::string_view> fp_features_host_lacks() {
    std::vector<std::string_view> missing;
    for (const Group& g : kGroups)
        if (!g.available()) missing.push_back(g.feature);
    return missing;
}

#else

// Non-x86-64 hosts: the handlers need the host's SSE instructions, so there are none, and
// the translator treats these rows as unimplemented.
std::span<const OpInfo> fp_ops() {
    return {};
}

bool fp_op_available(const OpInfo&) {
    return true;
}

std::vector<std::string_view> fp_features_host_lacks() {
    return {"sse", "sse2", "pni", "sse4.1", "avx", "fma", "f16c"};
}

#endif

}  // namespace kemu::x86::simd
