// A guest's x87 instructions run on the host's x87 FPU (x86-64 hosts only): the host_x87
// IR op and the helpers around it.
//
// The FPU is a single piece of per-thread host state, so a frontend can leave its guest's
// x87 state loaded in it between instructions (host_x87_load/host_x87_save bracket that),
// and the instructions then run as their own opcode bytes: results, rounding, precision
// control, C0-C3, tags and stack faults are the host's, bit-exact by construction. That
// holds because nothing else on the thread uses the x87 in between: the x86-64 ABI keeps
// compiled C and C++ on SSE for every type but long double, which kemu does not use, and
// the kernel hands signal handlers a fresh FPU.
#pragma once

#include <cstdint>

namespace kemu::tcg {

constexpr bool kHostX87Available =
#if defined(__x86_64__)
    true;
#else
    false;
#endif

// An x87 instruction: its escape byte's low three bits and its ModRM byte.
constexpr uint16_t host_x87_insn(unsigned escape, uint8_t modrm) {
    return uint16_t((escape & 7) << 8 | modrm);
}

// Runs `insn` on the host FPU as it stands. A memory form reads or writes its operand at
// `mem`, whatever its ModRM's addressing says. `flags` is the low byte of RFLAGS going in
// (FCMOVcc reads CF, ZF and PF) and coming out (FCOMI writes them). The FPU must not hold
// an unmasked exception, or this traps.
void run_host_x87(uint16_t insn, uint8_t* mem, uint8_t& flags);

// The 108-byte FSAVE image of 32-bit protected mode (SDM vol. 1 figures 8-10 and 8-13).
constexpr unsigned kHostX87ImageSize = 108;

// FRSTOR of `image`; returns the host's own control word, which host_x87_save puts back.
uint16_t host_x87_load(const uint8_t* image);
// FNSAVE into `image` (non-waiting: an unmasked exception stays pending in it), which leaves
// the FPU empty, then the host's control word back.
void host_x87_save(uint8_t* image, uint16_t host_control);
// The status word as FNSTSW reads it.
uint16_t host_x87_status();

}  // namespace kemu::tcg
