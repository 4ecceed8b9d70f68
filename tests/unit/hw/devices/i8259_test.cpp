#include "hw/intc/i8259.h"

#include <gtest/gtest.h>

#include "tests/unit/hw/devices/device_harness.h"

namespace kemu {
namespace {

using test::DeviceHarness;
using test::IrqRecorder;

class I8259Test : public ::testing::Test {
  protected:
    I8259Test() {
        h.map(0x20, pic.master_io());
        h.map(0xa0, pic.slave_io());
        h.map(0x4d0, pic.elcr_io());
    }

    // Linux's init_8259A(): edge, cascade, ICW4; master at 0x30, slave at 0x38.
    void init_like_linux(uint8_t master_icw4 = 0x01) {
        h.outb(0x20, 0x11);
        h.outb(0x21, 0x30);
        h.outb(0x21, 0x04);
        h.outb(0x21, master_icw4);
        h.outb(0xa0, 0x11);
        h.outb(0xa1, 0x38);
        h.outb(0xa1, 0x02);
        h.outb(0xa1, 0x01);
        h.outb(0x21, 0x00);
        h.outb(0xa1, 0x00);
    }
    uint8_t isr(uint16_t base) {
        h.outb(base, 0x0b);
        return h.inb(base);
    }
    uint8_t irr(uint16_t base) {
        h.outb(base, 0x0a);
        return h.inb(base);
    }

