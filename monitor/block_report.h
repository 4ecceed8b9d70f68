// What the machine reports about its drives, as data: `info block`, `info blockstats` and
// `info snapshots` format it here, and a QMP front end (query-block, query-blockstats) can
// serialise the same structs.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "block/block_backend.h"
#include "block/block_driver.h"
#include "block/drive_options.h"
#include "system/error.h"

namespace kemu {

// One drive and the medium in it.
struct BlockDeviceInfo {
    struct Medium {
        std::string file;
        std::string format;
        bool read_only = false;
        block::CacheFlags cache{};
        block::DetectZeroes detect_zeroes = block::DetectZeroes::Off;
        bool snapshot = false;  // snapshot=on: writes go to a temporary overlay over `file`
    };
    std::string device;  // the drive id
    // The guest device using the drive ("/machine/ide0-hd0"), or why none does; empty for
    // if=none.
    std::string attached_to;
    std::optional<Medium> medium;  // empty: a removable drive with no medium
};

struct BlockDeviceStats {
    std::string device;
    block::BlockStats stats;
};

// The internal snapshots of one drive that VM snapshots cover.
struct DriveSnapshots {
    std::string device;
    std::vector<block::SnapshotInfo> snapshots;
};

// QEMU's layouts, each line ending in a newline. `info block` leaves out the fields that
// need an attached guest device.
std::string format_block_info(const std::vector<BlockDeviceInfo>& drives);
std::string format_blockstats(const std::vector<BlockDeviceStats>& drives);
// The snapshots every drive has, then per drive the ones it alone has (which loadvm
// refuses); the error (no drive takes snapshots) as its message.
std::string format_snapshots(const Result<std::vector<DriveSnapshots>>& drives);

}  // namespace kemu
