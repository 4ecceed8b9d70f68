// Clicks the host makes while the mouse's queue is full of motion the guest has not
// read yet each reach the guest as a press and a release, after the motion before them.
#include <gtest/gtest.h>

#include <vector>

#include "tests/unit/hw/input/i8042_rig.h"

namespace kemu {
namespace {

struct Packet {
    uint8_t buttons;
    int dx;
};

class Ps2MouseClickTest : public ::testing::Test, protected test::I8042Rig {
  protected:
    Ps2MouseClickTest() {
        h.outb(kCmd, 0x60);
        h.outb(kData, 0x47);  // mouse interrupt on
        h.outb(kCmd, 0xd4);
        h.outb(kData, 0xf4);  // enable reporting: three-byte packets
        EXPECT_EQ(h.inb(kData), 0xfa);
        EXPECT_FALSE(output_full());
    }

    // Every packet the controller has, read three bytes at a time as the guest's driver does.
    std::vector<Packet> read_packets() {
        std::vector<Packet> packets;
        while (output_full()) {
            uint8_t bytes[3];
            for (uint8_t& b : bytes) {
                EXPECT_TRUE(h.inb(kCmd) & kStatusMouseData);
                b = h.inb(kData);
            }
            EXPECT_TRUE(bytes[0] & 0x08) << "packets stay aligned";
            int dx = bytes[1] - ((bytes[0] & 0x10) ? 256 : 0);
            packets.push_back({uint8_t(bytes[0] & 0x07), dx});
        }
        return packets;
    }
    void fill_with_motion(int moves) {
        for (int i = 0; i < moves; i++)
            kbc.relative_motion({.dx = 10});
    }
};

// Each change of the buttons, with how far the pointer had moved when the guest saw it.
struct Change {
    uint8_t buttons;
    int x;
    bool operator==(const Change&) const = default;
};

std::vector<Change> changes(const std::vector<Packet>& packets) {
    std::vector<Change> out;
    int x = 0;
    uint8_t held = 0;
    for (const Packet& p : packets) {
        x += p.dx;
        if (p.buttons != held) out.push_back({p.buttons, x});
        held = p.buttons;
    }
    return out;
}

TEST_F(Ps2MouseClickTest, QuickClicksWhileTheQueueIsFullAllArrive) {
    fill_with_motion(10);  // 30 bytes of packets for a 16-byte queue
    for (int i = 0; i < 5; i++) {
        kbc.relative_motion({.buttons = kButtonLeft});
        kbc.relative_motion({.dx = 1, .buttons = kButtonLeft});
        kbc.relative_motion({.buttons = 0});
    }
    std::vector<Packet> packets = read_packets();
    int x = 0;
    for (const Packet& p : packets)
        x += p.dx;
    EXPECT_EQ(x, 105) << "no motion lost";
    // Motion up to a change goes out with it: the first press carries the motion that
    // waited and the first drag step.
    EXPECT_EQ(changes(packets), (std::vector<Change>{{1, 101},
                                                     {0, 101},
                                                     {1, 102},
                                                     {0, 102},
                                                     {1, 103},
                                                     {0, 103},
                                                     {1, 104},
                                                     {0, 104},
                                                     {1, 105},
                                                     {0, 105}}));
}

TEST_F(Ps2MouseClickTest, ClicksPastTheBoundMergeAndEndAsTheHostLeftThem) {
    fill_with_motion(10);
    for (int i = 0; i < 500; i++) {
        kbc.relative_motion({.buttons = kButtonRight});
        kbc.relative_motion({.buttons = 0});
    }
    kbc.relative_motion({.buttons = kButtonMiddle});
    std::vector<Change> seen = changes(read_packets());
    ASSERT_FALSE(seen.empty());
    EXPECT_GE(seen.size(), 2u * 30) << "many clicks arrive";
    EXPECT_LT(seen.size(), 2u * 100) << "but the host-side queue is bounded";
    EXPECT_EQ(seen.back().buttons, kButtonMiddle) << "the buttons end as the host holds them";
}

}  // namespace
}  // namespace kemu
