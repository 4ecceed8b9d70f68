// Runs code through the x86 translator and the IR interpreter in 64-bit mode or in
// 32-bit flat protected mode, over the test arena: a minimal exec loop (translate the block at RIP,
// compile, run) until RIP reaches the stop address, an exception unwinds, or RIP wanders off.
#pragma once

#include <string>

#include "target-x86/tcg/translate.h"
#include "tcg/interpreter.h"
#include "tests/unit/tcg/flat_runtime.h"
#include "tests/unit/tcg/machine_state.h"

namespace kemu::x86::difftest {

class GuestRunner {
  public:
    GuestRunner();
    RunResult run(const MachineState& in, uint64_t entry, uint64_t stop_rip, bool mode64 = true);
    // The IR of every block the last run translated, for failure reports.
    const std::string& ir_log() const { return ir_log_; }

  private:
    void run_blocks(uint64_t stop_rip);

    FlatRuntime rt_;
    tcg::Function ir_;
    tcg::InterpCode code_;
    TranslatedBlock block_;
    std::string ir_log_;
    bool wandered_ = false;
};

}  // namespace kemu::x86::difftest
