// Translated blocks and the cache that finds them by (physical pc, pc, cs_base, flags),
// with a per-physical-page index so writes to guest code invalidate the blocks made
// from it. Blocks are never freed while the machine runs: an invalidated block only
// stops being found, so a vCPU still inside one is safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "tcg/interpreter.h"

namespace kemu::tcg_accel {

struct TranslationBlock {
    uint64_t pc = 0;  // linear address of the first instruction
    uint64_t cs_base = 0;
    uint32_t flags = 0;
    uint64_t phys_pc = 0;
    uint64_t phys_pages[2] = {~0ull, ~0ull};  // the pages its code bytes came from
    std::vector<uint64_t> insn_rip;
    tcg::InterpCode code;
    std::atomic<bool> valid{true};

    bool on_page(uint64_t page) const { return phys_pages[0] == page || phys_pages[1] == page; }
};

struct TbStats {
    uint64_t translations = 0;
    uint64_t guest_insns = 0;
    uint64_t ir_ops = 0;
    uint64_t invalidations = 0;
    uint64_t translate_ns = 0;
};

class TbCache {
  public:
    // All calls below need lock() held.
    std::mutex& lock() { return lock_; }
    TranslationBlock* lookup(uint64_t phys_pc, uint64_t pc, uint64_t cs_base, uint32_t flags) const;
    TranslationBlock* insert(std::unique_ptr<TranslationBlock> tb);
    bool is_code_page(uint64_t page) const { return pages_.count(page) != 0; }
    // Invalidates every block with code on `page`; true if there were any.
    bool invalidate_page(uint64_t page);
    size_t block_count() const { return blocks_.size(); }
    TbStats& stats() { return stats_; }

  private:
    struct Key {
        uint64_t phys_pc, pc, cs_base;
        uint32_t flags;
        bool operator==(const Key&) const = default;
    };
    struct KeyHash {
        size_t operator()(const Key& k) const {
            return std::hash<uint64_t>()(k.phys_pc * 0x9e3779b97f4a7c15ull ^ k.pc ^ k.flags);
        }
    };

    std::mutex lock_;
    std::vector<std::unique_ptr<TranslationBlock>> blocks_;
    std::unordered_map<Key, TranslationBlock*, KeyHash> index_;
    std::unordered_map<uint64_t, std::vector<TranslationBlock*>> pages_;
    TbStats stats_;
};

}  // namespace kemu::tcg_accel
