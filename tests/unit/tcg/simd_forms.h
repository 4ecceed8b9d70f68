// SIMD instruction forms for the differential test, found by walking kemu's decoder: every
// map (0F, 0F38, 0F3A), opcode, mandatory prefix, encoding (legacy with and without REX.W,
// VEX.128/VEX.256 with W0/W1) and ModRM shape that decodes to an SSE/AVX/MMX row (Op::Sse,
// LDMXCSR, STMXCSR) becomes a template, so rows added to the tables are covered without
// touching the test. Rows the host cannot run (missing CPUID features) are left out.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "target-x86/decode.h"

namespace kemu::x86::difftest {

struct SimdTemplate {
    const char* sdm = "";  // the decoder row, e.g. "PADDB Vx,Hx,Wx"
    Op op = Op::Sse;
    bool vex = false;
    bool vex_l = false;
    bool w = false;      // REX.W or VEX.W
    uint8_t prefix = 0;  // mandatory prefix: 0, 0x66, 0xf3 or 0xf2
    uint8_t map = 1;     // 1: 0F, 2: 0F38, 3: 0F3A
    uint8_t opcode = 0;
    int digit = -1;          // ModRM.reg fixed by the row (groups), or -1: a register
    bool has_modrm = true;   // false: EMMS, VZEROUPPER, VZEROALL
    bool mem = false;        // ModRM.rm is memory (else a register)
    bool uses_vvvv = false;  // VEX.vvvv names a register (else it must be 1111b)
    unsigned imm_size = 0;
};

// The templates for 64-bit or 32-bit code that the host can execute, computed once.
const std::vector<SimdTemplate>& simd_templates(bool mode64);

// "sse sse2 ... avx2 fma aes sha": the SIMD extensions the host has, for the test log.
std::string describe_host_simd();

// A random 8-byte piece of vector data: integer edge values, or one double or two floats
// of any class (normal, denormal, zero, infinity, quiet/signalling NaN, integral values
// near the conversion limits).
uint64_t vector_chunk(std::mt19937_64& rng);

}  // namespace kemu::x86::difftest
