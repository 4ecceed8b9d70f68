// What a differential run starts from and ends with: the sixteen GPRs, RFLAGS, the vector
// state (YMM0-15, MXCSR, MM0-7), plus how the run stopped (reached the end, or took an
// exception at some RIP).
#pragma once

#include <array>
#include <cstdint>

namespace kemu::x86::difftest {

struct MachineState {
    std::array<uint64_t, 16> gpr{};
    uint64_t rflags = 0x202;
    // Each YMM register whole (XMM is its low 16 bytes). 32-bit code sees YMM0-7 only.
    alignas(32) std::array<std::array<uint8_t, 32>, 16> ymm{};
    uint32_t mxcsr = 0x1f80;
    // MMX registers: the significands of x87 R0-R7, which are ST(0)-ST(7) with TOP = 0.
    std::array<uint64_t, 8> mm{};
};

// Exceptions as both runs can observe them. The host reports #GP, #SS, #PF and #AC all as
// SIGSEGV/SIGBUS, so they compare as one memory-fault class.
enum class Fault : uint8_t { None, DivideError, InvalidOpcode, MemoryFault, Other };

struct RunResult {
    MachineState state;
    Fault fault = Fault::None;
    uint64_t rip = 0;  // of the faulting instruction, or where the code finished
};

}  // namespace kemu::x86::difftest
