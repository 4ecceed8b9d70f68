// Runs code through the x86 translator and the IR interpreter in 64-bit mode or in
// 32-bit flat protected mode, over the test arena: a minimal exec loop (translate the block at RIP,
// compile, run) until RIP reaches the stop address, an exception unwinds, or RIP wanders off.
#pragma once

#include <functional>
#include <optional>

#include <string>

#include "target-x86/tcg/translate.h"
#include "tcg/backend_x86_64.h"
#include "tcg/interpreter.h"
#include "tests/unit/tcg/flat_runtime.h"
#include "tests/unit/tcg/machine_state.h"

namespace kemu::x86::difftest {

// The product's pipeline: translate, optimize, then the IR interpreter or the x86-64 JIT.
enum class Backend { Interp, Jit };

class GuestRunner {
  public:
    explicit GuestRunner(Backend backend);
    RunResult run(const MachineState& in, uint64_t entry, uint64_t stop_rip, bool mode64 = true);
    // Runs after run() has set up the mode and registers, before the code starts: tests of
    // system-level instructions set control registers, segment bases or MSRs here.
    std::function<void(X86CpuState&)> prepare;
    FlatRuntime& runtime() { return rt_; }
    // The IR of every block the last run translated, for failure reports.
    const std::string& ir_log() const { return ir_log_; }
    // Blocks the JIT compiled (the rest ran on the interpreter), over this runner's life.
    unsigned jit_blocks() const { return jit_blocks_; }

  private:
    void run_blocks(uint64_t stop_rip);

    FlatRuntime rt_;
    tcg::Function ir_;
    Backend backend_;
    tcg::InterpCode code_;
    tcg::X86Backend jit_;
    std::optional<tcg::CodeBuffer> buffer_;
    tcg::CompiledBlock compiled_;
    TranslatedBlock block_;
    std::string ir_log_;
    bool wandered_ = false;
    unsigned jit_blocks_ = 0;
};

}  // namespace kemu::x86::difftest
