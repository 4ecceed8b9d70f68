// BAR sizing and the bus's mapping of BARs into the memory and I/O AddressSpaces:
// COMMAND gating, moves, sizing leftovers, 64-bit BARs, the ROM BAR and guest garbage.
#include <gtest/gtest.h>

#include "pci_test_util.h"

namespace kemu::test {
namespace {

constexpr unsigned kDevfn = pci::devfn(3, 0);
constexpr uint16_t kIo = pci::kCommandIo;
constexpr uint16_t kMem = pci::kCommandMemory;

class PciBarTest : public ::testing::Test {
  protected:
    void SetUp() override { ASSERT_TRUE(h.bus.plug(f, kDevfn).ok()); }
    uint32_t cfg(unsigned reg) { return h.cfg_read(kDevfn, reg, 4); }
    void set(unsigned reg, uint32_t v) { h.cfg_write(kDevfn, reg, 4, v); }
    void command(uint16_t v) { h.cfg_write(kDevfn, pci::kCommand, 2, v); }

    PciHarness h;
    TestFunction f{"nic"};
};

TEST_F(PciBarTest, SizingReadsBackTheSizeMask) {
    for (unsigned reg : {0x10u, 0x14u, 0x18u, 0x1cu, 0x20u, 0x30u})
        set(reg, 0xffffffff);
    EXPECT_EQ(cfg(0x10), 0xfffffff1u);  // 16 bytes of I/O
    EXPECT_EQ(cfg(0x14), 0xfffff000u);  // 4 KiB, 32-bit, not prefetchable
    EXPECT_EQ(cfg(0x18), 0xfff0000cu);  // 1 MiB, 64-bit, prefetchable
    EXPECT_EQ(cfg(0x1c), 0xffffffffu);  // upper half of the 64-bit BAR
    EXPECT_EQ(cfg(0x20), 0x00000000u);  // no BAR4
    EXPECT_EQ(cfg(0x30), 0xffff0001u);  // 64 KiB ROM, enable bit writable
    // Sizing values are never decoded, even with decoding enabled.
    command(kIo | kMem);
    for (unsigned i = 0; i <= pci::kBarCount; i++)
        EXPECT_EQ(f.bar_address(i), GuestMapping::kNone) << "BAR" << i;
}

TEST_F(PciBarTest, CommandBitsGateMapping) {
    set(0x10, 0xc000);
    set(0x14, 0xfebf0000);
    EXPECT_EQ(h.in(0xc000, 1), 0xffu);
    command(kIo);
    EXPECT_EQ(h.in(0xc003, 1), TestFunction::kIoTag + 3u);
    EXPECT_EQ(h.peek(0xfebf0000, 1), 0xffu);
    command(kIo | kMem);
    EXPECT_EQ(h.peek(0xfebf0002, 1), TestFunction::kMmioTag + 2u);
    EXPECT_EQ(f.bar_address(1), 0xfebf0000u);
    command(kMem);
    EXPECT_EQ(h.in(0xc003, 1), 0xffu);
    EXPECT_EQ(f.bar_address(0), GuestMapping::kNone);
    command(0);
    EXPECT_EQ(h.peek(0xfebf0002, 1), 0xffu);
}

TEST_F(PciBarTest, BarWritesMoveTheMapping) {
    command(kIo | kMem);
    set(0x14, 0xfebf0000);
    set(0x14, 0xfebe0123);  // low bits below the size are ignored
    EXPECT_EQ(cfg(0x14), 0xfebe0000u);
    EXPECT_EQ(h.peek(0xfebf0000, 1), 0xffu);
    EXPECT_EQ(h.peek(0xfebe0001, 1), TestFunction::kMmioTag + 1u);
    set(0x10, 0xc040);
    set(0x10, 0xc080);
    EXPECT_EQ(h.in(0xc040, 1), 0xffu);
    EXPECT_EQ(h.in(0xc080, 1), TestFunction::kIoTag + 0u);
    set(0x14, 0);  // zero: unassigned
    EXPECT_EQ(f.bar_address(1), GuestMapping::kNone);
    EXPECT_EQ(h.peek(0xfebe0001, 1), 0xffu);
}

TEST_F(PciBarTest, IoBarBeyondSixtyFourKiBIsIgnored) {
    command(kIo);
    set(0x10, 0x12340);
    EXPECT_EQ(cfg(0x10), 0x12341u);
    EXPECT_EQ(f.bar_address(0), GuestMapping::kNone);
    EXPECT_EQ(h.in(0x2340, 1), 0xffu);
}

TEST_F(PciBarTest, SixtyFourBitBarUsesBothHalves) {
    command(kMem);
    // Sizing the low half first leaves 0xfff00000 with the high half 0: not decoded.
    set(0x18, 0xffffffff);
    EXPECT_EQ(f.bar_address(2), GuestMapping::kNone);
    set(0x1c, 0xffffffff);
    EXPECT_EQ(f.bar_address(2), GuestMapping::kNone);
    set(0x18, 0x00000000);
    set(0x1c, 0x00000001);
    EXPECT_EQ(f.bar_address(2), 0x100000000u);
    EXPECT_EQ(h.peek(0x100000005, 1), TestFunction::kMem64Tag + 5u);
    set(0x18, 0xe0000000);
    EXPECT_EQ(f.bar_address(2), 0x1e0000000u);
    set(0x1c, 0x00000000);
    EXPECT_EQ(f.bar_address(2), 0xe0000000u);
    EXPECT_EQ(h.peek(0xe0000001, 1), TestFunction::kMem64Tag + 1u);
    EXPECT_EQ(h.peek(0x1e0000001, 1), 0xffu);
}

TEST_F(PciBarTest, RomBarNeedsItsEnableBitAndCommandMemory) {
    set(0x30, 0xfeb00000);
    command(kMem);
    EXPECT_EQ(f.bar_address(pci::kRomBar), GuestMapping::kNone);
    set(0x30, 0xfeb00001);
    EXPECT_EQ(cfg(0x30), 0xfeb00001u);
    EXPECT_EQ(f.bar_address(pci::kRomBar), 0xfeb00000u);
    EXPECT_EQ(h.peek(0xfeb00010, 4), 0x55555555u);
    command(kIo);
    EXPECT_EQ(h.peek(0xfeb00010, 4), 0xffffffffu);
    command(kMem);
    set(0x30, 0xfeb00000);
    EXPECT_EQ(h.peek(0xfeb00010, 4), 0xffffffffu);
}

TEST_F(PciBarTest, GuestGarbageNeverHidesRamAndNeverCrashes) {
    std::vector<uint8_t> ram(0x200000, 0xaa);
    MemoryRegion ram_region = MemoryRegion::ram("ram", ram.data(), ram.size());
    ASSERT_TRUE(h.memory.map(0, &ram_region).ok());
    command(kIo | kMem);
    set(0x14, 0x00100000);  // a BAR over RAM: RAM keeps answering
    EXPECT_EQ(h.peek(0x100000, 1), 0xaau);
    set(0x10, 0x0cf8);  // an I/O BAR over the configuration ports
    EXPECT_EQ(h.in(0xcf8, 4), 0x80000000u | kDevfn << 8 | 0x10);
    EXPECT_EQ(h.cfg_read(kDevfn, 0x00, 4), 0x56781234u);
}

TEST_F(PciBarTest, OverlappingBarsRetryWhenTheOtherMoves) {
    TestFunction g{"nic2"};
    ASSERT_TRUE(h.bus.plug(g, pci::devfn(4, 0)).ok());
    unsigned g_devfn = pci::devfn(4, 0);
    command(kMem);
    set(0x14, 0xfe000000);
    h.cfg_write(g_devfn, 0x14, 4, 0xfe000000);
    h.cfg_write(g_devfn, pci::kCommand, 2, kMem);
    EXPECT_EQ(f.bar_address(1), 0xfe000000u);
    EXPECT_EQ(g.bar_address(1), GuestMapping::kNone);  // refused, logged
    set(0x14, 0xfe001000);                             // the first one moves away
    EXPECT_EQ(g.bar_address(1), 0xfe000000u);
    EXPECT_EQ(h.peek(0xfe001000, 1), TestFunction::kMmioTag + 0u);
}

TEST_F(PciBarTest, ResetUnmapsEveryBar) {
    set(0x10, 0xc000);
    set(0x14, 0xfebf0000);
    command(kIo | kMem);
    ASSERT_EQ(f.bar_address(1), 0xfebf0000u);
    f.reset();
    EXPECT_EQ(f.bar_address(0), GuestMapping::kNone);
    EXPECT_EQ(f.bar_address(1), GuestMapping::kNone);
    EXPECT_EQ(h.in(0xc000, 1), 0xffu);
}

}  // namespace
}  // namespace kemu::test
