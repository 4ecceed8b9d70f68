#include "hw/timer/mc146818_rtc.h"

#include <gtest/gtest.h>

#include <span>

#include "tests/unit/hw/devices/device_harness.h"

namespace kemu {
namespace {

using test::DeviceHarness;
using test::IrqRecorder;

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kThursday20240229_134556 = 1709214356;

class RtcTest : public ::testing::Test {
  protected:
    RtcTest() { h.map(0x70, rtc.io()); }

    uint8_t read(uint8_t index) {
        h.outb(0x70, index);
        return h.inb(0x71);
    }
    void write(uint8_t index, uint8_t value) {
        h.outb(0x70, index);
        h.outb(0x71, value);
    }
    struct RegisterValue {
        uint8_t index, value;
    };
    void expect_registers(std::span<const RegisterValue> expected) {
        for (const RegisterValue& r : expected)
            EXPECT_EQ(read(r.index), r.value) << "register 0x" << std::hex << int(r.index);
    }

    DeviceHarness h;
    Mc146818Rtc rtc{"rtc", h.timers, [] { return kThursday20240229_134556; }};
    IrqRecorder irq{rtc.irq()};
};

TEST_F(RtcTest, PowerOnRegisters) {
    const RegisterValue expected[] = {
        {0x0a, 0x26},
        {0x0b, 0x02},
        {0x0c, 0x00},
        {0x0d, 0x80},
    };
    expect_registers(expected);
    EXPECT_FALSE(irq.level());
}

TEST_F(RtcTest, TimeInBcd) {
    // Register 6, the day of the week, counts from Sunday = 1: Thursday is 5.
    const RegisterValue expected[] = {
        {0x00, 0x56}, {0x02, 0x45}, {0x04, 0x13}, {0x06, 0x05},
        {0x07, 0x29}, {0x08, 0x02}, {0x09, 0x24}, {0x32, 0x20},
    };
    expect_registers(expected);
}

TEST_F(RtcTest, TimeInBinary) {
    write(0x0b, 0x06);
    const RegisterValue expected[] = {
        {0x00, 56}, {0x02, 45}, {0x04, 13}, {0x07, 29}, {0x09, 24}, {0x32, 20},
    };
    expect_registers(expected);
}

TEST_F(RtcTest, TwelveHourMode) {
    write(0x0b, 0x00);
    EXPECT_EQ(read(0x04), 0x81) << "1 PM in BCD";
    write(0x0b, 0x04);
    EXPECT_EQ(read(0x04), 0x81) << "1 PM in binary";
    // 10 h 14 min 4 s later it is 00:00:00 the next day: midnight is 12 AM.
    h.step((10 * 3600 + 14 * 60 + 4) * kSecond);
    EXPECT_EQ(read(0x04), 12);
    EXPECT_EQ(read(0x07), 1);
    EXPECT_EQ(read(0x08), 3);
    h.step(12 * 3600 * kSecond);
    EXPECT_EQ(read(0x04), 0x80 | 12) << "noon is 12 PM";
}

TEST_F(RtcTest, ClockAdvancesWithGuestTime) {
    h.step(5 * kSecond - 1);
    EXPECT_EQ(read(0x00), 0x00);
    EXPECT_EQ(read(0x02), 0x46);
    h.step(1);
    EXPECT_EQ(read(0x00), 0x01);
    EXPECT_EQ(rtc.rtc_seconds(), kThursday20240229_134556 + 5);
}

TEST_F(RtcTest, UipSetForLast244MicrosecondsOfEachSecond) {
    // The harness clock starts at 0, so second boundaries are at whole seconds.
    h.step(kSecond - 244141);
    EXPECT_EQ(read(0x0a) & 0x80, 0);
    h.step(1);
    EXPECT_EQ(read(0x0a) & 0x80, 0x80);
    EXPECT_EQ(read(0x00), 0x56) << "registers are updated at the end of the window";
    h.step(244140);
    EXPECT_EQ(read(0x0a) & 0x80, 0);
    EXPECT_EQ(read(0x00), 0x57);
    EXPECT_EQ(read(0x0a) & 0x7f, 0x26) << "the rest of A reads back";
}

TEST_F(RtcTest, SetBitFreezesRegistersAndGuestSetsTheTime) {
    write(0x0b, 0x82);
    h.step(3 * kSecond);
    EXPECT_EQ(read(0x00), 0x56) << "no updates while SET";
    EXPECT_EQ(read(0x0a) & 0x80, 0);
    write(0x00, 0x58);
    write(0x02, 0x59);
    write(0x04, 0x23);
    write(0x07, 0x31);
    write(0x08, 0x12);
    write(0x09, 0x99);
    write(0x32, 0x19);
    write(0x0b, 0x02);
    EXPECT_EQ(rtc.rtc_seconds(), 946684798);  // 1999-12-31 23:59:58
    h.step(2 * kSecond);
    const RegisterValue expected[] = {
        {0x00, 0x00}, {0x04, 0x00}, {0x07, 0x01}, {0x08, 0x01}, {0x09, 0x00}, {0x32, 0x20},
    };
    expect_registers(expected);
    EXPECT_EQ(read(0x06), 0x07) << "2000-01-01 was a Saturday";
}

TEST_F(RtcTest, WriteWithoutSetMovesRunningClock) {
    write(0x02, 0x00);
    EXPECT_EQ(rtc.rtc_seconds(), kThursday20240229_134556 - 45 * 60);
    EXPECT_EQ(read(0x00), 0x56);
    EXPECT_EQ(read(0x04), 0x13);
}

TEST_F(RtcTest, GarbageTimeRegistersDoNotCrash) {
    write(0x0b, 0x82);
    for (uint8_t index : {0x00, 0x02, 0x04, 0x07, 0x08, 0x09, 0x32})
        write(index, 0xff);
    write(0x0b, 0x02);
    h.step(kSecond);
    EXPECT_EQ(read(0x0d), 0x80);
    read(0x00);
}

TEST_F(RtcTest, SetClearsUie) {
    write(0x0b, 0x12);
    write(0x0b, 0x92);
    EXPECT_EQ(read(0x0b), 0x82);
}

TEST_F(RtcTest, PeriodicInterruptRate) {
    write(0x0a, 0x2f);  // 2 Hz
    write(0x0b, 0x42);
    int interrupts = 0;
    for (int i = 0; i < 20; i++) {
        h.step(kSecond / 10);
        if (irq.level()) {
            EXPECT_EQ(read(0x0c), 0xc0);
            EXPECT_FALSE(irq.level());
            interrupts++;
        }
    }
    EXPECT_EQ(interrupts, 4);

    write(0x0a, 0x26);  // 1024 Hz
    read(0x0c);
    interrupts = 0;
    for (int i = 0; i < 10000; i++) {
        h.step(kSecond / 10000);
        if (irq.level()) {
            read(0x0c);
            interrupts++;
        }
    }
    EXPECT_EQ(interrupts, 1024);
}

// A periodic timer that runs late, after the guest's read of C already counted its edge,
// must not raise PF a second time (TCG guests read C in a tight loop).
TEST_F(RtcTest, LatePeriodicTimerDoesNotCountAnEdgeTwice) {
    write(0x0a, 0x2f);  // 2 Hz
    write(0x0b, 0x42);
    read(0x0c);
    h.clock.step(kSecond / 2 + kSecond / 100);  // past the edge; the timer has not run yet
    EXPECT_EQ(read(0x0c), 0xc0);
    h.timers.run_expired();  // the late timer for the same edge
    EXPECT_EQ(read(0x0c), 0x00);
    EXPECT_FALSE(irq.level());
    h.step(kSecond / 2);  // the next edge still comes
    EXPECT_EQ(read(0x0c), 0xc0);
}

TEST_F(RtcTest, RateZeroStopsPeriodicInterrupt) {
    write(0x0a, 0x20);
    write(0x0b, 0x42);
    h.step(2 * kSecond);
    EXPECT_EQ(read(0x0c) & 0x40, 0);
    EXPECT_FALSE(irq.level());
}

TEST_F(RtcTest, FlagsSetWithoutEnablesButNoIrqAndClearOnRead) {
    write(0x0a, 0x2f);
    h.step(kSecond * 6 / 10);
    EXPECT_FALSE(irq.level());
    EXPECT_EQ(read(0x0c), 0x40) << "PF without IRQF";
    EXPECT_EQ(read(0x0c), 0x00);
    h.step(kSecond / 10);
    EXPECT_EQ(read(0x0c), 0x00) << "no periodic edge in that 100 ms";
}

TEST_F(RtcTest, EnablingAfterFlagRaisesIrqAtOnce) {
    write(0x0a, 0x2f);
    h.step(kSecond * 6 / 10);
    write(0x0b, 0x42);
    EXPECT_TRUE(irq.level());
    EXPECT_EQ(read(0x0c) & 0xc0, 0xc0);
}

TEST_F(RtcTest, UpdateEndedInterrupt) {
    write(0x0a, 0x20);  // no periodic flag to mask the comparison
    write(0x0b, 0x12);
    h.step(kSecond - 1);
    EXPECT_FALSE(irq.level());
    h.step(1);
    EXPECT_TRUE(irq.level());
    EXPECT_EQ(read(0x0c), 0x90);
    EXPECT_FALSE(irq.level());
    EXPECT_EQ(read(0x00), 0x57);
}

TEST_F(RtcTest, AlarmInterrupt) {
    write(0x0a, 0x20);
    write(0x01, 0x59);
    write(0x03, 0xc0);  // any minute
    write(0x05, 0xff);  // any hour
    write(0x0b, 0x22);
    h.step(3 * kSecond - 1);
    EXPECT_FALSE(irq.level());
    h.step(1);
    EXPECT_TRUE(irq.level());
    EXPECT_EQ(read(0x0c), 0xb0) << "AF with IRQF; UF is set by the same update";
    h.step(59 * kSecond);
    EXPECT_FALSE(irq.level());
    h.step(kSecond);
    EXPECT_TRUE(irq.level()) << "once a minute with minutes and hours don't-care";
}

TEST_F(RtcTest, ExactAlarmFiresOnce) {
    write(0x01, 0x00);
    write(0x03, 0x46);
    write(0x05, 0x13);
    write(0x0b, 0x22);
    h.step(4 * kSecond);
    EXPECT_TRUE(irq.level());
    read(0x0c);
    h.step(120 * kSecond);
    EXPECT_FALSE(irq.level());
}

TEST_F(RtcTest, IndexBit7IsTheNmiMask) {
    rtc.set_cmos(0x0f, 0x5a);
    h.outb(0x70, 0x8f);
    EXPECT_TRUE(rtc.nmi_masked());
    EXPECT_EQ(h.inb(0x71), 0x5a);
    h.outb(0x70, 0x0f);
    EXPECT_FALSE(rtc.nmi_masked());
    EXPECT_EQ(h.inb(0x70), 0xff) << "the index register is write-only";
}

TEST_F(RtcTest, CmosRamForMachineAndGuest) {
    rtc.set_cmos(0x34, 0x12);
    rtc.set_cmos(0x7f, 0x34);
    EXPECT_EQ(read(0x34), 0x12);
    EXPECT_EQ(read(0x7f), 0x34);
    write(0x40, 0xaa);
    EXPECT_EQ(rtc.cmos(0x40), 0xaa);
    write(0x0d, 0x00);
    EXPECT_EQ(read(0x0d), 0x80) << "D is read-only; VRT stays set";
}

TEST_F(RtcTest, ResetClearsEnablesAndFlagsButKeepsTimeAndRam) {
    rtc.set_cmos(0x15, 0x80);
    write(0x0b, 0x16);  // UIE, binary, 24h
    h.step(kSecond);
    EXPECT_TRUE(irq.level());
    rtc.reset();
    EXPECT_FALSE(irq.level());
    const RegisterValue expected[] = {
        {0x0b, 0x06},
        {0x0c, 0x00},
        {0x15, 0x80},
        {0x00, 57},
    };
    expect_registers(expected);
}

TEST_F(RtcTest, SaveLoadRoundTrip) {
    rtc.set_cmos(0x35, 0x07);
    write(0x0a, 0x2f);
    write(0x0b, 0x06);
    write(0x02, 10);  // moves the clock
    h.step(kSecond / 2 + 7);

    DeviceHarness h2;
    h2.clock.step(h.now());
    Mc146818Rtc copy{"rtc", h2.timers, [] { return int64_t(0); }};
    IrqRecorder irq2{copy.irq()};
    h2.map(0x70, copy.io());
    test::copy_state(rtc, copy);
    EXPECT_EQ(copy.rtc_seconds(), rtc.rtc_seconds());
    for (uint8_t index : {0x00, 0x02, 0x04, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x35})
        EXPECT_EQ(copy.cmos(index), rtc.cmos(index)) << int(index);
    h2.outb(0x70, 0x0c);
    EXPECT_EQ(h2.inb(0x71), 0x40) << "the unread PF of the 500 ms edge survives";
}

TEST_F(RtcTest, LoadRejectsBadState) {
    StateWriter w;
    rtc.save(w);
    StateReader newer(w.data());
    EXPECT_FALSE(rtc.load(newer, 2).ok());
    std::vector<uint8_t> truncated(w.data().begin(), w.data().end() - 1);
    StateReader shorter(truncated);
    EXPECT_FALSE(rtc.load(shorter, 1).ok());
    EXPECT_EQ(rtc.describe(), "iobase = 0x70, irq = 8");
}

}  // namespace
}  // namespace kemu
