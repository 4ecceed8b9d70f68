// Drives a Vga the way the VGA BIOS does: standard mode register tables (IBM VGA
// technical reference values), font loading into plane 2 and DAC programming. No
// GoogleTest here: tests/unit/hw/display/vga_text_render.cpp uses it as well.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>

#include "hw/display/vga.h"
#include "system/address_space.h"
#include "system/clock.h"

namespace kemu::test {

struct VgaModeTable {
    uint8_t misc;
    std::array<uint8_t, 5> seq;
    std::array<uint8_t, 25> crtc;
    std::array<uint8_t, 9> gc;
    std::array<uint8_t, 21> ac;
};

// 80x25 text, 9x16 cells.
inline constexpr VgaModeTable kMode3 = {
    0x67,
    {0x03, 0x00, 0x03, 0x00, 0x02},
    {0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00, 0x4f, 0x0d, 0x0e, 0x00,
     0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff},
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x00, 0xff},
    {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a,
     0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x0c, 0x00, 0x0f, 0x08, 0x00},
};

// 640x480, 16 colours, planar.
inline constexpr VgaModeTable kMode12 = {
    0xe3,
    {0x03, 0x01, 0x0f, 0x00, 0x06},
    {0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0x0b, 0x3e, 0x00, 0x40, 0x00, 0x00, 0x00,
     0x00, 0x00, 0x00, 0xea, 0x8c, 0xdf, 0x28, 0x00, 0xe7, 0x04, 0xe3, 0xff},
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0f, 0xff},
    {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a,
     0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x01, 0x00, 0x0f, 0x00, 0x00},
};

// 320x200, 256 colours, chain-4.
inline constexpr VgaModeTable kMode13 = {
    0x63,
    {0x03, 0x01, 0x0f, 0x00, 0x0e},
    {0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0xbf, 0x1f, 0x00, 0x41, 0x00, 0x00, 0x00,
     0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x28, 0x40, 0x96, 0xb9, 0xa3, 0xff},
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0f, 0xff},
    {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
     0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x41, 0x00, 0x0f, 0x00, 0x00},
};

// 320x200, 4 colours, CGA interlaced at 0xB8000 (BIOS mode 4).
inline constexpr VgaModeTable kMode4 = {
    0x63,
    {0x03, 0x09, 0x03, 0x00, 0x02},
    {0x2d, 0x27, 0x28, 0x90, 0x2b, 0x80, 0xbf, 0x1f, 0x00, 0xc1, 0x00, 0x00, 0x00,
     0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x14, 0x00, 0x96, 0xb9, 0xa2, 0xff},
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x0f, 0x0f, 0xff},
    {0x00, 0x13, 0x15, 0x17, 0x02, 0x04, 0x06, 0x07, 0x10, 0x11, 0x12,
     0x13, 0x14, 0x15, 0x16, 0x17, 0x01, 0x00, 0x03, 0x00, 0x00},
};

constexpr uint64_t kLfbBase = 0xe0000000;
constexpr uint64_t kMmioBase = 0xfebf0000;

// A Vga on its own port and memory buses, mapped as the PC machine maps it.
class VgaBench {
  public:
    VgaBench() : vga(Vga::create("vga", clock).value()) {
        (void)io.map(Vga::kPortBase, &vga->io());
        (void)io.map(Vga::kVbePortBase, &vga->vbe_io());
        (void)mem.map(Vga::kWindowBase, &vga->window(), 1);
        (void)mem.map(kLfbBase, &vga->lfb());
        (void)mem.map(kMmioBase, &vga->mmio());
    }

    void outb(uint16_t port, uint8_t v) { (void)io.write(port, 1, v); }
    void outw(uint16_t port, uint16_t v) { (void)io.write(port, 2, v); }
    uint8_t inb(uint16_t port) { return uint8_t(in(port, 1)); }
    uint16_t inw(uint16_t port) { return uint16_t(in(port, 2)); }

    void writeb(uint64_t addr, uint8_t v) { (void)mem.write(addr, 1, v); }
    uint8_t readb(uint64_t addr) {
        uint64_t v = 0;
        (void)mem.read(addr, 1, &v);
        return uint8_t(v);
    }
    void write_seq(uint8_t index, uint8_t v) { outw(0x3c4, uint16_t(index | (v << 8))); }
    void write_gc(uint8_t index, uint8_t v) { outw(0x3ce, uint16_t(index | (v << 8))); }
    void write_crtc(uint8_t index, uint8_t v) { outw(0x3d4, uint16_t(index | (v << 8))); }
    void write_ac(uint8_t index, uint8_t v) {
        inb(0x3da);
        outb(0x3c0, index);
        outb(0x3c0, v);
        outb(0x3c0, 0x20);  // give the palette back to the display
    }
    void set_dac(uint8_t index, uint8_t r, uint8_t g, uint8_t b) {
        outb(0x3c8, index);
        outb(0x3c9, r);
        outb(0x3c9, g);
        outb(0x3c9, b);
    }
    void dispi(uint16_t index, uint16_t value) {
        outw(0x1ce, index);
        outw(0x1cf, value);
    }
    uint16_t dispi_read(uint16_t index) {
        outw(0x1ce, index);
        return inw(0x1cf);
    }

