#!/usr/bin/env python3
"""bench/tcg: kemu's TCG against Debian's QEMU TCG on one CPU-bound guest.

Runs tests/guest's cpu_bench.elf (built from bench/tcg/cpu_bench.c) under both emulators,
interleaved, and prints the median in-guest time of each part, the process wall time, and
kemu / QEMU ratios (below 1: kemu is faster). The checksums of both must agree.
"""

import argparse
import re
import statistics
import subprocess
import sys
import time

PART = re.compile(r"^bench (\w+): (\d+) us(?: checksum (\w+))?$", re.M)


def run_once(emulator, kernel, scale, timeout):
    argv = [emulator, "-M", "pc", "-accel", "tcg", "-nodefaults", "-no-reboot", "-display",
            "none", "-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x4",
            "-kernel", kernel, "-append", f"scale={scale}"]
    start = time.monotonic()
    out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout).stdout
    wall = time.monotonic() - start
    parts = {m.group(1): (int(m.group(2)), m.group(3)) for m in PART.finditer(out)}
    if "total" not in parts:
        sys.exit(f"{emulator}: no 'bench total' line; output was:\n{out}")
    return parts, wall


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kemu", default="build/kemu-system-x86_64")
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    parser.add_argument("--kernel", default="build/tests/guest/cpu_bench.elf")
    parser.add_argument("--scale", type=int, default=150, help="work multiplier (QEMU: ~5 s at 150)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()

    results = {"kemu": [], "qemu": []}
    for _ in range(args.runs):
        for name, emulator in (("kemu", args.kemu), ("qemu", args.qemu)):
            results[name].append(run_once(emulator, args.kernel, args.scale, args.timeout))

    names = [n for n in results["qemu"][0][0] if n != "total"] + ["total"]
    print(f"{'part':<10} {'kemu ms':>10} {'qemu ms':>10} {'kemu/qemu':>10}  checksums")
    for n in names:
        k = statistics.median(r[0][n][0] for r in results["kemu"]) / 1000
        q = statistics.median(r[0][n][0] for r in results["qemu"]) / 1000
        same = results["kemu"][0][0][n][1] == results["qemu"][0][0][n][1]
        print(f"{n:<10} {k:>10.1f} {q:>10.1f} {k / q:>10.2f}  {'agree' if same else 'DIFFER'}")
    k = statistics.median(r[1] for r in results["kemu"])
    q = statistics.median(r[1] for r in results["qemu"])
    print(f"{'wall s':<10} {k:>10.2f} {q:>10.2f} {k / q:>10.2f}")


if __name__ == "__main__":
    main()
