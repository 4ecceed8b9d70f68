#include "accel/kvm/memslot_plan.h"

#include <gtest/gtest.h>

namespace kemu {
namespace {

struct Fixture {
    std::vector<uint8_t> low = std::vector<uint8_t>(0x100000), rom = std::vector<uint8_t>(0x10000);
    MemoryRegion ram = MemoryRegion::ram("ram", low.data(), low.size());
    MemoryRegion bios = MemoryRegion::rom("bios", rom.data(), rom.size());
    MemoryRegion mmio = MemoryRegion::io("mmio", 0x1000, {});
    AddressSpace as{"memory", 1ull << 32};
    std::vector<uint32_t> free_ids{3, 2, 1, 0};
};

TEST(MemslotPlan, RamAndRomBecomeSlotsMmioDoesNot) {
    Fixture f;
    ASSERT_TRUE(f.as.map(0, &f.ram).ok());
    ASSERT_TRUE(f.as.map(0xfff00000, &f.bios).ok());
    ASSERT_TRUE(f.as.map(0xfee00000, &f.mmio).ok());
    MemslotPlan plan = plan_memslots({}, f.as.flat_view(), true, f.free_ids);
    ASSERT_EQ(plan.add.size(), 2u);
    EXPECT_TRUE(plan.remove.empty());
    EXPECT_EQ(plan.add[0].gpa, 0u);
    EXPECT_EQ(plan.add[0].id, 0u);
    EXPECT_FALSE(plan.add[0].readonly);
    EXPECT_EQ(plan.add[1].gpa, 0xfff00000u);
    EXPECT_TRUE(plan.add[1].readonly);
    // Without read-only slots the ROM is a writable slot.
    std::vector<uint32_t> ids{1, 0};
    EXPECT_FALSE(plan_memslots({}, f.as.flat_view(), false, ids).add[1].readonly);
}

TEST(MemslotPlan, ShadowingSplitsRamAndUnmapRestoresIt) {
    Fixture f;
    ASSERT_TRUE(f.as.map(0, &f.ram).ok());
    MemslotPlan first = plan_memslots({}, f.as.flat_view(), true, f.free_ids);
    ASSERT_EQ(first.slots.size(), 1u);
    // An MMIO window over the middle of RAM splits it into two slots.
    ASSERT_TRUE(f.as.map(0xa0000, &f.mmio, 1).ok());
    MemslotPlan split = plan_memslots(first.slots, f.as.flat_view(), true, f.free_ids);
    ASSERT_EQ(split.remove.size(), 1u);
    ASSERT_EQ(split.add.size(), 2u);
    EXPECT_EQ(split.add[0].size, 0xa0000u);
    EXPECT_EQ(split.add[1].gpa, 0xa1000u);
    EXPECT_EQ(split.add[1].host, f.low.data() + 0xa1000);
    // Removing the window merges them back; ids return to the pool.
    f.as.unmap(&f.mmio);
    MemslotPlan merged = plan_memslots(split.slots, f.as.flat_view(), true, f.free_ids);
    EXPECT_EQ(merged.remove.size(), 2u);
    ASSERT_EQ(merged.add.size(), 1u);
    EXPECT_EQ(merged.add[0].size, 0x100000u);
    EXPECT_EQ(f.free_ids.size(), 3u);
}

TEST(MemslotPlan, AliasesThatContinueTheSameHostMemoryShareOneSlot) {
    Fixture f;
    ASSERT_TRUE(f.as.map(0, &f.ram).ok());
    // A PAM-style shadow: a second region over the same host bytes, at their own address.
    MemoryRegion shadow = MemoryRegion::ram("shadow", f.low.data() + 0xc0000, 0x40000);
    ASSERT_TRUE(f.as.map(0xc0000, &shadow, 1).ok());
    ASSERT_EQ(f.as.flat_view().ranges.size(), 2u);
    MemslotPlan plan = plan_memslots({}, f.as.flat_view(), true, f.free_ids);
    ASSERT_EQ(plan.add.size(), 1u);
    EXPECT_EQ(plan.add[0].size, 0x100000u);
    // A read-only alias does not merge with writable RAM.
    MemoryRegion rom_shadow = MemoryRegion::rom("ro", f.low.data() + 0xc0000, 0x40000);
    f.as.unmap(&shadow);
    ASSERT_TRUE(f.as.map(0xc0000, &rom_shadow, 1).ok());
    std::vector<uint32_t> ids{1, 0};
    EXPECT_EQ(plan_memslots({}, f.as.flat_view(), true, ids).add.size(), 2u);
}

TEST(MemslotPlan, UnchangedRangesKeepTheirSlot) {
    Fixture f;
    ASSERT_TRUE(f.as.map(0, &f.ram).ok());
    MemslotPlan first = plan_memslots({}, f.as.flat_view(), true, f.free_ids);
    ASSERT_TRUE(f.as.map(0xfff00000, &f.bios).ok());
    MemslotPlan second = plan_memslots(first.slots, f.as.flat_view(), true, f.free_ids);
    EXPECT_TRUE(second.remove.empty());
    ASSERT_EQ(second.add.size(), 1u);
    EXPECT_EQ(second.slots.size(), 2u);
    EXPECT_EQ(second.slots[0].id, first.slots[0].id);
}

TEST(MemslotPlan, RunningOutOfSlotsIsReported) {
    Fixture f;
    f.free_ids = {0};
    ASSERT_TRUE(f.as.map(0, &f.ram).ok());
    ASSERT_TRUE(f.as.map(0xfff00000, &f.bios).ok());
    MemslotPlan plan = plan_memslots({}, f.as.flat_view(), true, f.free_ids);
    EXPECT_TRUE(plan.out_of_slots);
    EXPECT_EQ(plan.add.size(), 1u);
}

}  // namespace
}  // namespace kemu
