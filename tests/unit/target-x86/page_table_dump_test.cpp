#include "target-x86/page_table_dump.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/target-x86/fake_page_tables.h"

namespace kemu {
namespace {

using FakeTables = test::FakePageTables;

std::vector<PageMapping> walk(const X86CpuState& s, FakeTables& mem) {
    std::vector<PageMapping> out;
    EXPECT_TRUE(walk_page_tables(s, mem.reader(), [&](const PageMapping& m) { out.push_back(m); }));
    return out;
}

std::string dump(const X86CpuState& s, FakeTables& mem, size_t max_tables = kMaxWalkedPageTables) {
    std::string text;
    dump_page_tables(
        s, mem.reader(), [&](std::string_view line) { text += line; }, max_tables);
    return text;
}

X86CpuState paged(uint64_t cr3, uint64_t cr4, uint64_t efer = 0) {
    X86CpuState s = reset_cpu_state(true);
    s.cr0 |= 0x80000001;
    s.cr3 = cr3;
    s.cr4 = cr4;
    s.efer = efer;
    return s;
}

constexpr uint64_t kPse = 1u << 4, kPae = 1u << 5, kLa57 = 1u << 12;
constexpr uint64_t kLongMode = 0x500;  // EFER.LME | EFER.LMA

TEST(PageTableDump, PagingOff) {
    FakeTables mem;
    mem.entries[0] = 0x83;  // would be a mapping if CR0.PG were set
    X86CpuState s = reset_cpu_state(true);
    EXPECT_TRUE(walk(s, mem).empty());
    EXPECT_EQ(dump(s, mem), "PG disabled\n");
}

TEST(PageTableDump, ThirtyTwoBitPagesAndLargePages) {
    FakeTables mem;
    mem.entries[0x5000 + 1 * 4] = 0x6000 | 0x07;         // PD[1] -> page table
    mem.entries[0x6000 + 2 * 4] = 0x9000 | 0x63;         // 0x402000: dirty, accessed
    mem.entries[0x6000 + 3 * 4] = 0xa000 | 0x80 | 0x05;  // PAT bit set: still a 4 KiB page
    mem.entries[0x6000 + 4 * 4] = 0xb000;                // not present
    mem.entries[0x5000 + 3 * 4] = 0x00c00000 | 0x183;    // 4 MiB, global
    mem.entries[0x5000 + 0x3ff * 4] = 0xffc00000 | 0x4000 | 0x81;  // PSE-36 bit 33, read-only
    X86CpuState s = paged(0x5000, kPse);
    auto maps = walk(s, mem);
    ASSERT_EQ(maps.size(), 4u);
    EXPECT_EQ(maps[0].vaddr, 0x402000u);
    EXPECT_EQ(maps[0].paddr, 0x9000u);
    EXPECT_EQ(maps[0].size, 4096u);
    EXPECT_EQ(maps[1].vaddr, 0x403000u);
    EXPECT_EQ(maps[2].vaddr, 0xc00000u);
    EXPECT_EQ(maps[2].size, 4u << 20);
    EXPECT_EQ(maps[3].paddr, 0x2ffc00000u);
    EXPECT_EQ(dump(s, mem),
              "0000000000402000: 0000000000009000 ---DA---W\n"
              "0000000000403000: 000000000000a000 -------U-\n"
              "0000000000c00000: 0000000000c00000 -GP-----W\n"
              "00000000ffc00000: 00000002ffc00000 --P------\n");
}

TEST(PageTableDump, ThirtyTwoBitWithoutPseIgnoresTheLargeBit) {
    FakeTables mem;
    mem.entries[0x5000] = 0x6000 | 0x83;
    mem.entries[0x6000 + 5 * 4] = 0x7000 | 0x01;
    auto maps = walk(paged(0x5000, 0), mem);
    ASSERT_EQ(maps.size(), 1u);
    EXPECT_EQ(maps[0].vaddr, 0x5000u);
    EXPECT_EQ(maps[0].paddr, 0x7000u);
}

TEST(PageTableDump, Pae) {
    FakeTables mem;
    const uint64_t pdpt = 0x1020;  // 32-byte aligned, not page aligned
    mem.entries[pdpt + 3 * 8] = 0x2000 | 1;
    mem.entries[0x2000 + 0 * 8] = 0x3000 | 3;
    mem.entries[0x3000 + 1 * 8] = 0x123456000ull | 0x23;                 // above 4 GiB
    mem.entries[0x2000 + 0x1ff * 8] = (1ull << 63) | 0x40200000 | 0x83;  // 2 MiB, NX
    X86CpuState s = paged(pdpt, kPae);
    EXPECT_EQ(dump(s, mem),
              "00000000c0001000: 0000000123456000 ----A---W\n"
              "00000000ffe00000: 0000000040200000 X-P-----W\n");
}

TEST(PageTableDump, FourLevelAddressesAreCanonical) {
    FakeTables mem;
    mem.entries[0x1000 + 0 * 8] = 0x2000 | 7;
    mem.entries[0x2000 + 0 * 8] = 0x3000 | 7;
    mem.entries[0x3000 + 1 * 8] = 0x200000 | 0x87;  // 2 MiB at 0x200000
    mem.entries[0x3000 + 2 * 8] = 0x4000 | 7;
    mem.entries[0x4000 + 3 * 8] = 0x5000 | 0x10f;  // 0x403000: global, PWT
    mem.entries[0x1000 + 511 * 8] = 0x6000 | 3;
    mem.entries[0x6000 + 510 * 8] = 0x40000000 | 0x83;  // 1 GiB at -2 GiB
    X86CpuState s = paged(0x1000, kPae, kLongMode);
    auto maps = walk(s, mem);
    ASSERT_EQ(maps.size(), 3u);
    EXPECT_EQ(maps[2].vaddr, 0xffffffff80000000ull);
    EXPECT_EQ(maps[2].size, 1ull << 30);
    EXPECT_EQ(dump(s, mem),
              "0000000000200000: 0000000000200000 --P----UW\n"
              "0000000000403000: 0000000000005000 -G----TUW\n"
              "ffffffff80000000: 0000000040000000 --P-----W\n");
}

TEST(PageTableDump, FiveLevel) {
    FakeTables mem;
    mem.entries[0x1000 + 256 * 8] = 0x2000 | 3;  // bit 56 set: the upper half
    mem.entries[0x2000] = 0x3000 | 3;
    mem.entries[0x3000] = 0x4000 | 3;
    mem.entries[0x4000] = 0x5000 | 3;
    mem.entries[0x5000 + 8] = 0x6000 | 3;
    auto maps = walk(paged(0x1000, kPae | kLa57, kLongMode), mem);
    ASSERT_EQ(maps.size(), 1u);
    EXPECT_EQ(maps[0].vaddr, 0xff00000000001000ull);
    EXPECT_EQ(maps[0].paddr, 0x6000u);
}

// Tables that point back at themselves describe 512^4 pages; the walk gives up instead.
TEST(PageTableDump, SelfReferencingTablesStopTheWalk) {
    FakeTables mem;
    for (uint64_t i = 0; i < 512; i++)
        mem.entries[0x1000 + i * 8] = 0x1000 | 3;
    X86CpuState s = paged(0x1000, kPae, kLongMode);
    size_t visited = 0;
    EXPECT_FALSE(walk_page_tables(
        s, mem.reader(), [&](const PageMapping&) { visited++; }, 8));
    EXPECT_EQ(visited, 5u * 512);  // 8 tables: 3 above the first 5 page tables
    std::string text = dump(s, mem, 4);
    EXPECT_TRUE(text.ends_with("(walk stopped after 4 page tables)\n")) << text.substr(0, 200);
    EXPECT_TRUE(text.starts_with("0000000000000000: 0000000000001000 --------W\n"));
}

}  // namespace
}  // namespace kemu
