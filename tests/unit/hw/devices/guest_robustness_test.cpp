// Random guest accesses must never crash a device, and reset() must bring it
// back to its power-on register values afterwards.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "hw/char/serial_16550.h"
#include "hw/input/i8042.h"
#include "hw/timer/mc146818_rtc.h"
#include "tests/unit/hw/devices/device_harness.h"

namespace kemu {
namespace {

using test::CaptureChardev;
using test::DeviceHarness;

void hammer(DeviceHarness& h, uint16_t base, unsigned ports, unsigned seed) {
    std::mt19937 rng(seed);
    for (int i = 0; i < 20000; i++) {
        uint16_t port = uint16_t(base + rng() % ports);
        if (rng() % 2)
            h.outb(port, uint8_t(rng()));
        else
            h.inb(port);
        if (rng() % 64 == 0) h.step(int64_t(rng() % 2'000'000));
    }
}

TEST(GuestRobustness, Serial16550) {
    DeviceHarness h;
    CaptureChardev chr;
    Serial16550 uart{"serial0", &chr, h.timers};
    h.map(0x3f8, uart.io());
    hammer(h, 0x3f8, 8, 1);
    chr.input("input after the storm");
    uart.reset();
    EXPECT_EQ(h.inb(0x3f9), 0x00);
    EXPECT_EQ(h.inb(0x3fa), 0x01);
    EXPECT_EQ(h.inb(0x3fd), 0x60);
    EXPECT_EQ(h.inb(0x3fe), 0xb0);
    EXPECT_FALSE(uart.irq().level());
}

TEST(GuestRobustness, Mc146818Rtc) {
    DeviceHarness h;
    Mc146818Rtc rtc{"rtc", h.timers, [] { return int64_t(1700000000); }};
    h.map(0x70, rtc.io());
    hammer(h, 0x70, 2, 2);
    rtc.reset();
    EXPECT_EQ(rtc.cmos(0x0c), 0x00);
    EXPECT_EQ(rtc.cmos(0x0b) & 0x78, 0x00);
    EXPECT_FALSE(rtc.irq().level());
}

TEST(GuestRobustness, I8042) {
    DeviceHarness h;
    I8042 kbc{"i8042", [] {}, [](bool) {}};
    h.map(0x60, kbc.data_io());
    h.map(0x64, kbc.command_io());
    std::mt19937 rng(3);
    for (int i = 0; i < 20000; i++) {
        uint16_t port = (rng() % 2) ? 0x60 : 0x64;
        if (rng() % 2)
            h.outb(port, uint8_t(rng()));
        else
            h.inb(port);
        if (rng() % 16 == 0) {
            uint8_t key[] = {uint8_t(rng()), uint8_t(rng())};
            kbc.key_event(key);
            kbc.relative_motion({.dx = int(rng() % 1024) - 512,
                                 .dy = int(rng() % 1024) - 512,
                                 .dz = int(rng() % 32) - 16,
                                 .buttons = uint8_t(rng())});
            kbc.key(uint16_t(rng() % KEY_CNT), rng() % 2);
        }
    }
    kbc.reset();
    EXPECT_EQ(h.inb(0x64), 0x14);
    EXPECT_EQ(kbc.command_byte(), 0x45);
    EXPECT_FALSE(kbc.keyboard_irq().level());
    EXPECT_FALSE(kbc.mouse_irq().level());
}

}  // namespace
}  // namespace kemu
