#!/usr/bin/env python3
"""Debian's memtest86+ starts and draws its first screen (issue 10's acceptance 4).

SeaBIOS boots it twice (scripts/make-memtest-image.sh builds both media): from a raw disk whose
SYSLINUX starts memtest86+x64.bin by the Linux boot protocol, and from Debian's own
memtest86+x64.iso on the CD-ROM (-cdrom, -boot d), whose El Torito floppy emulation hands
memtest's boot sector the BIOS disk services. Either way the VGA BIOS has set up the 80x25 text
mode memtest writes into. The test reads the screen back from `screendump` through
tests/integration/vga_text.py and wants memtest's banner and the memory size it measured from
the BIOS's E820 map, which must be the guest's -m 256 (less what the BIOS reserves).

usage: memtest_boot_test.py KEMU GUEST_DIR      ($KEMU_GUEST_DIR overrides GUEST_DIR)
"""

import os
import re
import subprocess
import sys
import tempfile
import time

from harness import check, fail, skip
from firmware_boot_test import SCRIPTS, Machine
import vga_text

START_TIMEOUT = 120
GUEST_MIB = 256  # firmware_boot_test.Machine's -m
# The banner, then the "Memory  :  255MB" line memtest fills in once it has sized RAM.
BANNER = re.compile(r"Memtest86\+ v\d")
MEMORY = re.compile(r"Memory\s*:\s*(\d+)\s*([MG])B")


def first_screen(machine, tmp):
    """The screen once memtest's banner and memory size are on it."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        screen = machine.screen(tmp)
        if BANNER.search(screen) and MEMORY.search(screen):
            return screen
        check(machine.process.poll() is None,
              f"{machine.name}: kemu exited with {machine.process.returncode}")
        if time.monotonic() > deadline:
            fail(f"{machine.name}: no memtest86+ screen after {START_TIMEOUT} s; last screen:\n"
                 f"{screen}")
        time.sleep(1)


def memtest_starts(kemu, tmp, name, *medium):
    m = Machine(kemu, tmp, name, *medium)
    try:
        screen = first_screen(m, tmp)
    finally:
        m.stop()
    size, unit = MEMORY.search(screen).groups()
    mib = int(size) * (1024 if unit == "G" else 1)
    check(GUEST_MIB - 8 <= mib <= GUEST_MIB,
          f"{name}: memtest86+ sized {mib} MiB of RAM, want about {GUEST_MIB}:\n{screen}")
    return screen.splitlines()[0].strip()


def main():
    if len(sys.argv) != 3:
        fail(__doc__.strip().splitlines()[-1])
    kemu = sys.argv[1]
    guest = os.environ.get("KEMU_GUEST_DIR", sys.argv[2])
    if not os.path.exists(vga_text.DEFAULT_ROM):
        skip(f"{vga_text.DEFAULT_ROM} missing (Debian's seabios package)")
    made = subprocess.run([os.path.join(SCRIPTS, "make-memtest-image.sh"), guest],
                          capture_output=True, text=True)
    if made.returncode != 0:
        skip(f"no memtest86+ image: {made.stderr.strip().splitlines()[-1:]}")
    with tempfile.TemporaryDirectory() as tmp:
        memtest_starts(kemu, tmp, "memtest-disk", "-hda", os.path.join(guest, "memtest.img"))
        banner = memtest_starts(kemu, tmp, "memtest-cdrom", "-cdrom",
                                os.path.join(guest, "memtest86+x64.iso"), "-boot", "d")
    print(f"PASS: memtest86+ through SeaBIOS, from a SYSLINUX disk and from Debian's ISO, drew "
          f"its first screen ({banner!r}) and sized {GUEST_MIB} MiB of RAM")


if __name__ == "__main__":
    main()
