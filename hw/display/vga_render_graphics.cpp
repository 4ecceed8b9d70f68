// Graphics modes fed by the planes: 16-colour planar (a bit from each plane makes the
// colour), CGA 4-colour (GR5 interleave: 2-bit pixels from planes 0 and 1), and
// 256-colour (mode 13h: a character clock's four plane bytes are four pixels). Only scan
// lines whose plane bytes sit on pages written since the last refresh are redrawn.
#include <cstring>

#include "hw/display/vga_crtc_address.h"
#include "hw/display/vga_renderer.h"

namespace kemu {

using namespace vga;

namespace {

uint32_t latch_word(std::span<const uint8_t> vram, uint64_t offset) {
    uint32_t word = 0;
    if (offset * 4 + 4 <= vram.size()) std::memcpy(&word, vram.data() + offset * 4, 4);
    return word;
}

void draw_planar(uint32_t word, const FrameFormat& f, uint32_t* px) {
    for (unsigned i = 0; i < 8; i++) {
        unsigned bit = 7 - i;
        unsigned color = ((word >> bit) & 1) | ((word >> (bit + 8 - 1)) & 2) |
                         ((word >> (bit + 16 - 2)) & 4) | ((word >> (bit + 24 - 3)) & 8);
        px[i] = f.palette[color];
    }
}

void draw_cga(uint32_t word, const FrameFormat& f, uint32_t* px) {
    for (unsigned plane = 0; plane < 2; plane++) {
        uint8_t byte = uint8_t(word >> (plane * 8));
        for (unsigned i = 0; i < 4; i++)
            px[plane * 4 + i] = f.palette[(byte >> (6 - 2 * i)) & 3];
    }
}

void draw_packed256(uint32_t word, const FrameFormat& f, uint32_t* px) {
    for (unsigned i = 0; i < 4; i++)
        px[i] = f.palette[(word >> (8 * i)) & 0xff];
}

}  // namespace

void VgaRenderer::render_graphics(const VgaRenderInput& in, const FrameFormat& f, bool full,
                                  DisplaySurface& s) {
    unsigned pixels_per_clock = f.kind == FrameFormat::Kind::Packed256 ? 4 : 8;
    auto draw = f.kind == FrameFormat::Kind::Planar ? draw_planar
                : f.kind == FrameFormat::Kind::Cga  ? draw_cga
                                                    : draw_packed256;
    for (int y = 0; y < f.height; y++) {
        uint64_t ma = f.start + uint64_t(unsigned(y) / f.char_height) * f.stride;
        unsigned scan = unsigned(y) % f.char_height;
        if (!full) {
            uint64_t first = crtc_address(ma, scan, f.address_mode, f.wrap_mask);
            uint64_t last = crtc_address(ma + f.char_clocks - 1, scan, f.address_mode, f.wrap_mask);
            // A line that wraps around the end of the planes checks all of them.
            if (last < first) first = 0, last = f.wrap_mask;
            if (!in.dirty.any(first * 4, last * 4 + 3)) continue;
        }
        uint32_t* row = s.row(y);
        for (unsigned clock = 0; clock < f.char_clocks; clock++) {
            uint64_t offset = crtc_address(ma + clock, scan, f.address_mode, f.wrap_mask);
            draw(latch_word(in.vram, offset), f, row + clock * pixels_per_clock);
        }
        s.mark_dirty({0, y, f.width, 1});
    }
}

}  // namespace kemu
