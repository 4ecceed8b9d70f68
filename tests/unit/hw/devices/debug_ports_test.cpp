// isa-debug-exit, isa-debugcon and port 0x80.
#include <gtest/gtest.h>

#include <vector>

#include "hw/char/debugcon.h"
#include "hw/misc/debug_exit.h"
#include "hw/misc/port80.h"
#include "tests/unit/hw/devices/device_harness.h"

namespace kemu {
namespace {

using test::CaptureChardev;
using test::DeviceHarness;

TEST(DebugExit, WriteRequestsExitWithShiftedStatus) {
    DeviceHarness h;
    std::vector<int> exits;
    DebugExit dev("debug-exit", [&](int status) { exits.push_back(status); });
    h.map(0xf4, dev.io());
    h.outb(0xf4, 0);
    h.outl(0xf4, 0x10);
    h.outw(0xf6, 3);
    EXPECT_EQ(exits, (std::vector<int>{1, 0x21, 7}));
    EXPECT_EQ(h.inb(0xf4), 0xff) << "reads are not decoded";
    EXPECT_EQ(dev.describe(), "iobase = 0xf4, iosize = 0x4");
}

TEST(DebugExit, IobaseAndIosizeAreConfigurable) {
    DeviceHarness h;
    int last = -1;
    DebugExit dev(
        "debug-exit", [&](int status) { last = status; }, 0x501, 2);
    h.map(0x501, dev.io());
    h.outw(0x501, 0x7f);
    EXPECT_EQ(last, 0xff);
    EXPECT_EQ(dev.io().size(), 2u);
    EXPECT_EQ(dev.describe(), "iobase = 0x501, iosize = 0x2");
    EXPECT_TRUE(DebugExit::validate_iosize(1).ok());
    EXPECT_FALSE(DebugExit::validate_iosize(3).ok());
    EXPECT_FALSE(DebugExit::validate_iosize(8).ok());
}

TEST(DebugExit, StatelessSaveLoad) {
    DebugExit a("debug-exit", nullptr), b("debug-exit", nullptr);
    test::copy_state(a, b);
    StateReader empty(std::span<const uint8_t>{});
    EXPECT_FALSE(b.load(empty, b.state_version() + 1).ok());
}

TEST(Debugcon, WritesReachChardevAndReadsReturnReadback) {
    DeviceHarness h;
    CaptureChardev chr;
    Debugcon dev("debugcon", &chr);
    h.map(0xe9, dev.io());
    h.outb(0xe9, 'o');
    h.outb(0xe9, 'k');
    EXPECT_EQ(chr.output, "ok");
    EXPECT_EQ(h.inb(0xe9), 0xe9);
    EXPECT_EQ(dev.describe(), "iobase = 0xe9, readback = 0xe9, chardev = capture");
}

TEST(Debugcon, WithoutChardevOutputIsDropped) {
    DeviceHarness h;
    Debugcon dev("debugcon", nullptr, 0x402, 0x42);
    h.map(0x402, dev.io());
    h.outb(0x402, 'x');
    EXPECT_EQ(h.inb(0x402), 0x42);
}

TEST(Debugcon, StatelessSaveLoad) {
    Debugcon a("debugcon", nullptr), b("debugcon", nullptr);
    test::copy_state(a, b);
    StateWriter w;
    w.u8(1);
    StateReader extra(w.data());
    EXPECT_FALSE(b.load(extra, 1).ok()) << "unexpected bytes are malformed state";
}

TEST(Port80, RemembersLastPostCode) {
    DeviceHarness h;
    Port80 dev("port80");
    h.map(0x80, dev.io());
    EXPECT_EQ(h.inb(0x80), 0x00);
    h.outb(0x80, 0x12);
    h.outb(0x80, 0x55);
    EXPECT_EQ(h.inb(0x80), 0x55);
    EXPECT_EQ(dev.last_code(), 0x55);
    EXPECT_EQ(dev.describe(), "iobase = 0x80, last code = 0x55");
    dev.reset();
    EXPECT_EQ(h.inb(0x80), 0x00);
}

TEST(Port80, SaveLoadRoundTrip) {
    DeviceHarness h;
    Port80 a("port80"), b("port80");
    h.map(0x80, a.io());
    h.outb(0x80, 0xab);
    test::copy_state(a, b);
    EXPECT_EQ(b.last_code(), 0xab);
    StateReader empty(std::span<const uint8_t>{});
    EXPECT_FALSE(b.load(empty, 1).ok());
    EXPECT_FALSE(b.load(empty, 2).ok());
}

}  // namespace
}  // namespace kemu
