// Translated blocks and the cache that finds them by (physical pc, pc, cs_base, flags),
// with a per-physical-page index so writes to guest code invalidate the blocks made
// from it. An invalidated block only stops being found, so a vCPU still inside one is
// safe. When the blocks outgrow the size limit (-accel tcg,tb-size=) the cache is
// flushed: every block retires at once, and retired blocks are freed only after every
// vCPU has passed its loop top since (the generation each vCPU has seen).
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "tcg/backend_x86_64.h"
#include "tcg/interpreter.h"

namespace kemu::tcg_accel {

// One per translated block, so it is kept small: a Linux boot makes about 90,000. The
// instructions' lengths follow it in the same allocation (make()).
struct TranslationBlock {
    // A block for instructions at `insn_rip` (each within 255 bytes of the one before, as
    // translate_block makes them), with its other fields still to fill in.
    static std::unique_ptr<TranslationBlock> make(std::span<const uint64_t> insn_rip);
    void operator delete(void* p) { ::operator delete(p); }

    static constexpr uint64_t kPage = 4096;  // guest page

    // The key, the index's link and the validity come first, within one or two cache lines:
    // a lookup touches nothing else, and each block it visits is likely a cache miss.
    uint64_t pc = 0;  // linear address of the first instruction
    uint64_t cs_base = 0;
    uint64_t phys_pc = 0;
    TranslationBlock* hash_next = nullptr;  // the next block in its TbCache index bucket
    uint32_t flags = 0;
    uint16_t size = 0;  // guest code bytes from pc (a block never leaves its second page)
    uint16_t insn_count = 0;
    std::atomic<bool> valid{true};
    bool ends_shadow = false;     // TranslatedBlock::ends_shadow
    uint64_t phys_page1 = ~0ull;  // the page its last instruction runs into, if it does
    // The interpreter's form, only for blocks the JIT does not run.
    std::unique_ptr<tcg::InterpCode> code;
    tcg::CompiledBlock jit;  // host code, when the JIT backend compiled the block
    // Direct chaining (JIT code; cache lock held): where each goto_tb jump is patched to.
    // The jumps patched to this block form a list, undone when it is invalidated: its head
    // is here, and each (block, slot) in it links on through that block's incoming_next.
    TranslationBlock* chained[2] = {nullptr, nullptr};
    uintptr_t incoming = 0;  // a block's address | its slot; 0 ends the list
    uintptr_t incoming_next[2] = {0, 0};

    tcg::BlockExit run(void* env) const { return jit.compiled() ? jit.run(env) : code->run(env); }

    // RIP of instruction `index` (< insn_count), wrapping as the block's code size does.
    uint64_t insn_rip(unsigned index) const;

    // Its last instruction runs into the next linear page (and phys_page1 is that page's
    // frame, which may be the first page's own).
    bool spans_two_pages() const { return ((pc & (kPage - 1)) + size) > kPage; }
    // The pages its code bytes came from: phys_pc's, and phys_page1 (~0 when none, or when
    // both pages are the same frame).
    std::array<uint64_t, 2> phys_pages() const {
        const uint64_t first = phys_pc & ~(kPage - 1);
        return {first, phys_page1 == first ? ~0ull : phys_page1};
    }
    bool on_page(uint64_t page) const { return phys_pages()[0] == page || phys_page1 == page; }
    // Do the block's code bytes include any of [phys_addr, phys_addr + len)? A block that
    // runs into a second page has its first bytes at phys_pc and the rest at phys_page1.
    bool covers(uint64_t phys_addr, uint64_t len) const {
        uint64_t first_end = std::min(phys_pc + size, (phys_pc & ~(kPage - 1)) + kPage);
        if (phys_addr < first_end && phys_pc < phys_addr + len) return true;
        uint64_t rest = phys_pc + size - first_end;
        return rest && phys_addr < phys_page1 + rest && phys_page1 < phys_addr + len;
    }

