// Runs one generated program natively and through the translator from the same state
// and arena contents, and describes every difference the SDM says must not exist.
#pragma once

#include <string>
#include <vector>

#include "tests/unit/tcg/guest_runner.h"
#include "tests/unit/tcg/machine_state.h"
#include "tests/unit/tcg/program.h"

namespace kemu::x86::difftest {

struct DiffInput {
    MachineState state;
    std::vector<uint8_t> data;  // the data arena's initial contents
};

class DiffHarness {
  public:
    // Empty when both runs agree; otherwise one line per difference.
    std::string compare(const DiffInput& in, const Program& p);
    // Greedily drops pieces while the program still fails, for a minimal reproducer.
    std::vector<Piece> shrink(const DiffInput& in, std::vector<Piece> pieces, bool mode64);
    Program layout(const std::vector<Piece>& pieces, bool mode64);
    const std::string& last_ir() const { return interp_.ir_log(); }
    unsigned jit_blocks() const { return jit_.jit_blocks(); }

  private:
    std::string compare_with(GuestRunner& guest, const char* label, const DiffInput& in,
                             const Program& p, const RunResult& native,
                             const std::vector<uint8_t>& native_data);

    GuestRunner interp_{Backend::Interp};
    GuestRunner jit_{Backend::Jit};
};

std::string describe_state(const MachineState& s);

}  // namespace kemu::x86::difftest
