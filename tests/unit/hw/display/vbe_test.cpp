#include "hw/display/vbe.h"

#include <gtest/gtest.h>

#include "tests/unit/hw/display/vga_test_util.h"

namespace kemu {
namespace {

using test::kLfbBase;
using test::kMmioBase;
using test::VgaFixture;

class VbeTest : public VgaFixture {
  protected:
    void set_vbe_mode(uint16_t x, uint16_t y, uint16_t bpp, uint16_t flags) {
        dispi(VbeDispi::kEnable, 0);
        dispi(VbeDispi::kXres, x);
        dispi(VbeDispi::kYres, y);
        dispi(VbeDispi::kBpp, bpp);
        dispi(VbeDispi::kEnable, VbeDispi::kEnabled | flags);
    }
};

TEST_F(VbeTest, IdentifiesAndReportsCapabilities) {
    EXPECT_EQ(dispi_read(VbeDispi::kId), 0xb0c5);
    dispi(VbeDispi::kId, 0xb0c0);
    EXPECT_EQ(dispi_read(VbeDispi::kId), 0xb0c0);
    dispi(VbeDispi::kId, 0x1234);  // not an interface version: ignored
    EXPECT_EQ(dispi_read(VbeDispi::kId), 0xb0c0);
    EXPECT_EQ(dispi_read(VbeDispi::kVideoMemory64k), 256) << "16 MiB";
    dispi(VbeDispi::kXres, 640);
    dispi(VbeDispi::kEnable, VbeDispi::kGetCaps);
    EXPECT_EQ(dispi_read(VbeDispi::kXres), VbeDispi::kMaxXres);
    EXPECT_EQ(dispi_read(VbeDispi::kYres), VbeDispi::kMaxYres);
    EXPECT_EQ(dispi_read(VbeDispi::kBpp), 32);
    dispi(VbeDispi::kEnable, 0);
    EXPECT_EQ(dispi_read(VbeDispi::kXres), 640);
}

TEST_F(VbeTest, LfbWriteShowsInAnUpdated800x600x32Surface) {
    set_vbe_mode(800, 600, 32, VbeDispi::kLfbEnabled);
    EXPECT_EQ(dispi_read(VbeDispi::kEnable), VbeDispi::kEnabled | VbeDispi::kLfbEnabled);
    EXPECT_EQ(dispi_read(VbeDispi::kVirtWidth), 800);
    (void)mem.write(kLfbBase + (10 * 800 + 20) * 4, 4, 0x00123456);
    vga->refresh();
    ASSERT_EQ(vga->surface().width(), 800);
    ASSERT_EQ(vga->surface().height(), 600);
    EXPECT_EQ(vga->surface().pixel(20, 10), 0x123456u);
    (void)vga->surface().take_dirty();

    vga->refresh();
    EXPECT_TRUE(vga->surface().take_dirty().empty()) << "nothing changed";
    (void)mem.write(kLfbBase + (599 * 800 + 799) * 4, 4, 0x00abcdef);
    vga->refresh();
    std::vector<Rect> dirty = vga->surface().take_dirty();
    ASSERT_EQ(dirty.size(), 1u);
    EXPECT_EQ(dirty[0], (Rect{0, 599, 800, 1}));
    EXPECT_EQ(vga->surface().pixel(799, 599), 0xabcdefu);
}

TEST_F(VbeTest, EnableClearsVramUnlessNoClearMem) {
    vga->refresh();
    (void)mem.write(kLfbBase, 4, 0xffffffff);
    set_vbe_mode(640, 480, 32, VbeDispi::kNoClearMem);
    vga->refresh();
    EXPECT_EQ(vga->surface().pixel(0, 0), 0xffffffu);
    set_vbe_mode(640, 480, 32, 0);
    vga->refresh();
    EXPECT_EQ(vga->surface().pixel(0, 0), 0u);
}

TEST_F(VbeTest, PixelFormats) {
    set_vbe_mode(64, 8, 16, 0);
    (void)mem.write(kLfbBase, 2, 0xf800);  // 5-6-5 red
    (void)mem.write(kLfbBase + 2, 2, 0x07e0);
    vga->refresh();
    EXPECT_EQ(vga->surface().pixel(0, 0), 0xff0000u);
    EXPECT_EQ(vga->surface().pixel(1, 0), 0x00ff00u);
    set_vbe_mode(64, 8, 15, VbeDispi::kNoClearMem);
    vga->refresh();
    EXPECT_EQ(vga->surface().pixel(1, 0), 0x08ff00u) << "0x07e0 in 5-5-5: full green, red 1";
    set_vbe_mode(64, 8, 24, 0);
    (void)mem.write(kLfbBase + 3, 4, 0x00112233);  // pixel 1: B=33 G=22 R=11
    vga->refresh();
    EXPECT_EQ(vga->surface().pixel(1, 0), 0x112233u);
    set_vbe_mode(64, 8, 8, 0);
    set_dac(7, 0, 0, 63);
    (void)mem.write(kLfbBase + 5, 1, 7);
    vga->refresh();
    EXPECT_EQ(vga->surface().pixel(5, 0), 0x0000ffu);
}

TEST_F(VbeTest, EightBitDacKeepsFullComponents) {
    set_vbe_mode(64, 8, 8, VbeDispi::kDac8Bit);
    set_dac(1, 0x80, 0x40, 0xff);
    outb(0x3c7, 1);
    EXPECT_EQ(inb(0x3c9), 0x80);
    (void)mem.write(kLfbBase, 1, 1);
    vga->refresh();
    EXPECT_EQ(vga->surface().pixel(0, 0), 0x8040ffu);
}

TEST_F(VbeTest, BankedWindowReachesVramPastTheFirst64K) {
    set_vbe_mode(640, 480, 8, 0);
    write_gc(6, 0x05);  // A0000, 64 KiB, as the VGA BIOS sets after a VBE mode set
    dispi(VbeDispi::kBank, 2);
    writeb(0xa0000 + 0x10, 0x77);
    EXPECT_EQ(vga->vram()[2 * 0x10000 + 0x10], 0x77);
    EXPECT_EQ(readb(0xa0000 + 0x10), 0x77);
    uint64_t v = 0;
    (void)mem.read(kLfbBase + 2 * 0x10000 + 0x10, 1, &v);
    EXPECT_EQ(v, 0x77u);
}

TEST_F(VbeTest, FourBppModesArePlanarThroughTheWindow) {
    set_mode(test::kMode12);  // SeaBIOS sets the planar VGA mode 6Ah first
    load_text_palette();
    set_vbe_mode(800, 600, 4, 0);
    write_gc(1, 0x0f);
    write_gc(0, 0x0e);  // yellow
    write_gc(8, 0x80);
    uint64_t offset = 599 * 100 + 99;  // 100 plane bytes per line: the last byte of the last line
    readb(0xa0000 + offset);
    writeb(0xa0000 + offset, 0);
    vga->refresh();
    ASSERT_EQ(vga->surface().width(), 800);
    ASSERT_EQ(vga->surface().height(), 600);
    EXPECT_EQ(vga->surface().pixel(792, 599), test::ega_rgb(14));
    EXPECT_EQ(vga->surface().pixel(793, 599), 0u);
}

TEST_F(VbeTest, PanningMovesTheVisibleStart) {
    set_vbe_mode(64, 8, 32, 0);
    dispi(VbeDispi::kVirtWidth, 128);
    dispi(VbeDispi::kYOffset, 2);
    dispi(VbeDispi::kXOffset, 4);
    (void)mem.write(kLfbBase + (2 * 128 + 4) * 4, 4, 0x00010203);
    vga->refresh();
    EXPECT_EQ(vga->surface().width(), 64);
    EXPECT_EQ(vga->surface().pixel(0, 0), 0x010203u);
}

TEST_F(VbeTest, ImpossibleModeStaysDisabled) {
    VbeDispi dispi_regs(1 << 20);
    dispi_regs.write(VbeDispi::kXres, 1024);
    dispi_regs.write(VbeDispi::kYres, 768);
    dispi_regs.write(VbeDispi::kBpp, 32);
    EXPECT_EQ(dispi_regs.write(VbeDispi::kEnable, VbeDispi::kEnabled), VbeDispi::Effect::None);
    EXPECT_FALSE(dispi_regs.enabled());
    EXPECT_EQ(dispi_regs.write(VbeDispi::kXres, VbeDispi::kMaxXres + 8), VbeDispi::Effect::None);
    EXPECT_EQ(dispi_regs.read(VbeDispi::kXres), 1024);
    dispi_regs.write(VbeDispi::kBpp, 12);  // not a depth
    EXPECT_EQ(dispi_regs.read(VbeDispi::kBpp), 32);
}

TEST_F(VbeTest, MmioBarReachesDispiVgaPortsAndQemuExtensions) {
    auto mmio_write = [&](uint64_t off, unsigned size, uint64_t v) {
        (void)mem.write(kMmioBase + off, size, v);
    };
    auto mmio_read = [&](uint64_t off, unsigned size) {
        uint64_t v = 0;
        (void)mem.read(kMmioBase + off, size, &v);
        return v;
    };
    EXPECT_EQ(mmio_read(0x500, 2), 0xb0c5u);
    mmio_write(0x500 + 2 * VbeDispi::kXres, 2, 1024);
    mmio_write(0x500 + 2 * VbeDispi::kYres, 2, 768);
    mmio_write(0x500 + 2 * VbeDispi::kBpp, 2, 32);
    mmio_write(0x500 + 2 * VbeDispi::kEnable, 2, VbeDispi::kEnabled | VbeDispi::kLfbEnabled);
    EXPECT_EQ(dispi_read(VbeDispi::kXres), 1024);
    vga->refresh();
    EXPECT_EQ(vga->surface().width(), 1024);
    EXPECT_EQ(mmio_read(0x600, 4), 8u);
    EXPECT_EQ(mmio_read(0x604, 4), 0x1e1e1e1eu);
    // 0x3C8/0x3C9 at 0x408/0x409: a word write sends the index first.
    mmio_write(0x408, 2, 0x2a05);
    mmio_write(0x409, 1, 0x11);
    mmio_write(0x409, 1, 0x12);
    outb(0x3c7, 5);
    EXPECT_EQ(inb(0x3c9), 0x2a);
    EXPECT_EQ(inb(0x3c9), 0x11);
    EXPECT_EQ(inb(0x3c9), 0x12);
    EXPECT_EQ(mmio_read(0x0, 4), 0u) << "no EDID";
}

}  // namespace
}  // namespace kemu
