// Compressed-cluster codecs: raw deflate (zlib, window bits -12) and zstd.
#pragma once

#include <cstdint>
#include <span>

#include "block/qcow2/format.h"
#include "system/error.h"

namespace kemu::block::qcow2 {

// Fills all of `out` from `in`; trailing bytes in `in` beyond the stream are ignored.
Result<void> decompress_cluster(CompressionType type, std::span<const uint8_t> in,
                                std::span<uint8_t> out);
// Returns the compressed length, or 0 when the result would not be smaller than `out`.
size_t compress_cluster(CompressionType type, std::span<const uint8_t> in, std::span<uint8_t> out);

}  // namespace kemu::block::qcow2
