// The format layer: a BlockDriver maps guest (virtual disk) offsets onto its host file(s).
//
// Driver calls block the calling thread and are not reentrant: the async layer
// (block/block_backend.h) runs them on an I/O engine and serialises them per driver
// unless the driver reports `concurrent_safe()`. Keeping the formats synchronous keeps the
// metadata update order (docs/block.md, "Crash safety") readable as straight-line code.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "system/error.h"

namespace kemu::block {

// The state of a run of guest bytes, as `kemu-img map` reports it.
struct Extent {
    uint64_t length = 0;
    bool data = false;  // reads come from this layer or a backing layer's data
    bool zero = false;  // reads return zeroes
    // True when this layer itself defines the contents (not inherited from a backing file).
    bool allocated = false;
    std::optional<uint64_t> host_offset;  // where the bytes live in this layer's file
    int depth = 0;                        // how many backing links down the data was found
    // The file the data lives in (set when host_offset is).
    std::string host_file;
};

struct SnapshotInfo {
    std::string id;
    std::string name;
    uint64_t vm_state_size = 0;
    uint32_t date_sec = 0;
    uint32_t date_nsec = 0;
    uint64_t vm_clock_nsec = 0;
    uint32_t icount_valid = 0;  // 0 when absent
    uint64_t icount = 0;
};

// What `kemu-img info` prints beyond the common fields, as ordered key/value text.
struct ImageInfo {
    std::string format;
    std::string filename;
    uint64_t virtual_size = 0;
    uint64_t actual_size = 0;
    std::optional<uint32_t> cluster_size;
    std::string backing_file;
    std::string backing_format;
    bool dirty = false;
    std::vector<SnapshotInfo> snapshots;
    // Format-specific fields, e.g. {"compat", "1.1"}; values are JSON-ready literals
    // (strings are quoted by the printer, booleans/numbers are not: see `quoted`).
    struct Field {
        std::string key;
        std::string value;
        bool quoted;
    };
    std::vector<Field> specific;
};

class BlockDriver {
  public:
    virtual ~BlockDriver() = default;

    virtual const char* format_name() const = 0;
    virtual uint64_t size() const = 0;
    virtual bool read_only() const = 0;

    virtual Result<void> read(uint64_t offset, std::span<uint8_t> buf) = 0;
    virtual Result<void> write(uint64_t offset, std::span<const uint8_t> buf) = 0;
    // `may_unmap`: the range may lose its host allocation (discard-like zeroing).
    virtual Result<void> write_zeroes(uint64_t offset, uint64_t len, bool may_unmap) = 0;
    // Advisory: afterwards the range reads as zeroes or as the backing file, never garbage.
    virtual Result<void> discard(uint64_t offset, uint64_t len) = 0;
    // Makes every completed write durable (metadata first, then the host file).
    virtual Result<void> flush() = 0;

    // Status of the run starting at `offset`, at most `len` bytes long (never 0 for len > 0).
    virtual Result<Extent> block_status(uint64_t offset, uint64_t len) = 0;

    virtual Result<void> truncate(uint64_t new_size, bool allow_shrink) = 0;

    virtual ImageInfo info() = 0;
    // The open backing image, if any.
    virtual BlockDriver* backing() { return nullptr; }
    // Puts another open instance of the same backing image in place of the current one
    // (after a commit wrote to the image through its own instance, whose caches are now
    // the current ones); returns the old instance.
    virtual std::unique_ptr<BlockDriver> exchange_backing(std::unique_ptr<BlockDriver> b) {
        return b;
    }

    // True when concurrent calls from several threads are safe (raw files).
    virtual bool concurrent_safe() const { return false; }
    // Where [offset, offset+len) lives when it is one contiguous host range that may be
    // accessed directly (for a write: in place, with no metadata change), found from cached
    // metadata only (never does I/O). The async layer then sends guest I/O straight to the
    // engine. nullopt: go through the driver.
    struct HostRange {
        int fd;
        uint64_t offset;
    };
    virtual std::optional<HostRange> map_direct(uint64_t /*offset*/, uint64_t /*len*/,
                                                bool /*write*/) {
        return std::nullopt;
    }

    // Internal snapshots (qcow2). Formats without them refuse with "Operation not supported".
    virtual bool supports_snapshots() const { return false; }
    // Takes the name, dates, VM clock and VM state size from `snapshot` (the id is chosen).
    virtual Result<void> snapshot_create(const SnapshotInfo& /*snapshot*/) {
        return Error("Operation not supported");
    }
    virtual Result<void> snapshot_apply(const std::string& /*id_or_name*/) {
        return Error("Operation not supported");
    }
    virtual Result<void> snapshot_delete(const std::string& /*id_or_name*/) {
        return Error("Operation not supported");
    }
    // The VM state area (savevm's device state), `pos` bytes from its start; a snapshot
    // created with vm_state_size N captures bytes [0, N) of it.
    virtual Result<void> write_vmstate(uint64_t /*pos*/, std::span<const uint8_t> /*buf*/) {
        return Error("Operation not supported");
    }
    virtual Result<void> read_vmstate(uint64_t /*pos*/, std::span<uint8_t> /*buf*/) {
        return Error("Operation not supported");
    }
    // Drops everything this layer defines, so reads fall through to the backing file (the
    // last step of a commit).
    virtual Result<void> make_empty() { return Error("Operation not supported"); }

    // Writes back caches and marks the image clean; after this only destruction is allowed.
    virtual Result<void> close() = 0;
};

}  // namespace kemu::block
