// Runs one guest x87 instruction on the host's x87 (x86-64 hosts only).
//
// The guest's FPU state goes into the host FPU whole (FRSTOR of a 32-bit protected-mode
// FSAVE image), the instruction runs as its own opcode bytes, and the state comes back
// out (FNSAVE): results, rounding, precision control, C0-C3, tags, stack faults and the
// masked and unmasked responses are the host's, so they are bit-exact by construction.
// The host's x87 needs no saving around it beyond its control word (see x87_host.cpp).
#pragma once

#include <array>
#include <cstdint>

namespace kemu::x86::x87 {

// The 108-byte FSAVE image (SDM vol. 1 figures 8-10 and 8-13), 32-bit protected layout.
constexpr unsigned kImageSize = 108;
constexpr unsigned kImageRegs = 28;  // ST(0)..ST(7), 10 bytes each
using HostImage = std::array<uint8_t, kImageSize>;

// Whether this build can run x87 instructions on the host.
bool host_x87_available();

// Runs the instruction escape (0xD8-0xDF) + modrm on `image`. A memory form takes its
// operand from / leaves it in `mem` (at least 16 bytes). `flags` holds the low byte of
// RFLAGS going in (FCMOVcc reads CF/ZF/PF) and coming out (FCOMI sets them). The image's
// FSW must have no unmasked exception pending, or the host would trap.
void run_on_host(uint8_t escape, uint8_t modrm, HostImage& image, uint8_t* mem, uint8_t& flags);

}  // namespace kemu::x86::x87
