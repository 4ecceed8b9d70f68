// The guest's x87 instructions on the host's FPU (tcg/host_x87.h), in one of two ways:
//
// - Live: while the guest's FCW masks every exception, its x87 state stays loaded in the
//   host FPU from one x87 instruction to the next, across blocks. Translated code runs the
//   register forms inline (the host_x87 IR op) and helpers run the others on it. Whatever
//   else reads or writes the x87 state (FSAVE, FXSAVE, XSAVE and their restores, MMX, the
//   control instructions, get_state/put_state) calls leave_live() first, and the vCPU leaves
//   it before its run() returns, so FpuState is current whenever anyone else looks.
//   FCW and FOP/FIP/FDP are the exceptions: they stay current in FpuState throughout (the
//   instructions that change FCW all leave the live state first; translated code and helpers
//   store the pointers as they go, since the host's own are its addresses, not the guest's).
// - One at a time (an exception is unmasked): the state goes in (FRSTOR), the instruction
//   runs, the state comes out (FNSAVE). A raised exception stays pending in FpuState for the
//   next waiting instruction's #MF instead of trapping the host.
#pragma once

#include <array>
#include <cstdint>

#include "target-x86/tcg/cpu_env.h"
#include "tcg/host_x87.h"

namespace kemu::x86::x87 {

constexpr unsigned kImageRegs = 28;  // ST(0)..ST(7), 10 bytes each
using HostImage = std::array<uint8_t, tcg::kHostX87ImageSize>;

// Whether this build can run x87 instructions on the host.
constexpr bool host_x87_available() {
    return tcg::kHostX87Available;
}

// Whether the state may live in the host FPU: no exception can trap the host.
constexpr bool may_run_live(uint16_t fcw) {
    return (fcw & 0x3f) == 0x3f;
}
// Loads FpuState into the host FPU unless it is there already. Only on the vCPU's thread,
// and only when may_run_live(fcw).
void enter_live(CpuEnv& e);
// Puts the live state back into FpuState and the host FPU back to the host's.
void leave_live(CpuEnv& e);

// Runs one instruction (escape 0xD8-0xDF + modrm) on `image`, the one-at-a-time way; see
// tcg::run_host_x87 for `mem` and `flags`. The image's FSW must have no unmasked exception.
void run_on_host(uint8_t escape, uint8_t modrm, HostImage& image, uint8_t* mem, uint8_t& flags);

}  // namespace kemu::x86::x87
