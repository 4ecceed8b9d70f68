// Cluster reference counts: the refcount table, a small cache of refcount blocks, and
// cluster allocation (first fit from a moving hint).
//
// Ordering rule (docs/block.md): a cluster's increased refcount reaches the disk before any
// table that points at it, so the L2 cache calls `flush()` plus a sync before writing back.
// New refcount blocks and a grown refcount table are written and synced before anything
// points at them, so a crash leaves at worst leaked clusters.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "block/image_file.h"
#include "system/error.h"

namespace kemu::block::qcow2 {

class RefcountManager {
  public:
    // Persists a relocated refcount table in the image header.
    using TableMovedFn = std::function<Result<void>(uint64_t offset, uint32_t clusters)>;

    RefcountManager(ImageFile& file, uint32_t cluster_bits, uint32_t refcount_order,
                    TableMovedFn table_moved, size_t cache_blocks = 32);

    Result<void> load(uint64_t table_offset, uint32_t table_clusters);

    Result<uint64_t> get(uint64_t cluster_index);
    // Adds `delta` to the refcount of clusters [first, first+count); fails on overflow or
    // on dropping below zero without changing anything for the failing cluster.
    Result<void> update(uint64_t first, uint64_t count, int64_t delta);
    Result<void> set(uint64_t cluster_index, uint64_t value);
    // Allocates `count` contiguous free clusters with refcount 1; returns the host offset.
    Result<uint64_t> allocate(uint64_t count);
    // Writes dirty refcount blocks (no sync).
    Result<void> flush();
    bool dirty() const;

    // Whether host bytes [host, host + len) touch the refcount table or a cached block.
    bool overlaps(uint64_t host, uint64_t len) const;

    uint64_t table_offset() const { return table_offset_; }
    uint32_t table_clusters() const { return table_clusters_; }
    const std::vector<uint64_t>& table() const { return table_; }
    uint64_t max_refcount() const { return max_; }
    uint64_t entries_per_block() const { return entries_per_block_; }

    // Replaces the refcount structure with a new one, written from `refs` (one count per
    // host cluster) at cluster `at` and after, past everything in use; the new blocks and
    // table count themselves. The caller points the header at table_offset() and
    // table_clusters() afterwards. The old structure is left as it is, unreferenced.
    Result<void> rebuild(std::vector<uint32_t> refs, uint64_t at);

  private:
    struct Block {
        uint64_t index;  // refcount block number (refcount table slot)
        std::vector<uint8_t> data;
        bool dirty = false;
        uint64_t last_use = 0;
    };

    Result<Block*> load_block(uint64_t block_index, bool create);
    Result<void> create_block(uint64_t block_index);
    Result<void> grow_table(uint64_t min_entries);
    Result<void> write_table_entry(uint64_t block_index);
    uint64_t read_entry(const Block& b, uint64_t i) const;
    void write_entry(Block& b, uint64_t i, uint64_t v);
    bool reserved(uint64_t cluster) const;
    Result<uint64_t> find_free(uint64_t count);

    ImageFile& file_;
    uint32_t cluster_bits_;
    uint32_t refcount_bits_;
    uint64_t entries_per_block_;
    uint64_t max_;
    TableMovedFn table_moved_;
    size_t cache_capacity_;
    std::vector<std::unique_ptr<Block>> cache_;
    uint64_t use_counter_ = 0;
    std::vector<uint64_t> table_;
    uint64_t table_offset_ = 0;
    uint32_t table_clusters_ = 0;
    uint64_t free_hint_ = 0;
    // Clusters whose refcount is being raised right now (a pending allocation or a new
    // refcount table), hidden from find_free() so a new refcount block cannot land there.
    std::vector<std::pair<uint64_t, uint64_t>> reserved_;
    bool table_in_flight_ = false;
};

}  // namespace kemu::block::qcow2
