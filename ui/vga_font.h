// The 8x16 VGA font the text consoles draw with, read at run time from the VGA BIOS
// that Debian's seabios package ships: kemu carries no font of its own, and the glyphs
// then match what the guest's own text mode shows.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "system/error.h"

namespace kemu {

class VgaFont {
  public:
    static constexpr int kGlyphWidth = 8;
    static constexpr int kGlyphHeight = 16;
    static constexpr size_t kBytes = 256 * kGlyphHeight;

    // A font whose every glyph is empty: consoles keep working, showing colours only.
    VgaFont() = default;
    explicit VgaFont(std::span<const uint8_t, kBytes> glyphs);

    // The 16 rows of glyph `code` (code page 437), most significant bit leftmost.
    std::span<const uint8_t, kGlyphHeight> glyph(uint8_t code) const {
        return std::span<const uint8_t, kGlyphHeight>(glyphs_.data() + code * kGlyphHeight,
                                                      kGlyphHeight);
    }
    bool blank() const { return blank_; }

  private:
    std::array<uint8_t, kBytes> glyphs_{};
    bool blank_ = true;
};

// Where the 8x16 font sits in a VGA BIOS image: the one 4096-byte window whose glyphs
// 0x00 and 0x20 are empty, 0xDB is solid and the letters and digits are neither.
Result<size_t> find_vga_font(std::span<const uint8_t> rom);

// Reads the font out of the VGA BIOS at `path`.
Result<VgaFont> load_vga_font(const std::string& path);

// The font from the first VGA BIOS found in the usual share paths; when there is none,
// an empty font, and a one-line warning on stderr (once: call it once per machine).
std::shared_ptr<const VgaFont> load_default_vga_font();

}  // namespace kemu
