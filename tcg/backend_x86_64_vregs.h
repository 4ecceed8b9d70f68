// The x86-64 backend's cache of env vectors (a guest's xmm/ymm registers) in host vector
// registers 3-15, for one block. It writes back: a vector op leaves its result in the
// register, marked dirty, and env gets it only where other code could look (a call, a branch,
// a label, an exit, a memory slow path, an env access over the same bytes) or when the
// register is needed for something else. A SIMD loop then stores its results once, on the
// way out, instead of once per instruction. Registers 0-2 stay the emitter's scratch.
//
// The upper halves: once 256-bit work has run, legacy-SSE code (vfp ops, SSE host_simd
// instructions, compiled helpers) is slow on some hosts until VZEROUPPER, which clears the
// upper half of every register. The cache tracks whether that may be needed; clean_upper()
// stores what the upper halves still owe env, issues it and keeps the low halves cached.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "tcg/backend_x86_64_assembler.h"

namespace kemu::tcg::x64 {

class VectorCache {
  public:
    static constexpr int kFirst = 3;  // registers kFirst..15 cache
    static constexpr int kCount = 16 - kFirst;

    // A value env does not have yet: `size` bytes at `offset` are in register `reg`.
    struct Dirty {
        uint32_t offset;
        uint8_t size;
        uint8_t reg;
    };

    // `avx`: the host has AVX, so 32-byte values can be cached and VEX encodings are used.
    VectorCache(HostAssembler& code, bool avx) : code_(code), avx_(avx) {}

    // Whether values of `size` bytes are kept in a register: 16, or 32 with AVX.
    bool cacheable(unsigned size) const { return size == 16 || (size == 32 && avx_); }

    // The register holding env bytes [offset, offset + size), or -1.
    int find(uint32_t offset, unsigned size);
    // The register holding them, loaded from env unless cached. size: cacheable().
    int load(uint32_t offset, unsigned size);
    // The register for a new value of env bytes [offset, offset + size), which the caller
    // computes there: the one caching `offset` already (its old contents intact) or the
    // least recently used. The value is dirty until written back.
    int claim(uint32_t offset, unsigned size);
    // Other code is about to write env bytes [offset, offset + size): what it leaves of a
    // dirty value is stored first, and the entries under the bytes are dropped.
    void written(uint32_t offset, unsigned size);
    // Other code is about to read env bytes [offset, offset + size): dirty values under them
    // are stored (they stay cached).
    void read(uint32_t offset, unsigned size);
    // Every dirty value stored: env is current.
    void write_back();
    // The same for the values not in `keep` (a self-loop's back edge, which carries those).
    void write_back_except(const std::vector<uint32_t>& keep);
    // The dirty values, for a slow path to store before its callee looks at env.
    void dirty(std::vector<Dirty>& out) const;
    bool any_dirty() const { return dirty_ != 0; }
    // The value in register `reg` (cached) is treated as dirty: a loop entry, where the back
    // edge brings values env does not have.
    void mark_dirty(int reg) { dirty_ |= uint16_t(1u << (reg - kFirst)); }
    // The registers were clobbered (a call) or control merges (a label); env must be
    // current (write_back first).
    void forget() {
        entries_.fill({});
        live_ = 0;
        dirty_ = 0;
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
    // Before legacy-SSE code, calls and exits: VZEROUPPER if needed, after storing dirty
    // 32-byte values; entries keep their low 16 bytes.
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
    bool is_dirty(int i) const { return dirty_ >> i & 1; }
    void store(int i);  // entry i's value to env; it is clean after
    void drop(int i) {
        entries_[i] = {};
        live_ &= uint16_t(~(1u << i));
        dirty_ &= uint16_t(~(1u << i));
    }
    // The entry for a value of [offset, offset + size): the one caching `offset` or the least
    // recently used, with every other entry under those bytes dropped. `overwrite`: the
    // caller writes all the bytes, so a dirty value they cover needs no store.
    int take(uint32_t offset, unsigned size, bool overwrite);

    HostAssembler& code_;
    const bool avx_;
    bool upper_dirty_ = false;
    std::array<Entry, kCount> entries_{};
    uint16_t live_ = 0;   // bit i: entries_[i] holds something (most blocks cache nothing)
    uint16_t dirty_ = 0;  // bit i: entries_[i] holds a value env does not have
    uint32_t clock_ = 0;
};

}  // namespace kemu::tcg::x64
