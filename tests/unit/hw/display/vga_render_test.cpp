#include <gtest/gtest.h>

#include <vector>

#include "tests/unit/hw/display/vga_test_util.h"

namespace kemu {
namespace {

using test::ega_rgb;
using test::VgaFixture;

constexpr int64_t kSecond = 1'000'000'000;

// A 16-line font where glyph c has row 0 = c (so every glyph differs) and row 15 = 0x81.
std::vector<uint8_t> test_font() {
    std::vector<uint8_t> font(256 * 16, 0);
    for (unsigned c = 0; c < 256; c++) {
        font[c * 16] = uint8_t(c);
        font[c * 16 + 15] = 0x81;
    }
    return font;
}

class VgaTextTest : public VgaFixture {
  protected:
    VgaTextTest() {
        set_mode(test::kMode3);
        load_text_palette();
        std::vector<uint8_t> font = test_font();
        load_font(font, 16);
        write_crtc(0x0a, 0x20);  // cursor off unless a test wants it
        // Clear the screen to grey on black, as the BIOS does.
        for (unsigned i = 0; i < 80 * 25; i++)
            put_char(i % 80, i / 80, ' ', 0x07);
    }
    uint32_t px(int x, int y) { return vga->surface().pixel(x, y); }
};

TEST_F(VgaTextTest, CellPixelsAreForegroundWhereTheGlyphHasBits) {
    put_char(2, 1, 0xa5, 0x1e);  // yellow on blue; row 0 = 1010 0101
    vga->refresh();
    ASSERT_EQ(vga->surface().width(), 720);
    ASSERT_EQ(vga->surface().height(), 400);
    int x0 = 2 * 9, y0 = 16;
    const uint32_t fg = ega_rgb(14), bg = ega_rgb(1);
    uint32_t want_row0[9] = {fg, bg, fg, bg, bg, fg, bg, fg, bg};
    for (int x = 0; x < 9; x++)
        EXPECT_EQ(px(x0 + x, y0), want_row0[x]) << "column " << x;
    for (int y = 1; y < 15; y++)
        EXPECT_EQ(px(x0 + 3, y0 + y), bg);
    EXPECT_EQ(px(x0, y0 + 15), fg);
    EXPECT_EQ(px(x0 + 7, y0 + 15), fg);
    EXPECT_EQ(px(x0 + 8, y0 + 15), bg) << "ninth column is background outside 0xC0-0xDF";
}

TEST_F(VgaTextTest, LineGraphicsCharactersExtendIntoTheNinthColumn) {
    put_char(0, 0, 0xc4, 0x07);
    put_char(1, 0, 0xe1, 0x07);
    vga->refresh();
    EXPECT_EQ(px(8, 15), ega_rgb(7)) << "0xC4 repeats its eighth column";
    EXPECT_EQ(px(9 + 8, 15), ega_rgb(0)) << "0xE1 does not";
    write_ac(0x10, 0x08);  // line graphics off
    vga->refresh();
    EXPECT_EQ(px(8, 15), ega_rgb(0));
}

TEST_F(VgaTextTest, EightDotModeNarrowsCells) {
    write_seq(1, 0x01);
    vga->refresh();
    EXPECT_EQ(vga->surface().width(), 640);
}

TEST_F(VgaTextTest, CursorFollowsCrtcAndBlinks) {
    put_char(5, 0, ' ', 0x1f);
    write_crtc(0x0a, 0x0d);
    write_crtc(0x0b, 0x0e);
    write_crtc(0x0e, 0x00);
    write_crtc(0x0f, 0x05);  // cell 5 of row 0
    vga->refresh();
    EXPECT_EQ(px(5 * 9, 13), ega_rgb(15));
    EXPECT_EQ(px(5 * 9 + 8, 14), ega_rgb(15));
    EXPECT_EQ(px(5 * 9, 12), ega_rgb(1));
    EXPECT_EQ(px(5 * 9 + 3, 15), ega_rgb(1));
    clock.step(kSecond / 4);  // into the cursor's off half
    vga->refresh();
    EXPECT_EQ(px(5 * 9, 13), ega_rgb(1));
    clock.step(kSecond / 4);
    vga->refresh();
    EXPECT_EQ(px(5 * 9, 13), ega_rgb(15));
}

TEST_F(VgaTextTest, BlinkAttributeBlinksTextAndDarkensBackground) {
    put_char(0, 0, 0xff, 0x9e);  // blinking yellow on (bright) blue
    vga->refresh();
    EXPECT_EQ(px(0, 0), ega_rgb(14));
    EXPECT_EQ(px(8, 0), ega_rgb(1)) << "bit 7 blinks instead of brightening the background";
    clock.step(kSecond / 2);
    vga->refresh();
    EXPECT_EQ(px(0, 0), ega_rgb(1));
    write_ac(0x10, 0x04);  // blink off: bit 7 is background intensity
    vga->refresh();
    EXPECT_EQ(px(0, 0), ega_rgb(14));
    EXPECT_EQ(px(8, 0), ega_rgb(9));
}

TEST_F(VgaTextTest, UnchangedRefreshReportsNothingAndOneCharDirtiesOneCell) {
    vga->refresh();
    EXPECT_FALSE(vga->surface().take_dirty().empty());
    vga->refresh();
    EXPECT_TRUE(vga->surface().take_dirty().empty());
    put_char(3, 2, 'x', 0x07);
    vga->refresh();
    std::vector<Rect> dirty = vga->surface().take_dirty();
    ASSERT_EQ(dirty.size(), 1u);
    EXPECT_EQ(dirty[0], (Rect{27, 32, 9, 16}));
}

TEST_F(VgaTextTest, PaletteChangeRedrawsEverything) {
    vga->refresh();
    (void)vga->surface().take_dirty();
    set_dac(0x07, 63, 0, 0);
    vga->refresh();
    std::vector<Rect> dirty = vga->surface().take_dirty();
    ASSERT_EQ(dirty.size(), 1u);
    EXPECT_EQ(dirty[0], (Rect{0, 0, 720, 400}));
}

TEST_F(VgaTextTest, ClearedPaletteSourceBitBlanksTheScreen) {
    put_char(0, 0, 0xff, 0x0f);
    vga->refresh();
    EXPECT_EQ(px(0, 0), ega_rgb(15));
    inb(0x3da);
    outb(0x3c0, 0x00);  // CPU owns the palette: display is blank
    vga->refresh();
    EXPECT_EQ(px(0, 0), 0u);
}

class VgaGraphicsTest : public VgaFixture {};

TEST_F(VgaGraphicsTest, Mode13hPixelGoesThroughTheDac) {
    set_mode(test::kMode13);
    set_dac(0x2c, 63, 0, 0);
    writeb(0xa0000 + 5 * 320 + 10, 0x2c);
    vga->refresh();
    ASSERT_EQ(vga->surface().width(), 320);
    ASSERT_EQ(vga->surface().height(), 200);
    EXPECT_EQ(vga->surface().pixel(10, 5), 0xff0000u);
    EXPECT_EQ(vga->surface().pixel(11, 5), 0u);
    (void)vga->surface().take_dirty();
    vga->refresh();
    EXPECT_TRUE(vga->surface().take_dirty().empty());
    writeb(0xa0000 + 199 * 320 + 319, 0x2c);
    vga->refresh();
    std::vector<Rect> dirty = vga->surface().take_dirty();
    // Dirtiness is tracked per 4 KiB of VRAM: the last line and the ones sharing its page.
    ASSERT_EQ(dirty.size(), 1u);
    EXPECT_EQ(dirty[0].y + dirty[0].height, 200);
    EXPECT_LE(dirty[0].height, 4);
    EXPECT_EQ(dirty[0].width, 320);
    EXPECT_EQ(vga->surface().pixel(319, 199), 0xff0000u);
}

TEST_F(VgaGraphicsTest, Mode12hPlanarPixelsThroughAttributePalette) {
    set_mode(test::kMode12);
    load_text_palette();
    write_gc(1, 0x0f);
    write_gc(0, 0x04);  // red
    write_gc(8, 0x81);  // leftmost and rightmost pixel of the byte
    readb(0xa0000 + 3 * 80 + 1);
    writeb(0xa0000 + 3 * 80 + 1, 0);
    vga->refresh();
    ASSERT_EQ(vga->surface().width(), 640);
    ASSERT_EQ(vga->surface().height(), 480);
    EXPECT_EQ(vga->surface().pixel(8, 3), ega_rgb(4));
    EXPECT_EQ(vga->surface().pixel(9, 3), ega_rgb(0));
    EXPECT_EQ(vga->surface().pixel(15, 3), ega_rgb(4));
}

TEST_F(VgaGraphicsTest, Mode4CgaInterlacedTwoBitPixels) {
    set_mode(test::kMode4);
    set_dac(0x13, 0, 63, 63);                 // AR1 = 0x13
    set_dac(0x17, 63, 63, 63);                // AR3 = 0x17
    writeb(0xb8000 + 0x2000 + 80 * 2, 0x1b);  // line 5 (odd bank, row 2): 00 01 10 11
    vga->refresh();
    ASSERT_EQ(vga->surface().width(), 320);
    ASSERT_EQ(vga->surface().height(), 200);
    EXPECT_EQ(vga->surface().pixel(1, 5), 0x00ffffu);
    EXPECT_EQ(vga->surface().pixel(3, 5), 0xffffffu);
    EXPECT_EQ(vga->surface().pixel(3, 4), 0u);
}

}  // namespace
}  // namespace kemu