    void set_mode(const VgaModeTable& m) {
        outb(0x3c2, m.misc);
        for (unsigned i = 0; i < m.seq.size(); i++)
            write_seq(uint8_t(i), m.seq[i]);
        write_crtc(0x11, 0x00);  // lift CR0-CR7 write protection first
        for (unsigned i = 0; i < m.crtc.size(); i++)
            write_crtc(uint8_t(i), m.crtc[i]);
        for (unsigned i = 0; i < m.gc.size(); i++)
            write_gc(uint8_t(i), m.gc[i]);
        inb(0x3da);
        for (unsigned i = 0; i < m.ac.size(); i++) {
            outb(0x3c0, uint8_t(i));
            outb(0x3c0, m.ac[i]);
        }
        outb(0x3c0, 0x20);
    }

    // As the BIOS loads a font: planar access to plane 2 at 0xA0000, 32 bytes a glyph.
    void load_font(std::span<const uint8_t> glyphs, unsigned height) {
        uint8_t sr2 = 0, sr4 = 0, gr4 = 0, gr5 = 0, gr6 = 0;
        outb(0x3c4, 2), sr2 = inb(0x3c5);
        outb(0x3c4, 4), sr4 = inb(0x3c5);
        outb(0x3ce, 4), gr4 = inb(0x3cf);
        outb(0x3ce, 5), gr5 = inb(0x3cf);
        outb(0x3ce, 6), gr6 = inb(0x3cf);
        write_seq(2, 0x04);
        write_seq(4, 0x07);
        write_gc(4, 0x02);
        write_gc(5, 0x00);
        write_gc(6, 0x04);
        for (unsigned ch = 0; ch < glyphs.size() / height; ch++)
            for (unsigned line = 0; line < height; line++)
                writeb(0xa0000 + ch * 32 + line, glyphs[ch * height + line]);
        write_seq(2, sr2);
        write_seq(4, sr4);
        write_gc(4, gr4);
        write_gc(5, gr5);
        write_gc(6, gr6);
    }

    // EGA colours for the 16 text attributes under the mode 3 attribute palette.
    void load_text_palette() {
        static constexpr uint8_t kEga[16][3] = {
            {0, 0, 0},    {0, 0, 42},   {0, 42, 0},   {0, 42, 42},  {42, 0, 0},   {42, 0, 42},
            {42, 21, 0},  {42, 42, 42}, {21, 21, 21}, {21, 21, 63}, {21, 63, 21}, {21, 63, 63},
            {63, 21, 21}, {63, 21, 63}, {63, 63, 21}, {63, 63, 63}};
        static constexpr uint8_t kDacIndex[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07,
                                                  0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f};
        for (unsigned c = 0; c < 16; c++)
            set_dac(kDacIndex[c], kEga[c][0], kEga[c][1], kEga[c][2]);
    }

    void put_char(unsigned col, unsigned row, uint8_t ch, uint8_t attr) {
        uint64_t at = 0xb8000 + (row * 80 + col) * 2;
        writeb(at, ch);
        writeb(at + 1, attr);
    }

    ManualClock clock;
    AddressSpace io{"io", 0x10000};
    AddressSpace mem{"memory", uint64_t(1) << 32};
    std::unique_ptr<Vga> vga;

  private:
    uint64_t in(uint16_t port, unsigned size) {
        uint64_t v = 0;
        (void)io.read(port, size, &v);
        return v;
    }
};

// xRGB of the EGA colour `c` as load_text_palette() programs it (6-bit scaled to 8).
inline uint32_t ega_rgb(unsigned c) {
    static constexpr uint32_t kRgb[16] = {
        0x000000, 0x0000aa, 0x00aa00, 0x00aaaa, 0xaa0000, 0xaa00aa, 0xaa5500, 0xaaaaaa,
        0x555555, 0x5555ff, 0x55ff55, 0x55ffff, 0xff5555, 0xff55ff, 0xffff55, 0xffffff};
    return kRgb[c];
}

}  // namespace kemu::test
