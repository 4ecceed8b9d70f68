// The monitor's block operations as asynchronous steps: each starts work on a drive's I/O
// thread and reports on the main loop, with the text to print or the error. Shared by the
// block jobs (machine_block.cpp) and the VM snapshots (machine_snapshot.cpp).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "block/block_backend.h"
#include "system/machine.h"

namespace kemu {

using BlockStep = std::function<void(Machine::BlockDone)>;

// Runs asynchronous steps one after another; the first error ends the sequence. The text
// the steps report is joined.
void run_in_sequence(std::vector<BlockStep> steps, Machine::BlockDone done);

// Adapts a backend callback to a step's; `wording` makes the error's message.
block::BlockBackend::Callback as_step_result(Machine::BlockDone done,
                                             std::function<std::string(const Error&)> wording);

}  // namespace kemu
