#!/usr/bin/env python3
"""Linux under TCG: kemu against Debian's QEMU booting the same kernel (see bench/README.md).

Three tables, every figure the median of --runs runs, kemu and QEMU interleaved in one run:
boot times (process start to the init's marker line, and to process exit after `poweroff -f`),
the parts of bench/linux/cpu_bench.c natively and in each emulator, and SMP scaling (two copies
on -smp 2 against one on -smp 1). A row that cannot run says "skipped:" and why.

usage: bench/linux.py --kemu build/kemu-system-x86_64 [--guest-dir build/guest]
                      [--generic-kernel PATH] [--runs 3]
"""

import argparse
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
HERE = os.path.dirname(os.path.abspath(__file__))
CPIO_NEWC = os.path.join(HERE, "..", "scripts", "cpio_newc.py")
MARKER = rb"kemu-guest: init started\r?\n"
PROMPT = rb"/ # "  # busybox then asks the terminal for the cursor position (ESC [6n)
# The shell expands $((6*7)), so the marker never matches the terminal's echo of the command.
DONE = "echo kemu-bench: $((6*7)) done"
DONE_LINE = rb"(?m)^kemu-bench: 42 done\r?$"
PART = re.compile(rb"(?m)^cpu-bench ([\w-]+): (?:([\d.]+) s checksum (\w+)|skipped \(([^)]*)\))\r?$")
BOOT_TIMEOUT = 180
CPU_TIMEOUT = 1800


class BenchFailure(Exception):
    pass


class Guest:
    """One emulator process whose serial console is its stdin/stdout."""

    def __init__(self, argv):
        self.start = time.monotonic()
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT)
        self.text = b""
        self.searched = 0  # output before this offset was consumed by an earlier wait

    def wait_for(self, pattern, timeout, partial_line=False):
        """Seconds since process start when `pattern` matched the output after the last match.
        Only complete lines are searched (a prompt never ends its line: partial_line)."""
        deadline = time.monotonic() + timeout
        fd = self.process.stdout.fileno()
        while True:
            end = len(self.text) if partial_line else self.text.rfind(b"\n") + 1
            match = re.search(pattern, self.text[self.searched:end], re.M)
            if match:
                self.searched += match.end()
                return time.monotonic() - self.start, match
            remaining = deadline - time.monotonic()
            chunk = b""
            if remaining > 0 and select.select([fd], [], [], remaining)[0]:
                chunk = os.read(fd, 65536)
            if not chunk:
                tail = self.text.decode("utf-8", "replace").strip().splitlines()[-1:]
                why = "the emulator exited" if remaining > 0 else f"not within {timeout} s"
                raise BenchFailure(f"no {pattern!r}: {why}; last line: "
                                   f"{tail[0] if tail else 'no output'}")
            self.text += chunk

    def type(self, line):
        """Sends a shell command line; returns the host time it was sent."""
        self.process.stdin.write(line.encode() + b"\n")
        self.process.stdin.flush()
        return time.monotonic()

    def power_off(self, timeout=BOOT_TIMEOUT):
        """Types `poweroff -f` at the prompt; seconds since start when the process exited."""
        self.wait_for(PROMPT, timeout, partial_line=True)
        self.type("poweroff -f")
        self.process.communicate(timeout=timeout)
        return time.monotonic() - self.start

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def machine(kernel, initrd, cpu, smp):
    """The command line both emulators get, after their binary."""
    return ["-accel", "tcg", "-cpu", cpu, "-m", "512", "-smp", str(smp), "-nographic",
            "-no-reboot", "-kernel", kernel, "-initrd", initrd, "-append",
            "console=ttyS0 panic=-1"]


def boot_times(binary, kernel, initrd, cpu):
    guest = Guest([binary, *machine(kernel, initrd, cpu, 2)])
    try:
        marker, _ = guest.wait_for(MARKER, BOOT_TIMEOUT)
        return marker, guest.power_off()
    finally:
        guest.kill()


def parse_parts(text):
    """{part: (seconds or None, checksum or skip reason)} from cpu_bench's lines."""
    parts = {}
    for m in PART.finditer(text):
        name = m.group(1).decode()
        if m.group(2):
            parts[name] = (float(m.group(2)), m.group(3).decode())
        else:
            parts[name] = (None, m.group(4).decode())
    return parts


