#include <gtest/gtest.h>

#include <random>

#include "tests/unit/hw/devices/device_harness.h"
#include "tests/unit/hw/display/vga_test_util.h"

namespace kemu {
namespace {

using test::VgaFixture;

class VgaPortsTest : public VgaFixture {};

TEST_F(VgaPortsTest, IndexedRegistersReadBackAndWordOutWritesIndexThenData) {
    outw(0x3c4, 0x0f02);  // SR2 = 0x0F
    EXPECT_EQ(inb(0x3c4), 0x02);
    EXPECT_EQ(inb(0x3c5), 0x0f);
    outb(0x3ce, 0x08);
    outb(0x3cf, 0x5a);
    EXPECT_EQ(inb(0x3cf), 0x5a);
    outb(0x3c2, 0x67);  // colour emulation
    EXPECT_EQ(inb(0x3cc), 0x67);
    outw(0x3d4, 0x340e);
    EXPECT_EQ(inb(0x3d5), 0x34);
}

TEST_F(VgaPortsTest, AttributeFlipFlopAlternatesAndStatusReadResetsIt) {
    outb(0x3c2, 0x01);
    inb(0x3da);
    outb(0x3c0, 0x05);  // index
    outb(0x3c0, 0x2a);  // data
    outb(0x3c0, 0x25);  // index 5 again, palette source bit set
    EXPECT_EQ(inb(0x3c0), 0x25);
    EXPECT_EQ(inb(0x3c1), 0x2a);
    outb(0x3c0, 0x3f);  // data for index 5: palette registers keep 6 bits
    EXPECT_EQ(inb(0x3c1), 0x3f);

    outb(0x3c0, 0x06);  // index 6 ...
    inb(0x3da);         // ... but the flip-flop is reset before its data
    outb(0x3c0, 0x07);  // so this is an index, not data for register 6
    EXPECT_EQ(inb(0x3c0), 0x07);
    outb(0x3c0, 0x11);
    outb(0x3c0, 0x06);
    EXPECT_EQ(inb(0x3c1), 0x00) << "register 6 must not have been written";
}

TEST_F(VgaPortsTest, DacIndexAutoIncrementsAfterThreeComponents) {
    outb(0x3c8, 5);
    for (uint8_t v : {1, 2, 3, 4, 5, 0xff})
        outb(0x3c9, v);
    EXPECT_EQ(inb(0x3c8), 7);
    EXPECT_EQ(inb(0x3c7), 0x00) << "DAC state: write mode";
    outb(0x3c7, 5);
    EXPECT_EQ(inb(0x3c7), 0x03) << "DAC state: read mode";
    for (uint8_t want : {1, 2, 3, 4, 5, 0x3f})
        EXPECT_EQ(inb(0x3c9), want);
    // Reads run on into the following entry just as writes do.
    outb(0x3c8, 7);
    for (uint8_t v : {9, 10, 11})
        outb(0x3c9, v);
    outb(0x3c7, 6);
    for (int i = 0; i < 3; i++)
        inb(0x3c9);
    EXPECT_EQ(inb(0x3c9), 9);
}

TEST_F(VgaPortsTest, CrtcProtectBitLocksTimingRegistersExceptLineCompareBit) {
    outb(0x3c2, 0x01);
    write_crtc(0x00, 0x5f);
    write_crtc(0x07, 0x00);
    write_crtc(0x11, 0x80);
    write_crtc(0x00, 0x11);
    write_crtc(0x07, 0xff);
    write_crtc(0x0e, 0x12);  // outside the protected range
    outb(0x3d4, 0x00);
    EXPECT_EQ(inb(0x3d5), 0x5f);
    outb(0x3d4, 0x07);
    EXPECT_EQ(inb(0x3d5), 0x10);
    outb(0x3d4, 0x0e);
    EXPECT_EQ(inb(0x3d5), 0x12);
}

TEST_F(VgaPortsTest, MiscOutputBitZeroMovesCrtcBetweenMonoAndColourPorts) {
    outb(0x3c2, 0x00);  // monochrome: 0x3B4
    outw(0x3b4, 0x770f);
    EXPECT_EQ(inb(0x3b5), 0x77);
    EXPECT_EQ(inb(0x3d5), 0xff) << "colour port is dead in mono emulation";
    outw(0x3d4, 0x110f);  // ignored
    outb(0x3c2, 0x01);
    outb(0x3d4, 0x0f);
    EXPECT_EQ(inb(0x3d5), 0x77) << "one CRTC behind both addresses";
    EXPECT_EQ(inb(0x3b5), 0xff);
}

TEST_F(VgaPortsTest, InputStatusOneRetraceBitsToggleSoPollingLoopsEnd) {
    outb(0x3c2, 0x01);
    uint8_t a = inb(0x3da), b = inb(0x3da);
    EXPECT_EQ((a ^ b) & 0x09, 0x09);
    EXPECT_EQ(inb(0x3ba), 0xff) << "mono status port is dead in colour emulation";
    outb(0x3da, 0x01);  // feature control
    EXPECT_EQ(inb(0x3ca), 0x01);
}

TEST_F(VgaPortsTest, StateSurvivesSaveAndLoad) {
    set_mode(test::kMode3);
    load_text_palette();
    writeb(0xb8000, 'Z');
    auto other = Vga::create("vga1", clock);
    ASSERT_TRUE(other.ok());
    test::copy_state(*vga, **other);
    vga->refresh();
    (*other)->refresh();
    ASSERT_EQ((*other)->surface().width(), 720);
    EXPECT_TRUE(std::equal(vga->surface().pixels().begin(), vga->surface().pixels().end(),
                           (*other)->surface().pixels().begin()));
    EXPECT_EQ((*other)->vram()[0], 'Z');
}

TEST_F(VgaPortsTest, RandomGuestAccessesNeverBreakTheModel) {
    std::mt19937 rng(1234);
    auto pick = [&](uint32_t n) { return uint32_t(rng() % n); };
    for (int round = 0; round < 200; round++) {
        for (int i = 0; i < 200; i++) {
            switch (pick(5)) {
                case 0:
                    outb(uint16_t(0x3b0 + pick(0x30)), uint8_t(rng()));
                    break;
                case 1:
                    inb(uint16_t(0x3b0 + pick(0x30)));
                    break;
                case 2:
                    dispi(uint16_t(pick(12)), uint16_t(pick(4) == 0 ? rng() : pick(1200)));
                    break;
                case 3:
                    writeb(0xa0000 + pick(0x20000), uint8_t(rng()));
                    break;
                default:
                    readb(0xa0000 + pick(0x20000));
                    break;
            }
        }
        vga->refresh();
        const DisplaySurface& s = vga->surface();
        ASSERT_EQ(s.pixels().size(), size_t(s.width()) * size_t(s.height()));
        for (const Rect& r : vga->surface().take_dirty()) {
            ASSERT_GE(r.x, 0);
            ASSERT_GE(r.y, 0);
            ASSERT_LE(r.x + r.width, s.width());
            ASSERT_LE(r.y + r.height, s.height());
        }
    }
}

TEST_F(VgaPortsTest, CreateRejectsOddVramSizes) {
    EXPECT_FALSE(Vga::create("v", clock, 3 << 20).ok());
    EXPECT_FALSE(Vga::create("v", clock, 512 << 20).ok());
    EXPECT_TRUE(Vga::create("v", clock, 1 << 20).ok());
}

}  // namespace
}  // namespace kemu
