// VBE packed-pixel and direct-colour modes. The guest writes these through the linear
// framebuffer, which is plain RAM the device never sees, so each visible line is
// compared with a copy of what was drawn last time.
#include <algorithm>
#include <cstring>

#include "hw/display/vga_renderer.h"

namespace kemu {

namespace {

uint8_t scale5(unsigned v) {
    return uint8_t((v << 3) | (v >> 2));
}
uint8_t scale6(unsigned v) {
    return uint8_t((v << 2) | (v >> 4));
}

// Converts `width` pixels of little-endian guest data at `bpp` into xRGB.
void convert_line(const uint8_t* src, unsigned width, unsigned bpp, const FrameFormat& f,
                  uint32_t* px) {
    for (unsigned x = 0; x < width; x++) {
        switch (bpp) {
            case 8:
                px[x] = f.palette[src[x]];
                break;
            case 15: {
                unsigned v = src[2 * x] | (src[2 * x + 1] << 8);
                px[x] = xrgb(scale5((v >> 10) & 31), scale5((v >> 5) & 31), scale5(v & 31));
                break;
            }
            case 16: {
                unsigned v = src[2 * x] | (src[2 * x + 1] << 8);
                px[x] = xrgb(scale5(v >> 11), scale6((v >> 5) & 63), scale5(v & 31));
                break;
            }
            case 24:
                px[x] = xrgb(src[3 * x + 2], src[3 * x + 1], src[3 * x]);
                break;
            default: {  // 32
                uint32_t v;
                std::memcpy(&v, src + 4 * x, 4);
                px[x] = v & 0x00ffffff;
                break;
            }
        }
    }
}

}  // namespace

void VgaRenderer::render_vbe(const VgaRenderInput& in, const FrameFormat& f, bool full,
                             DisplaySurface& s) {
    unsigned width = unsigned(f.width);
    size_t line_bytes = size_t(width) * ((f.vbe_bpp + 7) / 8);
    if (full) vbe_shadow_.assign(line_bytes * size_t(f.height), 0);
    for (int y = 0; y < f.height; y++) {
        uint64_t src = f.start + uint64_t(y) * f.stride;
        uint8_t* shadow = vbe_shadow_.data() + size_t(y) * line_bytes;
        uint32_t* row = s.row(y);
        if (src + line_bytes > in.vram.size()) {
            // Scrolled past the end of VRAM (the DISPI fixups prevent it; a state load
            // might not): nothing drives these lines.
            if (full) {
                std::fill_n(row, width, 0u);
                s.mark_dirty({0, y, f.width, 1});
            }
            continue;
        }
        const uint8_t* line = in.vram.data() + src;
        if (!full && std::memcmp(shadow, line, line_bytes) == 0) continue;
        std::memcpy(shadow, line, line_bytes);
        convert_line(line, width, f.vbe_bpp, f, row);
        s.mark_dirty({0, y, f.width, 1});
    }
}

}  // namespace kemu
