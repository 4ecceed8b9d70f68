// The board's userspace irqchip wiring: built only without an in-kernel irqchip, the
// PIT reaching the BSP through the PIC (virtual wire) and through IOAPIC pin 2.
#include <gtest/gtest.h>

#include "hw/i386/pc.h"
#include "hw/intc/lapic.h"
#include "tests/unit/hw/devices/device_harness.h"

namespace kemu {
namespace {

using test::DeviceHarness;

class PcIrqchipTest : public ::testing::Test {
  protected:
    std::unique_ptr<PcBoard> make_board(std::function<IrqLine::Sink(unsigned)> irq_input) {
        BoardConfig config;
        config.cpus = 2;
        config.apic_ids = {0, 1};
        config.ram.below_4g = 16u << 20;
        config.acpi = false;
        BoardServices services{memory,  h.io,    h.timers, std::move(irq_input),
                               nullptr, nullptr, nullptr,  nullptr};
        auto board = PcBoard::create(config, services);
        EXPECT_TRUE(board.ok());
        return board.ok() ? std::move(*board) : nullptr;
    }
    uint32_t ioapic_read(uint8_t index) {
        (void)memory.write(0xfec00000, 4, index);
        uint64_t v = 0;
        (void)memory.read(0xfec00010, 4, &v);
        return uint32_t(v);
    }
    void ioapic_write(uint8_t index, uint32_t value) {
        (void)memory.write(0xfec00000, 4, index);
        (void)memory.write(0xfec00010, 4, value);
    }
    // The PIT at 1 kHz in mode 2, as Linux programs it.
    void start_pit() {
        h.outb(0x43, 0x34);
        h.outb(0x40, uint8_t(1193));
        h.outb(0x40, uint8_t(1193 >> 8));
    }

    DeviceHarness h;
    AddressSpace memory{"memory", uint64_t(1) << 32};
};

TEST_F(PcIrqchipTest, InKernelIrqchipMeansNoUserspaceControllers) {
    auto board = make_board([](unsigned) { return IrqLine::Sink([](bool) {}); });
    ASSERT_TRUE(board);
    EXPECT_FALSE(board->userspace_irqchip());
    EXPECT_EQ(board->lapic(0), nullptr);
}

TEST_F(PcIrqchipTest, PitReachesBspThroughPicVirtualWire) {
    auto board = make_board(nullptr);
    ASSERT_TRUE(board);
    ASSERT_TRUE(board->userspace_irqchip());
    Lapic* bsp = board->lapic(0);
    ASSERT_NE(bsp, nullptr);
    ASSERT_NE(board->lapic(1), nullptr);
    EXPECT_EQ(board->lapic(1)->apic_id(), 1u);
    // SeaBIOS-style PIC setup: vectors 0x08/0x70, only IRQ0 unmasked.
    for (auto [port, value] : std::initializer_list<std::pair<uint16_t, uint8_t>>{{0x20, 0x11},
                                                                                  {0x21, 0x08},
                                                                                  {0x21, 0x04},
                                                                                  {0x21, 0x01},
                                                                                  {0xa0, 0x11},
                                                                                  {0xa1, 0x70},
                                                                                  {0xa1, 0x02},
                                                                                  {0xa1, 0x01},
                                                                                  {0x21, 0xfe},
                                                                                  {0xa1, 0xff}})
        h.outb(port, value);
    start_pit();
    h.step(1'000'000);
    EXPECT_TRUE(bsp->has_interrupt());
    EXPECT_EQ(bsp->acknowledge_interrupt(), 0x08);
    EXPECT_FALSE(board->lapic(1)->has_interrupt());
    // OUT0 rises when mode 2 is set, then once per period.
    auto irqs = board->irq_stats();
    ASSERT_TRUE(irqs.ok()) << irqs.error().message();
    EXPECT_EQ(irqs->counts.at(0), 2u);
    auto pics = board->interrupt_controllers();
    ASSERT_TRUE(pics.ok()) << pics.error().message();
    EXPECT_EQ(pics->master.irr, 0x00);
    EXPECT_EQ(pics->master.imr, 0xfe);
    EXPECT_EQ(pics->master.isr, 0x01);
}

TEST_F(PcIrqchipTest, PitReachesIoapicPin2) {
    auto board = make_board(nullptr);
    ASSERT_TRUE(board);
    Lapic* bsp = board->lapic(0);
    bsp->mmio_write(0xf0, 0x1ff, 4);
    bsp->mmio_write(0x350, 0x10700, 4);      // LINT0 masked: the PIC is out of the picture
    EXPECT_EQ(ioapic_read(0x00) >> 24, 2u);  // ID after the two LAPICs, as in the MADT
    ioapic_write(0x10 + 2 * 2 + 1, 0);
    ioapic_write(0x10 + 2 * 2, 0x30);  // pin 2: vector 0x30 to APIC 0, edge
    start_pit();
    h.step(1'000'000);
    EXPECT_TRUE(bsp->has_interrupt());
    EXPECT_EQ(bsp->acknowledge_interrupt(), 0x30);
}

TEST_F(PcIrqchipTest, SystemResetRestoresControllers) {
    auto board = make_board(nullptr);
    ASSERT_TRUE(board);
    board->lapic(0)->mmio_write(0x80, 0x20, 4);
    h.outb(0x21, 0x5a);
    ASSERT_TRUE(board->reset().ok());
    EXPECT_EQ(board->lapic(0)->mmio_read(0x80, 4), 0u);
    EXPECT_EQ(h.inb(0x21), 0x00);
}

}  // namespace
}  // namespace kemu
