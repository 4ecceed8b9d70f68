// Image-level changes: resize, backing link rewrite, amend.
#include <algorithm>

#include "block/qcow2/qcow2.h"

namespace kemu::block::qcow2 {

Result<void> Qcow2Driver::grow_l1(uint64_t min_entries) {
    const uint64_t cs = cluster_size();
    if (min_entries * 8 > kMaxL1Bytes) return Error("Active L1 table too large");
    uint64_t clusters = (min_entries * 8 + cs - 1) / cs;
    std::vector<uint64_t> grown = l1_;
    grown.resize(min_entries, 0);
    KEMU_TRY(offset, refcounts_->allocate(clusters));
    file_end_ = std::max(file_end_, offset + clusters * cs);
    KEMU_TRY_VOID(refcounts_->flush());
    std::vector<uint8_t> raw = L2Cache::encode(grown);
    raw.resize(clusters * cs, 0);
    KEMU_TRY_VOID(file_.write(offset, raw));
    KEMU_TRY_VOID(file_.datasync());
    uint64_t old_offset = header_.l1_table_offset;
    uint64_t old_clusters = (l1_.size() * 8 + cs - 1) / cs;
    header_.l1_table_offset = offset;
    header_.l1_size = static_cast<uint32_t>(min_entries);
    KEMU_TRY_VOID(write_header());
    KEMU_TRY_VOID(file_.datasync());
    l1_ = std::move(grown);
    if (old_clusters) KEMU_TRY_VOID(refcounts_->update(old_offset / cs, old_clusters, -1));
    return refcounts_->flush();
}

Result<void> Qcow2Driver::truncate(uint64_t new_size, bool allow_shrink) {
    KEMU_TRY_VOID(begin_write());
    const uint64_t cs = cluster_size();
    if (new_size % 512) return Error("Image size must be a multiple of 512 bytes");
    if (new_size < size()) {
        if (!allow_shrink) {
            return Error("Use the --shrink option to perform a shrink operation.");
        }
        if (!snapshots_.empty()) return Error("Can't resize an image which has snapshots");
        // Release every whole cluster past the new end.
        uint64_t first = (new_size + cs - 1) / cs;
        uint64_t end = (size() + cs - 1) / cs;
        for (uint64_t gc = first; gc < end; ++gc) {
            KEMU_TRY(m, lookup(gc));
            if (m.kind == Kind::Unallocated) continue;
            free_later(m);
            KEMU_TRY_VOID(set_entry(gc, 0));
        }
        KEMU_TRY_VOID(flush_metadata());
        KEMU_TRY_VOID(file_.datasync());
    } else {
        uint64_t coverage = cs * header_.l2_entries();
        uint64_t needed = (new_size + coverage - 1) / coverage;
        if (needed > l1_.size()) KEMU_TRY_VOID(grow_l1(needed));
    }
    header_.size = new_size;
    KEMU_TRY_VOID(write_header());
    return file_.datasync();
}

Result<void> Qcow2Driver::allocate_range(uint64_t offset, uint64_t len) {
    KEMU_TRY_VOID(begin_write());
    const uint64_t cs = cluster_size();
    uint64_t gc = offset / cs;
    uint64_t end = (offset + len + cs - 1) / cs;
    while (gc < end) {
        // One contiguous allocation per L2 table's worth of clusters.
        uint64_t table_end = std::min(end, (gc / header_.l2_entries() + 1) * header_.l2_entries());
        KEMU_TRY_VOID(l2_for_write(gc / header_.l2_entries()));
        uint64_t count = table_end - gc;
        KEMU_TRY(host, refcounts_->allocate(count));
        file_end_ = std::max(file_end_, host + count * cs);
        KEMU_TRY(again, l2_for_write(gc / header_.l2_entries()));
        for (uint64_t i = 0; i < count; ++i) {
            uint64_t& entry = again->entries[(gc + i) % header_.l2_entries()];
            entry = (host + i * cs) | kOflagCopied;
        }
        again->dirty = true;
        gc = table_end;
    }
    KEMU_TRY_VOID(flush());
    // The last data cluster may lie past EOF; make the file cover it so reads see zeroes.
    KEMU_TRY(size, file_.size());
    if (size < file_end_) KEMU_TRY_VOID(file_.truncate(file_end_));
    return ok();
}

Result<void> Qcow2Driver::preallocate_growth(uint64_t old_size,
                                             std::optional<ImageFile::Prealloc> host) {
    KEMU_TRY_VOID(begin_write());
    const uint64_t cs = cluster_size();
    const uint64_t per_table = header_.l2_entries();
    uint64_t gc = (old_size + cs - 1) / cs;
    const uint64_t end = (size() + cs - 1) / cs;
    while (gc < end) {
        uint64_t table_end = std::min(end, (gc / per_table + 1) * per_table);
        uint64_t count = table_end - gc;
        KEMU_TRY(first, refcounts_->allocate(count));
        file_end_ = std::max(file_end_, first + count * cs);
        uint64_t flags = kOflagCopied;
        if (header_.version >= 3) {
            flags |= kOflagZero;
        } else {
            KEMU_TRY_VOID(file_.write_zeroes(first, count * cs, false));  // data before L2
        }
        for (uint64_t i = 0; i < count; ++i)
            KEMU_TRY_VOID(set_entry(gc + i, (first + i * cs) | flags));
        gc = table_end;
    }
    KEMU_TRY_VOID(flush());
    KEMU_TRY(file_size, file_.size());
    if (file_size < file_end_) KEMU_TRY_VOID(file_.truncate(file_end_));
    return host ? reserve_host_space(*host) : ok();
}

Result<void> Qcow2Driver::reserve_host_space(ImageFile::Prealloc mode) {
    KEMU_TRY(size, file_.size());
    KEMU_TRY_VOID(file_.preallocate(0, size, mode));
    return file_.datasync();
}

Result<void> Qcow2Driver::make_empty() {
    KEMU_TRY_VOID(begin_write());
    uint64_t clusters = (size() + cluster_size() - 1) / cluster_size();
    for (uint64_t gc = 0; gc < clusters; ++gc) {
        if (gc % header_.l2_entries() == 0 && !(l1_[gc / header_.l2_entries()] & kOffsetMask)) {
            gc += header_.l2_entries() - 1;  // no table: nothing mapped in this stretch
            continue;
        }
        KEMU_TRY(m, lookup(gc));
        if (m.kind == Kind::Unallocated) continue;
        free_later(m);
        KEMU_TRY_VOID(set_entry(gc, 0));
    }
    return flush();
}

Result<void> Qcow2Driver::set_backing(const std::string& file, const std::string& format,
                                      std::unique_ptr<BlockDriver> backing) {
    if (read_only()) return Error("Image is read-only");
    header_.backing_file = file;
    header_.backing_format = file.empty() ? std::string() : format;
    KEMU_TRY_VOID(write_header());
    KEMU_TRY_VOID(file_.datasync());
    backing_ = std::move(backing);
    return ok();
}

Result<void> Qcow2Driver::amend(std::optional<bool> lazy_refcounts,
                                std::optional<uint32_t> version) {
    if (read_only()) return Error("Image is read-only");
    KEMU_TRY_VOID(flush());
    uint32_t target = version.value_or(header_.version);
    bool lazy = lazy_refcounts.value_or(header_.compatible_features & kCompatLazyRefcounts);
    if (lazy && target < 3) {
        return Error("Lazy refcounts only supported with compatibility level 1.1 and above");
    }
    if (target < header_.version) {
        if (header_.refcount_order != 4 || header_.compression_type != CompressionType::Zlib) {
            return Error(
                "Cannot downgrade an image with non-default refcount width or "
                "compression type");
        }
        for (uint64_t e : l1_) {
            uint64_t l2 = e & kOffsetMask;
            if (!l2) continue;
            KEMU_TRY(table, l2_cache_->get(l2));
            for (uint64_t entry : table->entries) {
                if (!(entry & kOflagCompressed) && (entry & kOflagZero)) {
                    return Error("Cannot downgrade an image with zero clusters");
                }
            }
        }
        header_.header_length = kHeaderV2Length;
        header_.compatible_features = 0;
        header_.incompatible_features = 0;
        header_.autoclear_features = 0;
    } else if (target > header_.version) {
        header_.header_length = kHeaderV3WithCompression;
    }
    header_.version = target;
    if (target >= 3) {
        header_.compatible_features = lazy ? (header_.compatible_features | kCompatLazyRefcounts)
                                           : (header_.compatible_features & ~kCompatLazyRefcounts);
    }
    lazy_refcounts_ = lazy;
    header_.incompatible_features &= ~kIncompatDirty;
    KEMU_TRY_VOID(write_header());
    return file_.datasync();
}

}  // namespace kemu::block::qcow2
