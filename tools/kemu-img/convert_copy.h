// The copy loop of `kemu-img convert`. A reader thread walks the sources (block status,
// then reads) ahead of the calling thread, which writes the target, so reading and writing
// overlap as qemu-img's parallel requests make them. With -c, worker threads compress
// clusters in between and the writer stores them in order. Each driver is used by one
// thread only (the drivers are not thread-safe): the sources by the reader, the target by
// the writer.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "block/block_driver.h"
#include "block/qcow2/qcow2.h"
#include "system/error.h"
#include "tools/kemu-img/common.h"

namespace kemu::img {

struct ConvertTarget {
    block::BlockDriver* driver = nullptr;
    block::qcow2::Qcow2Driver* compressed = nullptr;  // set with -c
    uint64_t sparse_size = 4096;                      // -S; 0 allocates every byte
    // The target reads as zeroes everywhere (a new image without a backing file), so
    // zeroes need no write.
    bool has_zeroes = false;
    // The target has a backing file (-B): what a source inherits from its own backing file
    // is left unallocated, so the target's backing file shows through there.
    bool has_backing = false;
    // Length of a new target's backing file; zeroes past it are left unallocated.
    std::optional<uint64_t> backing_size;
    bool flush_each_write = false;  // -t writethrough or directsync
};

// Copies the sources one after another into the target. Errors read as qemu-img's
// ("error while writing at byte N: ...").
Result<void> copy_to_target(const std::vector<block::BlockDriver*>& sources,
                            const ConvertTarget& target, Progress& progress);

}  // namespace kemu::img
