// New qcow2 images: header, one refcount table, the refcount blocks covering the initial
// metadata, and an empty L1 table, then optional preallocation through the driver.
#include <algorithm>

#include "block/qcow2/qcow2.h"

namespace kemu::block::qcow2 {

namespace {

uint64_t div_up(uint64_t a, uint64_t b) {
    return (a + b - 1) / b;
}

Result<void> preallocate(const std::string& path, const CreateOptions& o) {
    KEMU_TRY(file, ImageFile::open(path, {}));
    KEMU_TRY(driver, Qcow2Driver::open(std::move(file), nullptr));
    KEMU_TRY_VOID(driver->allocate_range(0, o.size));
    if (o.preallocation != CreateOptions::Prealloc::Metadata) {
        KEMU_TRY_VOID(driver->reserve_host_space(o.preallocation == CreateOptions::Prealloc::Full
                                                     ? ImageFile::Prealloc::Full
                                                     : ImageFile::Prealloc::Falloc));
    }
    return driver->close();
}

}  // namespace

Result<void> create(const std::string& path, const CreateOptions& o) {
    uint64_t cs = o.cluster_size;
    if (cs < 512 || cs > (2u << 20) || (cs & (cs - 1))) {
        return Error("Cluster size must be a power of two between 512 and 2048k");
    }
    if (o.version < 3 && o.lazy_refcounts) {
        return Error(
            "Lazy refcounts only supported with compatibility level 1.1 and above "
            "(use compat=1.1 or greater)");
    }
    if (o.version < 3 && o.refcount_bits != 16) {
        return Error(
            "Different refcount widths than 16 bits require compatibility level 1.1 "
            "or above (use compat=1.1 or greater)");
    }
    if (o.version < 3 && o.compression_type != CompressionType::Zlib) {
        return Error("Compression type other than zlib requires compat=1.1 or greater");
    }
    if (o.refcount_bits == 0 || o.refcount_bits > 64 || (o.refcount_bits & (o.refcount_bits - 1))) {
        return Error("Refcount width must be a power of two and may not exceed 64 bits");
    }
    Header h;
    h.version = o.version;
    h.cluster_bits = static_cast<uint32_t>(__builtin_ctzll(cs));
    h.size = (o.size + 511) & ~511ull;  // whole sectors, as QEMU rounds
    h.refcount_order = static_cast<uint32_t>(__builtin_ctz(o.refcount_bits));
    h.header_length = o.version >= 3 ? kHeaderV3WithCompression : kHeaderV2Length;
    h.compression_type = o.compression_type;
    if (o.compression_type != CompressionType::Zlib)
        h.incompatible_features |= kIncompatCompression;
    if (o.lazy_refcounts) h.compatible_features |= kCompatLazyRefcounts;
    h.backing_file = o.backing_file;
    h.backing_format = o.backing_format;

    uint64_t coverage = cs * (cs / 8);
    uint64_t l1_entries = div_up(h.size, coverage);
    if (l1_entries * 8 > kMaxL1Bytes) return Error("Image size is too large for this cluster size");
    uint64_t l1_clusters = div_up(l1_entries * 8, cs);
    uint64_t per_block = cs * 8 / o.refcount_bits;
    // Find the fixed point: refcount blocks and table must also count themselves.
    uint64_t blocks = 1, table_clusters = 1;
    for (;;) {
        uint64_t total = 1 + table_clusters + blocks + l1_clusters;
        uint64_t need_blocks = div_up(total, per_block);
        uint64_t need_table = div_up(need_blocks * 8, cs);
        if (need_blocks <= blocks && need_table <= table_clusters) break;
        blocks = std::max(blocks, need_blocks);
        table_clusters = std::max(table_clusters, need_table);
    }
    uint64_t total = 1 + table_clusters + blocks + l1_clusters;
    h.refcount_table_offset = cs;
    h.refcount_table_clusters = static_cast<uint32_t>(table_clusters);
    uint64_t blocks_offset = cs * (1 + table_clusters);
    h.l1_table_offset = l1_entries ? blocks_offset + blocks * cs : 0;
    h.l1_size = static_cast<uint32_t>(l1_entries);

    KEMU_TRY(header, h.serialize());
    std::vector<uint8_t> image(total * cs, 0);
    std::copy(header.begin(), header.end(), image.begin());
    for (uint64_t b = 0; b < blocks; ++b) {
        put_be64(&image[cs + b * 8], blocks_offset + b * cs);
    }
    // Every initial cluster has refcount 1; entries are refcount_bits wide.
    for (uint64_t c = 0; c < total; ++c) {
        uint64_t bit = c * o.refcount_bits;
        uint8_t* p = &image[blocks_offset + bit / 8];
        if (o.refcount_bits < 8)
            *p |= static_cast<uint8_t>(1u << (bit % 8));
        else
            p[o.refcount_bits / 8 - 1] = 1;
    }
    KEMU_TRY(file, ImageFile::open(path, {.create = true}));
    KEMU_TRY_VOID(file.write(0, image));
    KEMU_TRY_VOID(file.datasync());
    if (o.preallocation == CreateOptions::Prealloc::Off) return ok();
    return preallocate(path, o);
}

}  // namespace kemu::block::qcow2
