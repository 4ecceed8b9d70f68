// Text modes: character codes in plane 0, attributes in plane 1, glyphs in plane 2 at
// 32 bytes per character, as the BIOS loads them. Each cell's state (code, attribute,
// cursor, blink) is compared with the last frame's, so only changed cells are drawn.
#include <algorithm>

#include "hw/display/vga_crtc_address.h"
#include "hw/display/vga_renderer.h"

namespace kemu {

using namespace vga;

namespace {

constexpr unsigned kGlyphBytes = 32;
constexpr unsigned kFontBytes = 256 * kGlyphBytes;
constexpr uint64_t kTextPlaneWrap = 0xffff;
constexpr uint32_t kCellCursor = 1u << 16;
constexpr uint32_t kCellBlinkHidden = 1u << 17;
constexpr uint32_t kCellNeverDrawn = ~0u;

uint8_t plane_byte(std::span<const uint8_t> vram, uint64_t offset, unsigned plane) {
    uint64_t at = offset * 4 + plane;
    return at < vram.size() ? vram[at] : 0;
}

struct CursorShape {
    bool visible;
    unsigned first;
    unsigned last;
};

// CR0A bit 5 turns the cursor off; a start line past the end line shows none.
CursorShape cursor_shape(const FrameFormat& f) {
    unsigned first = f.cursor_start & 0x1f;
    unsigned last = std::min<unsigned>(f.cursor_end & 0x1f, f.char_height - 1);
    return {!(f.cursor_start & 0x20) && first <= last, first, last};
}

void draw_cell(const VgaRenderInput& in, const FrameFormat& f, uint32_t cell, int x0, int y0,
               const CursorShape& cursor, DisplaySurface& s) {
    uint8_t ch = uint8_t(cell);
    uint8_t attr = uint8_t(cell >> 8);
    uint32_t fg = f.palette[attr & 0x0f];
    // With blinking enabled, attribute bit 7 blinks the character instead of
    // brightening the background.
    uint32_t bg = f.palette[f.blink_enabled ? (attr >> 4) & 7 : attr >> 4];
    if (cell & kCellBlinkHidden) fg = bg;
    unsigned font = (attr & 0x08) ? f.font_a : f.font_b;
    bool extend_ninth = f.line_graphics && ch >= 0xc0 && ch <= 0xdf;
    for (unsigned line = 0; line < f.char_height; line++) {
        uint8_t bits =
            line < kGlyphBytes ? plane_byte(in.vram, font + ch * kGlyphBytes + line, 2) : 0;
        bool cursor_line = (cell & kCellCursor) && line >= cursor.first && line <= cursor.last;
        if (cursor_line) bits = 0xff;
        uint32_t* px = s.row(y0 + int(line)) + x0;
        for (unsigned x = 0; x < 8; x++)
            px[x] = (bits & (0x80 >> x)) ? fg : bg;
        if (f.char_width == 9) px[8] = (cursor_line || (extend_ninth && (bits & 1))) ? fg : bg;
    }
}

}  // namespace

void VgaRenderer::render_text(const VgaRenderInput& in, const FrameFormat& f, bool full,
                              DisplaySurface& s) {
    unsigned cols = f.char_clocks;
    unsigned rows = unsigned(f.height) / f.char_height;
    // A new font redraws everything: glyph bytes are not part of the cell state.
    for (unsigned font : {f.font_a, f.font_b})
        if (in.dirty.any(uint64_t(font) * 4, uint64_t(font + kFontBytes) * 4 - 1, 0x04))
            full = true;
    if (full) text_cells_.assign(size_t(cols) * rows, kCellNeverDrawn);
    CursorShape cursor = cursor_shape(f);
    bool show_cursor = cursor.visible && in.cursor_visible_phase;
    uint16_t cursor_ma = in.regs.cursor_address();
    for (unsigned row = 0; row < rows; row++) {
        int changed_first = -1, changed_last = -1;
        for (unsigned col = 0; col < cols; col++) {
            uint64_t ma = f.start + uint64_t(row) * f.stride + col;
            uint64_t offset = crtc_address(ma, 0, f.address_mode, kTextPlaneWrap);
            uint8_t ch = plane_byte(in.vram, offset, 0);
            uint8_t attr = plane_byte(in.vram, offset, 1);
            uint32_t cell = ch | (uint32_t(attr) << 8);
            if (show_cursor && (ma & 0xffff) == cursor_ma) cell |= kCellCursor;
            if (f.blink_enabled && (attr & 0x80) && !in.blink_visible_phase)
                cell |= kCellBlinkHidden;
            uint32_t& cached = text_cells_[size_t(row) * cols + col];
            if (cached == cell) continue;
            cached = cell;
            draw_cell(in, f, cell, int(col * f.char_width), int(row * f.char_height), cursor, s);
            if (changed_first < 0) changed_first = int(col);
            changed_last = int(col);
        }
        if (changed_first >= 0)
            s.mark_dirty({changed_first * int(f.char_width), int(row * f.char_height),
                          (changed_last - changed_first + 1) * int(f.char_width),
                          int(f.char_height)});
    }
}

}  // namespace kemu
