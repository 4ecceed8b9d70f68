#!/usr/bin/env python3
"""Linux's framebuffer on the standard VGA (issue 10's acceptance 5).

SYSLINUX boots Debian's generic kernel (the cloud kernel has no framebuffer drivers beyond
efifb) with `vga=791`: the kernel's real-mode setup asks the VGA BIOS for VESA mode 0x117
(1024x768, 16 bpp) through int 10h, and the built-in vesafb drives the Bochs VBE linear
framebuffer that mode set up, with fbcon drawing the kernel's messages (console=tty0) on it.
vesafb rather than the bochs DRM driver because it needs no modules, so the default guest's
initramfs boots unchanged.

Checks: the guest reports a VESA framebuffer of 1024x768 at 16 bpp; `screendump` returns a
1024x768 surface with fbcon's text on it (pixels off the background colour in many text rows;
OCR does not apply to a graphics mode); and a band the guest writes into /dev/fb0 is on the
screen as white, so the dump shows the guest's framebuffer, not a stale or default surface.

usage: framebuffer_boot_test.py KEMU GUEST_DIR      ($KEMU_GUEST_DIR overrides GUEST_DIR)
"""

import os
import shutil
import subprocess
import sys
import tempfile

from harness import check, fail, skip
from firmware_boot_test import BOOT_TIMEOUT, SCRIPTS, SHELL, Machine
import vga_text

WIDTH, HEIGHT, BPP = 1024, 768, 16
VESA_MODE = 0x117 + 0x200  # Linux's vga= IDs are VESA mode numbers plus 0x200
GLYPH_HEIGHT = 16  # fbcon's 8x16 font
BAND_ROWS = 16  # the white band the guest writes over the bottom of the screen
MIN_TEXT_ROWS = 10
WHITE = b"\xff\xff\xff"

SYSLINUX_CFG = f"""SERIAL 0 115200
SAY kemu-boot: vesafb
DEFAULT linux
LABEL linux
  LINUX generic
  APPEND initrd=initrd.gz vga={VESA_MODE} console=tty0 console=ttyS0 panic=-1
"""


def framebuffer_disk(guest, tmp):
    """The SYSLINUX disk of make-boot-images.sh with the generic kernel and a vga= entry."""
    subprocess.run([os.path.join(SCRIPTS, "make-boot-images.sh"), guest], check=True,
                   stdout=subprocess.DEVNULL)
    disk = os.path.join(tmp, "vesafb.img")
    shutil.copy(os.path.join(guest, "disk.img"), disk)
    cfg = os.path.join(tmp, "syslinux.cfg")
    with open(cfg, "w") as f:
        f.write(SYSLINUX_CFG)
    partition = f"{disk}@@1M"
    for source, name in ((os.path.join(guest, "vmlinuz-generic"), "generic"),
                         (cfg, "syslinux.cfg")):
        subprocess.run(["mcopy", "-o", "-i", partition, source, "::" + name], check=True)
    return disk


def text_rows(width, height, pixels):
    """How many 16-pixel text rows hold a pixel off the screen's most common colour."""
    counts = {}
    for i in range(0, len(pixels), 3 * 7):  # a sample is enough to find the background
        counts[pixels[i:i + 3]] = counts.get(pixels[i:i + 3], 0) + 1
    background = max(counts, key=counts.get)
    rows = 0
    for top in range(0, height - BAND_ROWS, GLYPH_HEIGHT):
        band = pixels[top * width * 3:(top + GLYPH_HEIGHT) * width * 3]
        rows += any(band[i:i + 3] != background for i in range(0, len(band), 3))
    return rows


def white_fraction(width, height, pixels):
    band = pixels[(height - BAND_ROWS) * width * 3:]
    return sum(band[i:i + 3] == WHITE for i in range(0, len(band), 3)) / (width * BAND_ROWS)


def screendump(m, tmp, name):
    path = os.path.join(tmp, name + ".ppm")
    answer = m.command(f"screendump {path}")
    check(os.path.exists(path), f"screendump wrote nothing: {answer.strip()!r}")
    return vga_text.read_ppm(path)


def vesafb_boot(kemu, tmp, disk):
    m = Machine(kemu, tmp, "vesafb", "-hda", disk)
    try:
        m.console.expect(r"kemu-guest: init started", BOOT_TIMEOUT, what="init's marker")
        m.console.expect(SHELL, 30, what="the shell")
        fb = m.shell("cat /proc/fb")
        check("VESA VGA" in fb, f"no VESA framebuffer in /proc/fb: {fb.strip()!r}")
        # One short line each: busybox's line editor redraws a line that wraps, and shell()
        # wants its echo verbatim.
        geometry = [m.shell(f"cat /sys/class/graphics/fb0/{name}").strip()
                    for name in ("virtual_size", "bits_per_pixel")]
        check(geometry == [f"{WIDTH},{HEIGHT}", str(BPP)],
              f"fb0 is {geometry}, want {WIDTH},{HEIGHT} at {BPP} bpp")

        width, height, pixels = screendump(m, tmp, "fbcon")
        check((width, height) == (WIDTH, HEIGHT),
              f"the screen is {width}x{height}, want the mode's {WIDTH}x{HEIGHT}")
        rows = text_rows(width, height, pixels)
        check(rows >= MIN_TEXT_ROWS,
              f"fbcon's text is on {rows} rows of the screen, want at least {MIN_TEXT_ROWS}")
        check(white_fraction(width, height, pixels) < 0.5, "the bottom of the screen is "
              "white before the guest writes its band there")

        # A late kernel message would scroll fbcon and redraw the band away.
        m.shell("echo 1 >/proc/sys/kernel/printk")
        line_bytes = WIDTH * BPP // 8
        m.shell(f"head -c {line_bytes * BAND_ROWS} /dev/zero | tr '\\0' '\\377' >/tmp/w")
        m.shell(f"dd if=/tmp/w of=/dev/fb0 bs={line_bytes} seek={HEIGHT - BAND_ROWS}")
        width, height, pixels = screendump(m, tmp, "band")
        white = white_fraction(width, height, pixels)
        check(white > 0.95, f"the band the guest wrote to /dev/fb0 is {white:.0%} white on "
              "the screen, want all of it (fbcon's cursor may cover one cell)")
        m.power_off()
        return rows
    except BaseException:
        m.stop()
        raise


def main():
    if len(sys.argv) != 3:
        fail(__doc__.strip().splitlines()[-1])
    kemu = sys.argv[1]
    guest = os.environ.get("KEMU_GUEST_DIR", sys.argv[2])
    for tool in ("mcopy", "xorriso"):
        if not shutil.which(tool):
            skip(f"{tool} missing (scripts/install-deps.sh installs mtools and xorriso)")
    for name in ("initramfs.cpio.gz", "vmlinuz", "vmlinuz-generic"):
        if not os.path.exists(os.path.join(guest, name)):
            skip(f"no {name} in {guest} (make guest)")
    with tempfile.TemporaryDirectory() as tmp:
        rows = vesafb_boot(kemu, tmp, framebuffer_disk(guest, tmp))
    print(f"PASS: vesafb on the standard VGA at {WIDTH}x{HEIGHT}x{BPP}: fbcon text on {rows} "
          "rows of the screendump, and the guest's /dev/fb0 writes on screen")


if __name__ == "__main__":
    main()
