#include "hw/intc/ioapic.h"

#include <gtest/gtest.h>

#include "hw/intc/lapic.h"
#include "tests/unit/hw/devices/device_harness.h"

namespace kemu {
namespace {

using test::DeviceHarness;

constexpr uint64_t kIoapicBase = 0xfec00000;
constexpr uint64_t kRteMasked = 1u << 16, kRteLevel = 1u << 15, kRteRemoteIrr = 1u << 14,
                   kRteLogical = 1u << 11, kRteLowestPriority = 1u << 8;

class IoapicTest : public ::testing::Test {
  protected:
    IoapicTest() {
        EXPECT_TRUE(memory.map(kIoapicBase, &ioapic.mmio()).ok());
        bus.attach(&cpu0);
        bus.attach(&cpu1);
        for (Lapic* l : {&cpu0, &cpu1})
            l->mmio_write(0xf0, 0x1ff, 4);  // software-enable
    }
    uint32_t read_reg(uint8_t index) {
        (void)memory.write(kIoapicBase, 4, index);
        uint64_t v = 0;
        (void)memory.read(kIoapicBase + 0x10, 4, &v);
        return uint32_t(v);
    }
    void write_reg(uint8_t index, uint32_t value) {
        (void)memory.write(kIoapicBase, 4, index);
        (void)memory.write(kIoapicBase + 0x10, 4, value);
    }
    void route(unsigned pin, uint64_t rte) {
        write_reg(uint8_t(0x10 + 2 * pin + 1), uint32_t(rte >> 32));
        write_reg(uint8_t(0x10 + 2 * pin), uint32_t(rte));
    }
    static uint64_t to_apic(uint32_t apic_id) { return uint64_t(apic_id) << 56; }

    DeviceHarness h;
    AddressSpace memory{"memory", uint64_t(1) << 32};
    ApicBus bus;
    Lapic cpu0{"apic0", h.timers, bus, 0, true, 1'000'000};
    Lapic cpu1{"apic1", h.timers, bus, 1, false, 1'000'000};
    Ioapic ioapic{"ioapic", bus, 2};
};

TEST_F(IoapicTest, IdentificationRegisters) {
    EXPECT_EQ(read_reg(0x00), 2u << 24);
    EXPECT_EQ(read_reg(0x01), 0x00170020u);  // 24 entries, version 0x20
    EXPECT_EQ(read_reg(0x10), uint32_t(kRteMasked));
    write_reg(0x00, 5u << 24);
    EXPECT_EQ(read_reg(0x00), 5u << 24);
    write_reg(0x01, 0);  // read-only
    EXPECT_EQ(read_reg(0x01), 0x00170020u);
}

TEST_F(IoapicTest, EdgePinDeliversToItsDestination) {
    route(4, to_apic(1) | 0x40);
    ioapic.set_irq(4, true);
    EXPECT_TRUE(cpu1.has_interrupt());
    EXPECT_FALSE(cpu0.has_interrupt());
    EXPECT_EQ(cpu1.acknowledge_interrupt(), 0x40);
    // Holding the line gives nothing more; a new edge does.
    cpu1.mmio_write(0xb0, 0, 4);
    EXPECT_FALSE(cpu1.has_interrupt());
    ioapic.set_irq(4, false);
    ioapic.set_irq(4, true);
    EXPECT_TRUE(cpu1.has_interrupt());
}

TEST_F(IoapicTest, MaskedEdgeIsLost) {
    route(3, to_apic(0) | kRteMasked | 0x41);
    ioapic.set_irq(3, true);
    route(3, to_apic(0) | 0x41);
    EXPECT_FALSE(cpu0.has_interrupt());
}

TEST_F(IoapicTest, LevelPinHoldsRemoteIrrUntilEoi) {
    route(9, to_apic(0) | kRteLevel | 0x50);
    ioapic.set_irq(9, true);
    EXPECT_TRUE(read_reg(0x10 + 18) & kRteRemoteIrr);
    EXPECT_EQ(cpu0.acknowledge_interrupt(), 0x50);
    // The LAPIC's EOI reaches the IOAPIC; the line is still up, so it fires again.
    cpu0.mmio_write(0xb0, 0, 4);
    EXPECT_TRUE(read_reg(0x10 + 18) & kRteRemoteIrr);
    EXPECT_TRUE(cpu0.has_interrupt());
    EXPECT_EQ(cpu0.acknowledge_interrupt(), 0x50);
    ioapic.set_irq(9, false);
    cpu0.mmio_write(0xb0, 0, 4);
    EXPECT_FALSE(read_reg(0x10 + 18) & kRteRemoteIrr);
    EXPECT_FALSE(cpu0.has_interrupt());
}

TEST_F(IoapicTest, EoiRegisterClearsRemoteIrr) {
    route(10, to_apic(0) | kRteLevel | 0x52);
    ioapic.set_irq(10, true);
    ioapic.set_irq(10, false);
    EXPECT_TRUE(read_reg(0x10 + 20) & kRteRemoteIrr);
    (void)memory.write(kIoapicBase + 0x40, 4, 0x52);
    EXPECT_FALSE(read_reg(0x10 + 20) & kRteRemoteIrr);
}

TEST_F(IoapicTest, UnmaskingAnAssertedLevelPinDelivers) {
    route(11, to_apic(1) | kRteLevel | kRteMasked | 0x60);
    ioapic.set_irq(11, true);
    EXPECT_FALSE(cpu1.has_interrupt());
    route(11, to_apic(1) | kRteLevel | 0x60);
    EXPECT_TRUE(cpu1.has_interrupt());
    EXPECT_EQ(cpu1.acknowledge_interrupt(), 0x60);
}

TEST_F(IoapicTest, LogicalLowestPriorityPicksOneCpu) {
    cpu0.mmio_write(0xd0, 0x01000000, 4);
    cpu1.mmio_write(0xd0, 0x02000000, 4);
    cpu1.mmio_write(0x80, 0x40, 4);
    route(5, (uint64_t(0x03) << 56) | kRteLogical | kRteLowestPriority | 0x70);
    ioapic.set_irq(5, true);
    EXPECT_TRUE(cpu0.has_interrupt());
    EXPECT_FALSE(cpu1.has_interrupt());
}

TEST_F(IoapicTest, StateRoundTrips) {
    route(9, to_apic(0) | kRteLevel | 0x50);
    ioapic.set_irq(9, true);
    ApicBus other_bus;
    Ioapic copy("copy", other_bus, 0);
    test::copy_state(ioapic, copy);
    EXPECT_EQ(copy.redirection(9), ioapic.redirection(9));
    EXPECT_EQ(copy.info(), ioapic.info());
}

}  // namespace
}  // namespace kemu
