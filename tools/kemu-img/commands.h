// One entry per kemu-img subcommand: its command line (command_line.h) and the function
// that runs it, which returns the process exit status.
#pragma once

#include <span>
#include <vector>

#include "block/block_driver.h"
#include "tools/kemu-img/command_line.h"

namespace kemu::img {

struct Command {
    CommandSpec spec;
    int (*run)(const ParsedArgs& args);
};

extern const Command kAmendCommand;
extern const Command kBenchCommand;
extern const Command kCheckCommand;
extern const Command kCommitCommand;
extern const Command kCompareCommand;
extern const Command kConvertCommand;
extern const Command kCreateCommand;
extern const Command kInfoCommand;
extern const Command kMapCommand;
extern const Command kMeasureCommand;
extern const Command kRebaseCommand;
extern const Command kResizeCommand;
extern const Command kSnapshotCommand;

// Every command, in the order `kemu-img --help` lists them.
std::span<const Command* const> all_commands();

// Shared by info and snapshot -l.
void print_snapshot_table(const std::vector<block::SnapshotInfo>& snapshots);

}  // namespace kemu::img