    DeviceHarness h;
    I8259Pair pic{"i8259"};
    IrqRecorder intr{pic.intr()};
};

TEST_F(I8259Test, InitSequenceSetsVectorBaseAndMask) {
    // SeaBIOS leaves everything masked but the cascade; the IMR reads back.
    init_like_linux();
    h.outb(0x21, 0xfb);
    h.outb(0xa1, 0xff);
    EXPECT_EQ(h.inb(0x21), 0xfb);
    EXPECT_EQ(h.inb(0xa1), 0xff);
    h.outb(0x21, 0xf9);  // unmask IRQ1
    pic.set_irq(1, true);
    EXPECT_TRUE(intr.level());
    EXPECT_EQ(pic.acknowledge(), 0x31);
    EXPECT_EQ(isr(0x20), 0x02);
    EXPECT_FALSE(intr.level());
}

TEST_F(I8259Test, Icw1ClearsMaskAndInService) {
    init_like_linux();
    h.outb(0x21, 0xff);
    pic.set_irq(3, true);
    h.outb(0x21, 0x00);
    EXPECT_EQ(pic.acknowledge(), 0x33);
    init_like_linux();
    EXPECT_EQ(isr(0x20), 0x00);
    EXPECT_EQ(h.inb(0x21), 0x00);
    // The edge sense latch was reset: the still-high line must rise again.
    EXPECT_FALSE(intr.level());
}

TEST_F(I8259Test, LowerIrqHasHigherPriorityAndInServiceBlocksLower) {
    init_like_linux();
    pic.set_irq(3, true);
    pic.set_irq(1, true);
    EXPECT_EQ(pic.acknowledge(), 0x31);
    EXPECT_FALSE(intr.level());  // IR3 waits behind IR1 in service
    pic.set_irq(0, true);
    EXPECT_TRUE(intr.level());  // IR0 nests above IR1
    EXPECT_EQ(pic.acknowledge(), 0x30);
    h.outb(0x20, 0x20);  // non-specific EOI: IR0
    EXPECT_EQ(isr(0x20), 0x02);
    h.outb(0x20, 0x20);  // IR1
    EXPECT_TRUE(intr.level());
    EXPECT_EQ(pic.acknowledge(), 0x33);
}

TEST_F(I8259Test, SpecificEoiClearsThatLevel) {
    init_like_linux();
    pic.set_irq(4, true);
    EXPECT_EQ(pic.acknowledge(), 0x34);
    pic.set_irq(1, true);
    EXPECT_EQ(pic.acknowledge(), 0x31);
    h.outb(0x20, 0x64);  // specific EOI for IR4
    EXPECT_EQ(isr(0x20), 0x02);
}

TEST_F(I8259Test, RotateOnNonSpecificEoiMakesServicedLevelLowest) {
    init_like_linux();
    pic.set_irq(1, true);
    EXPECT_EQ(pic.acknowledge(), 0x31);
    h.outb(0x20, 0xa0);  // rotate on non-specific EOI: IR1 becomes lowest, IR2 highest
    pic.set_irq(0, true);
    pic.set_irq(3, true);
    EXPECT_EQ(pic.acknowledge(), 0x33);
    h.outb(0x20, 0xc5);  // set priority: IR5 lowest, IR6 highest
    h.outb(0x20, 0x20);
    pic.set_irq(7, true);
    EXPECT_EQ(pic.acknowledge(), 0x37);
}

TEST_F(I8259Test, SlaveInterruptsThroughCascade) {
    init_like_linux();
    pic.set_irq(12, true);
    EXPECT_TRUE(intr.level());
    EXPECT_EQ(pic.acknowledge(), 0x3c);
    EXPECT_EQ(isr(0x20), 0x04);
    EXPECT_EQ(isr(0xa0), 0x10);
    // A second slave request behind a higher one still gets through after the EOIs.
    pic.set_irq(14, true);
    EXPECT_FALSE(intr.level());
    h.outb(0xa0, 0x20);
    h.outb(0x20, 0x20);
    EXPECT_TRUE(intr.level());
    EXPECT_EQ(pic.acknowledge(), 0x3e);
}

TEST_F(I8259Test, MaskedRequestWaitsInIrr) {
    init_like_linux();
    h.outb(0x21, 0x02);
    pic.set_irq(1, true);
    EXPECT_FALSE(intr.level());
    EXPECT_EQ(irr(0x20), 0x02);
    h.outb(0x21, 0x00);
    EXPECT_TRUE(intr.level());
    EXPECT_EQ(pic.acknowledge(), 0x31);
}

TEST_F(I8259Test, ElcrMakesInputsLevelSensitive) {
    init_like_linux();
    h.outb(0x4d0, 0xff);
    h.outb(0x4d1, 0xff);
    EXPECT_EQ(h.inb(0x4d0), 0xf8);  // IRQ0-2 are always edge
    EXPECT_EQ(h.inb(0x4d1), 0xde);  // and IRQ8 and 13
    h.outb(0x4d0, 0x00);
    h.outb(0x4d1, 0x02);  // IRQ9 level, as the SCI is
    pic.set_irq(9, true);
    EXPECT_EQ(pic.acknowledge(), 0x39);
    h.outb(0xa0, 0x20);
    h.outb(0x20, 0x20);
    EXPECT_TRUE(intr.level());  // still asserted: requests again
    pic.set_irq(9, false);
    EXPECT_FALSE(intr.level());

    // An edge input does not request again without a new edge.
    pic.set_irq(4, true);
    EXPECT_EQ(pic.acknowledge(), 0x34);
    h.outb(0x20, 0x20);
    EXPECT_FALSE(intr.level());
}

TEST_F(I8259Test, PollReadsAndAcknowledgesHighestRequest) {
    init_like_linux();
    h.outb(0x20, 0x0c);
    EXPECT_EQ(h.inb(0x20), 0x00);
    pic.set_irq(5, true);
    pic.set_irq(6, true);
    h.outb(0x20, 0x0c);
    EXPECT_EQ(h.inb(0x20), 0x85);
    EXPECT_EQ(isr(0x20), 0x20);
    // The poll is one read only: the next read is the selected register again.
    h.outb(0x20, 0x0a);
    EXPECT_EQ(h.inb(0x20), 0x40);
}

TEST_F(I8259Test, RequestGoneBeforeInta_GivesSpuriousIrq7) {
    init_like_linux();
    h.outb(0x4d0, 0x20);  // IRQ5 level
    pic.set_irq(5, true);
    EXPECT_TRUE(intr.level());
    pic.set_irq(5, false);
    EXPECT_EQ(pic.acknowledge(), 0x37);
    EXPECT_EQ(isr(0x20), 0x00);
}

TEST_F(I8259Test, EdgeRequestThatFallsBeforeIntaIsGone) {
    init_like_linux();
    pic.set_irq(12, true);
    EXPECT_TRUE(intr.level());
    pic.set_irq(12, false);
    EXPECT_FALSE(intr.level());
    EXPECT_EQ(pic.acknowledge(), 0x37);
    EXPECT_EQ(isr(0x20), 0x00);
    EXPECT_EQ(isr(0xa0), 0x00);
}

TEST_F(I8259Test, AutoEoiLeavesNothingInService) {
    init_like_linux(0x03);
    pic.set_irq(1, true);
    EXPECT_EQ(pic.acknowledge(), 0x31);
    EXPECT_EQ(isr(0x20), 0x00);
    pic.set_irq(3, true);
    EXPECT_TRUE(intr.level());
}

TEST_F(I8259Test, SpecialMaskModeLetsLowerLevelsPastMaskedInService) {
    init_like_linux();
    pic.set_irq(1, true);
    EXPECT_EQ(pic.acknowledge(), 0x31);
    pic.set_irq(3, true);
    EXPECT_FALSE(intr.level());
    h.outb(0x21, 0x02);  // mask IR1 while it is in service
    h.outb(0x20, 0x68);  // set special mask
    EXPECT_TRUE(intr.level());
    h.outb(0x20, 0x48);  // reset special mask
    EXPECT_FALSE(intr.level());
}

TEST_F(I8259Test, StateRoundTrips) {
    init_like_linux();
    h.outb(0x4d1, 0x02);
    pic.set_irq(12, true);
    EXPECT_EQ(pic.acknowledge(), 0x3c);
    I8259Pair copy("copy");
    test::copy_state(pic, copy);
    EXPECT_EQ(copy.master_info(), pic.master_info());
    EXPECT_EQ(copy.slave_info(), pic.slave_info());
}

}  // namespace
}  // namespace kemu