  private:
    TranslationBlock() = default;
    const uint8_t* insn_lengths() const { return reinterpret_cast<const uint8_t*>(this + 1); }
};

struct TbStats {
    uint64_t translations = 0;
    uint64_t guest_insns = 0;
    uint64_t ir_ops = 0;
    uint64_t invalidations = 0;
    uint64_t frontend_ns = 0;  // decoding to IR, with reading the guest's code
    uint64_t optimize_ns = 0;
    uint64_t backend_ns = 0;  // compiling to host code or to the interpreter's form
    uint64_t flushes = 0;
};

class TbCache {
  public:
    // All calls below need lock() held.
    std::mutex& lock() { return lock_; }
    TranslationBlock* lookup(uint64_t phys_pc, uint64_t pc, uint64_t cs_base, uint32_t flags) const;
    TranslationBlock* insert(std::unique_ptr<TranslationBlock> tb);
    bool is_code_page(uint64_t page) const { return pages_.count(page) != 0; }
    // is_code_page() without the lock, for pages below 4 GiB (nullopt above): TLB fills ask
    // it for every page, and on the lock they made the vCPUs wait for each other. A page
    // becoming code after the answer is covered as before, by the protection request the
    // translating vCPU queues to the others.
    std::optional<bool> code_page_unlocked(uint64_t page) const {
        const uint64_t n = page >> 12;
        if (n >= kCodeBitPages) return std::nullopt;
        return (code_bits_[n / 64].load(std::memory_order_acquire) >> (n % 64)) & 1;
    }
    // Invalidates every block with code on `page`; true if there were any.
    bool invalidate_page(uint64_t page);
    // Invalidates the blocks on `page` whose code includes a byte of [phys_addr,
    // phys_addr + len): a guest that patches one instruction (Linux's jump labels and
    // alternatives, a JIT) keeps the other blocks of the page. Returns how many it dropped.
    unsigned invalidate_range(uint64_t page, uint64_t phys_addr, uint64_t len);
    size_t block_count() const { return blocks_.size(); }
    size_t bytes() const { return bytes_; }
    TbStats& stats() { return stats_; }

    void set_limit(size_t bytes) { limit_ = bytes; }
    // The JIT's code, where chained jumps are patched (null: nothing is ever chained).
    void set_code(tcg::CodeBuffer* code) { code_ = code; }
    // Patches `from`'s goto_tb `slot` to enter `to` directly.
    void chain(TranslationBlock& from, unsigned slot, TranslationBlock& to);
    bool over_limit() const { return bytes_ > limit_; }
    // Retires every block; returns the new generation.
    uint64_t flush();
    // Frees retired blocks that no vCPU can still be running: those retired before the
    // oldest generation any vCPU has seen.
    void reclaim(uint64_t oldest_seen);
    bool has_retired() const { return !retired_.empty(); }
    // Readable without the lock.
    uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  private:
    void invalidate_block(TranslationBlock& tb, uint64_t listed_on);
    void forget_on_page(uint64_t page, const TranslationBlock& tb);

    // The index: blocks by (phys_pc, pc, cs_base, flags), chained through hash_next in a
    // power-of-two bucket array that doubles when it holds as many blocks as buckets.
    // Intrusive, so a block costs the index a pointer rather than a map node.
    size_t bucket(uint64_t phys_pc, uint64_t pc, uint32_t flags) const;
    void index(TranslationBlock* tb);
    void unindex(const TranslationBlock* tb);
    void grow_index();

    std::mutex lock_;
    std::vector<std::unique_ptr<TranslationBlock>> blocks_;
    std::vector<TranslationBlock*> buckets_ = std::vector<TranslationBlock*>(1u << 14);
    size_t indexed_ = 0;
    std::unordered_map<uint64_t, std::vector<TranslationBlock*>> pages_;
    // pages_' keys below 4 GiB as bits, for code_page_unlocked(); written under the lock.
    static constexpr uint64_t kCodeBitPages = 1ull << 20;
    std::unique_ptr<std::atomic<uint64_t>[]> code_bits_ =
        std::make_unique<std::atomic<uint64_t>[]>(kCodeBitPages / 64);
    void set_code_bit(uint64_t page, bool code);
    struct Retired {
        uint64_t generation;
        std::vector<std::unique_ptr<TranslationBlock>> blocks;
    };
    std::vector<Retired> retired_;
    std::atomic<uint64_t> generation_{0};
    size_t bytes_ = 0;
    size_t limit_ = SIZE_MAX;
    tcg::CodeBuffer* code_ = nullptr;
    TbStats stats_;
};

// Approximate host memory a block holds.
size_t block_bytes(const TranslationBlock& tb);

}  // namespace kemu::tcg_accel
