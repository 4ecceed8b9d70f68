// Internal snapshots: create, apply (revert), delete, and the refcount/COPIED bookkeeping
// they share.
#include <algorithm>
#include <cstring>

#include "block/qcow2/qcow2.h"

namespace kemu::block::qcow2 {

size_t Qcow2Driver::find_snapshot(const std::string& id_or_name) const {
    for (size_t i = 0; i < snapshots_.size(); ++i) {
        if (snapshots_[i].id == id_or_name) return i;
    }
    for (size_t i = 0; i < snapshots_.size(); ++i) {
        if (snapshots_[i].name == id_or_name) return i;
    }
    return snapshots_.size();
}

// Adds `delta` to every cluster the tables in `l1` reach, counting per L1 table as the
// format defines (a table shared by two L1 tables counts its data twice).
Result<void> Qcow2Driver::update_l1_refcounts(const std::vector<uint64_t>& l1, int64_t delta) {
    const uint32_t bits = header_.cluster_bits;
    for (uint64_t e : l1) {
        uint64_t l2 = e & kOffsetMask;
        if (!l2) continue;
        KEMU_TRY_VOID(check_host_offset(l2, "L2 table"));
        KEMU_TRY_VOID(refcounts_->update(l2 >> bits, 1, delta));
        KEMU_TRY(table, l2_cache_->get(l2));
        std::vector<uint64_t> entries = table->entries;
        for (uint64_t entry : entries) {
            Mapping m = decode(entry);
            if (m.kind == Kind::Normal || m.kind == Kind::ZeroAllocated) {
                KEMU_TRY_VOID(refcounts_->update(m.host >> bits, 1, delta));
            } else if (m.kind == Kind::Compressed) {
                CompressedDescriptor d = decode_compressed(m.host, bits);
                uint64_t end = std::min(d.host_offset + d.host_length, file_end_);
                uint64_t first = d.host_offset >> bits;
                KEMU_TRY_VOID(refcounts_->update(first, ((end - 1) >> bits) - first + 1, delta));
            }
        }
    }
    return ok();
}

// Recomputes COPIED on the active L1 and L2 entries: set exactly when the refcount is 1.
Result<void> Qcow2Driver::update_copied_flags() {
    const uint32_t bits = header_.cluster_bits;
    bool l1_changed = false;
    for (uint64_t& e : l1_) {
        uint64_t l2 = e & kOffsetMask;
        if (!l2) continue;
        KEMU_TRY(rc, refcounts_->get(l2 >> bits));
        uint64_t want = rc == 1 ? (l2 | kOflagCopied) : l2;
        if (want != e) {
            e = want;
            l1_changed = true;
        }
        auto table = l2_cache_->get(l2);
        if (!table) return table.error();
        for (size_t i = 0; i < (*table)->entries.size(); ++i) {
            uint64_t entry = (*table)->entries[i];
            Mapping m = decode(entry);
            uint64_t fixed = entry;
            if (m.kind == Kind::Compressed) {
                fixed = entry & ~kOflagCopied;
            } else if (m.kind == Kind::Normal || m.kind == Kind::ZeroAllocated) {
                KEMU_TRY(drc, refcounts_->get(m.host >> bits));
                fixed = drc == 1 ? (entry | kOflagCopied) : (entry & ~kOflagCopied);
            }
            if (fixed != entry) {
                // Safe to hold `table`: refcount lookups never touch the L2 cache.
                (*table)->entries[i] = fixed;
                (*table)->dirty = true;
            }
        }
    }
    if (l1_changed) {
        std::vector<uint8_t> raw = L2Cache::encode(l1_);
        KEMU_TRY_VOID(file_.write(header_.l1_table_offset, raw));
    }
    return l2_cache_->flush();
}

Result<void> Qcow2Driver::write_snapshot_table(std::vector<SnapshotEntry> table) {
    const uint64_t cs = cluster_size();
    std::vector<uint8_t> raw = encode_snapshot_table(table);
    uint64_t new_offset = 0;
    if (!raw.empty()) {
        uint64_t clusters = (raw.size() + cs - 1) / cs;
        KEMU_TRY(off, refcounts_->allocate(clusters));
        new_offset = off;
        file_end_ = std::max(file_end_, new_offset + clusters * cs);
        KEMU_TRY_VOID(refcounts_->flush());
        KEMU_TRY_VOID(file_.write(new_offset, raw));
        KEMU_TRY_VOID(file_.datasync());
    }
    uint64_t old_offset = header_.snapshots_offset;
    uint64_t old_bytes = encode_snapshot_table(snapshots_).size();
    header_.snapshots_offset = new_offset;
    header_.nb_snapshots = static_cast<uint32_t>(table.size());
    KEMU_TRY_VOID(write_header());
    KEMU_TRY_VOID(file_.datasync());
    if (old_offset && old_bytes) {
        KEMU_TRY_VOID(refcounts_->update(old_offset / cs, (old_bytes + cs - 1) / cs, -1));
    }
    snapshots_ = std::move(table);
    return ok();
}

Result<void> Qcow2Driver::snapshot_create(const SnapshotInfo& snapshot) {
    const std::string& name = snapshot.name;
    KEMU_TRY_VOID(begin_write());
    if (find_snapshot(name) != snapshots_.size()) {
        return Error("Snapshot with name '" + name + "' already exists");
    }
    KEMU_TRY_VOID(flush_metadata());
    const uint64_t cs = cluster_size();
    uint64_t next_id = 1;
    for (const SnapshotEntry& s : snapshots_) {
        next_id = std::max<uint64_t>(next_id, std::strtoull(s.id.c_str(), nullptr, 10) + 1);
    }
    uint64_t l1_bytes = l1_.size() * 8;
    uint64_t l1_clusters = std::max<uint64_t>(1, (l1_bytes + cs - 1) / cs);
    KEMU_TRY(l1_offset, refcounts_->allocate(l1_clusters));
    file_end_ = std::max(file_end_, l1_offset + l1_clusters * cs);
    std::vector<uint64_t> copy = l1_;
    for (uint64_t& e : copy)
        e &= ~kOflagCopied;
    KEMU_TRY_VOID(update_l1_refcounts(l1_, +1));
    KEMU_TRY_VOID(update_copied_flags());
    KEMU_TRY_VOID(refcounts_->flush());
    KEMU_TRY_VOID(file_.write(l1_offset, L2Cache::encode(copy)));
    KEMU_TRY_VOID(file_.datasync());

    SnapshotEntry s;
    s.l1_table_offset = l1_offset;
    s.l1_size = static_cast<uint32_t>(l1_.size());
    s.id = std::to_string(next_id);
    s.name = name;
    s.date_sec = snapshot.date_sec;
    s.date_nsec = snapshot.date_nsec;
    s.vm_clock_nsec = snapshot.vm_clock_nsec;
    s.vm_state_size = snapshot.vm_state_size;
    s.disk_size = size();
    std::vector<SnapshotEntry> table = snapshots_;
    table.push_back(s);
    KEMU_TRY_VOID(write_snapshot_table(std::move(table)));
    return snapshot.vm_state_size ? drop_vmstate(snapshot.vm_state_size) : ok();
}

Result<void> Qcow2Driver::snapshot_apply(const std::string& id_or_name) {
    KEMU_TRY_VOID(begin_write());
    size_t index = find_snapshot(id_or_name);
    if (index == snapshots_.size()) return Error("Can't find snapshot");
    KEMU_TRY_VOID(flush_metadata());
    const SnapshotEntry& s = snapshots_[index];
    KEMU_TRY(snap_l1, read_l1(s.l1_table_offset, s.l1_size));
    if (snap_l1.size() > l1_.size()) KEMU_TRY_VOID(grow_l1(snap_l1.size()));
    std::vector<uint64_t> old_l1 = l1_;
    KEMU_TRY_VOID(update_l1_refcounts(snap_l1, +1));
    KEMU_TRY_VOID(refcounts_->flush());
    KEMU_TRY_VOID(file_.datasync());
    std::fill(l1_.begin(), l1_.end(), 0);
    std::copy(snap_l1.begin(), snap_l1.end(), l1_.begin());
    KEMU_TRY_VOID(file_.write(header_.l1_table_offset, L2Cache::encode(l1_)));
    if (s.disk_size && s.disk_size != header_.size) {
        header_.size = s.disk_size;
        KEMU_TRY_VOID(write_header());
    }
    KEMU_TRY_VOID(file_.datasync());
    KEMU_TRY_VOID(update_l1_refcounts(old_l1, -1));
    l2_cache_->clear();  // clean at this point; freed tables must not linger
    KEMU_TRY_VOID(update_copied_flags());
    KEMU_TRY_VOID(refcounts_->flush());
    decompressed_key_.reset();
    return file_.datasync();
}

Result<void> Qcow2Driver::snapshot_delete(const std::string& id_or_name) {
    KEMU_TRY_VOID(begin_write());
    size_t index = find_snapshot(id_or_name);
    if (index == snapshots_.size()) return Error("Can't find snapshot");
    KEMU_TRY_VOID(flush_metadata());
    SnapshotEntry gone = snapshots_[index];
    std::vector<SnapshotEntry> table = snapshots_;
    table.erase(table.begin() + static_cast<long>(index));
    KEMU_TRY_VOID(write_snapshot_table(std::move(table)));
    KEMU_TRY(l1, read_l1(gone.l1_table_offset, gone.l1_size));
    KEMU_TRY_VOID(update_l1_refcounts(l1, -1));
    const uint64_t cs = cluster_size();
    uint64_t l1_clusters = std::max<uint64_t>(1, (uint64_t{gone.l1_size} * 8 + cs - 1) / cs);
    KEMU_TRY_VOID(refcounts_->update(gone.l1_table_offset / cs, l1_clusters, -1));
    l2_cache_->clear();
    KEMU_TRY_VOID(update_copied_flags());
    KEMU_TRY_VOID(refcounts_->flush());
    return file_.datasync();
}

}  // namespace kemu::block::qcow2
