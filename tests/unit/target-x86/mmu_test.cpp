#include "target-x86/mmu.h"

#include <gtest/gtest.h>

#include "tests/unit/target-x86/fake_page_tables.h"

namespace kemu {
namespace {

using FakeMemory = test::FakePageTables;

TEST(Mmu, NoPagingIsIdentity) {
    X86CpuState s = reset_cpu_state(true);
    FakeMemory mem;
    EXPECT_EQ(debug_translate(s, 0x12345, mem.reader()), 0x12345u);
}

TEST(Mmu, FourLevelWith4kAnd2mPages) {
    X86CpuState s = reset_cpu_state(true);
    s.cr0 |= 0x80000001;
    s.cr4 |= 1u << 5;
    s.efer = 0x500;
    s.cr3 = 0x1000;
    FakeMemory mem;
    uint64_t va = 0xffff800000201234ull;  // PML4 256, PDPT 0, PD 1, PT 1
    mem.entries[0x1000 + 256 * 8] = 0x2000 | 3;
    mem.entries[0x2000 + 0 * 8] = 0x3000 | 3;
    mem.entries[0x3000 + 1 * 8] = 0x4000 | 3;
    mem.entries[0x4000 + 1 * 8] = 0xabc000 | 3;
    EXPECT_EQ(debug_translate(s, va, mem.reader()), 0xabc234u);
    // A 2 MiB page at PD index 2.
    mem.entries[0x3000 + 2 * 8] = 0x40000000 | 0x83;
    EXPECT_EQ(debug_translate(s, 0xffff800000400000ull + 0x12345, mem.reader()), 0x40012345u);
    // Not present.
    EXPECT_FALSE(debug_translate(s, 0x1000, mem.reader()).has_value());
}

TEST(Mmu, ThirtyTwoBitWithPse) {
    X86CpuState s = reset_cpu_state(true);
    s.cr0 |= 0x80000001;
    s.cr4 = 1u << 4;
    s.cr3 = 0x5000;
    FakeMemory mem;
    mem.entries[0x5000 + 3 * 4] = 0x00c00000 | 0x83;  // 4 MiB page
    EXPECT_EQ(debug_translate(s, 0x00c01234, mem.reader()), 0x00c01234u);
    mem.entries[0x5000 + 1 * 4] = 0x6000 | 3;
    mem.entries[0x6000 + 2 * 4] = 0x9000 | 3;
    EXPECT_EQ(debug_translate(s, 0x00402abc, mem.reader()), 0x9abcu);
}

}  // namespace
}  // namespace kemu
