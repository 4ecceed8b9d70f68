// Turns the VGA's registers and VRAM into DisplaySurface pixels. A refresh first works
// out the frame's format (mode, geometry, resolved palette); when that is unchanged it
// redraws only what VRAM writes touched (text cells that differ, scan lines over dirty
// pages, VBE lines that differ from the last frame), so a still screen costs a compare.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "hw/display/vbe.h"
#include "hw/display/vga_registers.h"
#include "hw/display/vram_dirty_log.h"
#include "ui/display_surface.h"

namespace kemu {

struct VgaRenderInput {
    const VgaRegisters& regs;
    const VbeDispi& vbe;
    std::span<const uint8_t> vram;
    const VramDirtyLog& dirty;
    bool cursor_visible_phase;  // the cursor's blink cycle is in its "on" half
    bool blink_visible_phase;   // blinking characters are showing
};

// Everything about a frame whose change forces a full redraw.
struct FrameFormat {
    enum class Kind : uint8_t { Blank, Text, Planar, Cga, Packed256, Vbe };
    Kind kind = Kind::Blank;
    int width = 0;
    int height = 0;
    uint64_t start = 0;        // text/graphics: CRTC start address; VBE: byte offset
    uint64_t stride = 0;       // CRTC address units or VBE bytes per line
    unsigned char_clocks = 0;  // CRTC character clocks per line
    unsigned char_width = 0;
    unsigned char_height = 0;  // text: glyph rows; graphics: scan lines per CRTC row
    unsigned font_a = 0;       // plane 2 offsets of the two text fonts
    unsigned font_b = 0;
    uint8_t address_mode = 0;  // see hw/display/vga_crtc_address.h
    uint64_t wrap_mask = 0;    // plane offsets wrap at 64 KiB, or at a VBE planar mode's end
    uint8_t cursor_start = 0;  // CR0A/CR0B: a new cursor shape redraws the screen
    uint8_t cursor_end = 0;
    bool blink_enabled = false;
    bool line_graphics = false;
    unsigned vbe_bpp = 0;
    std::array<uint32_t, 256> palette{};

    bool operator==(const FrameFormat&) const = default;
};

class VgaRenderer {
  public:
    void render(const VgaRenderInput& in, DisplaySurface& surface);
    // The next render redraws the whole frame (after a state load).
    void invalidate() { have_format_ = false; }

  private:
    FrameFormat text_format(const VgaRenderInput& in) const;
    FrameFormat graphics_format(const VgaRenderInput& in) const;
    FrameFormat vbe_format(const VgaRenderInput& in) const;

    void render_text(const VgaRenderInput& in, const FrameFormat& f, bool full, DisplaySurface& s);
    void render_graphics(const VgaRenderInput& in, const FrameFormat& f, bool full,
                         DisplaySurface& s);
    void render_vbe(const VgaRenderInput& in, const FrameFormat& f, bool full, DisplaySurface& s);

    FrameFormat format_;
    bool have_format_ = false;
    std::vector<uint32_t> text_cells_;  // per cell: char, attribute, cursor and blink state
    std::vector<uint8_t> vbe_shadow_;   // the visible VBE lines as last drawn
};

}  // namespace kemu
