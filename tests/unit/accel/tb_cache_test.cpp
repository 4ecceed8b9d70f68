// The TCG block cache: lookup by key, invalidation by physical page and by written bytes,
// and the size-limit
// flush whose retired blocks are freed only once every vCPU has seen the new generation.
#include <gtest/gtest.h>

#include <cstring>

#include "accel/tcg/tb_cache.h"

#include "target-x86/tcg/translate.h"

namespace kemu::tcg_accel {
namespace {

std::unique_ptr<TranslationBlock> block(uint64_t pc, uint64_t page, uint32_t size = 16,
                                        uint64_t second_page = ~0ull) {
    const uint64_t rips[] = {pc};
    auto tb = TranslationBlock::make(rips);
    tb->pc = pc;
    tb->phys_pc = page | (pc & 0xfff);
    tb->phys_page1 = second_page;
    tb->size = size;
    return tb;
}

TEST(TbCache, InvalidatingAPageDropsOnlyItsBlocks) {
    TbCache cache;
    std::lock_guard<std::mutex> g(cache.lock());
    TranslationBlock* a = cache.insert(block(0x1000, 0x5000));
    TranslationBlock* b = cache.insert(block(0x2000, 0x6000));
    EXPECT_EQ(cache.lookup(0x5000, 0x1000, 0, 0), a);
    EXPECT_TRUE(cache.is_code_page(0x5000));
    EXPECT_TRUE(cache.invalidate_page(0x5000));
    EXPECT_FALSE(a->valid.load());
    EXPECT_EQ(cache.lookup(0x5000, 0x1000, 0, 0), nullptr);
    EXPECT_FALSE(cache.is_code_page(0x5000));
    EXPECT_TRUE(b->valid.load());
    EXPECT_EQ(cache.lookup(0x6000, 0x2000, 0, 0), b);
    EXPECT_FALSE(cache.invalidate_page(0x5000));
    EXPECT_EQ(cache.stats().invalidations, 1u);
}

// The index keeps every block findable by its whole key while it grows far past its first
// size, and a block translated again for a key replaces the old one there.
TEST(TbCache, IndexFindsEachKeyAcrossGrowthAndReplacement) {
    TbCache cache;
    std::lock_guard<std::mutex> g(cache.lock());
    constexpr uint64_t kBlocks = 70000;
    std::vector<TranslationBlock*> made;
    for (uint64_t i = 0; i < kBlocks; i++) {
        auto tb = block(0x400000 + 16 * i, 0x100000 + (i << 12));
        tb->flags = uint32_t(i & 3);
        tb->cs_base = i % 5 == 0 ? 0x10 : 0;
        made.push_back(cache.insert(std::move(tb)));
    }
    for (uint64_t i = 0; i < kBlocks; i++) {
        const TranslationBlock* tb = made[i];
        ASSERT_EQ(cache.lookup(tb->phys_pc, tb->pc, tb->cs_base, tb->flags), tb) << i;
        EXPECT_EQ(cache.lookup(tb->phys_pc, tb->pc, tb->cs_base, tb->flags ^ 4), nullptr);
        EXPECT_EQ(cache.lookup(tb->phys_pc, tb->pc, tb->cs_base ^ 0x20, tb->flags), nullptr);
    }
    auto again = block(made[7]->pc, made[7]->phys_pages()[0]);
    again->flags = made[7]->flags;
    TranslationBlock* newer = cache.insert(std::move(again));
    EXPECT_EQ(cache.lookup(newer->phys_pc, newer->pc, 0, newer->flags), newer);
    // A write to their bytes drops both from the index, and no neighbour with them.
    EXPECT_EQ(cache.invalidate_range(made[7]->phys_pages()[0], made[7]->phys_pc, 1), 2u);
    EXPECT_EQ(cache.lookup(newer->phys_pc, newer->pc, 0, newer->flags), nullptr);
    EXPECT_EQ(cache.lookup(made[8]->phys_pc, made[8]->pc, made[8]->cs_base, made[8]->flags),
              made[8]);
    cache.flush();
    EXPECT_EQ(cache.lookup(made[9]->phys_pc, made[9]->pc, made[9]->cs_base, made[9]->flags),
              nullptr);
}

// The lock-free answer follows the locked one below 4 GiB, and declines above.
TEST(TbCache, CodePagesAreKnownWithoutTheLock) {
    TbCache cache;
    std::lock_guard<std::mutex> g(cache.lock());
    EXPECT_EQ(cache.code_page_unlocked(0x5000), false);
    cache.insert(block(0x1ff8, 0x5000, 16, 0x9000));  // runs into a second page
    cache.insert(block(0x3000, 0x6000));
    EXPECT_EQ(cache.code_page_unlocked(0x5000), true);
    EXPECT_EQ(cache.code_page_unlocked(0x9000), true);
    EXPECT_EQ(cache.code_page_unlocked(0x6000), true);
    EXPECT_EQ(cache.code_page_unlocked(0x7000), false);
    EXPECT_EQ(cache.code_page_unlocked(1ull << 32), std::nullopt);
    EXPECT_TRUE(cache.invalidate_page(0x5000));
    EXPECT_EQ(cache.code_page_unlocked(0x5000), false);
    EXPECT_EQ(cache.code_page_unlocked(0x9000), false) << "its only block went with the other page";
    EXPECT_EQ(cache.invalidate_range(0x6000, 0x6000, 1), 1u);
    EXPECT_EQ(cache.code_page_unlocked(0x6000), false);
    cache.insert(block(0x3000, 0x6000));
    cache.flush();
    EXPECT_EQ(cache.code_page_unlocked(0x6000), false);
}

TEST(TbCache, CoversItsBytesOnBothPages) {
    // 0x1ff8..0x2007: 8 bytes at the end of physical page 0x5000, 8 at the start of 0x9000.
    auto tb = block(0x1ff8, 0x5000, 16, 0x9000);
    EXPECT_TRUE(tb->covers(0x5ff8, 1));
    EXPECT_TRUE(tb->covers(0x5fff, 1));
    EXPECT_TRUE(tb->covers(0x5ff0, 9));
    EXPECT_FALSE(tb->covers(0x5ff0, 8));
    EXPECT_TRUE(tb->covers(0x9000, 1));
    EXPECT_TRUE(tb->covers(0x9007, 4));
    EXPECT_FALSE(tb->covers(0x9008, 4));
    EXPECT_FALSE(tb->covers(0x6000, 4));  // the page after phys_pc's is not where it continues
}

TEST(TbCache, AWriteDropsOnlyTheBlocksMadeFromItsBytes) {
    TbCache cache;
    std::lock_guard<std::mutex> g(cache.lock());
    TranslationBlock* a = cache.insert(block(0x1000, 0x5000, 0x20));
    TranslationBlock* b = cache.insert(block(0x1100, 0x5000, 0x20));
    TranslationBlock* c = cache.insert(block(0x1ff8, 0x5000, 16, 0x9000));

    EXPECT_EQ(cache.invalidate_range(0x5000, 0x5080, 4), 0u);  // data between the blocks
    EXPECT_TRUE(a->valid.load() && b->valid.load() && c->valid.load());

    EXPECT_EQ(cache.invalidate_range(0x5000, 0x510f, 2), 1u);  // a patched instruction in b
    EXPECT_FALSE(b->valid.load());
    EXPECT_EQ(cache.lookup(0x5100, 0x1100, 0, 0), nullptr);
    EXPECT_TRUE(a->valid.load() && c->valid.load());
    EXPECT_TRUE(cache.is_code_page(0x5000));

    // c's tail is on page 0x9000: a write there drops it from both pages' lists.
    EXPECT_EQ(cache.invalidate_range(0x9000, 0x9004, 1), 1u);
    EXPECT_FALSE(c->valid.load());
    EXPECT_FALSE(cache.is_code_page(0x9000));
    EXPECT_EQ(cache.invalidate_range(0x5000, 0x5ff8, 8), 0u);

    EXPECT_EQ(cache.invalidate_range(0x5000, 0x5000, 1), 1u);
    EXPECT_FALSE(cache.is_code_page(0x5000));  // no block left: writes may go fast again
    EXPECT_EQ(cache.stats().invalidations, 3u);
}

TEST(TbCache, InvalidatingAPageForgetsItsBlocksOnTheirOtherPage) {
    TbCache cache;
    std::lock_guard<std::mutex> g(cache.lock());
    cache.insert(block(0x1ff8, 0x5000, 16, 0x9000));
    EXPECT_TRUE(cache.invalidate_page(0x5000));
    EXPECT_FALSE(cache.is_code_page(0x9000));
}

TEST(TbCache, FlushRetiresEverythingUntilEveryVcpuHasSeenTheNewGeneration) {
    TbCache cache;
    std::lock_guard<std::mutex> g(cache.lock());
    cache.set_limit(1);
    TranslationBlock* a = cache.insert(block(0x1000, 0x5000));
    EXPECT_GT(cache.bytes(), 0u);
    EXPECT_TRUE(cache.over_limit());
    EXPECT_EQ(cache.generation(), 0u);

    EXPECT_EQ(cache.flush(), 1u);
    EXPECT_EQ(cache.generation(), 1u);
    EXPECT_FALSE(a->valid.load());  // still allocated: a vCPU may be inside it
    EXPECT_EQ(cache.lookup(0x5000, 0x1000, 0, 0), nullptr);
    EXPECT_FALSE(cache.is_code_page(0x5000));
    EXPECT_EQ(cache.bytes(), 0u);
    EXPECT_EQ(cache.block_count(), 0u);

    cache.reclaim(0);  // a vCPU has not yet passed its loop top since the flush
    EXPECT_TRUE(cache.has_retired());
    cache.reclaim(1);  // every vCPU has seen generation 1
    EXPECT_FALSE(cache.has_retired());
    EXPECT_EQ(cache.stats().flushes, 1u);
}

// Each instruction's RIP comes back from the lengths kept after the block, wrapping at the
// width of the block's code.
TEST(TbCache, InstructionRipsComeBackFromTheirLengths) {
    const uint64_t rips64[] = {0xffffffff81000ff0, 0xffffffff81000ff3, 0xffffffff81000fff,
                               0xffffffff81001004};
    auto tb = TranslationBlock::make(rips64);
    tb->pc = rips64[0];
    tb->flags = x86::tbflag::kCode64;
    ASSERT_EQ(tb->insn_count, 4u);
    for (unsigned i = 0; i < 4; i++)
        EXPECT_EQ(tb->insn_rip(i), rips64[i]) << i;

    // 16-bit code at CS base 0xf0000 running over the end of its 64 KiB segment.
    const uint64_t rips16[] = {0xfffc, 0xfffe, 0x0001};
    auto real = TranslationBlock::make(rips16);
    real->cs_base = 0xf0000;
    real->pc = 0xffffc;
    for (unsigned i = 0; i < 3; i++)
        EXPECT_EQ(real->insn_rip(i), rips16[i]) << i;

    // 32-bit code whose linear address wrapped: the first RIP is still the whole EIP.
    const uint64_t rips32[] = {0xfffffff0, 0xfffffffe, 0x00000002};
    auto flat = TranslationBlock::make(rips32);
    flat->cs_base = 0x1000;
    flat->pc = uint32_t(0x1000 + 0xfffffff0ull);
    flat->flags = x86::tbflag::kCode32;
    for (unsigned i = 0; i < 3; i++)
        EXPECT_EQ(flat->insn_rip(i), rips32[i]) << i;
}

// Chained jumps into a block are listed in the block itself; invalidating it sends every one
// of them back to its own exit, and the slots can chain again afterwards.
TEST(TbCache, InvalidatingABlockUnchainsEveryJumpIntoIt) {
    auto buf = tcg::CodeBuffer::create(1 << 16);
    ASSERT_TRUE(buf.ok());
    TbCache cache;
    cache.set_code(&*buf);
    std::lock_guard<std::mutex> g(cache.lock());
    // Each fake block: 16 bytes with goto_tb rel32 fields at 4 and 8, after a first one
    // standing for the buffer's shared entry.
    const auto* base = static_cast<const uint8_t*>(buf->commit(16));
    auto with_code = [&](uint64_t pc) {
        auto tb = block(pc, 0x5000 + (pc & ~0xfffull));
        std::fill_n(buf->write_cursor(), 16, 0xcc);
        tb->jit.enter = reinterpret_cast<tcg::CompiledBlock::Enter>(const_cast<uint8_t*>(base));
        tb->jit.code_offset = uint32_t(static_cast<const uint8_t*>(buf->commit(16)) - base);
        tb->jit.jump_rel32[0] = 4;
        tb->jit.jump_rel32[1] = 8;
        return cache.insert(std::move(tb));
    };
    auto rel32 = [](const TranslationBlock* from, unsigned slot) {
        int32_t v;
        std::memcpy(&v, from->jit.code() + from->jit.jump_rel32[slot], 4);
        return v;
    };
    auto lands = [&](const TranslationBlock* from, unsigned slot) {
        return from->jit.code() + from->jit.jump_rel32[slot] + 4 + rel32(from, slot);
    };
    TranslationBlock* a = with_code(0x10000);
    TranslationBlock* b = with_code(0x20000);
    TranslationBlock* c = with_code(0x30000);
    TranslationBlock* d = with_code(0x40000);
    cache.chain(*a, 0, *c);
    cache.chain(*b, 1, *c);
    cache.chain(*a, 1, *d);
    const uint8_t* c_entry = c->jit.code();
    EXPECT_EQ(lands(a, 0), c_entry);
    EXPECT_EQ(lands(b, 1), c_entry);
    EXPECT_EQ(a->chained[0], c);

    EXPECT_TRUE(cache.invalidate_page(0x5000 + 0x30000));
    EXPECT_EQ(rel32(a, 0), 0);  // falls through to its exit
    EXPECT_EQ(rel32(b, 1), 0);
    EXPECT_EQ(a->chained[0], nullptr);
    EXPECT_EQ(b->chained[1], nullptr);
    EXPECT_EQ(lands(a, 1), d->jit.code());  // untouched

    TranslationBlock* c2 = with_code(0x30000);
    cache.chain(*a, 0, *c2);
    EXPECT_EQ(lands(a, 0), c2->jit.code());
    EXPECT_TRUE(cache.invalidate_page(0x5000 + 0x40000));
    EXPECT_EQ(rel32(a, 1), 0);
    EXPECT_EQ(lands(a, 0), c2->jit.code());

    // A back edge (a loop slot) keeps values env does not have: it is chained to its own
    // block, at the loop entry, and never to another.
    TranslationBlock* loop = with_code(0x50000);
    loop->jit.loop_slots = 1;
    loop->jit.loop_entry = 12;
    const int32_t unpatched = rel32(loop, 0);
    cache.chain(*loop, 0, *c2);
    EXPECT_EQ(rel32(loop, 0), unpatched);
    EXPECT_EQ(loop->chained[0], nullptr);
    cache.chain(*loop, 0, *loop);
    EXPECT_EQ(lands(loop, 0), loop->jit.code() + 12);
}

}  // namespace
}  // namespace kemu::tcg_accel