def guest_cpu_run(binary, kernel, initrd, copies):
    """Boots -cpu max with -smp `copies` and runs that many cpu_bench at once. Returns the host
    wall seconds from typing the command to its end, and the parts of the first copy."""
    if copies == 1:
        command = f"cpu_bench; {DONE}"
    else:
        command = (" & ".join(f"cpu_bench >/tmp/out{i}" for i in range(copies))
                   + f"; wait; cat /tmp/out0; {DONE}")
    guest = Guest([binary, *machine(kernel, initrd, "max", copies)])
    try:
        guest.wait_for(PROMPT, BOOT_TIMEOUT, partial_line=True)
        before = len(guest.text)
        sent = guest.type(command)
        guest.wait_for(DONE_LINE, CPU_TIMEOUT)
        wall = time.monotonic() - sent
        parts = parse_parts(guest.text[before:])
        guest.power_off()
        return wall, parts
    finally:
        guest.kill()


def build_cpu_bench(workdir):
    binary = os.path.join(workdir, "cpu_bench")
    result = subprocess.run(["cc", "-O2", "-std=gnu11", "-static", "-o", binary,
                             os.path.join(HERE, "linux", "cpu_bench.c")],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise BenchFailure("cc: " + (result.stderr.strip().splitlines() or ["failed"])[0])
    return binary


def initrd_with(base, program, workdir):
    """`base` followed by a second archive holding /bin/cpu_bench; the kernel unpacks
    concatenated archives in order, each starting on a 4-byte boundary (zeros between
    them are skipped)."""
    listing = os.path.join(workdir, "extra.list")
    with open(listing, "w") as f:
        f.write(f"file /bin/cpu_bench {program} 0755 0 0\n")
    extra = subprocess.run([sys.executable, CPIO_NEWC, listing], check=True,
                           capture_output=True).stdout
    path = os.path.join(workdir, "initramfs-cpu-bench.cpio")
    with open(path, "wb") as out, open(base, "rb") as f:
        first = f.read()
        out.write(first + bytes(-len(first) % 4))
        out.write(extra)
    return path


def median_or_failure(samples_or_error):
    if isinstance(samples_or_error, str):
        return samples_or_error
    return statistics.median(samples_or_error)


def cell(value, width=10, digits=2):
    if isinstance(value, float):
        return f"{value:>{width}.{digits}f}"
    return f"{value:>{width}}"


def ratio(a, b):
    if isinstance(a, float) and isinstance(b, float) and b > 0:
        return a / b
    return "-"


class LinuxBench:
    def __init__(self, args):
        self.args = args
        self.binaries = {"kemu": args.kemu, "QEMU": shutil.which(QEMU)}
        self.initrd = os.path.join(args.guest_dir, "initramfs.cpio.gz")
        self.kernels = {"cloud": os.path.join(args.guest_dir, "vmlinuz"),
                        "generic": args.generic_kernel}

    def interleaved(self, measure):
        """Runs measure(binary) --runs times per emulator, alternating; a failure ends that
        emulator's samples with its message."""
        samples = {name: [] for name in self.binaries}
        for _ in range(self.args.runs):
            for name, binary in self.binaries.items():
                if binary is None:
                    samples[name] = f"no {QEMU}"
                elif isinstance(samples[name], list):
                    try:
                        samples[name].append(measure(binary))
                    except (BenchFailure, OSError, subprocess.SubprocessError) as e:
                        samples[name] = f"failed: {e}"
        return samples

    def boot_table(self):
        print(f"{'boot (s, -m 512 -smp 2)':52} {'kemu':>10} {'QEMU':>10} {'kemu/QEMU':>10}")
        for flavour, cpu in (("cloud", "qemu64"), ("generic", "qemu64"), ("cloud", "max")):
            kernel = self.kernels[flavour]
            label = f"{flavour} kernel, -cpu {cpu}"
            if not kernel or not os.path.exists(kernel):
                print(f"{label:52} skipped: {flavour} kernel {kernel or '(--generic-kernel)'} "
                      "missing")
                continue
            samples = self.interleaved(lambda b: boot_times(b, kernel, self.initrd, cpu))
            for index, what in enumerate(("to init marker", "to exit after poweroff -f")):
                row = {name: s if isinstance(s, str) else statistics.median(x[index] for x in s)
                       for name, s in samples.items()}
                print(f"{label + ': ' + what:52} {cell(row['kemu'])} {cell(row['QEMU'])} "
                      f"{cell(ratio(row['kemu'], row['QEMU']))}")
                sys.stdout.flush()

    def cpu_tables(self, workdir):
        try:
            program = build_cpu_bench(workdir)
        except (BenchFailure, OSError) as e:
            print(f"cpu_bench: skipped: {e}")
            return
        native = [parse_parts(subprocess.run([program], check=True, capture_output=True).stdout)
                  for _ in range(self.args.runs)]
        initrd = initrd_with(self.initrd, program, workdir)
        kernel = self.kernels["cloud"]
        single = self.interleaved(lambda b: guest_cpu_run(b, kernel, initrd, 1))
        print(f"\n{'cpu_bench part (s, -cpu max -smp 1)':36} {'native':>8} {'kemu':>10} "
              f"{'QEMU':>10} {'kemu/QEMU':>10} {'kemu/native':>11}")
        columns = ("native", "kemu", "QEMU")
        rows = []
        for part, (_, native_sum) in native[0].items():
            times = [n[part][0] for n in native]
            row = {"native": "skipped" if None in times else statistics.median(times)}
            notes = []
            for name, samples in single.items():
                row[name] = self.part_median(samples, part, native_sum, notes, name)
            rows.append(row)
            print(f"{part:36} {cell(row['native'], 8, 3)} {cell(row['kemu'], 10, 3)} "
                  f"{cell(row['QEMU'], 10, 3)} {cell(ratio(row['kemu'], row['QEMU']))} "
                  f"{cell(ratio(row['kemu'], row['native']), 11, 1)}"
                  + ("  " + "; ".join(notes) if notes else ""))
        totals = {name: sum(r[name] for r in rows)
                  if all(isinstance(r[name], float) for r in rows) else "-" for name in columns}
        print(f"{'total (sum of parts)':36} {cell(totals['native'], 8, 3)} "
              f"{cell(totals['kemu'], 10, 3)} {cell(totals['QEMU'], 10, 3)} "
              f"{cell(ratio(totals['kemu'], totals['QEMU']))} "
              f"{cell(ratio(totals['kemu'], totals['native']), 11, 1)}")
        for name, samples in single.items():
            if isinstance(samples, str):
                print(f"{name}: {samples}")
        sys.stdout.flush()

        double = self.interleaved(lambda b: guest_cpu_run(b, kernel, initrd, 2))

        print(f"\n{'SMP scaling (host wall s, -cpu max)':36} {'1 on -smp 1':>12} "
              f"{'2 on -smp 2':>12} {'ratio':>8}")
        for name in self.binaries:
            one = median_or_failure(single[name] if isinstance(single[name], str)
                                    else [wall for wall, _ in single[name]])
            two = median_or_failure(double[name] if isinstance(double[name], str)
                                    else [wall for wall, _ in double[name]])
            print(f"{name:36} {cell(one, 12)} {cell(two, 12)} {cell(ratio(two, one), 8)}")

    @staticmethod
    def part_median(samples, part, native_sum, notes, name):
        """The median time of `part` in one emulator; a checksum that differs from the native
        one, or a skipped part, is noted."""
        if isinstance(samples, str):
            return "failed"
        results = [parts.get(part) for _, parts in samples]
        if any(r is None for r in results):
            return "no line"
        if results[0][0] is None:
            notes.append(f"{name}: skipped ({results[0][1]})")
            return "skipped"
        if any(r[1] != native_sum for r in results):
            notes.append(f"{name}: checksum differs from native")
        return statistics.median(r[0] for r in results)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kemu", required=True, help="path to kemu-system-x86_64")
    parser.add_argument("--guest-dir", default="build/guest", help="output of `make guest`")
    parser.add_argument("--generic-kernel", help="Debian's generic vmlinuz (fetch-guest.sh "
                        "CACHE generic); its rows are skipped without it")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--only", choices=("boot", "cpu"), help="run one part of the bench")
    args = parser.parse_args()
    bench = LinuxBench(args)
    if args.only != "cpu":
        bench.boot_table()
    if args.only != "boot":
        with tempfile.TemporaryDirectory(prefix="kemu-linux-bench-") as workdir:
            bench.cpu_tables(workdir)


if __name__ == "__main__":
    main()
