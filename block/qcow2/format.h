// qcow2 on-disk constants and entry layouts (QEMU's docs/interop/qcow2.txt).
// All multi-byte on-disk fields are big-endian.
#pragma once

#include <cstdint>
#include <cstring>

namespace kemu::block::qcow2 {

inline constexpr uint32_t kMagic = 0x514649fb;  // "QFI\xfb"
inline constexpr uint32_t kHeaderV2Length = 72;
inline constexpr uint32_t kHeaderV3Length = 104;
inline constexpr uint32_t kHeaderV3WithCompression = 112;  // compression_type + padding
inline constexpr uint32_t kMinClusterBits = 9;
inline constexpr uint32_t kMaxClusterBits = 21;
inline constexpr uint32_t kMaxBackingNameSize = 1023;
// Caps on tables we load into memory (same limits QEMU enforces), so a hostile header
// cannot make us allocate without bound.
inline constexpr uint64_t kMaxL1Bytes = 32u << 20;
inline constexpr uint64_t kMaxRefcountTableBytes = 8u << 20;
inline constexpr uint64_t kMaxSnapshots = 65536;

// Header extension types.
inline constexpr uint32_t kExtEnd = 0;
inline constexpr uint32_t kExtBackingFormat = 0xe2792aca;
inline constexpr uint32_t kExtFeatureNames = 0x6803f857;
inline constexpr uint32_t kExtBitmaps = 0x23852875;
inline constexpr uint32_t kExtCrypto = 0x0537be77;
inline constexpr uint32_t kExtDataFile = 0x44415441;

// Feature bits.
inline constexpr uint64_t kIncompatDirty = 1u << 0;
inline constexpr uint64_t kIncompatCorrupt = 1u << 1;
inline constexpr uint64_t kIncompatDataFile = 1u << 2;
inline constexpr uint64_t kIncompatCompression = 1u << 3;
inline constexpr uint64_t kIncompatExtendedL2 = 1u << 4;
inline constexpr uint64_t kIncompatSupported =
    kIncompatDirty | kIncompatCorrupt | kIncompatCompression;
inline constexpr uint64_t kCompatLazyRefcounts = 1u << 0;

// L1 and L2 entries.
inline constexpr uint64_t kOflagCopied = 1ull << 63;  // refcount is exactly 1: write in place
inline constexpr uint64_t kOflagCompressed = 1ull << 62;
inline constexpr uint64_t kOflagZero = 1ull << 0;               // v3 only: cluster reads as zeroes
inline constexpr uint64_t kOffsetMask = 0x00fffffffffffe00ull;  // bits 9..55
inline constexpr uint64_t kL1ReservedMask = 0x7f000000000001ffull;
inline constexpr uint64_t kL2ReservedMask = 0x3f000000000001feull;
inline constexpr uint64_t kRefTableOffsetMask = 0xfffffffffffffe00ull;

enum class CompressionType : uint8_t { Zlib = 0, Zstd = 1 };

inline uint16_t be16(const uint8_t* p) {
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
inline uint32_t be32(const uint8_t* p) {
    return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
inline uint64_t be64(const uint8_t* p) {
    return uint64_t{be32(p)} << 32 | be32(p + 4);
}
inline void put_be16(uint8_t* p, uint16_t v) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}
inline void put_be32(uint8_t* p, uint32_t v) {
    for (int i = 0; i < 4; ++i)
        p[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}
inline void put_be64(uint8_t* p, uint64_t v) {
    put_be32(p, static_cast<uint32_t>(v >> 32));
    put_be32(p + 4, static_cast<uint32_t>(v));
}

// Compressed-cluster descriptor: the split between offset and sector count depends on
// the cluster size.
struct CompressedDescriptor {
    uint64_t host_offset;
    uint64_t host_length;  // bytes from host_offset that may hold compressed data
};
inline CompressedDescriptor decode_compressed(uint64_t entry, uint32_t cluster_bits) {
    uint32_t x = 62 - (cluster_bits - 8);
    uint64_t offset = entry & ((1ull << x) - 1);
    uint64_t extra_sectors = (entry >> x) & ((1ull << (cluster_bits - 8)) - 1);
    uint64_t length = (512 - (offset & 511)) + extra_sectors * 512;
    return {offset, length};
}
inline uint64_t encode_compressed(uint64_t host_offset, uint64_t length, uint32_t cluster_bits) {
    uint32_t x = 62 - (cluster_bits - 8);
    uint64_t last_sector = (host_offset + length - 1) >> 9;
    uint64_t extra_sectors = last_sector - (host_offset >> 9);
    return kOflagCompressed | extra_sectors << x | host_offset;
}

}  // namespace kemu::block::qcow2
