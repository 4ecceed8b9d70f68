// Colour lookup shared by the renderers: a 4-bit attribute colour goes through the
// attribute controller's palette to a DAC index, and a DAC entry becomes xRGB.
#pragma once

#include <cstdint>

#include "hw/display/vga_registers.h"
#include "ui/display_surface.h"

namespace kemu {

// DAC entry as xRGB: 6-bit components scale to 8 bits (0x3F -> 0xFF); with the VBE
// 8-bit DAC switch on they are used as written.
inline uint32_t dac_color(const VgaDac& dac, uint8_t index, bool dac_8bit) {
    const uint8_t* c = &dac.rgb[(index & dac.pixel_mask) * 3];
    if (dac_8bit) return xrgb(c[0], c[1], c[2]);
    auto scale = [](uint8_t v) { return uint8_t(((v & 0x3f) << 2) | ((v & 0x3f) >> 4)); };
    return xrgb(scale(c[0]), scale(c[1]), scale(c[2]));
}

// The attribute controller's path for a 4-bit colour: colour plane enable, palette
// register, then bits 4-7 from the colour select register as AR10 bit 7 directs.
inline uint8_t attribute_to_dac(const VgaRegisters& r, uint8_t color) {
    uint8_t entry = r.ac[color & r.ac[vga::kArPlaneEnable] & 0x0f];
    uint8_t select = r.ac[vga::kArColorSelect];
    if (r.ac[vga::kArMode] & vga::kAr10P54Select)
        entry = uint8_t((entry & 0x0f) | ((select & 0x03) << 4));
    return uint8_t((entry & 0x3f) | ((select & 0x0c) << 4));
}

}  // namespace kemu
