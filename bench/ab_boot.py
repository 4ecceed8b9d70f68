#!/usr/bin/env python3
"""A/B boots: two or more emulator binaries booting the same Linux guest, interleaved.

For judging one change: the time from process start to the init's marker line, and the
process's CPU time (user + system) until then, for each binary, one boot of each in turn per
run, medians over --runs. On a shared machine boot times drift by 10-25% within minutes, so
only binaries compared within one run can be compared at all.

`--until "Linux version"` times a phase instead: the kernel's first line comes once the
decompressor (often most of a boot) is done.

usage: bench/ab_boot.py [--kernel build/guest/vmlinuz] [--runs 5] [--smp 2] [--cpu qemu64]
                        [--until TEXT] BINARY BINARY...
"""

import argparse
import os
import re
import statistics
import sys

sys.dont_write_bytecode = True  # importing linux.py must not leave __pycache__ in bench/
from linux import MARKER, BenchFailure, Guest, machine

HERE = os.path.dirname(os.path.abspath(__file__))
BOOT_TIMEOUT = 180


def boot(binary, args):
    """(seconds to the marker, CPU seconds of the emulator until then)."""
    guest = Guest([binary, *machine(args.kernel, args.initrd, args.cpu, args.smp)])
    try:
        seconds, _ = guest.wait_for(args.until, BOOT_TIMEOUT)
        guest.process.kill()
        _, _, usage = os.wait4(guest.process.pid, 0)
        return seconds, usage.ru_utime + usage.ru_stime
    finally:
        guest.kill()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binaries", nargs="+", help="emulators to compare (kemu builds, QEMU)")
    guest = os.path.join(HERE, "..", "build", "guest")
    parser.add_argument("--kernel", default=os.path.join(guest, "vmlinuz"))
    parser.add_argument("--initrd", default=os.path.join(guest, "initramfs.cpio.gz"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--smp", type=int, default=2)
    parser.add_argument("--cpu", default="qemu64")
    parser.add_argument("--until", help="time to the first line holding this text, not the marker")
    args = parser.parse_args()
    args.until = re.escape(args.until.encode()) if args.until else MARKER
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    for path in (args.kernel, args.initrd):
        if not os.path.isfile(path):
            sys.exit(f"ab_boot: {path}: no such file (run `make guest` first)")
    samples = {b: [] for b in args.binaries}
    try:
        for _ in range(args.runs):
            for binary in args.binaries:
                samples[binary].append(boot(binary, args))
    except (BenchFailure, OSError) as e:
        sys.exit(f"ab_boot: {e}")
    width = max(len(b) for b in args.binaries)
    print(f"{'binary':<{width}}  {'until' if args.until != MARKER else 'marker'} (s)  CPU (s)  every run (s)")
    for binary, runs in samples.items():
        marker = statistics.median(s for s, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        every = " ".join(f"{s:.2f}" for s, _ in runs)
        print(f"{binary:<{width}}  {marker:10.3f}  {cpu:7.3f}  {every}")


if __name__ == "__main__":
    main()
