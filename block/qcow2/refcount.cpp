#include "block/qcow2/refcount.h"

#include <algorithm>

#include "block/qcow2/format.h"

namespace kemu::block::qcow2 {

namespace {

// Keeps [first, first+count) out of find_free() for the lifetime of the guard.
class Reservation {
  public:
    Reservation(std::vector<std::pair<uint64_t, uint64_t>>& list, uint64_t first, uint64_t count)
        : list_(list) {
        list_.emplace_back(first, count);
    }
    ~Reservation() { list_.pop_back(); }
    Reservation(const Reservation&) = delete;
    Reservation& operator=(const Reservation&) = delete;

  private:
    std::vector<std::pair<uint64_t, uint64_t>>& list_;
};

// Host offsets are 56 bits wide in L1/L2 entries.
constexpr uint64_t kMaxHostOffset = 1ull << 56;

}  // namespace

RefcountManager::RefcountManager(ImageFile& file, uint32_t cluster_bits, uint32_t refcount_order,
                                 TableMovedFn table_moved, size_t cache_blocks)
    : file_(file),
      cluster_bits_(cluster_bits),
      refcount_bits_(1u << refcount_order),
      entries_per_block_((1ull << cluster_bits) * 8 / refcount_bits_),
      max_(refcount_bits_ == 64 ? ~0ull : (1ull << refcount_bits_) - 1),
      table_moved_(std::move(table_moved)),
      cache_capacity_(std::max<size_t>(cache_blocks, 2)) {}

bool RefcountManager::reserved(uint64_t cluster) const {
    for (const auto& [first, count] : reserved_) {
        if (cluster >= first && cluster < first + count) return true;
    }
    return false;
}

Result<void> RefcountManager::load(uint64_t table_offset, uint32_t table_clusters) {
    uint64_t bytes = uint64_t{table_clusters} << cluster_bits_;
    std::vector<uint8_t> raw(bytes);
    KEMU_TRY_VOID(file_.read(table_offset, raw));
    table_.resize(bytes / 8);
    for (size_t i = 0; i < table_.size(); ++i)
        table_[i] = be64(&raw[i * 8]);
    table_offset_ = table_offset;
    table_clusters_ = table_clusters;
    cache_.clear();
    free_hint_ = 0;
    return ok();
}

Result<void> RefcountManager::rebuild(std::vector<uint32_t> refs, uint64_t at) {
    const uint64_t cs = uint64_t{1} << cluster_bits_;
    // The blocks must also cover themselves and the table: grow until the sizes settle.
    uint64_t blocks = 0, table_clusters = 0;
    for (;;) {
        uint64_t end = std::max<uint64_t>(refs.size(), at + blocks + table_clusters);
        uint64_t need_blocks = (end + entries_per_block_ - 1) / entries_per_block_;
        uint64_t need_table = std::max<uint64_t>(1, (need_blocks * 8 + cs - 1) / cs);
        if (need_blocks == blocks && need_table == table_clusters) break;
        blocks = need_blocks;
        table_clusters = need_table;
    }
    // The new structure's own clusters count once; past `refs`, nothing else is referenced.
    // Worked out per entry rather than by growing `refs` to whole blocks, which with large
    // clusters and narrow refcounts would be gigabytes more.
    const uint64_t own_end = at + blocks + table_clusters;
    auto count = [&](uint64_t c) -> uint64_t {
        if (c >= at && c < own_end) return 1;
        return c < refs.size() ? refs[c] : 0;
    };
    std::vector<uint64_t> table(table_clusters * cs / 8, 0);
    for (uint64_t bi = 0; bi < blocks; ++bi) {
        Block b{bi, std::vector<uint8_t>(cs, 0)};
        for (uint64_t i = 0; i < entries_per_block_; ++i) {
            uint64_t v = count(bi * entries_per_block_ + i);
            if (v > max_) {
                return Error("qcow2: refcount overflow on cluster " +
                             std::to_string(bi * entries_per_block_ + i));
            }
            write_entry(b, i, v);
        }
        table[bi] = (at + bi) * cs;
        KEMU_TRY_VOID(file_.write(table[bi], b.data));
    }
    std::vector<uint8_t> raw(table.size() * 8);
    for (size_t i = 0; i < table.size(); ++i)
        put_be64(&raw[i * 8], table[i]);
    uint64_t table_offset = (at + blocks) * cs;
    KEMU_TRY_VOID(file_.write(table_offset, raw));
    KEMU_TRY_VOID(file_.datasync());
    return load(table_offset, static_cast<uint32_t>(table_clusters));
}

uint64_t RefcountManager::read_entry(const Block& b, uint64_t i) const {
    switch (refcount_bits_) {
        case 8:
            return b.data[i];
        case 16:
            return be16(&b.data[i * 2]);
        case 32:
            return be32(&b.data[i * 4]);
        case 64:
            return be64(&b.data[i * 8]);
        default: {
            // Sub-byte widths pack the lowest-numbered entry into the least significant bits.
            uint64_t bit = i * refcount_bits_;
            return (b.data[bit / 8] >> (bit % 8)) & ((1u << refcount_bits_) - 1);
        }
    }
}

void RefcountManager::write_entry(Block& b, uint64_t i, uint64_t v) {
    switch (refcount_bits_) {
        case 8:
            b.data[i] = static_cast<uint8_t>(v);
            break;
        case 16:
            put_be16(&b.data[i * 2], static_cast<uint16_t>(v));
            break;
        case 32:
            put_be32(&b.data[i * 4], static_cast<uint32_t>(v));
            break;
        case 64:
            put_be64(&b.data[i * 8], v);
            break;
        default: {
            uint64_t bit = i * refcount_bits_;
            uint8_t mask = static_cast<uint8_t>(((1u << refcount_bits_) - 1) << (bit % 8));
            b.data[bit / 8] =
                static_cast<uint8_t>((b.data[bit / 8] & ~mask) | ((v << (bit % 8)) & mask));
        }
    }
    b.dirty = true;
}

Result<RefcountManager::Block*> RefcountManager::load_block(uint64_t block_index, bool create) {
    for (auto& b : cache_) {
        if (b->index == block_index) {
            b->last_use = ++use_counter_;
            return b.get();
        }
    }
    if (block_index >= table_.size() || (table_[block_index] & kRefTableOffsetMask) == 0) {
        if (!create) return static_cast<Block*>(nullptr);
        KEMU_TRY_VOID(create_block(block_index));
        return load_block(block_index, false);
    }
    uint64_t offset = table_[block_index] & kRefTableOffsetMask;
    if (offset & ((1ull << cluster_bits_) - 1)) {
        return Error("qcow2: refcount block offset " + std::to_string(offset) +
                     " is not cluster aligned");
    }
    auto block = std::make_unique<Block>();
    block->index = block_index;
    block->data.resize(1ull << cluster_bits_);
    KEMU_TRY_VOID(file_.read(offset, block->data));
    if (cache_.size() >= cache_capacity_) {
        auto victim = std::min_element(cache_.begin(), cache_.end(),
                                       [](auto& a, auto& b) { return a->last_use < b->last_use; });
        if ((*victim)->dirty) {
            KEMU_TRY_VOID(
                file_.write(table_[(*victim)->index] & kRefTableOffsetMask, (*victim)->data));
        }
        cache_.erase(victim);
    }
    block->last_use = ++use_counter_;
    cache_.push_back(std::move(block));
    return cache_.back().get();
}

Result<uint64_t> RefcountManager::get(uint64_t cluster_index) {
    KEMU_TRY(b, load_block(cluster_index / entries_per_block_, false));
    if (!b) return uint64_t{0};
    return read_entry(*b, cluster_index % entries_per_block_);
}

Result<void> RefcountManager::update(uint64_t first, uint64_t count, int64_t delta) {
    for (uint64_t c = first; c < first + count; ++c) {
        KEMU_TRY(b, load_block(c / entries_per_block_, delta > 0));
        uint64_t cur = b ? read_entry(*b, c % entries_per_block_) : 0;
        if (delta > 0 && max_ - cur < static_cast<uint64_t>(delta)) {
            return Error("qcow2: refcount overflow on cluster " + std::to_string(c));
        }
        if (delta < 0 && cur < static_cast<uint64_t>(-delta)) {
            return Error("qcow2: refcount underflow on cluster " + std::to_string(c));
        }
        uint64_t next = cur + static_cast<uint64_t>(delta);
        write_entry(*b, c % entries_per_block_, next);
        if (next == 0) free_hint_ = std::min(free_hint_, c);
    }
    return ok();
}

Result<void> RefcountManager::set(uint64_t cluster_index, uint64_t value) {
    if (value > max_) return Error("qcow2: refcount value too large");
    KEMU_TRY(b, load_block(cluster_index / entries_per_block_, value != 0));
    if (!b) return ok();
    write_entry(*b, cluster_index % entries_per_block_, value);
    if (value == 0) free_hint_ = std::min(free_hint_, cluster_index);
    return ok();
}

Result<uint64_t> RefcountManager::find_free(uint64_t count) {
    // Cluster 0 holds the header, whatever a damaged refcount structure says of it.
    const uint64_t first = std::max<uint64_t>(free_hint_, 1);
    uint64_t start = first;
    uint64_t run = 0;
    for (uint64_t i = first;; ++i) {
        if (((i + 1) << cluster_bits_) >= kMaxHostOffset) {
            return Error("qcow2: image file is full (host offsets exhausted)");
        }
        KEMU_TRY(rc, get(i));
        if (rc != 0 || reserved(i)) {
            if (i == free_hint_ && rc != 0) free_hint_ = i + 1;
            run = 0;
            start = i + 1;
            continue;
        }
        if (++run == count) return start;
    }
}

Result<uint64_t> RefcountManager::allocate(uint64_t count) {
    KEMU_TRY(start, find_free(count));
    Reservation guard(reserved_, start, count);
    KEMU_TRY_VOID(update(start, count, +1));
    free_hint_ = std::max(free_hint_, start + count);
    return start << cluster_bits_;
}

Result<void> RefcountManager::write_table_entry(uint64_t block_index) {
    if (table_in_flight_) return ok();  // the whole new table is written when growth ends
    uint8_t raw[8];
    put_be64(raw, table_[block_index]);
    return file_.write(table_offset_ + block_index * 8, raw);
}

Result<void> RefcountManager::create_block(uint64_t block_index) {
    const uint64_t cs = 1ull << cluster_bits_;
    for (;;) {
        if (block_index >= table_.size()) {
            KEMU_TRY_VOID(grow_table(block_index + 1));
            continue;
        }
        // Growing the table may have created this very block along the way.
        if (table_[block_index] & kRefTableOffsetMask) return ok();
        KEMU_TRY(pos, find_free(1));
        uint64_t home = pos / entries_per_block_;
        if (home >= table_.size()) {
            KEMU_TRY_VOID(grow_table(home + 1));
            continue;
        }
        auto block = std::make_unique<Block>();
        block->data.assign(cs, 0);
        uint64_t target = block_index;
        if ((table_[home] & kRefTableOffsetMask) == 0) {
            // The free cluster's own refcount block is missing too: make that block first,
            // placed in the cluster it describes, so it counts itself.
            target = home;
            write_entry(*block, pos % entries_per_block_, 1);
        } else {
            KEMU_TRY_VOID(update(pos, 1, +1));
        }
        block->index = target;
        block->dirty = false;
        KEMU_TRY_VOID(file_.write(pos << cluster_bits_, block->data));
        // The block's contents must be durable before the table points at it.
        KEMU_TRY_VOID(file_.datasync());
        table_[target] = pos << cluster_bits_;
        KEMU_TRY_VOID(write_table_entry(target));
        if (target == block_index) return ok();
    }
}

Result<void> RefcountManager::grow_table(uint64_t min_entries) {
    if (table_in_flight_) return Error("qcow2: refcount table growth did not converge");
    const uint64_t cs = 1ull << cluster_bits_;
    uint64_t entries = std::max<uint64_t>(min_entries, table_.size() * 2);
    uint64_t clusters = (entries * 8 + cs - 1) / cs;
    auto pos = find_free(clusters);
    if (!pos) return pos.error();
    // The new table must also cover the refcount blocks for itself.
    entries = std::max(entries, (*pos + clusters) / entries_per_block_ + 2);
    clusters = (entries * 8 + cs - 1) / cs;
    pos = find_free(clusters);
    if (!pos) return pos.error();
    entries = std::max(entries, (*pos + clusters) / entries_per_block_ + 2);
    clusters = (entries * 8 + cs - 1) / cs;
    if (clusters * cs > kMaxRefcountTableBytes) return Error("qcow2: refcount table too large");

    uint64_t old_offset = table_offset_;
    uint64_t old_clusters = table_clusters_;
    std::vector<uint64_t> old_table = table_;
    table_.resize(clusters * cs / 8, 0);
    table_in_flight_ = true;
    Result<void> r = [&]() -> Result<void> {
        Reservation guard(reserved_, *pos, clusters);
        KEMU_TRY_VOID(update(*pos, clusters, +1));
        KEMU_TRY_VOID(flush());
        std::vector<uint8_t> raw(clusters * cs, 0);
        for (size_t i = 0; i < table_.size(); ++i)
            put_be64(&raw[i * 8], table_[i]);
        KEMU_TRY_VOID(file_.write(*pos * cs, raw));
        KEMU_TRY_VOID(file_.datasync());
        return table_moved_(*pos * cs, static_cast<uint32_t>(clusters));
    }();
    table_in_flight_ = false;
    if (!r) {
        table_ = std::move(old_table);
        return r;
    }
    table_offset_ = *pos * cs;
    table_clusters_ = static_cast<uint32_t>(clusters);
    return update(old_offset / cs, old_clusters, -1);
}

Result<void> RefcountManager::flush() {
    for (auto& b : cache_) {
        if (!b->dirty) continue;
        KEMU_TRY_VOID(file_.write(table_[b->index] & kRefTableOffsetMask, b->data));
        b->dirty = false;
    }
    return ok();
}

bool RefcountManager::dirty() const {
    return std::any_of(cache_.begin(), cache_.end(), [](auto& b) { return b->dirty; });
}

bool RefcountManager::overlaps(uint64_t host, uint64_t len) const {
    auto touches = [&](uint64_t start, uint64_t size) {
        return start < host + len && host < start + size;
    };
    if (touches(table_offset_, uint64_t(table_clusters_) << cluster_bits_)) return true;
    for (const auto& b : cache_)
        if (touches(table_[b->index] & kRefTableOffsetMask, 1ull << cluster_bits_)) return true;
    return false;
}

}  // namespace kemu::block::qcow2
