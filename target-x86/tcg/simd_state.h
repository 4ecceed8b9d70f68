// SIMD state the vector helpers share: MXCSR's writable bits and MMX's view of the x87
// registers.
#pragma once

#include <cstdint>

#include "target-x86/tcg/cpu_env.h"

namespace kemu::x86 {

// Every MXCSR bit kemu implements, DAZ included (FXSAVE's MXCSR_MASK); others are #GP.
constexpr uint32_t kMxcsrMask = 0xffff;
constexpr uint32_t kMxcsrDefault = 0x1f80;

// What every MMX instruction does to the x87 state first (SDM vol. 1 9.5): TOP = 0 and
// every register tagged valid, so MMi is physical register Ri = st[i]. The x87 state
// leaves the host FPU for FpuState first (x87_host.h).
void mmx_enter(CpuEnv& e);

}  // namespace kemu::x86
