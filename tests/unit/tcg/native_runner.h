// Runs generated code on the host CPU (the oracle) through native_entry.S, as 64-bit code
// or (mode64 false) as 32-bit compatibility-mode code. `entry` must lie below 4 GiB. The
// code must end with a jump to native_exit_address() in 64-bit mode. Host exceptions (SIGFPE,
// SIGSEGV, SIGILL, ...) raised by the code come back as a RunResult with the state at the faulting
// instruction, taken from the signal context.
#pragma once

#include <cstdint>

#include "tests/unit/tcg/machine_state.h"

namespace kemu::x86::difftest {

uint64_t native_exit_address();
RunResult run_native(const MachineState& in, uint64_t entry, bool mode64 = true);

}  // namespace kemu::x86::difftest
