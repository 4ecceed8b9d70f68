// The internal snapshot table: one variable-length entry per snapshot, 8-byte aligned.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "block/image_file.h"
#include "block/qcow2/header.h"
#include "system/error.h"

namespace kemu::block::qcow2 {

struct SnapshotEntry {
    uint64_t l1_table_offset = 0;
    uint32_t l1_size = 0;
    std::string id;
    std::string name;
    uint32_t date_sec = 0;
    uint32_t date_nsec = 0;
    uint64_t vm_clock_nsec = 0;
    uint64_t vm_state_size = 0;
    uint64_t disk_size = 0;
    uint64_t icount = ~0ull;  // ~0: not recorded
    // Extra data beyond the fields above, preserved verbatim.
    std::vector<uint8_t> unknown_extra;
};

Result<std::vector<SnapshotEntry>> read_snapshot_table(const ImageFile& file, const Header& h,
                                                       uint64_t file_size);
// v2 readers skip extra data by its length, so one layout serves both versions.
std::vector<uint8_t> encode_snapshot_table(const std::vector<SnapshotEntry>& snapshots);

}  // namespace kemu::block::qcow2
