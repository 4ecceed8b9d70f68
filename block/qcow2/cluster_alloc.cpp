// The qcow2 write paths: in-place writes, copy-on-write into new clusters, L2 table
// allocation and copy-on-write of tables shared with snapshots, zeroing and discard.
#include <algorithm>
#include <cstring>

#include "block/qcow2/compress.h"
#include "block/qcow2/qcow2.h"

namespace kemu::block::qcow2 {

Result<void> Qcow2Driver::begin_write() {
    if (read_only()) return Error("Image is read-only");
    if (closed_) return Error("Image is closed");
    if (lazy_refcounts_ && !(header_.incompatible_features & kIncompatDirty)) {
        // From here on refcounts on disk may lag; the dirty bit tells the next opener.
        header_.incompatible_features |= kIncompatDirty;
        KEMU_TRY_VOID(write_header());
        KEMU_TRY_VOID(file_.datasync());
    }
    return ok();
}

void Qcow2Driver::free_later(const Mapping& old) {
    const uint32_t bits = header_.cluster_bits;
    if (old.kind == Kind::Normal || old.kind == Kind::ZeroAllocated) {
        pending_frees_.emplace_back(old.host >> bits, 1);
    } else if (old.kind == Kind::Compressed) {
        CompressedDescriptor d = decode_compressed(old.host, bits);
        uint64_t end = std::min(d.host_offset + d.host_length, file_end_);
        uint64_t first = d.host_offset >> bits;
        uint64_t last = (end - 1) >> bits;
        pending_frees_.emplace_back(first, last - first + 1);
    }
}

Result<void> Qcow2Driver::write_l1_entry(uint64_t l1_index) {
    uint8_t raw[8];
    put_be64(raw, l1_[l1_index]);
    return file_.write(header_.l1_table_offset + l1_index * 8, raw);
}

Result<L2Table*> Qcow2Driver::l2_for_write(uint64_t l1_index) {
    if (l1_index >= l1_.size()) return Error("qcow2: guest offset beyond the L1 table");
    uint64_t entry = l1_[l1_index];
    uint64_t old_offset = entry & kOffsetMask;
    if (old_offset && (entry & kOflagCopied)) {
        KEMU_TRY_VOID(check_host_offset(old_offset, "L2 table"));
        return l2_cache_->get(old_offset);
    }
    // A new table, or a private copy of one shared with a snapshot. The copy keeps the
    // entries (and their cleared COPIED flags): the data clusters stay shared.
    std::vector<uint64_t> entries(header_.l2_entries(), 0);
    if (old_offset) {
        KEMU_TRY_VOID(check_host_offset(old_offset, "L2 table"));
        KEMU_TRY(old, l2_cache_->get(old_offset));
        entries = old->entries;
    }
    KEMU_TRY(offset, refcounts_->allocate(1));
    file_end_ = std::max(file_end_, offset + cluster_size());
    if (!lazy_refcounts_) KEMU_TRY_VOID(refcounts_->flush());
    KEMU_TRY_VOID(file_.write(offset, L2Cache::encode(entries)));
    // Rules 1 and 2: refcount and table contents durable before the L1 entry points here.
    KEMU_TRY_VOID(file_.datasync());
    l1_[l1_index] = offset | kOflagCopied;
    KEMU_TRY_VOID(write_l1_entry(l1_index));
    if (old_offset) pending_frees_.emplace_back(old_offset >> header_.cluster_bits, 1);
    return l2_cache_->install(offset, std::move(entries));
}

Result<void> Qcow2Driver::set_entry(uint64_t guest_cluster, uint64_t entry) {
    KEMU_TRY(table, l2_for_write(guest_cluster / header_.l2_entries()));
    table->entries[guest_cluster % header_.l2_entries()] = entry;
    table->dirty = true;
    return ok();
}

// Allocates `count` contiguous clusters for whole-cluster data and maps them.
Result<void> Qcow2Driver::write_new_clusters(uint64_t offset, std::span<const uint8_t> data,
                                             uint64_t count) {
    KEMU_TRY(host, refcounts_->allocate(count));
    file_end_ = std::max(file_end_, host + count * cluster_size());
    KEMU_TRY_VOID(check_not_metadata(host, count * cluster_size()));
    KEMU_TRY_VOID(file_.write(host, data));
    uint64_t gc = offset >> header_.cluster_bits;
    for (uint64_t i = 0; i < count; ++i) {
        KEMU_TRY(old, lookup(gc + i));
        KEMU_TRY_VOID(set_entry(gc + i, (host + i * cluster_size()) | kOflagCopied));
        free_later(old);
    }
    return ok();
}

// A write covering part of one cluster that cannot be written in place.
Result<void> Qcow2Driver::write_partial_cluster(uint64_t offset, std::span<const uint8_t> data) {
    const uint64_t cs = cluster_size();
    uint64_t cluster_start = offset & ~(cs - 1);
    KEMU_TRY(old, lookup(cluster_start >> header_.cluster_bits));
    std::vector<uint8_t> buf(cs);
    KEMU_TRY_VOID(read_mapped(old, cluster_start, buf));
    std::memcpy(buf.data() + (offset - cluster_start), data.data(), data.size());
    if (old.kind == Kind::ZeroAllocated && old.copied) {
        // Preallocated zero cluster we own: fill it and drop the zero flag.
        KEMU_TRY_VOID(check_not_metadata(old.host, cs));
        KEMU_TRY_VOID(file_.write(old.host, buf));
        return set_entry(cluster_start >> header_.cluster_bits, old.host | kOflagCopied);
    }
    if (old.kind == Kind::Compressed) decompressed_key_.reset();
    return write_new_clusters(cluster_start, buf, 1);
}

Result<void> Qcow2Driver::write(uint64_t offset, std::span<const uint8_t> buf) {
    if (offset > size() || buf.size() > size() - offset) return Error("Request out of range");
    KEMU_TRY_VOID(begin_write());
    return write_range(offset, buf);
}

Result<void> Qcow2Driver::write_range(uint64_t offset, std::span<const uint8_t> buf) {
    const uint64_t cs = cluster_size();
    const uint64_t bits = header_.cluster_bits;
    while (!buf.empty()) {
        uint64_t gc = offset >> bits;
        uint64_t in_cluster = offset & (cs - 1);
        KEMU_TRY(m, lookup(gc));
        uint64_t n = std::min<uint64_t>(buf.size(), cs - in_cluster);
        if (m.kind == Kind::Normal && m.copied) {
            while (n < buf.size()) {
                KEMU_TRY(next, lookup((offset + n) >> bits));
                if (next.kind != Kind::Normal || !next.copied ||
                    next.host != m.host + in_cluster + n) {
                    break;
                }
                n += std::min<uint64_t>(buf.size() - n, cs);
            }
            KEMU_TRY_VOID(check_not_metadata(m.host + in_cluster, n));
            KEMU_TRY_VOID(file_.write(m.host + in_cluster, buf.first(n)));
        } else if (in_cluster == 0 && n == cs) {
            // Whole clusters needing new storage: gather a run within one L2 table.
            uint64_t count = 1;
            uint64_t table_end = (gc / header_.l2_entries() + 1) * header_.l2_entries();
            while ((count + 1) * cs <= buf.size() && gc + count < table_end) {
                KEMU_TRY(next, lookup(gc + count));
                if (next.kind == Kind::Normal && next.copied) break;
                ++count;
            }
            n = count * cs;
            if (m.kind == Kind::Compressed) decompressed_key_.reset();
            KEMU_TRY_VOID(write_new_clusters(offset, buf.first(n), count));
        } else {
            KEMU_TRY_VOID(write_partial_cluster(offset, buf.first(n)));
        }
        offset += n;
        buf = buf.subspan(n);
    }
    return ok();
}

Result<void> Qcow2Driver::write_zeroes(uint64_t offset, uint64_t len, bool may_unmap) {
    if (offset > size() || len > size() - offset) return Error("Request out of range");
    KEMU_TRY_VOID(begin_write());
    const uint64_t cs = cluster_size();
    std::vector<uint8_t> zeroes;
    while (len > 0) {
        uint64_t in_cluster = offset & (cs - 1);
        uint64_t n = std::min(len, cs - in_cluster);
        bool whole = n == cs || offset + n == size();
        KEMU_TRY(m, lookup(offset >> header_.cluster_bits));
        bool reads_zero = m.kind == Kind::Zero || m.kind == Kind::ZeroAllocated ||
                          (m.kind == Kind::Unallocated && !backing_);
        if (reads_zero) {
            // Already zero.
        } else if (whole && in_cluster == 0 && header_.version >= 3) {
            uint64_t entry = kOflagZero;
            if (!may_unmap && m.kind == Kind::Normal && m.copied) {
                entry |= m.host | kOflagCopied;
            } else {
                free_later(m);
            }
            KEMU_TRY_VOID(set_entry(offset >> header_.cluster_bits, entry));
        } else {
            zeroes.resize(n);
            std::fill(zeroes.begin(), zeroes.end(), 0);
            KEMU_TRY_VOID(write(offset, zeroes));
        }
        offset += n;
        len -= n;
    }
    return ok();
}

Result<void> Qcow2Driver::discard(uint64_t offset, uint64_t len) {
    if (offset > size() || len > size() - offset) return Error("Request out of range");
    KEMU_TRY_VOID(begin_write());
    // A range reaching the end of the disk releases its partial last cluster too.
    const uint64_t cs = cluster_size();
    uint64_t end = offset + len == size() ? (size() + cs - 1) / cs * cs : offset + len;
    return discard_range(offset, end - offset);
}

Result<void> Qcow2Driver::discard_range(uint64_t offset, uint64_t len) {
    const uint64_t cs = cluster_size();
    // Only whole clusters can be released; partial ones keep their data.
    uint64_t first = (offset + cs - 1) & ~(cs - 1);
    uint64_t end = (offset + len) & ~(cs - 1);
    for (uint64_t pos = first; pos < end; pos += cs) {
        KEMU_TRY(m, lookup(pos >> header_.cluster_bits));
        if (m.kind == Kind::Unallocated) continue;
        // Without a backing file an unallocated cluster reads as zeroes. With one, a zero
        // flag keeps stale backing data from showing through; v2 has none, so keep the data.
        uint64_t entry = 0;
        if (backing_) {
            if (header_.version < 3 || m.kind == Kind::Zero) continue;
            entry = kOflagZero;
        }
        free_later(m);
        KEMU_TRY_VOID(set_entry(pos >> header_.cluster_bits, entry));
    }
    return ok();
}

Result<void> Qcow2Driver::write_compressed(uint64_t offset, std::span<const uint8_t> cluster) {
    const uint64_t cs = cluster_size();
    if (offset & (cs - 1) || cluster.size() != cs) {
        return Error("Compressed writes must cover exactly one cluster");
    }
    std::vector<uint8_t> out(cs);
    size_t len = compress_cluster(header_.compression_type, cluster, out);
    if (len == 0) return write(offset, cluster);
    return store_compressed(offset, {out.data(), len});
}

// Compressed clusters are packed back to back at sector granularity, as QEMU packs them:
// one may start in the host cluster the previous one ends in and run on into the next,
// when that one directly follows. Every host cluster a compressed cluster touches holds a
// reference for it.
Result<uint64_t> Qcow2Driver::place_compressed(uint64_t len) {
    const uint64_t cs = cluster_size();
    const uint32_t bits = header_.cluster_bits;
    uint64_t cursor = (compressed_cursor_ + 511) & ~511ull;
    uint64_t in_cluster = cursor & (cs - 1);
    if (compressed_cursor_ && in_cluster && in_cluster + len <= cs) {
        KEMU_TRY_VOID(refcounts_->update(cursor >> bits, 1, +1));
        return cursor;
    }
    // A new host cluster (len < cs: one is enough wherever it lands).
    KEMU_TRY(fresh, refcounts_->allocate(1));
    file_end_ = std::max(file_end_, fresh + cs);
    if (compressed_cursor_ && in_cluster && fresh == (cursor & ~(cs - 1)) + cs) {
        KEMU_TRY_VOID(refcounts_->update(cursor >> bits, 1, +1));
        return cursor;
    }
    return fresh;
}

Result<void> Qcow2Driver::store_compressed(uint64_t offset, std::span<const uint8_t> compressed) {
    const uint64_t cs = cluster_size();
    if (offset & (cs - 1) || offset >= size()) {
        return Error("Compressed writes must cover exactly one cluster");
    }
    if (compressed.empty() || compressed.size() >= cs) {
        return Error("Compressed cluster data must be smaller than a cluster");
    }
    KEMU_TRY_VOID(begin_write());
    const uint64_t len = compressed.size();
    KEMU_TRY(m, lookup(offset >> header_.cluster_bits));
    KEMU_TRY(host, place_compressed(len));
    // Whole sectors reach the file, so the padding after the stream reads as zeroes.
    std::vector<uint8_t> sectors((len + 511) & ~511ull, 0);
    std::copy(compressed.begin(), compressed.end(), sectors.begin());
    KEMU_TRY_VOID(check_not_metadata(host, sectors.size()));
    KEMU_TRY_VOID(file_.write(host, sectors));
    compressed_cursor_ = host + len;
    KEMU_TRY_VOID(set_entry(offset >> header_.cluster_bits,
                            encode_compressed(host, len, header_.cluster_bits)));
    free_later(m);
    return ok();
}

}  // namespace kemu::block::qcow2
