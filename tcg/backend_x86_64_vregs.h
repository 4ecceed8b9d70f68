// The x86-64 backend's cache of env vectors (a guest's xmm/ymm registers) in host vector
// registers 3-15, for one block. Vector ops still store every result to env, so env is
// always current and nothing is ever written back; what the cache saves is the load of a
// value the block has just computed, which would otherwise wait for store forwarding on
// the dependency chain of every SIMD loop. Registers 0-2 stay the emitter's scratch
// (host_simd's operands, copies through xmm0).
//
// The upper halves: once 256-bit work has run, legacy-SSE code (vfp ops, SSE host_simd
// instructions, compiled helpers) is slow on some hosts until VZEROUPPER, which clears the
// upper half of every register. The cache tracks whether that may be needed; clean_upper()
// issues it and keeps the low halves cached.
#pragma once

#include <array>
#include <cstdint>

#include "tcg/backend_x86_64_assembler.h"

namespace kemu::tcg::x64 {

class VectorCache {
  public:
    static constexpr int kFirst = 3;  // registers kFirst..15 cache
    static constexpr int kCount = 16 - kFirst;

    // `avx`: the host has AVX, so 32-byte values can be cached and VEX encodings are used.
    VectorCache(HostAssembler& code, bool avx) : code_(code), avx_(avx) {}

    // Whether values of `size` bytes are kept in a register: 16, or 32 with AVX.
    bool cacheable(unsigned size) const { return size == 16 || (size == 32 && avx_); }

    // The register holding env bytes [offset, offset + size), or -1.
    int find(uint32_t offset, unsigned size);
    // The register holding them, loaded from env unless cached. size: cacheable().
    int load(uint32_t offset, unsigned size);
    // The register for a new value of env bytes [offset, offset + size): the one caching
    // `offset` already (its old contents intact) or the least recently used. Entries
    // overlapping the bytes are dropped.
    int claim(uint32_t offset, unsigned size);
    // Env bytes [offset, offset + size) were written by other code.
    void written(uint32_t offset, unsigned size);
    // The registers were clobbered (a call) or control merges (a label).
    void forget() {
        entries_.fill({});
        live_ = 0;
    }
    bool empty() const { return live_ == 0; }

    // dst = src, `size` bytes (the upper half of a 32-byte copy included).
    void copy(int dst, int src, unsigned size);
    // A load or store of `size` bytes (16 or 32) between register `reg` and memory, in the
    // encoding the host takes (VEX with AVX, so a 16-byte load clears the upper half).
    void move(int reg, const Xbyak::Address& from, unsigned size);
    void move(const Xbyak::Address& to, int reg, unsigned size);
    bool upper_dirty() const { return upper_dirty_; }
    // Paths whose VZEROUPPER was left out (they keep 32-byte loop values) join here.
    void assume_upper_dirty() { upper_dirty_ = true; }
    // Before legacy-SSE code, calls and exits: VZEROUPPER if needed; entries keep their low
    // 16 bytes.
    void clean_upper();

  private:
    struct Entry {
        uint32_t offset = 0;
        uint8_t size = 0;  // 0: empty
        uint32_t stamp = 0;
    };

    static bool overlaps(const Entry& e, uint32_t offset, unsigned size) {
        return e.size && e.offset < offset + size && offset < e.offset + e.size;
    }
    void drop(int i) {
        entries_[i] = {};
        live_ &= uint16_t(~(1u << i));
    }

    HostAssembler& code_;
    const bool avx_;
    bool upper_dirty_ = false;
    std::array<Entry, kCount> entries_{};
    uint16_t live_ = 0;  // bit i: entries_[i] holds something (most blocks cache nothing)
    uint32_t clock_ = 0;
};

}  // namespace kemu::tcg::x64
