// The TCG block cache: lookup by key, invalidation by physical page, and the size-limit
// flush whose retired blocks are freed only once every vCPU has seen the new generation.
#include <gtest/gtest.h>

#include "accel/tcg/tb_cache.h"

namespace kemu::tcg_accel {
namespace {

std::unique_ptr<TranslationBlock> block(uint64_t pc, uint64_t page) {
    auto tb = std::make_unique<TranslationBlock>();
    tb->pc = pc;
    tb->phys_pc = page | (pc & 0xfff);
    tb->phys_pages[0] = page;
    tb->insn_rip = {pc};
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

}  // namespace
}  // namespace kemu::tcg_accel
