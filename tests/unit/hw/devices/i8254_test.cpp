#include "hw/timer/i8254.h"

#include <gtest/gtest.h>

#include "tests/unit/hw/devices/device_harness.h"

namespace kemu {
namespace {

using test::DeviceHarness;
using test::IrqRecorder;

// The first nanosecond of PIT tick `ticks`.
int64_t tick_ns(int64_t ticks) {
    return (ticks * 1'000'000'000 + I8254::kHz - 1) / I8254::kHz;
}

class I8254Test : public ::testing::Test {
  protected:
    I8254Test() {
        h.map(0x40, pit.io());
        h.map(0x61, pit.port61_io());
    }

    // Control word for lsb-then-msb access, then the count.
    void program(unsigned counter, unsigned mode, uint16_t count, bool bcd = false) {
        h.outb(0x43, uint8_t((counter << 6) | 0x30 | (mode << 1) | (bcd ? 1 : 0)));
        h.outb(uint16_t(0x40 + counter), uint8_t(count));
        h.outb(uint16_t(0x40 + counter), uint8_t(count >> 8));
    }
    // Moves the clock to PIT tick `ticks` after `origin`, firing timers on the way.
    void go_to_tick(int64_t origin, int64_t ticks) { h.step(origin + tick_ns(ticks) - h.now()); }
    uint16_t read_count(unsigned counter) {
        uint8_t lo = h.inb(uint16_t(0x40 + counter));
        uint8_t hi = h.inb(uint16_t(0x40 + counter));
        return uint16_t(lo | (hi << 8));
    }

    DeviceHarness h;
    I8254 pit{"pit", h.timers};
    IrqRecorder irq{pit.irq()};
};

TEST_F(I8254Test, Mode0RaisesOutAtTerminalCountAndKeepsCounting) {
    program(0, 0, 100);
    int64_t t0 = h.now();
    EXPECT_FALSE(irq.level());
    go_to_tick(t0, 99);
    EXPECT_FALSE(irq.level());
    EXPECT_EQ(read_count(0), 1);
    go_to_tick(t0, 100);
    EXPECT_TRUE(irq.level());
    EXPECT_EQ(irq.raises(), 1);
    go_to_tick(t0, 101);
    EXPECT_EQ(read_count(0), 0xffff);
    EXPECT_TRUE(irq.level());  // stays high until reprogrammed
    program(0, 0, 10);
    EXPECT_FALSE(irq.level());
}

TEST_F(I8254Test, Mode2RateGeneratorPulsesEveryPeriod) {
    program(0, 2, 10);
    int64_t t0 = h.now();
    EXPECT_TRUE(irq.level());
    irq.clear_count();
    go_to_tick(t0, 3);
    EXPECT_EQ(read_count(0), 7);
    go_to_tick(t0, 9);
    EXPECT_FALSE(pit.out(0));  // low for the one tick at count 1
    go_to_tick(t0, 10);
    EXPECT_TRUE(pit.out(0));
    go_to_tick(t0, 100);
    EXPECT_EQ(irq.raises(), 10);
}

TEST_F(I8254Test, Mode3SquareWaveHalves) {
    program(0, 3, 10);
    int64_t t0 = h.now();
    irq.clear_count();
    go_to_tick(t0, 2);
    EXPECT_EQ(read_count(0), 6);
    go_to_tick(t0, 4);
    EXPECT_TRUE(irq.level());
    go_to_tick(t0, 5);
    EXPECT_FALSE(irq.level());
    go_to_tick(t0, 9);
    EXPECT_FALSE(irq.level());
    go_to_tick(t0, 10);
    EXPECT_TRUE(irq.level());
    go_to_tick(t0, 50);
    EXPECT_EQ(irq.raises(), 5);
}

TEST_F(I8254Test, Mode3OddCountIsHighOneTickLonger) {
    program(0, 3, 5);
    int64_t t0 = h.now();
    go_to_tick(t0, 2);
    EXPECT_TRUE(pit.out(0));
    go_to_tick(t0, 3);
    EXPECT_FALSE(pit.out(0));
    go_to_tick(t0, 5);
    EXPECT_TRUE(pit.out(0));
}

TEST_F(I8254Test, Mode4StrobesOnceAfterCount) {
    program(0, 4, 5);
    int64_t t0 = h.now();
    irq.clear_count();
    go_to_tick(t0, 4);
    EXPECT_TRUE(irq.level());
    go_to_tick(t0, 5);
    EXPECT_FALSE(irq.level());
    go_to_tick(t0, 6);
    EXPECT_TRUE(irq.level());
    go_to_tick(t0, 100);
    EXPECT_EQ(irq.raises(), 1);
}

TEST_F(I8254Test, Mode1OneShotStartsOnGateEdge) {
    h.outb(0x61, 0x00);
    program(2, 1, 5);
    EXPECT_TRUE(pit.out(2));
    h.step(tick_ns(20));
    EXPECT_TRUE(pit.out(2));  // nothing happens without a trigger
    EXPECT_EQ(read_count(2), 5);
    h.outb(0x61, 0x01);
    int64_t t0 = h.now();
    EXPECT_FALSE(pit.out(2));
    go_to_tick(t0, 4);
    EXPECT_FALSE(h.inb(0x61) & 0x20);
    go_to_tick(t0, 5);
    EXPECT_TRUE(h.inb(0x61) & 0x20);
}

TEST_F(I8254Test, Mode5StrobesAfterGateEdge) {
    h.outb(0x61, 0x00);
    program(2, 5, 5);
    h.step(tick_ns(20));
    EXPECT_TRUE(pit.out(2));
    h.outb(0x61, 0x01);
    int64_t t0 = h.now();
    go_to_tick(t0, 5);
    EXPECT_FALSE(pit.out(2));
    go_to_tick(t0, 6);
    EXPECT_TRUE(pit.out(2));
}

TEST_F(I8254Test, GateLowPausesMode0AndForcesPeriodicOutHigh) {
    h.outb(0x61, 0x01);
    program(2, 0, 100);
    int64_t t0 = h.now();
    go_to_tick(t0, 50);
    h.outb(0x61, 0x00);
    h.step(tick_ns(500));
    EXPECT_EQ(read_count(2), 50);
    h.outb(0x61, 0x01);
    int64_t t1 = h.now();
    go_to_tick(t1, 49);
    EXPECT_FALSE(h.inb(0x61) & 0x20);
    go_to_tick(t1, 50);
    EXPECT_TRUE(h.inb(0x61) & 0x20);

    program(2, 2, 10);
    go_to_tick(h.now(), 9);
    EXPECT_FALSE(pit.out(2));
    h.outb(0x61, 0x00);
    EXPECT_TRUE(pit.out(2));
}

TEST_F(I8254Test, LinuxPitCalibrationSeesOut2AfterFullCount) {
    // pit_calibrate_tsc(): gate on, speaker off, counter 2 mode 0, 0xffff, wait for OUT2.
    h.outb(0x61, (h.inb(0x61) & ~0x02) | 0x01);
    h.outb(0x43, 0xb0);
    h.outb(0x42, 0xff);
    h.outb(0x42, 0xff);
    int64_t t0 = h.now();
    go_to_tick(t0, 0xfffe);
    EXPECT_FALSE(h.inb(0x61) & 0x20);
    go_to_tick(t0, 0xffff);
    EXPECT_TRUE(h.inb(0x61) & 0x20);
}

TEST_F(I8254Test, CounterLatchHoldsValueUntilRead) {
    program(0, 2, 1000);
    int64_t t0 = h.now();
    go_to_tick(t0, 100);
    h.outb(0x43, 0x00);  // latch counter 0
    go_to_tick(t0, 300);
    h.outb(0x43, 0x00);  // ignored: the first latch is unread
    EXPECT_EQ(read_count(0), 900);
    EXPECT_EQ(read_count(0), 700);  // live again
}

TEST_F(I8254Test, ReadBackLatchesStatusThenCount) {
    program(0, 2, 1000);
    int64_t t0 = h.now();
    go_to_tick(t0, 10);
    h.outb(0x43, 0xc2);  // read-back: count and status of counter 0
    go_to_tick(t0, 20);
    EXPECT_EQ(h.inb(0x40), 0x80 | 0x30 | (2 << 1));  // OUT high, lsb/msb, mode 2, binary
    EXPECT_EQ(read_count(0), 990);
    h.outb(0x43, 0x3a);  // counter 0, mode 5: status shows null count until a count arrives
    h.outb(0x43, 0xe2);  // read-back: status only
    EXPECT_EQ(h.inb(0x40), 0x80 | 0x40 | 0x30 | (5 << 1));
}

TEST_F(I8254Test, BcdCounting) {
    program(0, 0, 0x0100, true);
    int64_t t0 = h.now();
    go_to_tick(t0, 1);
    EXPECT_EQ(read_count(0), 0x0099);
    go_to_tick(t0, 100);
    EXPECT_TRUE(irq.level());
    go_to_tick(t0, 101);
    EXPECT_EQ(read_count(0), 0x9999);
}

TEST_F(I8254Test, SingleByteAccessModes) {
    h.outb(0x43, 0x14);  // counter 0, lsb only, mode 2
    h.outb(0x40, 50);
    int64_t t0 = h.now();
    go_to_tick(t0, 5);
    EXPECT_EQ(h.inb(0x40), 45);
    EXPECT_EQ(h.inb(0x40), 45);
    h.outb(0x43, 0x24);  // msb only: the count is 0x0200
    h.outb(0x40, 0x02);
    t0 = h.now();
    go_to_tick(t0, 0x100);
    EXPECT_EQ(h.inb(0x40), 0x01);
}

TEST_F(I8254Test, Port61RefreshBitToggles) {
    uint8_t first = h.inb(0x61) & 0x10;
    h.step(15085);
    EXPECT_NE(h.inb(0x61) & 0x10, first);
    h.outb(0x61, 0x03);
    EXPECT_EQ(h.inb(0x61) & 0x0f, 0x03);
}

TEST_F(I8254Test, StateRoundTripsKeepsCountingAndIrq) {
    program(0, 2, 100);
    int64_t t0 = h.now();
    go_to_tick(t0, 30);
    I8254 copy("copy", h.timers);
    IrqRecorder copy_irq(copy.irq());
    test::copy_state(pit, copy);
    EXPECT_EQ(copy.count(0), 70);
    go_to_tick(t0, 100);
    EXPECT_EQ(copy_irq.raises(), 2);  // the load's level, then one period edge
}

}  // namespace
}  // namespace kemu
