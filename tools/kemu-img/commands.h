// One entry point per kemu-img subcommand; each returns the process exit status.
#pragma once

#include <vector>

#include "block/block_driver.h"

namespace kemu::img {

int cmd_create(int argc, char** argv);
int cmd_info(int argc, char** argv);
int cmd_check(int argc, char** argv);
int cmd_convert(int argc, char** argv);
int cmd_map(int argc, char** argv);
int cmd_compare(int argc, char** argv);
int cmd_snapshot(int argc, char** argv);
int cmd_resize(int argc, char** argv);
int cmd_commit(int argc, char** argv);
int cmd_rebase(int argc, char** argv);
int cmd_measure(int argc, char** argv);
int cmd_amend(int argc, char** argv);
int cmd_bench(int argc, char** argv);

// Shared by info and snapshot -l.
void print_snapshot_table(const std::vector<block::SnapshotInfo>& snapshots);

}  // namespace kemu::img
