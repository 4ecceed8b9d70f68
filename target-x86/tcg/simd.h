// SSE/AVX/MMX semantics for the translator: one handler per mnemonic, named in tables
// (simd_int.cpp for integer and logic, simd_fp.cpp for floating point and conversions).
// emit_sse.cpp maps a decoded instruction's operands onto Args, calls the handler through
// one helper, and writes its result where the instruction says; moves and plain bitwise
// logic it emits inline. See docs/tcg-simd.md.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace kemu::x86::simd {

// A vector register image: MMX uses the low 8 bytes, XMM the low 16, YMM all 32.
struct alignas(32) Vec {
    uint8_t b[32];

    template <class T>
    T get(unsigned i) const {
        T v;
        std::memcpy(&v, b + i * sizeof(T), sizeof(T));
        return v;
    }
    template <class T>
    void set(unsigned i, T v) {
        std::memcpy(b + i * sizeof(T), &v, sizeof(T));
    }
};

// What one handler call sees. The operands follow the instruction's form:
//  - dst: the destination register. It may alias a, b or c, so handlers compute into a
//    local Vec and copy it out at the end. Its old contents are an input where the
//    instruction says so (FMA's accumulator).
//  - a, b: the sources. Legacy encodings: a is the destination (the two-operand form),
//    b the ModRM r/m operand. VEX: a is VEX.vvvv, b the r/m operand. An instruction with
//    a single vector source (PSHUFD, SQRTPS, PMOVZX, shifts by an immediate) reads b.
//    Scalar forms take the upper lanes from a ("ADDSS": dst = a with lane 0 = a0 + b0).
//  - c: BLENDV's mask: XMM0 in the legacy form, the /is4 register under VEX.
//  - A memory source arrives in a scratch Vec holding the operand's bytes, zero above.
//  - gpr: an integer source (CVTSI2SS, PINSRW, MOVD), from a register or memory,
//    zero-extended; gpr_size is its width (4 or 8; 1 or 2 for PINSRB/PINSRW).
//  - bytes: 8 (MMX), 16 (XMM) or 32 (YMM). A handler writes exactly `bytes` bytes of dst:
//    the legacy SSE forms leave bits 128-255 alone, and the caller zeroes them for VEX.128.
//    256-bit forms work per 128-bit lane wherever the SDM says so (PSHUFB, PUNPCK, PACK,
//    PALIGNR, SHUFPS, HADDPS, ...).
//  - mxcsr: the guest's MXCSR. Floating-point handlers run with its rounding, DAZ and FTZ,
//    accumulate its exception flags, and on an exception whose mask bit is clear set
//    `unmasked_fault` and leave dst untouched: the caller raises #XM (or #UD when
//    CR4.OSXMMEXCPT is clear).
struct Args {
    Vec* dst;
    const Vec* a;
    const Vec* b;
    const Vec* c;
    uint64_t gpr;
    uint32_t* mxcsr;
    uint8_t imm;
    uint8_t bytes;
    uint8_t gpr_size;
    bool unmasked_fault;
};

// The handler's return value is used per OpInfo::flags (a GPR value, or flags).
using Handler = uint64_t (*)(Args& args);

enum OpFlags : uint16_t {
    // The legacy form's 16-byte memory operand may be misaligned (MOVUPS, LDDQU, ...).
    // Without it a misaligned legacy 16-byte operand is #GP(0); VEX forms never check.
    kUnaligned = 1u << 0,
    // The return value is written to the destination GPR (PMOVMSKB, CVTSS2SI, PEXTRW), or
    // to the destination memory operand at its size (PEXTRW m16, EXTRACTPS m32).
    kResultGpr = 1u << 1,
    // The return value is the new arithmetic RFLAGS bits (COMISS, PTEST); dst is unused.
    kResultFlags = 1u << 2,
    // PCMPxSTRI: ECX in the low 32 bits, the arithmetic RFLAGS bits in bits 32-63.
    kResultEcxFlags = 1u << 3,
    // The r/m source is an integer (register or memory), passed in Args::gpr.
    kGprSource = 1u << 4,
    // May set MXCSR flags or fault (floating point): runs with the guest's state synced.
    kFloatingPoint = 1u << 5,
    // Reads Args::c (BLENDV's mask).
    kUsesMask = 1u << 6,
};

struct OpInfo {
    std::string_view mnemonic;  // as the decoder's row names it ("PADDB", "VPERMD")
    Handler fn;
    uint16_t flags;
};

std::span<const OpInfo> integer_ops();
std::span<const OpInfo> fp_ops();

// The handler for a decoder row's mnemonic, or nullptr when none implements it.
const OpInfo* find_op(std::string_view mnemonic);

}  // namespace kemu::x86::simd
