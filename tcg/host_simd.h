// SIMD instructions the JIT runs as themselves: the host_simd IR op, for an x86 frontend on
// an x86-64 host. The frontend hands over the instruction's bytes with its vector registers
// renumbered 0..2 and its memory operand, if any, as [r14 + disp32] with the displacement
// left for the JIT to fill in from the env offset where the operand was staged (the JIT
// decides what r14 points at); it loads those registers from env, runs the bytes, and stores the
// result register back. The interpreter, which runs no host code, calls the op's fallback helper
// instead, which computes the same thing.
#pragma once

#include <array>
#include <cstdint>

namespace kemu::tcg {

struct HostSimdInsn {
    static constexpr uint32_t kNoSource = UINT32_MAX;
    std::array<uint8_t, 15> bytes{};
    uint8_t length = 0;
    // The env offset loaded into host vector register i before the instruction.
    std::array<uint32_t, 3> sources{kNoSource, kNoSource, kNoSource};
    uint32_t result = 0;     // env offset the result register goes back to
    uint8_t result_reg = 0;  // which host register holds the result
    uint8_t width = 16;      // bytes per load and store: 16 (SSE) or 32 (VEX, ymm)
    bool raises_fp = false;  // sets MXCSR flags, which join the status word as vfp's do
    // A memory form: where in `bytes` its disp32 goes (0: a register form) and the env
    // offset of the operand it addresses.
    uint8_t env_disp_at = 0;
    uint32_t memory_offset = 0;

    // Where the register fields are, so that the JIT can name the registers that hold the
    // sources instead of copying them into 0..2. Only when `renamable`: then sources[0] is
    // the result, register 0 holds it, and the bytes are a three-byte VEX form (prefix_at:
    // its C4 byte) or a legacy one (prefix_at: where a REX prefix goes; the memory form has
    // REX.B there).
    static constexpr uint8_t kNoField = 0xff;
    bool renamable = false;
    bool vex = false;
    uint8_t prefix_at = 0;
    uint8_t modrm_at = 0;
    // Which of registers 0..2 ModRM.reg, ModRM.rm and VEX.vvvv name; kNoField for an opcode
    // extension, the memory operand or no field.
    std::array<uint8_t, 3> fields{kNoField, kNoField, kNoField};
};

}  // namespace kemu::tcg
