#!/usr/bin/env python3
"""Boot one guest test program and judge it by exit status and serial output.

Exit status follows meson's convention: 0 pass, 77 skip, anything else fail.
The expectations (status, success pattern, -smp, timeout, extra arguments) come
from tests.cfg beside this script; see docs/devel/testing.md.
"""

import argparse
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SKIP = 77
CFG_PATH = Path(__file__).resolve().parent / "tests.cfg"
# "XFAIL-QEMU ..." marks a known deviation of the reference emulator, not a failure.
FAILURE_PATTERNS = [r"(?<!X)FAIL", r"unexpected exception"]
# kemu's answer for an accelerator it knows but has not implemented yet.
ACCEL_UNAVAILABLE = re.compile(r"-accel \S+: .* is not available yet")


@dataclass
class TestSpec:
    name: str
    smp: int
    timeout: float
    status: int
    success: str
    extra: list
    groups: list


def load_specs(path):
    specs = {}
    for lineno, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split("|")]
        if len(fields) != 7:
            raise SystemExit(f"{path}:{lineno}: expected 7 '|'-separated fields, got {len(fields)}")
        name, smp, timeout, status, success, extra, groups = fields
        specs[name] = TestSpec(name, int(smp), float(timeout), int(status), success,
                               extra.split(), groups.split())
    return specs


def command_line(args, spec, smp):
    # Both flavours take the same options: kemu follows QEMU's command line.
    return [
        args.emulator, "-M", "pc", "-accel", args.accel,
        "-nodefaults", "-no-reboot", "-display", "none", "-serial", "stdio",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x4",
        "-smp", str(smp), "-kernel", args.kernel, "-append", f"ncpus={smp} emulator={args.flavor}",
    ] + spec.extra


def judge(spec, returncode, serial):
    """Returns the list of reasons the run failed (empty when it passed)."""
    problems = []
    if returncode != spec.status:
        problems.append(f"exit status {returncode}, expected {spec.status}")
    for pattern in FAILURE_PATTERNS:
        for match in re.finditer(pattern, serial):
            line = serial[serial.rfind("\n", 0, match.start()) + 1:].split("\n", 1)[0]
            problems.append(f"failure pattern '{pattern}' in: {line}")
    hits = len(re.findall(spec.success, serial, re.MULTILINE))
    if hits != 1:
        problems.append(f"success pattern '{spec.success}' matched {hits} times, expected once")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emulator", required=True)
    parser.add_argument("--flavor", choices=["kemu", "qemu"], required=True)
    parser.add_argument("--accel", choices=["kvm", "tcg"], required=True)
    parser.add_argument("--test", required=True)
    parser.add_argument("--kernel", required=True)
    parser.add_argument("--smp", type=int, help="override tests.cfg")
    parser.add_argument("--timeout", type=float, help="seconds; override tests.cfg")
    args = parser.parse_args()

    specs = load_specs(CFG_PATH)
    if args.test not in specs:
        raise SystemExit(f"unknown guest test '{args.test}' (not in {CFG_PATH})")
    spec = specs[args.test]
    smp = args.smp or spec.smp
    timeout = args.timeout or spec.timeout
    label = f"{args.test} ({args.flavor}, {args.accel})"

    if args.accel == "kvm" and not os.path.exists("/dev/kvm"):
        print("SKIP: /dev/kvm is absent on this host")
        return SKIP

    cmd = command_line(args, spec, smp)
    print("running:", " ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        proc.kill()
        out, err = proc.communicate()
    serial = out.decode("utf-8", errors="replace").replace("\r\n", "\n")
    stderr = err.decode("utf-8", errors="replace")

    if args.flavor == "kemu" and proc.returncode == 1:
        unavailable = ACCEL_UNAVAILABLE.search(stderr)
        if unavailable:
            print(f"SKIP: {unavailable.group(0)}")
            return SKIP

    problems = [f"timed out after {timeout:g} s"] if timed_out else judge(spec, proc.returncode, serial)
    if not problems:
        print(f"PASS: {label}")
        return 0
    print(f"FAIL: {label}")
    for p in problems:
        print(f"  {p}")
    print("---- serial log ----")
    print(serial, end="" if serial.endswith("\n") or not serial else "\n")
    if stderr:
        print("---- emulator stderr ----")
        print(stderr, end="" if stderr.endswith("\n") else "\n")
    return 1


if __name__ == "__main__":
    sys.exit(main())
