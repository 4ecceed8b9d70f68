// The qcow2 header, its extensions and the backing file name: parsing with validation,
// and serialisation into the image's first cluster.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "block/qcow2/format.h"
#include "system/error.h"

namespace kemu::block::qcow2 {

struct HeaderExtension {
    uint32_t type;
    std::vector<uint8_t> data;
};

struct Header {
    uint32_t version = 3;
    uint32_t cluster_bits = 16;
    uint64_t size = 0;
    uint32_t crypt_method = 0;
    uint32_t l1_size = 0;
    uint64_t l1_table_offset = 0;
    uint64_t refcount_table_offset = 0;
    uint32_t refcount_table_clusters = 0;
    uint32_t nb_snapshots = 0;
    uint64_t snapshots_offset = 0;
    uint64_t incompatible_features = 0;
    uint64_t compatible_features = 0;
    uint64_t autoclear_features = 0;
    uint32_t refcount_order = 4;
    uint32_t header_length = kHeaderV3WithCompression;
    CompressionType compression_type = CompressionType::Zlib;

    std::string backing_file;
    std::string backing_format;
    // Extensions we do not interpret, kept so rewriting the header preserves them.
    std::vector<HeaderExtension> other_extensions;

    uint64_t cluster_size() const { return 1ull << cluster_bits; }
    uint64_t l2_entries() const { return cluster_size() / 8; }
    uint32_t refcount_bits() const { return 1u << refcount_order; }

    // Parses and validates the first cluster (or the whole file if smaller) of an image.
    static Result<Header> parse(std::span<const uint8_t> first_cluster, uint64_t file_size);
    // The complete first cluster: header fields, extensions, backing file name.
    Result<std::vector<uint8_t>> serialize() const;
};

// Names the incompatible feature bits set in `bits` ("dirty bit, extended L2 entries").
std::string describe_features(uint64_t bits);

}  // namespace kemu::block::qcow2
