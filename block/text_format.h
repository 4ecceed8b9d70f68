// How block-layer numbers read in kemu-img and monitor output, as qemu-img prints them:
// sizes ("1.5 GiB"), snapshot dates and clocks, the snapshot table.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "block/block_driver.h"

namespace kemu::block {

// Three significant digits in the largest binary unit that keeps the number below 1000.
std::string human_size(uint64_t bytes);

// The column header and one row of a snapshot list (`kemu-img snapshot -l`, `info`, and
// the monitor's `info snapshots`), each ending in a newline.
std::string snapshot_table_header();
std::string snapshot_table_row(const SnapshotInfo& snapshot);

}  // namespace kemu::block
