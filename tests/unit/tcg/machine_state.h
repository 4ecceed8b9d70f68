// What a differential run starts from and ends with: the sixteen GPRs and RFLAGS,
// plus how the run stopped (reached the end, or took an exception at some RIP).
#pragma once

#include <array>
#include <cstdint>

namespace kemu::x86::difftest {

struct MachineState {
    std::array<uint64_t, 16> gpr{};
    uint64_t rflags = 0x202;
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
