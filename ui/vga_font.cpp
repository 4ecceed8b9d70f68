#include "ui/vga_font.h"

#include <algorithm>
#include <vector>

#include "system/log.h"
#include "system/read_file.h"

namespace kemu {

namespace {

// Debian's seabios package first, then where QEMU builds install their firmware.
constexpr const char* kRomPaths[] = {
    "/usr/share/seabios/vgabios-stdvga.bin",
    "/usr/share/qemu/vgabios-stdvga.bin",
    "/usr/local/share/qemu/vgabios-stdvga.bin",
};

constexpr size_t kGlyph = VgaFont::kGlyphHeight;

bool all_bytes(std::span<const uint8_t> bytes, uint8_t value) {
    return std::all_of(bytes.begin(), bytes.end(), [value](uint8_t b) { return b == value; });
}

bool looks_like_font(std::span<const uint8_t> window) {
    auto glyph = [&](unsigned code) { return window.subspan(code * kGlyph, kGlyph); };
    if (!all_bytes(glyph(0xdb), 0xff) || !all_bytes(glyph(0x00), 0) || !all_bytes(glyph(0x20), 0))
        return false;
    for (char c : {'A', 'Z', 'a', 'z', '0', '9'}) {
        auto g = glyph(uint8_t(c));
        if (all_bytes(g, 0) || all_bytes(g, 0xff)) return false;
    }
    return true;
}

}  // namespace

VgaFont::VgaFont(std::span<const uint8_t, kBytes> glyphs) : blank_(false) {
    std::copy(glyphs.begin(), glyphs.end(), glyphs_.begin());
}

Result<size_t> find_vga_font(std::span<const uint8_t> rom) {
    std::vector<size_t> found;
    for (size_t off = 0; off + VgaFont::kBytes <= rom.size(); off++)
        if (looks_like_font(rom.subspan(off, VgaFont::kBytes))) found.push_back(off);
    if (found.size() != 1)
        return Error("expected one 8x16 font in the VGA BIOS, found " +
                     std::to_string(found.size()));
    return found[0];
}

Result<VgaFont> load_vga_font(const std::string& path) {
    auto rom = read_file(path);
    if (!rom) return rom.error().with_context(path);
    auto offset = find_vga_font(*rom);
    if (!offset) return offset.error().with_context(path);
    return VgaFont(
        std::span<const uint8_t, VgaFont::kBytes>(rom->data() + *offset, VgaFont::kBytes));
}

std::shared_ptr<const VgaFont> load_default_vga_font() {
    for (const char* path : kRomPaths) {
        auto font = load_vga_font(path);
        if (font) return std::make_shared<const VgaFont>(*font);
    }
    log_host_warning("no VGA BIOS font found (install seabios): text consoles show no glyphs");
    return std::make_shared<const VgaFont>();
}

}  // namespace kemu
