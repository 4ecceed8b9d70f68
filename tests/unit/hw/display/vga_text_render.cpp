// Renders text through the VGA model and writes a PPM screendump, for the OCR test:
//   vga-text-render FONT OUT.ppm [LINE...]
// FONT is a raw 8x16 font (256 glyphs, 4096 bytes). The program sets mode 3 and loads
// the font into plane 2 as the VGA BIOS does, writes each LINE to a row of the screen
// (light grey on blue, the first with a white-on-red attribute), then refreshes and dumps.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/unit/hw/display/vga_bench.h"
#include "ui/screendump.h"

int main(int argc, char** argv) {
    using namespace kemu;
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s FONT OUT.ppm [LINE...]\n", argv[0]);
        return 2;
    }
    std::ifstream in(argv[1], std::ios::binary);
    std::vector<uint8_t> font{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (font.size() != 256 * 16) {
        std::fprintf(stderr, "%s: expected a 4096-byte 8x16 font\n", argv[1]);
        return 2;
    }
    test::VgaBench bench;
    bench.set_mode(test::kMode3);
    bench.load_text_palette();
    bench.load_font(font, 16);
    for (unsigned i = 0; i < 80 * 25; i++)
        bench.put_char(i % 80, i / 80, ' ', 0x17);
    for (int line = 3; line < argc && line - 3 < 25; line++) {
        std::string text = argv[line];
        for (unsigned col = 0; col < text.size() && col < 80; col++)
            bench.put_char(col, unsigned(line - 3), uint8_t(text[col]), line == 3 ? 0x4f : 0x17);
    }
    bench.vga->refresh();
    Result<void> written = write_screendump(bench.vga->surface(), argv[2], ImageFormat::Ppm);
    if (!written) {
        std::fprintf(stderr, "%s\n", written.error().message().c_str());
        return 1;
    }
    return 0;
}
