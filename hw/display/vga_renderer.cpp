// Frame format selection: which renderer runs and with what geometry and palette.
#include "hw/display/vga_renderer.h"

#include <algorithm>

#include "hw/display/vga_crtc_address.h"
#include "hw/display/vga_palette.h"

namespace kemu {

using namespace vga;

namespace {

constexpr uint64_t kLegacyPlaneWrap = 0xffff;

// Plane 2 offsets of the eight font slots a 3-bit SR3 map number selects.
constexpr unsigned kFontSlotOffset[8] = {0x0000, 0x4000, 0x8000, 0xc000,
                                         0x2000, 0x6000, 0xa000, 0xe000};

void attribute_palette(const VgaRegisters& r, bool dac_8bit, FrameFormat& f) {
    for (unsigned c = 0; c < 16; c++)
        f.palette[c] = dac_color(r.dac, attribute_to_dac(r, uint8_t(c)), dac_8bit);
}

void dac_palette(const VgaRegisters& r, bool dac_8bit, FrameFormat& f) {
    for (unsigned i = 0; i < 256; i++)
        f.palette[i] = dac_color(r.dac, uint8_t(i), dac_8bit);
}

// Scan lines after CR09's double scanning, which repeats every line.
unsigned scanned_lines(const VgaRegisters& r) {
    unsigned lines = r.display_lines();
    if (r.crtc[kCrMaxScanLine] & 0x80) lines /= 2;
    return std::max(lines, 1u);
}

}  // namespace

FrameFormat VgaRenderer::text_format(const VgaRenderInput& in) const {
    const VgaRegisters& r = in.regs;
    FrameFormat f;
    f.kind = FrameFormat::Kind::Text;
    f.char_clocks = r.char_clocks();
    f.char_width = (r.seq[kSrClocking] & kSr1EightDot) ? 8 : 9;
    f.char_height = (r.crtc[kCrMaxScanLine] & 0x1f) + 1u;
    unsigned rows = std::max(scanned_lines(r) / f.char_height, 1u);
    f.width = int(f.char_clocks * f.char_width);
    f.height = int(rows * f.char_height);
    f.start = r.start_address();
    f.stride = r.crtc[kCrOffset] * 2u;
    f.address_mode = crtc_address_mode(r);
    uint8_t sr3 = r.seq[kSrCharMap];
    f.font_a = kFontSlotOffset[((sr3 >> 2) & 3) | ((sr3 >> 3) & 4)];
    f.font_b = kFontSlotOffset[(sr3 & 3) | ((sr3 >> 2) & 4)];
    f.blink_enabled = r.ac[kArMode] & kAr10Blink;
    f.line_graphics = r.ac[kArMode] & kAr10LineGraphics;
    f.cursor_start = r.crtc[kCrCursorStart];
    f.cursor_end = r.crtc[kCrCursorEnd];
    attribute_palette(r, in.vbe.dac_8bit(), f);
    return f;
}

FrameFormat VgaRenderer::graphics_format(const VgaRenderInput& in) const {
    const VgaRegisters& r = in.regs;
    FrameFormat f;
    uint8_t shift = r.gc[kGrMode];
    f.kind = (shift & kGr5Shift256)          ? FrameFormat::Kind::Packed256
             : (shift & kGr5ShiftInterleave) ? FrameFormat::Kind::Cga
                                             : FrameFormat::Kind::Planar;
    f.char_clocks = r.char_clocks();
    // A character clock shows 8 pixels, or 4 when two clocks' bits make one 8-bit pixel.
    f.width = int(f.char_clocks * (f.kind == FrameFormat::Kind::Packed256 ? 4 : 8));
    f.address_mode = crtc_address_mode(r);
    unsigned lines = scanned_lines(r);
    unsigned row_lines = (r.crtc[kCrMaxScanLine] & 0x1f) + 1u;
    // Without row-scan substitution every line of a CRTC row repeats the same data:
    // draw it once (mode 13h is 320x200, not 320x400).
    if (crtc_substitutes_row_scan(f.address_mode)) {
        f.char_height = row_lines;
        f.height = int(lines);
    } else {
        f.char_height = 1;
        f.height = int(std::max(lines / row_lines, 1u));
    }
    f.start = r.start_address();
    f.stride = r.crtc[kCrOffset] * 2u;
    f.wrap_mask = kLegacyPlaneWrap;
    if (f.kind == FrameFormat::Kind::Packed256)
        dac_palette(r, in.vbe.dac_8bit(), f);
    else
        attribute_palette(r, in.vbe.dac_8bit(), f);
    return f;
}

FrameFormat VgaRenderer::vbe_format(const VgaRenderInput& in) const {
    VbeDispi::Geometry g = in.vbe.geometry();
    FrameFormat f;
    f.width = int(g.xres);
    f.height = int(g.yres);
    f.start = g.start;
    f.stride = g.line_bytes;
    if (g.bpp == 4) {
        // SeaBIOS sets VGA mode 6Ah first, so the attribute palette is the VGA's.
        f.kind = FrameFormat::Kind::Planar;
        f.char_clocks = g.xres / 8;
        f.char_height = 1;
        f.address_mode = kAddrLinear;
        f.wrap_mask = in.vram.size() / 4 - 1;
        attribute_palette(in.regs, in.vbe.dac_8bit(), f);
        return f;
    }
    f.kind = FrameFormat::Kind::Vbe;
    f.vbe_bpp = g.bpp;
    if (g.bpp == 8) dac_palette(in.regs, in.vbe.dac_8bit(), f);
    return f;
}

void VgaRenderer::render(const VgaRenderInput& in, DisplaySurface& surface) {
    const VgaRegisters& r = in.regs;
    FrameFormat f;
    bool blanked = !(r.ac_index & kArIndexPaletteSource) || (r.seq[kSrClocking] & kSr1ScreenOff);
    if (in.vbe.enabled()) {
        f = vbe_format(in);
    } else if (blanked) {
        f.kind = FrameFormat::Kind::Blank;
        f.width = surface.width();
        f.height = surface.height();
    } else if (r.ac[kArMode] & kAr10Graphics) {
        f = graphics_format(in);
    } else {
        f = text_format(in);
    }
    bool full = !have_format_ || f != format_;
    format_ = f;
    have_format_ = true;
    if (full) surface.resize(f.width, f.height);
    switch (f.kind) {
        case FrameFormat::Kind::Blank:
            if (!full) return;
            for (int y = 0; y < surface.height(); y++)
                std::fill_n(surface.row(y), surface.width(), 0u);
            surface.mark_all_dirty();
            return;
        case FrameFormat::Kind::Text:
            return render_text(in, f, full, surface);
        case FrameFormat::Kind::Vbe:
            return render_vbe(in, f, full, surface);
        case FrameFormat::Kind::Planar:
        case FrameFormat::Kind::Cga:
        case FrameFormat::Kind::Packed256:
            return render_graphics(in, f, full, surface);
    }
}

}  // namespace kemu
