#!/usr/bin/env python3
"""kemu against Debian's QEMU on the same guests, same host, same run (see bench/README.md).

Prints one table: per benchmark and accelerator, the median of several runs for each emulator
and their ratio (kemu / QEMU; below 1 means kemu is faster or smaller). Rows an accelerator cannot
run print one "skipped: <why>" line instead.

usage: bench/run.py --kemu build/kemu-system-x86_64 [--guest-dir build/guest] [--runs 5]
"""

import argparse
import json
import os
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

QEMU = "qemu-system-x86_64"
EXIT_DEVICE = ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
TEST_MACHINE = ["-nodefaults", "-no-reboot", "-display", "none", "-serial", "stdio", *EXIT_DEVICE]
PROMPT = b"/ # "
RUN_TIMEOUT = 120
PROBE_TIMEOUT = 10


class BenchFailure(Exception):
    pass


def accel_args(emulator, accel):
    """kemu and QEMU spell the accelerator the same way; QEMU needs -enable-kvm for KVM."""
    if accel == "kvm" and emulator == "qemu":
        return ["-enable-kvm"]
    return ["-accel", accel]


def read_until(process, want, timeout, partial_line=False):
    """Reads the process's stdout (the guest's serial port) until `want` (bytes regex)
    matches; returns (match, text, time.monotonic() of the first byte).

    Only complete lines are searched, so a figure is never taken while its digits are still
    arriving (`pio-exit cycles: 22` of a line that ends `22018`); the end of the stream
    completes the last line. `partial_line` also searches the line being written, for a shell
    prompt, which never ends its line."""
    deadline = time.monotonic() + timeout
    first_byte = None
    text = b""
    fd = process.stdout.fileno()
    while True:
        searchable = text if partial_line else text[:text.rfind(b"\n") + 1]
        match = re.search(want, searchable)
        if match:
            return match, text, first_byte
        remaining = deadline - time.monotonic()
        ready = select.select([fd], [], [], max(remaining, 0))[0] if remaining > 0 else []
        chunk = os.read(fd, 65536) if ready else b""
        if not chunk:
            match = re.search(want, text) if ready else None  # the end completes the line
            if match:
                return match, text, first_byte
            last = text.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
            process.err_file.seek(0)
            err = process.err_file.read().decode("utf-8", "replace").strip().splitlines()[-1:]
            raise BenchFailure(f"no {want!r} within {timeout} s; last line: {last[0]}"
                               + (f"; stderr: {err[0]}" if err else ""))
        if first_byte is None:
            first_byte = time.monotonic()
        text += chunk


def spawn(argv):
    """The emulator with the guest's serial port on a pipe. Its own messages go to a file:
    a warning on stderr must not pass for the guest's first byte."""
    err = tempfile.TemporaryFile()
    process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
    process.err_file = err
    return process


def finish(process):
    if process.poll() is None:
        process.kill()
    process.wait()
    process.err_file.close()


def startup(argv):
    """Seconds from process start to the first serial byte, and to the process's exit."""
    start = time.monotonic()
    process = spawn(argv)
    try:
        _, _, first_byte = read_until(process, rb".", RUN_TIMEOUT)
        process.stdout.read()
        process.wait(timeout=RUN_TIMEOUT)
        return first_byte - start, time.monotonic() - start
    finally:
        finish(process)


def startup_with_hyperfine(argv, runs):
    """Median seconds from start to exit, measured by hyperfine (shell-free, warmed up)."""
    with tempfile.NamedTemporaryFile(suffix=".json") as export:
        command = " ".join(f"'{a}'" for a in argv)
        subprocess.run(["hyperfine", "--shell=none", "--warmup", "1", "--runs", str(runs),
                        "--ignore-failure", "--export-json", export.name, command],
                       check=True, capture_output=True)
        return json.load(open(export.name))["results"][0]["median"]


def pio_exit_cycles(argv):
    process = spawn(argv)
    try:
        match, _, _ = read_until(process, rb"pio-exit cycles: (\d+)", RUN_TIMEOUT)
        return float(match.group(1))
    finally:
        finish(process)


def idle_rss_mib(argv, idle_seconds):
    """Resident memory of a guest idling at its shell prompt (smaps_rollup, else VmRSS)."""
    process = spawn(argv)
    try:
        read_until(process, PROMPT, RUN_TIMEOUT, partial_line=True)
        time.sleep(idle_seconds)
        for path, key in ((f"/proc/{process.pid}/smaps_rollup", "Rss:"),
                          (f"/proc/{process.pid}/status", "VmRSS:")):
            try:
                for line in open(path):
                    if line.startswith(key):
                        return int(line.split()[1]) / 1024
            except OSError:
                continue
        raise BenchFailure("no resident-memory figure in /proc")
    finally:
        finish(process)


