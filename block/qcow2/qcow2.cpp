#include "block/qcow2/qcow2.h"

#include <algorithm>
#include <cstring>

#include "block/qcow2/compress.h"
#include "system/hex.h"
#include "system/log.h"

namespace kemu::block::qcow2 {

Qcow2Driver::Qcow2Driver(ImageFile file, std::unique_ptr<BlockDriver> backing)
    : file_(std::move(file)), backing_(std::move(backing)) {}

Qcow2Driver::~Qcow2Driver() {
    // An unclosed writable image keeps its metadata consistent (every step is ordered),
    // but cached updates are written here so that dropping the driver loses nothing.
    if (!closed_ && !read_only()) (void)close();
}

Result<std::unique_ptr<Qcow2Driver>> Qcow2Driver::open(ImageFile file,
                                                       std::unique_ptr<BlockDriver> backing,
                                                       const OpenOptions& options) {
    std::unique_ptr<Qcow2Driver> d(new Qcow2Driver(std::move(file), std::move(backing)));
    auto r = d->load(options);
    if (!r) {
        d->closed_ = true;
        return r.error();
    }
    return d;
}

Result<std::vector<uint64_t>> Qcow2Driver::read_l1(uint64_t offset, uint32_t entries) {
    if (offset + uint64_t{entries} * 8 > file_end_) return Error("L1 table is outside the image");
    std::vector<uint8_t> raw(uint64_t{entries} * 8);
    KEMU_TRY_VOID(file_.read(offset, raw));
    std::vector<uint64_t> l1(entries);
    for (uint32_t i = 0; i < entries; ++i)
        l1[i] = be64(&raw[i * 8]);
    return l1;
}

Result<void> Qcow2Driver::load(const OpenOptions& options) {
    KEMU_TRY(file_size, file_.size());
    file_end_ = file_size;
    std::vector<uint8_t> first(std::min<uint64_t>(file_size, 4096));
    KEMU_TRY_VOID(file_.read(0, first));
    if (first.size() >= 24 && be32(&first[0]) == kMagic) {
        uint32_t bits = be32(&first[20]);
        if (bits >= kMinClusterBits && bits <= kMaxClusterBits) {
            first.resize(std::min<uint64_t>(file_size, 1ull << bits));
            KEMU_TRY_VOID(file_.read(0, first));
        }
    }
    KEMU_TRY(header, Header::parse(first, file_size));
    header_ = std::move(header);
    if (!read_only() && (header_.incompatible_features & kIncompatCorrupt) && !options.for_check) {
        return Error("qcow2: Image is corrupt; cannot be opened read/write");
    }
    KEMU_TRY(l1, read_l1(header_.l1_table_offset, header_.l1_size));
    l1_ = std::move(l1);
    refcounts_ = std::make_unique<RefcountManager>(
        file_, header_.cluster_bits, header_.refcount_order,
        [this](uint64_t offset, uint32_t clusters) -> Result<void> {
            header_.refcount_table_offset = offset;
            header_.refcount_table_clusters = clusters;
            KEMU_TRY_VOID(write_header());
            return file_.datasync();
        },
        options.refcount_cache_blocks);
    KEMU_TRY_VOID(refcounts_->load(header_.refcount_table_offset, header_.refcount_table_clusters));
    l2_cache_ = std::make_unique<L2Cache>(file_, header_.cluster_bits, options.l2_cache_tables,
                                          [this]() -> Result<void> {
                                              if (lazy_refcounts_ || !refcounts_->dirty()) {
                                                  return ok();
                                              }
                                              KEMU_TRY_VOID(refcounts_->flush());
                                              return file_.datasync();
                                          });
    KEMU_TRY(snaps, read_snapshot_table(file_, header_, file_end_));
    snapshots_ = std::move(snaps);
    lazy_refcounts_ = (header_.compatible_features & kCompatLazyRefcounts) && !read_only();
    if (read_only()) return ok();

    if ((header_.incompatible_features & kIncompatDirty) && !options.for_check) {
        KEMU_TRY_VOID(check(RepairMode::All));
        header_.incompatible_features &= ~kIncompatDirty;
        KEMU_TRY_VOID(write_header());
        KEMU_TRY_VOID(file_.datasync());
    }
    if (header_.autoclear_features) {
        // We keep no bitmaps and no external data file, so every autoclear bit is now stale.
        header_.autoclear_features = 0;
        KEMU_TRY_VOID(write_header());
    }
    return ok();
}

Result<void> Qcow2Driver::write_header() {
    KEMU_TRY(raw, header_.serialize());
    return file_.write(0, raw);
}

Error Qcow2Driver::mark_corrupt(const std::string& why) {
    log_host_error("qcow2 %s: marking image as corrupt: %s", file_.path().c_str(), why.c_str());
    Error err("qcow2: Marking image as corrupt: " + why +
              "; further corruption events will be suppressed");
    if (read_only() || (header_.incompatible_features & kIncompatCorrupt)) return err;
    header_.incompatible_features |= kIncompatCorrupt;
    (void)write_header();
    (void)file_.datasync();
    return err;
}

Result<void> Qcow2Driver::check_host_offset(uint64_t host, const char* what) {
    if (host & (cluster_size() - 1)) {
        return mark_corrupt(std::string(what) + " offset 0x" + hex(host) + " is unaligned");
    }
    if (host >= file_end_) {
        return mark_corrupt(std::string(what) + " offset 0x" + hex(host) +
                            " is past the end of the image file");
    }
    return ok();
}

// Guest data must never land on metadata. An L2 entry naming, or damaged refcounts handing
// out, a cluster that holds the header, the L1 or refcount table, a cached refcount block or a
// cached L2 table (the checks that cost no I/O, as QEMU's default "cached" overlap check) means
// the image is corrupt: the write is refused instead of destroying the tables.
Result<void> Qcow2Driver::check_not_metadata(uint64_t host, uint64_t len) {
    auto touches = [&](uint64_t start, uint64_t size) {
        return start < host + len && host < start + size;
    };
    const uint64_t l1_bytes = (l1_.size() * 8 + cluster_size() - 1) & ~(cluster_size() - 1);
    const char* what = touches(0, cluster_size())                   ? "the image header"
                       : touches(header_.l1_table_offset, l1_bytes) ? "the L1 table"
                       : refcounts_->overlaps(host, len)            ? "refcount metadata"
                       : l2_cache_->overlaps(host, len)             ? "an L2 table"
                                                                    : nullptr;
    if (!what) return ok();
    return mark_corrupt("Data at host offset 0x" + hex(host) + " would overwrite " + what);
}

Qcow2Driver::Mapping Qcow2Driver::decode(uint64_t e) const {
    Mapping m;
    m.copied = e & kOflagCopied;
    if (e & kOflagCompressed) {
        m.kind = Kind::Compressed;
        m.host = e & ~(kOflagCopied | kOflagCompressed);
        return m;
    }
    m.host = e & kOffsetMask;
    bool zero = header_.version >= 3 && (e & kOflagZero);
    if (zero)
        m.kind = m.host ? Kind::ZeroAllocated : Kind::Zero;
    else
        m.kind = m.host ? Kind::Normal : Kind::Unallocated;
    return m;
}

Result<Qcow2Driver::Mapping> Qcow2Driver::lookup(uint64_t guest_cluster) {
    uint64_t l1_index = guest_cluster / header_.l2_entries();
    if (l1_index >= l1_.size()) return Mapping{};
    uint64_t l2_offset = l1_[l1_index] & kOffsetMask;
    if (!l2_offset) return Mapping{};
    KEMU_TRY_VOID(check_host_offset(l2_offset, "L2 table"));
    KEMU_TRY(table, l2_cache_->get(l2_offset));
    Mapping m = decode(table->entries[guest_cluster % header_.l2_entries()]);
    if (m.kind == Kind::Normal || m.kind == Kind::ZeroAllocated) {
        KEMU_TRY_VOID(check_host_offset(m.host, "Data cluster"));
    } else if (m.kind == Kind::Compressed) {
        CompressedDescriptor d = decode_compressed(m.host, header_.cluster_bits);
        if (d.host_offset >= file_end_) {
            return mark_corrupt("Compressed cluster offset 0x" + hex(d.host_offset) +
                                " is past the end of the image file");
        }
    }
    return m;
}

Result<void> Qcow2Driver::read_backing(uint64_t guest_offset, std::span<uint8_t> buf) {
    uint64_t avail = 0;
    if (backing_ && guest_offset < backing_->size()) {
        avail = std::min<uint64_t>(buf.size(), backing_->size() - guest_offset);
        KEMU_TRY_VOID(backing_->read(guest_offset, buf.first(avail)));
    }
    std::memset(buf.data() + avail, 0, buf.size() - avail);
    return ok();
}

Result<void> Qcow2Driver::read_compressed(uint64_t descriptor, uint64_t in_cluster,
                                          std::span<uint8_t> buf) {
    if (decompressed_key_ != descriptor) {
        decompressed_key_.reset();
        CompressedDescriptor d = decode_compressed(descriptor, header_.cluster_bits);
        uint64_t len = std::min(d.host_length, file_end_ - d.host_offset);
        std::vector<uint8_t> in(len);
        KEMU_TRY_VOID(file_.read(d.host_offset, in));
        decompressed_.resize(cluster_size());
        KEMU_TRY_VOID(decompress_cluster(header_.compression_type, in, decompressed_));
        decompressed_key_ = descriptor;
    }
    std::memcpy(buf.data(), decompressed_.data() + in_cluster, buf.size());
    return ok();
}

Result<void> Qcow2Driver::read_mapped(const Mapping& m, uint64_t guest_offset,
                                      std::span<uint8_t> buf) {
    uint64_t in_cluster = guest_offset & (cluster_size() - 1);
    switch (m.kind) {
        case Kind::Unallocated:
            return read_backing(guest_offset, buf);
        case Kind::Zero:
        case Kind::ZeroAllocated:
            std::memset(buf.data(), 0, buf.size());
            return ok();
        case Kind::Compressed:
            return read_compressed(m.host, in_cluster, buf);
        case Kind::Normal:
            return file_.read(m.host + in_cluster, buf);
    }
    return ok();
}

Result<void> Qcow2Driver::read(uint64_t offset, std::span<uint8_t> buf) {
    if (offset > size() || buf.size() > size() - offset) return Error("Request out of range");
    return read_range(offset, buf);
}

Result<void> Qcow2Driver::read_range(uint64_t offset, std::span<uint8_t> buf) {
    const uint64_t cs = cluster_size();
    while (!buf.empty()) {
        uint64_t gc = offset >> header_.cluster_bits;
        uint64_t in_cluster = offset & (cs - 1);
        KEMU_TRY(m, lookup(gc));
        uint64_t n = std::min<uint64_t>(buf.size(), cs - in_cluster);
        // Merge following clusters that are contiguous on the host into one read.
        if (m.kind == Kind::Normal) {
            while (n < buf.size()) {
                KEMU_TRY(next, lookup(gc + ((in_cluster + n) >> header_.cluster_bits)));
                if (next.kind != Kind::Normal || next.host != m.host + in_cluster + n) break;
                n += std::min<uint64_t>(buf.size() - n, cs);
            }
        }
        KEMU_TRY_VOID(read_mapped(m, offset, buf.first(n)));
        offset += n;
        buf = buf.subspan(n);
    }
    return ok();
}

Result<Extent> Qcow2Driver::block_status(uint64_t offset, uint64_t len) {
    if (offset > size() || len > size() - offset) return Error("Request out of range");
    const uint64_t cs = cluster_size();
    KEMU_TRY(first, lookup(offset >> header_.cluster_bits));
    uint64_t in_cluster = offset & (cs - 1);
    uint64_t n = std::min(len, cs - in_cluster);
    while (n < len) {
        KEMU_TRY(next, lookup((offset + n) >> header_.cluster_bits));
        bool same = next.kind == first.kind;
        if (same && first.kind == Kind::Normal) same = next.host == first.host + in_cluster + n;
        if (same && first.kind == Kind::Compressed) same = false;
        if (!same) break;
        n += std::min(len - n, cs);
    }
    Extent e;
    e.length = n;
    switch (first.kind) {
        case Kind::Unallocated: {
            if (backing_ && offset < backing_->size()) {
                KEMU_TRY(below,
                         backing_->block_status(offset, std::min(n, backing_->size() - offset)));
                e = below;
                e.depth += 1;
                return e;
            }
            e.zero = true;
            e.depth = backing_ ? 1 : 0;
            return e;
        }
        case Kind::Zero:
        case Kind::ZeroAllocated:
            e.zero = true;
            e.allocated = true;
            return e;
        case Kind::Compressed:
            e.data = true;
            e.allocated = true;
            return e;
        case Kind::Normal:
            e.data = true;
            e.allocated = true;
            e.host_offset = first.host + in_cluster;
            e.host_file = file_.path();
            return e;
    }
    return e;
}

std::optional<BlockDriver::HostRange> Qcow2Driver::map_direct(uint64_t offset, uint64_t len,
                                                              bool write) {
    if (closed_ || len == 0 || offset > size() || len > size() - offset) return std::nullopt;
    if (write && read_only()) return std::nullopt;
    const uint64_t cs = cluster_size();
    const uint32_t bits = header_.cluster_bits;
    std::optional<uint64_t> start;
    for (uint64_t pos = offset & ~(cs - 1); pos < offset + len; pos += cs) {
        uint64_t gc = pos >> bits;
        uint64_t l1_index = gc / header_.l2_entries();
        if (l1_index >= l1_.size()) return std::nullopt;
        const L2Table* t = l2_cache_->peek(l1_[l1_index] & kOffsetMask);
        if (!t) return std::nullopt;
        Mapping m = decode(t->entries[gc % header_.l2_entries()]);
        if (m.kind != Kind::Normal || (write && !m.copied) || m.host + cs > file_end_) {
            return std::nullopt;
        }
        uint64_t host = m.host + (pos < offset ? offset - pos : 0);
        if (!start)
            start = host;
        else if (host != *start + (pos - offset))
            return std::nullopt;
    }
    return HostRange{file_.fd(), *start};
}

Result<void> Qcow2Driver::flush_metadata() {
    if (read_only()) return ok();
    compressed_cursor_ = 0;  // its cluster may be freed by what follows
    KEMU_TRY_VOID(l2_cache_->flush());
    // Whatever refcount changes remain are increments (or frees already made safe).
    KEMU_TRY_VOID(refcounts_->flush());
    if (pending_frees_.empty()) return ok();
    KEMU_TRY_VOID(file_.datasync());
    // Rule 3: only now that no table points at them may the clusters lose their references.
    std::vector<std::pair<uint64_t, uint64_t>> frees;
    frees.swap(pending_frees_);
    for (const auto& [first, count] : frees) {
        KEMU_TRY_VOID(refcounts_->update(first, count, -1));
        for (uint64_t c = first; c < first + count; ++c) {
            auto rc = refcounts_->get(c);
            if (rc && *rc == 0) l2_cache_->drop(c << header_.cluster_bits);
        }
    }
    return refcounts_->flush();
}

Result<void> Qcow2Driver::flush() {
    KEMU_TRY_VOID(flush_metadata());
    return file_.datasync();
}

Result<void> Qcow2Driver::close() {
    if (closed_) return ok();
    closed_ = true;
    if (read_only()) return ok();
    KEMU_TRY_VOID(flush_metadata());
    KEMU_TRY_VOID(refcounts_->flush());
    KEMU_TRY_VOID(file_.datasync());
    if (header_.incompatible_features & kIncompatDirty) {
        header_.incompatible_features &= ~kIncompatDirty;
        KEMU_TRY_VOID(write_header());
        KEMU_TRY_VOID(file_.datasync());
    }
    return ok();
}

ImageInfo Qcow2Driver::info() {
    ImageInfo i;
    i.format = "qcow2";
    i.filename = file_.path();
    i.virtual_size = size();
    i.actual_size = file_.allocated_bytes();
    i.cluster_size = static_cast<uint32_t>(cluster_size());
    i.backing_file = header_.backing_file;
    i.backing_format = header_.backing_format;
    i.dirty = header_.incompatible_features & kIncompatDirty;
    for (const SnapshotEntry& s : snapshots_) {
        i.snapshots.push_back({s.id, s.name, s.vm_state_size, s.date_sec, s.date_nsec,
                               s.vm_clock_nsec, s.icount != ~0ull, s.icount});
    }
    bool v3 = header_.version >= 3;
    auto flag = [](bool b) { return std::string(b ? "true" : "false"); };
    i.specific.push_back({"compat", v3 ? "1.1" : "0.10", true});
    i.specific.push_back({"compression type",
                          header_.compression_type == CompressionType::Zstd ? "zstd" : "zlib",
                          true});
    if (v3) {
        i.specific.push_back(
            {"lazy refcounts", flag(header_.compatible_features & kCompatLazyRefcounts), false});
    }
    i.specific.push_back({"refcount bits", std::to_string(header_.refcount_bits()), false});
    if (v3) {
        i.specific.push_back(
            {"corrupt", flag(header_.incompatible_features & kIncompatCorrupt), false});
        i.specific.push_back({"extended l2", "false", false});
    }
    return i;
}

}  // namespace kemu::block::qcow2
