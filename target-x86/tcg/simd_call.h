// How emit_sse.cpp describes an instruction's operands to the vector helpers
// (helper_simd, helper_simd_fp): one byte per operand slot, the location in the top
// three bits and the register number below.
#pragma once

#include <cstdint>

#include "target-x86/tcg/simd.h"

namespace kemu::x86::simd {

enum class Loc : uint8_t {
    None = 0,
    Xmm = 1,      // s.fpu.ymm[reg]
    Mmx = 2,      // s.fpu.st[reg], low 8 bytes (after mmx_enter)
    Staged = 3,   // CpuEnv::simd_mem: a memory operand the translator loaded or will store
    Scratch = 4,  // nowhere: the handler's vector result is unused (GPR or flags results)
};

enum Slot : unsigned { kDst = 0, kA = 1, kB = 2, kC = 3 };

constexpr uint64_t operand_code(Loc loc, unsigned reg) {
    return uint64_t(loc) << 5 | (reg & 31);
}
constexpr uint64_t place(Slot slot, uint64_t code) {
    return code << (8 * slot);
}
constexpr Loc loc_of(uint64_t operands, Slot slot) {
    return Loc((operands >> (8 * slot + 5)) & 7);
}
constexpr unsigned reg_of(uint64_t operands, Slot slot) {
    return (operands >> (8 * slot)) & 31;
}

// The helpers' last argument: the immediate, the vector length, the GPR operand's size,
// and whether a VEX.128 form zeroes the destination's bits 128-255.
constexpr uint64_t extras(uint8_t imm, unsigned bytes, unsigned gpr_size, bool zero_upper) {
    return imm | uint64_t(bytes) << 8 | uint64_t(gpr_size) << 16 | uint64_t(zero_upper) << 24;
}

// Which registered handler: integer_ops() first, then fp_ops().
unsigned op_index(const OpInfo& op);

}  // namespace kemu::x86::simd
