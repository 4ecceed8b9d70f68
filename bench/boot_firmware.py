#!/usr/bin/env python3
"""Booting through firmware under TCG: kemu against Debian's QEMU on the same images (see
bench/README.md).

Process start to the default guest's `kemu-guest: init started` line, with SeaBIOS booting the
SYSLINUX disk and the ISOLINUX CD-ROM of scripts/make-boot-images.sh. Every figure is the median
of --runs runs; within a run kemu and QEMU boot one after the other, so both see the same host
load. Both get `-accel tcg -m 512 -smp 2 -nographic -no-reboot` and the medium; nothing else.

usage: bench/boot_firmware.py --kemu build/kemu-system-x86_64 [--guest-dir build/guest]
                              [--runs 5]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # importing linux.py must not leave __pycache__ in bench/
from linux import MARKER, QEMU, BenchFailure, Guest, cell, ratio

HERE = os.path.dirname(os.path.abspath(__file__))
MAKE_BOOT_IMAGES = os.path.join(HERE, "..", "scripts", "make-boot-images.sh")
MACHINE = ["-accel", "tcg", "-m", "512", "-smp", "2", "-nographic", "-no-reboot"]
BOOT_TIMEOUT = 180


def boot_to_marker(binary, medium):
    """Seconds from process start to the init's marker line."""
    guest = Guest([binary, *MACHINE, *medium])
    try:
        seconds, _ = guest.wait_for(MARKER, BOOT_TIMEOUT)
        return seconds
    finally:
        guest.kill()


def media(guest_dir, workdir):
    """(label, emulator arguments) per medium. The disk is a private copy: QEMU locks the image
    it opens, and a test may be rebuilding the one in the guest directory."""
    subprocess.run([MAKE_BOOT_IMAGES, guest_dir], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    disk = os.path.join(workdir, "disk.img")
    iso = os.path.join(workdir, "cdrom.iso")
    shutil.copy(os.path.join(guest_dir, "disk.img"), disk)
    shutil.copy(os.path.join(guest_dir, "cdrom.iso"), iso)
    return [("SYSLINUX disk (-drive if=ide)", ["-drive", f"file={disk},format=raw,if=ide"]),
            ("ISOLINUX CD-ROM (-cdrom, -boot d)", ["-cdrom", iso, "-boot", "d"])]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kemu", required=True, help="path to kemu-system-x86_64")
    parser.add_argument("--guest-dir", default="build/guest", help="output of `make guest`")
    parser.add_argument("--runs", type=int, default=5, help="runs per medium (median)")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    binaries = {"kemu": args.kemu, "QEMU": shutil.which(QEMU)}

    print(f"{'firmware boot to init marker (s, TCG)':40} {'kemu':>10} {'QEMU':>10} "
          f"{'kemu/QEMU':>10}")
    with tempfile.TemporaryDirectory(prefix="kemu-firmware-bench-") as workdir:
        try:
            rows = media(args.guest_dir, workdir)
        except (OSError, subprocess.CalledProcessError) as e:
            print(f"{'every medium':40} skipped: no boot images ({e})")
            return
        for label, medium in rows:
            samples = {name: [] for name in binaries}
            for _ in range(args.runs):
                for name, binary in binaries.items():
                    if binary is None:
                        samples[name] = f"no {QEMU}"
                    elif isinstance(samples[name], list):
                        try:
                            samples[name].append(boot_to_marker(binary, medium))
                        except (BenchFailure, OSError, subprocess.SubprocessError) as e:
                            samples[name] = f"failed: {e}"
            row = {name: s if isinstance(s, str) else statistics.median(s)
                   for name, s in samples.items()}
            print(f"{label:40} {cell(row['kemu'])} {cell(row['QEMU'])} "
                  f"{cell(ratio(row['kemu'], row['QEMU']))}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
