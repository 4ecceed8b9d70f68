// The PS/2 mouse's stream packets and the IntelliMouse wheel extension.
#include "hw/input/ps2_mouse.h"

#include <gtest/gtest.h>

#include <vector>

#include "hw/input/i8042.h"
#include "tests/unit/hw/devices/device_harness.h"
#include "tests/unit/hw/devices/ps2_queue.h"

namespace kemu {
namespace {

using Bytes = std::vector<uint8_t>;
using test::DeviceHarness;

class Ps2MouseTest : public ::testing::Test {
  protected:
    Bytes drain() { return test::drain(mouse); }
    Bytes command(std::initializer_list<uint8_t> bytes) {
        for (uint8_t b : bytes)
            mouse.write(b);
        return drain();
    }
    void set_rates(std::initializer_list<uint8_t> rates) {
        for (uint8_t rate : rates)
            command({0xf3, rate});
    }

    Ps2Mouse mouse;
};

TEST_F(Ps2MouseTest, StreamPacketsCarryButtonsAndSigns) {
    command({0xf4});
    mouse.move(5, -3, 0, 0x01);
    EXPECT_EQ(drain(), (Bytes{0x29, 0x05, 0xfd}));
    mouse.move(0, 0, 0, 0x06);  // a button change alone is a packet too
    EXPECT_EQ(drain(), (Bytes{0x0e, 0x00, 0x00}));
    mouse.move(0, 0, 0, 0x06);
    EXPECT_TRUE(drain().empty()) << "no motion and the same buttons: no packet";
}

TEST_F(Ps2MouseTest, ALargeJumpIsSeveralPacketsWithoutOverflow) {
    command({0xf4});
    mouse.move(300, -300, 0, 0);
    EXPECT_EQ(drain(), (Bytes{0x28, 0xff, 0x00, 0x28, 0x2d, 0xd4}))
        << "255 and -256, then 45 and -44; the overflow bits stay clear";
}

TEST_F(Ps2MouseTest, MotionFasterThanTheHostReadsWaitsInTheCounters) {
    command({0xf4});
    for (int i = 0; i < 10; i++)
        mouse.move(10, 1, 0, 0);  // 30 bytes of packets; the queue holds 16
    Bytes first = drain();
    ASSERT_EQ(first.size(), 15u) << "five whole packets, never a partial one";
    mouse.report_pending_motion();  // the controller calls it once the host reads
    Bytes rest = drain();
    int dx = 0, dy = 0;
    for (const Bytes* bytes : {&first, &rest})
        for (size_t i = 0; i + 2 < bytes->size(); i += 3) {
            dx += int8_t((*bytes)[i + 1]);
            dy += int8_t((*bytes)[i + 2]);
        }
    EXPECT_EQ(dx, 100) << "no motion is lost";
    EXPECT_EQ(dy, 10);
    EXPECT_EQ(rest.size(), 3u) << "what waited goes out as one packet";
}

TEST_F(Ps2MouseTest, RemoteModeReportsTheCountersWhenAsked) {
    command({0xf0});
    mouse.move(7, 2, 0, 0);
    mouse.move(-3, 1, 0, 0x01);
    EXPECT_TRUE(drain().empty()) << "remote mode waits for Read Data";
    EXPECT_EQ(command({0xeb}), (Bytes{0xfa, 0x09, 0x04, 0x03}));
    EXPECT_EQ(command({0xeb}), (Bytes{0xfa, 0x09, 0x00, 0x00})) << "the counters were cleared";
}

TEST_F(Ps2MouseTest, DisabledReportingDoesNotStoreMotionForLater) {
    mouse.move(40, 40, 0, 0);
    command({0xf4});
    mouse.move(1, 0, 0, 0);
    EXPECT_EQ(drain(), (Bytes{0x08, 0x01, 0x00}));
}

TEST_F(Ps2MouseTest, NoPacketsUntilReportingIsEnabled) {
    mouse.move(1, 1, 0, 0);
    EXPECT_TRUE(drain().empty());
}

TEST_F(Ps2MouseTest, IntelliMouseKnockEnablesTheWheel) {
    EXPECT_EQ(command({0xf2}), (Bytes{0xfa, 0x00}));
    set_rates({200, 100, 80});
    EXPECT_EQ(command({0xf2}), (Bytes{0xfa, 0x03}));
    command({0xf4});
    mouse.move(1, 1, 2, 0);
    EXPECT_EQ(drain(), (Bytes{0x08, 0x01, 0x01, 0x02}));
    mouse.move(0, 0, -20, 0);
    EXPECT_EQ(drain(),
              (Bytes{0x08, 0x00, 0x00, 0xf8, 0x08, 0x00, 0x00, 0xf8, 0x08, 0x00, 0x00, 0xfc}))
        << "the wheel's four bits reach -8: -20 clicks are -8, -8, -4";
    mouse.move(0, 0, 9, 0);
    EXPECT_EQ(drain(), (Bytes{0x08, 0x00, 0x00, 0x07, 0x08, 0x00, 0x00, 0x02})) << "and 7";
}

TEST_F(Ps2MouseTest, OtherRateSequencesKeepAPlainMouse) {
    set_rates({200, 100, 60});
    EXPECT_EQ(command({0xf2}), (Bytes{0xfa, 0x00}));
    set_rates({200, 200, 80});  // the IntelliMouse Explorer knock: not emulated
    EXPECT_EQ(command({0xf2}), (Bytes{0xfa, 0x00}));
    set_rates({100, 80});  // completes 200, 100, 80 only with the 200 before
    EXPECT_EQ(command({0xf2}), (Bytes{0xfa, 0x00}));
    command({0xf4});
    mouse.move(1, 0, 3, 0);
    EXPECT_EQ(drain(), (Bytes{0x08, 0x01, 0x00})) << "no wheel byte";
    mouse.move(0, 0, 3, 0);
    EXPECT_TRUE(drain().empty()) << "a wheel the mouse does not have moves nothing";
}

TEST_F(Ps2MouseTest, ResetForgetsTheWheel) {
    set_rates({200, 100, 80});
    EXPECT_EQ(command({0xff}), (Bytes{0xfa, 0xaa, 0x00}));
    EXPECT_EQ(command({0xf2}), (Bytes{0xfa, 0x00}));
}

TEST(Ps2MouseThroughController, ScreenDirectionsBecomePs2Directions) {
    DeviceHarness h;
    I8042 kbc{"i8042", nullptr, nullptr};
    h.map(0x60, kbc.data_io());
    h.map(0x64, kbc.command_io());
    auto to_mouse = [&h](uint8_t byte) {
        h.outb(0x64, 0xd4);
        h.outb(0x60, byte);
    };
    auto drain = [&h] {
        Bytes out;
        for (int i = 0; i < 64 && (h.inb(0x64) & 0x01); i++)
            out.push_back(h.inb(0x60));
        return out;
    };
    for (uint8_t b : {0xf3, 200, 0xf3, 100, 0xf3, 80, 0xf4})
        to_mouse(b);
    drain();
    InputSink& sink = kbc;
    sink.relative_motion({.dx = 4, .dy = 3, .dz = 1, .buttons = kButtonMiddle});
    EXPECT_EQ(drain(), (Bytes{0x2c, 0x04, 0xfd, 0xff}))
        << "down on screen is negative y; wheel away from the user is negative z";

    // A VNC client's pointer jumping across the screen many times between two reads:
    // the counters hold it, and the controller sends it on as the host reads.
    for (int i = 0; i < 20; i++)
        sink.relative_motion({.dx = 100, .dy = -30});
    Bytes packets = drain();
    ASSERT_EQ(packets.size() % 4, 0u);
    int dx = 0, dy = 0;
    for (size_t i = 0; i < packets.size(); i += 4) {
        EXPECT_EQ(packets[i] & 0xc0, 0) << "no overflow bits";
        dx += int(packets[i + 1]) - ((packets[i] & 0x10) ? 256 : 0);
        dy += int(packets[i + 2]) - ((packets[i] & 0x20) ? 256 : 0);
    }
    EXPECT_EQ(dx, 2000);
    EXPECT_EQ(dy, 600) << "up on the screen is positive PS/2 y";

    DeviceHarness h2;
    I8042 copy{"i8042", nullptr, nullptr};
    test::copy_state(kbc, copy);
    EXPECT_EQ(copy.mouse().device_id(), 0x03) << "the wheel survives save/load";
}

}  // namespace
}  // namespace kemu
