#include "accel/tcg/tb_cache.h"

#include <algorithm>
#include <new>

#include "target-x86/tcg/translate.h"

namespace kemu::tcg_accel {

std::unique_ptr<TranslationBlock> TranslationBlock::make(std::span<const uint64_t> insn_rip) {
    void* memory = ::operator new(sizeof(TranslationBlock) + insn_rip.size());
    std::unique_ptr<TranslationBlock> tb(new (memory) TranslationBlock);
    tb->insn_count = uint16_t(insn_rip.size());
    uint8_t* lengths = reinterpret_cast<uint8_t*>(tb.get() + 1);
    for (size_t i = 1; i < insn_rip.size(); i++)
        lengths[i - 1] = uint8_t(insn_rip[i] - insn_rip[i - 1]);
    return tb;
}

uint64_t TranslationBlock::insn_rip(unsigned index) const {
    // The first RIP from the linear address, which is 32 bits outside 64-bit code; each next
    // one as the translator advanced it (16-bit code wraps at 64 KiB).
    const bool code64 = flags & x86::tbflag::kCode64;
    const uint64_t mask = code64                           ? ~0ull
                          : (flags & x86::tbflag::kCode32) ? 0xffffffffull
                                                           : 0xffffull;
    uint64_t rip = (pc - cs_base) & (code64 ? ~0ull : 0xffffffffull);
    for (unsigned i = 0; i < index; i++)
        rip = (rip + insn_lengths()[i]) & mask;
    return rip;
}

namespace {

bool same_key(const TranslationBlock& a, const TranslationBlock& b) {
    return a.phys_pc == b.phys_pc && a.pc == b.pc && a.cs_base == b.cs_base && a.flags == b.flags;
}

}  // namespace

size_t TbCache::bucket(uint64_t phys_pc, uint64_t pc, uint32_t flags) const {
    const uint64_t h = (phys_pc * 0x9e3779b97f4a7c15ull ^ pc ^ flags) * 0xff51afd7ed558ccdull;
    return (h >> 32) & (buckets_.size() - 1);
}

TranslationBlock* TbCache::lookup(uint64_t phys_pc, uint64_t pc, uint64_t cs_base,
                                  uint32_t flags) const {
    TranslationBlock* tb = buckets_[bucket(phys_pc, pc, flags)];
    while (tb && !(tb->phys_pc == phys_pc && tb->pc == pc && tb->cs_base == cs_base &&
                   tb->flags == flags))
        tb = tb->hash_next;
    return tb;
}

// A block translated again for the same key (two vCPUs at once) takes the old one's place.
void TbCache::index(TranslationBlock* tb) {
    unindex(tb);
    if (++indexed_ > buckets_.size()) grow_index();
    TranslationBlock*& head = buckets_[bucket(tb->phys_pc, tb->pc, tb->flags)];
    tb->hash_next = head;
    head = tb;
}

// Drops whatever block the index holds under tb's key.
void TbCache::unindex(const TranslationBlock* tb) {
    for (TranslationBlock** link = &buckets_[bucket(tb->phys_pc, tb->pc, tb->flags)]; *link;
         link = &(*link)->hash_next) {
        if (!same_key(**link, *tb)) continue;
        *link = (*link)->hash_next;
        indexed_--;
        return;
    }
}

void TbCache::grow_index() {
    std::vector<TranslationBlock*> old(buckets_.size() * 2);
    old.swap(buckets_);
    for (TranslationBlock* tb : old)
        while (tb) {
            TranslationBlock* next = tb->hash_next;
            TranslationBlock*& head = buckets_[bucket(tb->phys_pc, tb->pc, tb->flags)];
            tb->hash_next = head;
            head = tb;
            tb = next;
        }
}

size_t block_bytes(const TranslationBlock& tb) {
    return sizeof(tb) + tb.insn_count + (tb.code ? sizeof(*tb.code) + tb.code->memory_bytes() : 0);
}

TranslationBlock* TbCache::insert(std::unique_ptr<TranslationBlock> tb) {
    TranslationBlock* raw = tb.get();
    bytes_ += block_bytes(*raw);
    index(raw);
    for (uint64_t page : raw->phys_pages())
        if (page != ~0ull) {
            pages_[page].push_back(raw);
            set_code_bit(page, true);
        }
    blocks_.push_back(std::move(tb));
    return raw;
}

void TbCache::chain(TranslationBlock& from, unsigned slot, TranslationBlock& to) {
    if (!code_ || from.chained[slot] || !from.valid.load() || !to.valid.load()) return;
    // A back edge carries values in registers that env does not have yet: it may only
    // enter its own loop.
    if ((from.jit.loop_slots >> slot & 1) && &to != &from) return;
    tcg::patch_chain(*code_, from.jit, slot, &to.jit);
    from.chained[slot] = &to;
    from.incoming_next[slot] = to.incoming;
    to.incoming = reinterpret_cast<uintptr_t>(&from) | slot;
}

// `listed_on` is the page whose list the caller took the block from; the block leaves the
// list of its other page here.
void TbCache::invalidate_block(TranslationBlock& tb, uint64_t listed_on) {
    for (uint64_t other : tb.phys_pages())
        if (other != listed_on && other != ~0ull) forget_on_page(other, tb);
    if (!tb.valid.exchange(false)) return;
    stats_.invalidations++;
    // Nothing may jump into stale code: chained jumps to it go back to their exits.
    for (uintptr_t edge = tb.incoming; edge;) {
        auto* from = reinterpret_cast<TranslationBlock*>(edge & ~uintptr_t(1));
        const unsigned slot = edge & 1;
        edge = std::exchange(from->incoming_next[slot], 0);
        tcg::patch_chain(*code_, from->jit, slot, nullptr);
        from->chained[slot] = nullptr;
    }
    tb.incoming = 0;
    if (lookup(tb.phys_pc, tb.pc, tb.cs_base, tb.flags) == &tb) unindex(&tb);
}

void TbCache::forget_on_page(uint64_t page, const TranslationBlock& tb) {
    auto it = pages_.find(page);
    if (it == pages_.end()) return;
    std::erase(it->second, &tb);
    if (it->second.empty()) {
        pages_.erase(it);
        set_code_bit(page, false);
    }
}

bool TbCache::invalidate_page(uint64_t page) {
    auto it = pages_.find(page);
    if (it == pages_.end()) return false;
    std::vector<TranslationBlock*> blocks = std::move(it->second);
    pages_.erase(it);
    set_code_bit(page, false);
    for (TranslationBlock* tb : blocks)
        invalidate_block(*tb, page);
    return true;
}

unsigned TbCache::invalidate_range(uint64_t page, uint64_t phys_addr, uint64_t len) {
    auto it = pages_.find(page);
    if (it == pages_.end()) return 0;
    std::vector<TranslationBlock*> hit;
    std::erase_if(it->second, [&](TranslationBlock* tb) {
        if (!tb->covers(phys_addr, len)) return false;
        hit.push_back(tb);
        return true;
    });
    if (it->second.empty()) {
        pages_.erase(it);
        set_code_bit(page, false);
    }
    for (TranslationBlock* tb : hit)
        invalidate_block(*tb, page);
    return unsigned(hit.size());
}

uint64_t TbCache::flush() {
    for (auto& tb : blocks_)
        tb->valid.store(false);
    retired_.push_back({generation(), std::move(blocks_)});
    blocks_.clear();
    std::fill(buckets_.begin(), buckets_.end(), nullptr);
    indexed_ = 0;
    pages_.clear();
    for (uint64_t w = 0; w < kCodeBitPages / 64; w++)
        code_bits_[w].store(0, std::memory_order_relaxed);
    bytes_ = 0;
    stats_.flushes++;
    return generation_.fetch_add(1, std::memory_order_acq_rel) + 1;
}

void TbCache::set_code_bit(uint64_t page, bool code) {
    const uint64_t n = page >> 12;
    if (n >= kCodeBitPages) return;
    const uint64_t bit = 1ull << (n % 64);
    if (code)
        code_bits_[n / 64].fetch_or(bit, std::memory_order_release);
    else
        code_bits_[n / 64].fetch_and(~bit, std::memory_order_release);
}

void TbCache::reclaim(uint64_t oldest_seen) {
    std::erase_if(retired_, [&](const Retired& r) { return r.generation < oldest_seen; });
}

}  // namespace kemu::tcg_accel
