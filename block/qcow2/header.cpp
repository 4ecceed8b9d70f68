#include "block/qcow2/header.h"

#include <algorithm>

namespace kemu::block::qcow2 {

namespace {

constexpr const char* kIncompatNames[] = {"dirty bit", "corrupt bit", "external data file",
                                          "compression type", "extended L2 entries"};

uint64_t align_up8(uint64_t v) {
    return (v + 7) & ~7ull;
}

Error corrupt(const std::string& what) {
    return Error("qcow2 header is invalid: " + what);
}

Result<void> parse_extensions(Header& h, std::span<const uint8_t> buf, uint64_t start,
                              uint64_t end) {
    uint64_t pos = start;
    while (pos + 8 <= end) {
        uint32_t type = be32(&buf[pos]);
        uint32_t len = be32(&buf[pos + 4]);
        pos += 8;
        if (type == kExtEnd) return ok();
        if (len > end - pos) return corrupt("header extension exceeds the first cluster");
        std::span<const uint8_t> data = buf.subspan(pos, len);
        switch (type) {
            case kExtBackingFormat:
                h.backing_format.assign(data.begin(), data.end());
                break;
            case kExtFeatureNames:
                break;  // we regenerate our own feature table when writing
            case kExtCrypto:
                return Error("Unsupported qcow2 feature(s): encryption");
            case kExtDataFile:
                return Error("Unsupported qcow2 feature(s): external data file");
            default:
                h.other_extensions.push_back({type, {data.begin(), data.end()}});
        }
        pos += align_up8(len);
    }
    return ok();
}

void append_extension(std::vector<uint8_t>& out, uint32_t type, std::span<const uint8_t> data) {
    size_t pos = out.size();
    out.resize(pos + 8 + align_up8(data.size()), 0);
    put_be32(&out[pos], type);
    put_be32(&out[pos + 4], static_cast<uint32_t>(data.size()));
    std::copy(data.begin(), data.end(), out.begin() + static_cast<long>(pos + 8));
}

// The feature name table lets other tools name bits they do not know.
std::vector<uint8_t> feature_table() {
    struct Row {
        uint8_t type, bit;
        const char* name;
    };
    static constexpr Row rows[] = {
        {0, 0, "dirty bit"},        {0, 1, "corrupt bit"},         {0, 2, "external data file"},
        {0, 3, "compression type"}, {0, 4, "extended L2 entries"}, {1, 0, "lazy refcounts"},
        {2, 0, "bitmaps"},          {2, 1, "raw external data"},
    };
    std::vector<uint8_t> out(std::size(rows) * 48, 0);
    for (size_t i = 0; i < std::size(rows); ++i) {
        out[i * 48] = rows[i].type;
        out[i * 48 + 1] = rows[i].bit;
        std::memcpy(&out[i * 48 + 2], rows[i].name, std::strlen(rows[i].name));
    }
    return out;
}

}  // namespace

std::string describe_features(uint64_t bits) {
    std::string out;
    for (unsigned bit = 0; bit < 64; ++bit) {
        if (!(bits & (1ull << bit))) continue;
        if (!out.empty()) out += ", ";
        out += bit < std::size(kIncompatNames)
                   ? std::string(kIncompatNames[bit])
                   : "Unknown incompatible feature: " + std::to_string(1ull << bit);
    }
    return out;
}

Result<Header> Header::parse(std::span<const uint8_t> buf, uint64_t file_size) {
    if (buf.size() < kHeaderV2Length || be32(&buf[0]) != kMagic) {
        return Error("Image is not in qcow2 format");
    }
    Header h;
    h.version = be32(&buf[4]);
    if (h.version < 2 || h.version > 3) {
        return Error("Unsupported qcow2 version " + std::to_string(h.version));
    }
    uint64_t backing_offset = be64(&buf[8]);
    uint32_t backing_size = be32(&buf[16]);
    h.cluster_bits = be32(&buf[20]);
    h.size = be64(&buf[24]);
    h.crypt_method = be32(&buf[32]);
    h.l1_size = be32(&buf[36]);
    h.l1_table_offset = be64(&buf[40]);
    h.refcount_table_offset = be64(&buf[48]);
    h.refcount_table_clusters = be32(&buf[56]);
    h.nb_snapshots = be32(&buf[60]);
    h.snapshots_offset = be64(&buf[64]);
    if (h.cluster_bits < kMinClusterBits || h.cluster_bits > kMaxClusterBits) {
        return Error("Unsupported cluster size: 2^" + std::to_string(h.cluster_bits));
    }
    if (h.version == 2) {
        h.header_length = kHeaderV2Length;
        h.refcount_order = 4;
    } else {
        if (buf.size() < kHeaderV3Length) return corrupt("truncated version 3 header");
        h.incompatible_features = be64(&buf[72]);
        h.compatible_features = be64(&buf[80]);
        h.autoclear_features = be64(&buf[88]);
        h.refcount_order = be32(&buf[96]);
        h.header_length = be32(&buf[100]);
        if (h.header_length < kHeaderV3Length || h.header_length > buf.size() ||
            h.header_length % 8 != 0) {
            return corrupt("bad header length");
        }
        if (h.refcount_order > 6) return corrupt("refcount order too large");
        if (h.header_length > 104) {
            uint8_t ct = buf[104];
            if (ct > 1) return Error("Unknown compression type " + std::to_string(ct));
            h.compression_type = static_cast<CompressionType>(ct);
        }
        if (h.compression_type != CompressionType::Zlib &&
            !(h.incompatible_features & kIncompatCompression)) {
            return corrupt("compression type set without the compression type feature bit");
        }
    }
    uint64_t unknown = h.incompatible_features & ~kIncompatSupported;
    if (unknown) return Error("Unsupported qcow2 feature(s): " + describe_features(unknown));
    if (h.crypt_method != 0) return Error("Unsupported qcow2 feature(s): encryption");

    uint64_t cs = h.cluster_size();
    if (h.size > (1ull << 61)) return corrupt("virtual size too large");
    uint64_t l2_coverage = cs * (cs / 8);
    uint64_t l1_needed = (h.size + l2_coverage - 1) / l2_coverage;
    if (uint64_t{h.l1_size} * 8 > kMaxL1Bytes) return Error("Active L1 table too large");
    if (h.l1_size < l1_needed) return corrupt("L1 table is too small");
    if (h.l1_table_offset % cs || (h.l1_size && h.l1_table_offset >= file_size)) {
        return corrupt("invalid L1 table offset");
    }
    if (uint64_t{h.refcount_table_clusters} * cs > kMaxRefcountTableBytes) {
        return Error("Reference count table too large");
    }
    if (h.refcount_table_clusters == 0 || h.refcount_table_offset % cs ||
        h.refcount_table_offset >= file_size) {
        return corrupt("invalid reference count table offset");
    }
    if (h.nb_snapshots > kMaxSnapshots) return Error("Too many snapshots");
    if (h.nb_snapshots && (h.snapshots_offset % cs || h.snapshots_offset >= file_size)) {
        return corrupt("invalid snapshot table offset");
    }

    uint64_t ext_end = backing_offset && backing_offset < buf.size() ? backing_offset : buf.size();
    KEMU_TRY_VOID(parse_extensions(h, buf, h.header_length, ext_end));
    if (backing_offset) {
        if (backing_size > kMaxBackingNameSize || backing_offset > buf.size() ||
            backing_size > buf.size() - backing_offset) {
            return corrupt("backing file name is too long or outside the first cluster");
        }
        h.backing_file.assign(buf.begin() + static_cast<long>(backing_offset),
                              buf.begin() + static_cast<long>(backing_offset + backing_size));
    }
    return h;
}

Result<std::vector<uint8_t>> Header::serialize() const {
    std::vector<uint8_t> out(version == 2 ? kHeaderV2Length : header_length, 0);
    put_be32(&out[0], kMagic);
    put_be32(&out[4], version);
    put_be32(&out[20], cluster_bits);
    put_be64(&out[24], size);
    put_be32(&out[32], crypt_method);
    put_be32(&out[36], l1_size);
    put_be64(&out[40], l1_table_offset);
    put_be64(&out[48], refcount_table_offset);
    put_be32(&out[56], refcount_table_clusters);
    put_be32(&out[60], nb_snapshots);
    put_be64(&out[64], snapshots_offset);
    if (version >= 3) {
        put_be64(&out[72], incompatible_features);
        put_be64(&out[80], compatible_features);
        put_be64(&out[88], autoclear_features);
        put_be32(&out[96], refcount_order);
        put_be32(&out[100], header_length);
        if (header_length > 104) out[104] = static_cast<uint8_t>(compression_type);
    }
    if (!backing_format.empty()) {
        append_extension(
            out, kExtBackingFormat,
            {reinterpret_cast<const uint8_t*>(backing_format.data()), backing_format.size()});
    }
    if (version >= 3) append_extension(out, kExtFeatureNames, feature_table());
    for (const HeaderExtension& ext : other_extensions)
        append_extension(out, ext.type, ext.data);
    out.resize(out.size() + 8, 0);  // end-of-extensions marker
    if (!backing_file.empty()) {
        if (backing_file.size() > kMaxBackingNameSize) return Error("Backing file name too long");
        put_be64(&out[8], out.size());
        put_be32(&out[16], static_cast<uint32_t>(backing_file.size()));
        out.insert(out.end(), backing_file.begin(), backing_file.end());
    }
    if (out.size() > cluster_size()) {
        return Error("Header extensions and backing file name do not fit in the first cluster");
    }
    return out;
}

}  // namespace kemu::block::qcow2
