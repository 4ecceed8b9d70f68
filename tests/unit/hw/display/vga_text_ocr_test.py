#!/usr/bin/env python3
"""tests/integration/vga_text.py reads back text the VGA model rendered with the VGA BIOS
font: vga-text-render draws known lines in mode 3 and screendumps them, the OCR must
return the same lines, through its module interface and its command line.

usage: vga_text_ocr_test.py PATH/TO/vga-text-render
Exit status 0 pass, 1 fail, 77 skip (no VGA BIOS ROM installed).
"""

import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
OCR = os.path.join(HERE, "..", "..", "..", "integration", "vga_text.py")
sys.path.insert(0, os.path.dirname(OCR))
import vga_text  # noqa: E402

LINES = [
    b"SeaBIOS (version 1.16.2-debian-1.16.2-1)",
    b"Booting from Hard Disk...",
    b"The quick brown fox jumps over the lazy dog 0123456789",
    b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
    b"\xc9\xcd\xcd\xbb \xb0\xb1\xb2 \x10 menu \x11",  # box drawing, shades, arrows (CP437)
]


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 1
    render = sys.argv[1]
    if not os.path.exists(vga_text.DEFAULT_ROM):
        print("skip: %s not installed" % vga_text.DEFAULT_ROM)
        return 77
    want = ["".join(vga_text.code_to_text(c) for c in line) for line in LINES]
    with tempfile.TemporaryDirectory() as tmp:
        font_path = os.path.join(tmp, "font.bin")
        with open(font_path, "wb") as f:
            f.write(vga_text.load_font())
        ppm = os.path.join(tmp, "screen.ppm")
        subprocess.run([render, font_path, ppm] + LINES, check=True)

        got = vga_text.screen_text(ppm)
        failures = []
        if len(got) != 25:
            failures.append("expected 25 rows, got %d" % len(got))
        if got[:len(want)] != want:
            failures.append("text differs:\n  want %r\n  got  %r" % (want, got[:len(want)]))
        if any(got[len(want):]):
            failures.append("rows below the text are not blank: %r" % got[len(want):])

        cli = subprocess.run([sys.executable, OCR, ppm], capture_output=True, text=True)
        if cli.returncode != 0 or cli.stdout.splitlines() != want:
            failures.append("CLI printed %r (status %d, stderr %r)"
                            % (cli.stdout, cli.returncode, cli.stderr))

        truncated = os.path.join(tmp, "truncated.ppm")
        with open(ppm, "rb") as src, open(truncated, "wb") as dst:
            dst.write(src.read(1000))
        bad = subprocess.run([sys.executable, OCR, truncated], capture_output=True, text=True)
        if bad.returncode != 1 or "truncated" not in bad.stderr:
            failures.append("a truncated dump should fail with one line, got %r" % bad.stderr)

    for failure in failures:
        print("FAIL: " + failure)
    if not failures:
        print("ok: %d lines read back" % len(want))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
