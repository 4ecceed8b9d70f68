// A write-back LRU cache of L2 tables.
//
// Before any dirty table is written, `before_writeback` runs (the driver flushes and syncs
// refcount blocks there), so an L2 entry never reaches the disk ahead of the refcount
// that accounts for its cluster.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "block/image_file.h"
#include "system/error.h"

namespace kemu::block::qcow2 {

struct L2Table {
    uint64_t offset = 0;            // host offset of the table
    std::vector<uint64_t> entries;  // host byte order
    bool dirty = false;
    uint64_t last_use = 0;
};

class L2Cache {
  public:
    L2Cache(ImageFile& file, uint32_t cluster_bits, size_t capacity,
            std::function<Result<void>()> before_writeback);

    // The table at `offset`, read from disk on a miss. The pointer stays valid until the
    // next call that may evict (get/install).
    Result<L2Table*> get(uint64_t offset);
    // The cached table at `offset` or null; no I/O and no LRU update.
    const L2Table* peek(uint64_t offset) const;
    // Installs a freshly built table (already written to disk by the caller) without reading.
    Result<L2Table*> install(uint64_t offset, std::vector<uint64_t> entries);
    Result<void> flush();
    bool dirty() const;
    void drop(uint64_t offset);
    void clear() { tables_.clear(); }

    // Whether host bytes [host, host + len) touch a cached table.
    bool overlaps(uint64_t host, uint64_t len) const;

    size_t capacity() const { return capacity_; }
    size_t size() const { return tables_.size(); }
    uint64_t misses() const { return misses_; }

    static std::vector<uint8_t> encode(const std::vector<uint64_t>& entries);

  private:
    Result<void> make_room();
    Result<void> write_back(L2Table& t);

    ImageFile& file_;
    uint32_t cluster_bits_;
    size_t capacity_;
    std::function<Result<void>()> before_writeback_;
    std::vector<std::unique_ptr<L2Table>> tables_;
    uint64_t use_counter_ = 0;
    uint64_t misses_ = 0;
};

}  // namespace kemu::block::qcow2
