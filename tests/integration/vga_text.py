#!/usr/bin/env python3
"""Reads the text off a PPM screendump of a VGA text-mode screen.

Compares text, not pixels: each character cell's foreground mask (pixels that differ
from the cell's most common colour) is matched against the 8x16 glyphs of the VGA BIOS
ROM, so colours, attributes and the renderer's exact palette do not matter.

usage: vga_text.py [--rom PATH] [--cell 9x16|8x16] DUMP.ppm
As a module: screen_text(ppm_path) -> list of lines (trailing blanks stripped).

Limits: a cell of one colour reads as a space (a full block 0xDB looks the same); a cell
the cursor covers is matched ignoring its solid rows; codes print as their CP437
characters (0x10 as \u25ba).
"""

import argparse
import sys

DEFAULT_ROM = "/usr/share/seabios/vgabios-stdvga.bin"
GLYPH_HEIGHT = 16
FONT_BYTES = 256 * GLYPH_HEIGHT


# Python's cp437 codec leaves 0x00-0x1F and 0x7F as control characters; on screen they
# are these symbols.
CP437_LOW = " \u263a\u263b\u2665\u2666\u2663\u2660\u2022\u25d8\u25cb\u25d9\u2642\u2640" \
            "\u266a\u266b\u263c\u25ba\u25c4\u2195\u203c\u00b6\u00a7\u25ac\u21a8\u2191" \
            "\u2193\u2192\u2190\u221f\u2194\u25b2\u25bc"


def code_to_text(code):
    """The character a VGA code page 437 code shows as."""
    if code < 0x20:
        return CP437_LOW[code]
    if code == 0x7F:
        return "\u2302"
    return bytes([code]).decode("cp437")


def find_font(rom):
    """Offset of the 8x16 font in a VGA BIOS image: the one 4096-byte window whose glyphs
    0x00 and 0x20 are blank, 0xDB is solid, and letters are neither."""
    blank, solid = bytes(GLYPH_HEIGHT), b"\xff" * GLYPH_HEIGHT
    found = []
    for off in range(0, len(rom) - FONT_BYTES + 1):
        glyph = lambda c: rom[off + c * GLYPH_HEIGHT: off + (c + 1) * GLYPH_HEIGHT]
        if glyph(0xDB) != solid or glyph(0x00) != blank or glyph(0x20) != blank:
            continue
        if all(glyph(ord(c)) not in (blank, solid) for c in "AZaz09"):
            found.append(off)
    if len(found) != 1:
        raise ValueError("expected one 8x16 font in the ROM, found %d" % len(found))
    return found[0]


def load_font(rom_path=DEFAULT_ROM):
    """The 256 glyphs as a bytes object of 4096 bytes (16 rows per glyph, MSB = left)."""
    with open(rom_path, "rb") as f:
        rom = f.read()
    off = find_font(rom)
    return rom[off: off + FONT_BYTES]


def read_ppm(path):
    """(width, height, rgb bytes) of a binary P6 file with maxval 255."""
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    magic, width, height, maxval = fields[0], int(fields[1]), int(fields[2]), int(fields[3])
    if magic != b"P6" or maxval != 255:
        raise ValueError("%s: not an 8-bit binary PPM" % path)
    pixels = data[pos + 1: pos + 1 + width * height * 3]
    if len(pixels) != width * height * 3:
        raise ValueError("%s: truncated" % path)
    return width, height, pixels


class Matcher:
    """Glyph lookup: exact masks first (or inverted, for reverse video), then masks with
    solid cursor rows ignored, then the nearest glyph by differing pixels."""

    def __init__(self, font):
        self.glyphs = [font[c * GLYPH_HEIGHT:(c + 1) * GLYPH_HEIGHT] for c in range(256)]
        self.exact = {}
        # Glyphs that look the same (0x00, 0x20, 0xFF) read as printable ASCII first.
        for code in list(range(0x20, 0x7F)) + list(range(0x80, 0x100)) + list(range(0x20)) + [0x7F]:
            self.exact.setdefault(self.glyphs[code], code)
        self.candidates = sorted(set(self.exact.values()))

    def match(self, rows):
        """(code, exact) for a cell's 16 mask rows."""
        rows = bytes(rows)
        if rows in self.exact:
            return self.exact[rows], True
        inverted = bytes(0xFF ^ r for r in rows)
        if inverted in self.exact:
            return self.exact[inverted], True
        keep = [i for i, r in enumerate(rows) if r != 0xFF]
        if len(keep) < GLYPH_HEIGHT:
            for code in self.candidates:
                if all(self.glyphs[code][i] == rows[i] for i in keep):
                    return code, False

        def distance(code):
            return sum(bin(a ^ b).count("1") for a, b in zip(self.glyphs[code], rows))

        return min(self.candidates, key=distance), False


def cell_rows(pixels, width, x0, y0):
    """The 16 rows of an 8-pixel-wide cell's foreground mask."""
    colors = {}
    cell = []
    for y in range(y0, y0 + GLYPH_HEIGHT):
        base = (y * width + x0) * 3
        row = [pixels[base + 3 * x: base + 3 * x + 3] for x in range(8)]
        cell.append(row)
        for c in row:
            colors[c] = colors.get(c, 0) + 1
    background = max(colors, key=colors.get)
    return [sum(0x80 >> x for x, c in enumerate(row) if c != background) for row in cell]


def decode(pixels, width, height, cell_width, matcher):
    """(lines, fraction of cells that matched a glyph exactly)."""
    lines, exact = [], 0
    rows, cols = height // GLYPH_HEIGHT, width // cell_width
    for row in range(rows):
        text = []
        for col in range(cols):
            code, is_exact = matcher.match(
                cell_rows(pixels, width, col * cell_width, row * GLYPH_HEIGHT))
            exact += is_exact
            text.append(code_to_text(code))
        lines.append("".join(text).rstrip())
    return lines, exact / max(rows * cols, 1)


def screen_text(ppm_path, rom_path=DEFAULT_ROM, cell_width=None):
    """Lines of text on the screen. Without `cell_width`, both 9- and 8-dot cells are
    tried and the one where more cells match a glyph exactly wins (misaligned cells
    rarely do)."""
    width, height, pixels = read_ppm(ppm_path)
    matcher = Matcher(load_font(rom_path))
    widths = [cell_width] if cell_width else [w for w in (9, 8) if width % w == 0]
    if not widths:
        raise ValueError("%dx%d is not a text screen of 8- or 9-dot cells" % (width, height))
    results = [decode(pixels, width, height, w, matcher) for w in widths]
    return max(results, key=lambda r: r[1])[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rom", default=DEFAULT_ROM, help="VGA BIOS to take the font from")
    parser.add_argument("--cell", choices=["9x16", "8x16"], help="cell size (default: guess)")
    parser.add_argument("ppm")
    args = parser.parse_args()
    cell_width = int(args.cell.split("x")[0]) if args.cell else None
    try:
        lines = screen_text(args.ppm, args.rom, cell_width)
    except (OSError, ValueError) as e:
        print("vga_text.py: %s" % e, file=sys.stderr)
        return 1
    while lines and not lines[-1]:
        lines.pop()
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
