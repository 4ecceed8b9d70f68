// The x86 side of tcg/host_simd.h: an SSE/AVX instruction the JIT may run as itself, its
// vector registers renamed to host registers 0-2 and its memory operand read from where
// the translator staged it in env.
#pragma once

#include <cstdint>
#include <optional>

#include "target-x86/decode.h"
#include "tcg/host_simd.h"

namespace kemu::x86 {

// Whether this host has every SIMD extension kemu's CPU models can advertise (SSE to SSE4.2,
// AES, PCLMULQDQ, AVX, AVX2, FMA, F16C) with the OS saving AVX state: only then do guest
// instructions run as themselves.
bool host_runs_guest_simd();

// The host form of `in`, whose register operands are vector registers at env offsets
// `vector_offset(reg)` and whose memory source (if any) is staged at env offset `staged`;
// nullopt for an encoding this does not take (GPR or MMX operands, a memory destination,
// implicit registers, four operands).
std::optional<tcg::HostSimdInsn> host_simd_form(const DecodedInsn& in,
                                                uint32_t (*vector_offset)(unsigned),
                                                uint32_t staged);

}  // namespace kemu::x86
