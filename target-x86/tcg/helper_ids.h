// Helper indices for tcg::Builder::call, from helpers.def, and the table handed to the backends.
#pragma once

#include <cstdint>
#include <span>

#include "tcg/ir.h"

namespace kemu::x86 {

enum HelperId : uint32_t {
#define HELPER(name, flags) kHelper_##name,
#include "target-x86/tcg/helpers.def"
#undef HELPER
    kHelperCount
};

std::span<const tcg::HelperInfo> x86_helpers();

// Argument encodings shared by the translator and the helpers.
enum class StringKind : uint8_t { Movs, Cmps, Stos, Lods, Scas, Ins, Outs };
enum class RepKind : uint8_t { None, Rep, Repe, Repne };
constexpr uint64_t string_op_bits(StringKind k, unsigned log2_size, RepKind rep, unsigned addr_size,
                                  unsigned seg) {
    return uint64_t(k) | uint64_t(log2_size) << 4 | uint64_t(rep) << 8 | uint64_t(addr_size) << 12 |
           uint64_t(seg) << 16;
}

enum class AtomicKind : uint8_t { Add, Or, Adc, Sbb, And, Sub, Xor, Xchg, Neg, Not };
constexpr uint64_t atomic_op_bits(AtomicKind k, unsigned log2_size, unsigned mmu_idx) {
    return uint64_t(k) << 8 | uint64_t(log2_size) | uint64_t(mmu_idx) << 4;
}

enum class RotateKind : uint8_t { Rol, Ror, Rcl, Rcr };
constexpr uint64_t rotate_op_bits(RotateKind k, unsigned log2_size) {
    return uint64_t(k) << 4 | log2_size;
}

}  // namespace kemu::x86