class Bench:
    def __init__(self, args):
        self.args = args
        self.kemu = args.kemu
        self.images = args.guest_images or os.path.join(os.path.dirname(args.kemu),
                                                        "tests", "guest")
        self.qemu = shutil.which(QEMU)
        self.hyperfine = shutil.which("hyperfine")

    def image(self, name):
        return os.path.join(self.images, name)

    def binary(self, emulator):
        return self.kemu if emulator == "kemu" else self.qemu

    def rows(self):
        """(name, unit, guest file needed, measure(emulator, accel) -> list of samples)."""
        hello, pio = self.image("hello.elf"), self.image("pio_exits.elf")
        linux = ["-m", "512", "-smp", "2", "-nographic", "-no-reboot",
                 "-kernel", os.path.join(self.args.guest_dir, "vmlinuz"),
                 "-initrd", os.path.join(self.args.guest_dir, "initramfs.cpio.gz"),
                 "-append", "console=ttyS0 panic=-1"]

        def argv(emulator, accel, machine):
            return [self.binary(emulator), *accel_args(emulator, accel), *machine]

        def first_byte(emulator, accel):
            return [1000 * startup(argv(emulator, accel, [*TEST_MACHINE, "-kernel", hello]))[0]
                    for _ in range(self.args.runs)]

        def to_exit(emulator, accel):
            command = argv(emulator, accel, [*TEST_MACHINE, "-kernel", hello])
            if self.hyperfine:
                return [1000 * startup_with_hyperfine(command, self.args.runs)]
            return [1000 * startup(command)[1] for _ in range(self.args.runs)]

        def pio_cycles(emulator, accel):
            command = argv(emulator, accel, [*TEST_MACHINE, "-kernel", pio])
            return [pio_exit_cycles(command) for _ in range(self.args.runs)]

        def rss(emulator, accel):
            command = argv(emulator, accel, linux)
            return [idle_rss_mib(command, self.args.idle) for _ in range(self.args.runs)]

        return [
            ("start-up to first serial byte", "ms", hello, first_byte),
            ("start-up to exit", "ms", hello, to_exit),
            ("PIO exit cost", "cycles", pio, pio_cycles),
            (f"idle -m 512 Linux RSS after {self.args.idle:g} s", "MiB",
             os.path.join(self.args.guest_dir, "vmlinuz"), rss),
        ]

    def kemu_accel_problem(self, accel):
        """None when kemu can run `accel` here, else why not (kemu's own one-line error).

        The probe boots the hello guest: kemu refuses to start without a kernel, and only a
        guest that prints shows the accelerator really runs."""
        if accel == "kvm" and not os.path.exists("/dev/kvm"):
            return "no /dev/kvm"
        hello = self.image("hello.elf")
        if not os.path.exists(hello):
            return f"{hello} missing (the accelerator probe boots it)"
        try:
            result = subprocess.run([self.kemu, *accel_args("kemu", accel), *TEST_MACHINE,
                                     "-kernel", hello], stdin=subprocess.DEVNULL,
                                    capture_output=True, text=True, errors="replace",
                                    timeout=PROBE_TIMEOUT)
        except subprocess.TimeoutExpired as e:
            if e.stdout:
                return None  # the guest printed; it is the rows' business if it is slow
            return f"the hello guest printed nothing within {PROBE_TIMEOUT} s"
        if result.stdout.strip():
            return None  # isa-debug-exit makes the exit status non-zero even on success
        lines = result.stderr.strip().splitlines()
        return lines[0] if lines else f"the hello guest printed nothing (exit {result.returncode})"

    def measure(self, measure, emulator, accel):
        try:
            return f"{statistics.median(measure(emulator, accel)):.1f}"
        except (BenchFailure, OSError, subprocess.SubprocessError) as e:
            return f"failed: {e}"

    def run(self):
        print(f"{'benchmark':40} {'accel':5} {'kemu':>12} {'QEMU':>12} {'kemu/QEMU':>10}")
        for accel in ("kvm", "tcg"):
            problem = self.kemu_accel_problem(accel)
            for name, unit, needs, measure in self.rows():
                label = f"{name} ({unit})"
                if problem is not None:
                    print(f"{label:40} {accel:5} skipped: {problem}")
                    continue
                if not os.path.exists(needs):
                    print(f"{label:40} {accel:5} skipped: {needs} missing")
                    continue
                kemu = self.measure(measure, "kemu", accel)
                qemu = self.measure(measure, "qemu", accel) if self.qemu else "no QEMU"
                try:
                    ratio = f"{float(kemu) / float(qemu):.2f}"
                except (ValueError, ZeroDivisionError):
                    ratio = "-"
                print(f"{label:40} {accel:5} {kemu:>12} {qemu:>12} {ratio:>10}")
                sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kemu", required=True, help="path to kemu-system-x86_64")
    parser.add_argument("--guest-dir", default="build/guest", help="output of `make guest`")
    parser.add_argument("--guest-images", help="built tests/guest programs "
                        "(default: tests/guest beside the kemu binary)")
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument("--idle", type=float, default=5, help="idle seconds before RSS")
    Bench(parser.parse_args()).run()


if __name__ == "__main__":
    main()
