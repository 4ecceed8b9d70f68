// Format probing from an image's first bytes: probe_format() (block/open.h) applies it to a
// file, and the raw driver to the new contents of block 0 of a probed raw image.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "block/qcow2/format.h"
#include "system/error.h"

namespace kemu::block {

// What probing reads (QEMU's BLOCK_PROBE_BUF_SIZE): a format is recognised from these bytes.
inline constexpr size_t kProbeBytes = 512;

// "qcow2" or "raw"; an error for formats we recognise but do not support. Bytes missing
// from a short `head` count as zeroes.
inline Result<std::string> probe_header(std::span<const uint8_t> head) {
    uint8_t magic_and_version[8] = {};
    std::copy_n(head.begin(), std::min(head.size(), sizeof(magic_and_version)), magic_and_version);
    if (qcow2::be32(magic_and_version) != qcow2::kMagic) return std::string("raw");
    if (qcow2::be32(magic_and_version + 4) == 1) {
        return Error("Unsupported image format 'qcow' (version 1)");
    }
    return std::string("qcow2");
}

}  // namespace kemu::block
