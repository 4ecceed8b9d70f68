#!/usr/bin/env python3
"""Boot one guest test program and judge it by exit status and serial output.

Exit status follows meson's convention: 0 pass, 77 skip, anything else fail.
The expectations (status, success pattern, -smp, timeout, extra arguments) come
from tests.cfg beside this script; see docs/devel/testing.md.
"""

import argparse
import os
import re
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SKIP = 77
CFG_PATH = Path(__file__).resolve().parent / "tests.cfg"
# "XFAIL-QEMU ..." marks a known deviation of the reference emulator, not a failure.
FAILURE_PATTERNS = [r"(?<!X)FAIL", r"unexpected exception"]
# kemu's answer for an accelerator it knows but has not implemented yet.
ACCEL_UNAVAILABLE = re.compile(r"-accel \S+: .* is not available yet")

# kvm-pvm (KVM without hardware virtualization, module kvm_pvm) runs an unmodified guest's
# ring 0 through KVM's instruction emulator, which cannot run everything the ia32 programs
# test. On such a host a test listed here is skipped, not failed, only when it stops in
# exactly the way recorded below; Debian's QEMU 7.2 -enable-kvm stops at the same guest
# instruction on the same host (evidence in docs/devel/testing.md, "Guest tests under
# kvm-pvm"). Any other failure of these tests still fails.
#   "emulation failure": kemu reports KVM_EXIT_INTERNAL_ERROR, suberror 1, with one of
#                        these opcode bytes at CS:RIP (kemu's "Code=" line).
#   "#GP on MOV to CR0": the guest reports an unexpected #GP whose EIP holds MOV CR0, r32
#                        (0f 22 c0..c7) in the program's ELF.
#   "late interrupt":    the guest reports one of these check failures, word for word.
EMULATION_FAILURE = "emulation failure"
GP_ON_MOV_CR0 = "#GP on MOV to CR0"
LATE_INTERRUPT = "late interrupt"
KVM_PVM_LIMITS = {
    "alu_flags": (EMULATION_FAILURE, ["27"], "kvm-pvm's emulator lacks DAA"),
    "far_transfers": (EMULATION_FAILURE, ["cf"], "kvm-pvm's emulator lacks 32-bit IRET"),
    "vm86": (EMULATION_FAILURE, ["cf"], "kvm-pvm's emulator lacks 32-bit IRET"),
    "exceptions": (EMULATION_FAILURE, ["cf"], "kvm-pvm's emulator lacks 32-bit IRET"),
    "pit_pic": (EMULATION_FAILURE, ["cf"], "kvm-pvm's emulator lacks 32-bit IRET"),
    "lapic_timer": (EMULATION_FAILURE, ["cf"], "kvm-pvm's emulator lacks 32-bit IRET"),
    "debug_extensions": (EMULATION_FAILURE, ["cf"], "kvm-pvm's emulator lacks 32-bit IRET"),
    "string_ops": (GP_ON_MOV_CR0, [], "kvm-pvm refuses CR0.PG with 32-bit paging (#GP)"),
    "paging": (GP_ON_MOV_CR0, [], "kvm-pvm refuses CR0.PG with 32-bit paging (#GP)"),
    "smc": (GP_ON_MOV_CR0, [], "kvm-pvm refuses CR0.PG with 32-bit paging (#GP)"),
    "x87": (EMULATION_FAILURE, ["d9"], "kvm-pvm's emulator lacks x87 instructions (FLD1)"),
    "iret64": (LATE_INTERRUPT, ["iret_with_if_set() is 0x0, expected 0x1"],
               "kvm-pvm takes an interrupt IRET unmasks after the next instruction"),
}
KVM_PVM_MODULE = Path("/sys/module/kvm_pvm")
KVM_INTERNAL_ERROR = re.compile(
    r"KVM internal error\. Suberror: 1 \(emulation failure\)\nCode=([0-9a-f]{2})")
UNEXPECTED_GP = re.compile(r"^unexpected exception: vector 13 error 0x0 eip 0x([0-9a-f]+)",
                           re.MULTILINE)
# After an internal error kemu pauses the VM, as QEMU does; the report is complete by then.
INTERNAL_ERROR_GRACE_S = 1.0


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


def elf_bytes_at(path, vaddr, count):
    """The `count` bytes a 32-bit ELF loads at `vaddr`, or None."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    if data[:5] != b"\x7fELF\x01":
        return None
    phoff, = struct.unpack_from("<I", data, 28)
    phentsize, phnum = struct.unpack_from("<HH", data, 42)
    for i in range(phnum):
        ptype, offset, pvaddr, _, filesz = struct.unpack_from("<IIIII", data, phoff + i * phentsize)
        if ptype == 1 and pvaddr <= vaddr and vaddr + count <= pvaddr + filesz:
            start = offset + vaddr - pvaddr
            return data[start:start + count]
    return None


def kvm_pvm_limit(test, kernel, serial, stderr):
    """The reason to skip `test` when its run stopped at a recorded kvm-pvm limit, else None."""
    if test not in KVM_PVM_LIMITS:
        return None
    kind, evidence, reason = KVM_PVM_LIMITS[test]
    if kind == EMULATION_FAILURE:
        match = KVM_INTERNAL_ERROR.search(stderr)
        if match and match.group(1) in evidence:
            return f"{reason} (KVM emulation failure at opcode {match.group(1)})"
    elif kind == LATE_INTERRUPT:
        if any(failure in serial for failure in evidence):
            return reason
    elif kind == GP_ON_MOV_CR0:
        match = UNEXPECTED_GP.search(serial)
        code = match and elf_bytes_at(kernel, int(match.group(1), 16), 3)
        if code and code[:2] == b"\x0f\x22" and 0xc0 <= code[2] <= 0xc7:
            return f"{reason} (at eip 0x{match.group(1)})"
    return None


def run_emulator(cmd, timeout):
    """Runs `cmd`; returns (returncode, stdout, stderr, timed_out). A KVM internal error
    ends the run early: the paused VM would only run into the timeout."""
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    chunks = {proc.stdout: [], proc.stderr: []}

    def drain(stream):
        for block in iter(lambda: stream.read1(4096), b""):
            chunks[stream].append(block)

    readers = [threading.Thread(target=drain, args=(s,), daemon=True) for s in chunks]
    for r in readers:
        r.start()
    deadline = time.monotonic() + timeout
    timed_out = False
    while proc.poll() is None:
        now = time.monotonic()
        if b"KVM internal error" in b"".join(chunks[proc.stderr]):
            deadline = min(deadline, now + INTERNAL_ERROR_GRACE_S)
        if now >= deadline:
            timed_out = b"KVM internal error" not in b"".join(chunks[proc.stderr])
            proc.kill()
            break
        time.sleep(0.05)
    proc.wait()
    for r in readers:
        r.join()
    serial, stderr = (b"".join(chunks[s]).decode("utf-8", errors="replace")
                      for s in (proc.stdout, proc.stderr))
    return proc.returncode, serial.replace("\r\n", "\n"), stderr, timed_out


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
    returncode, serial, stderr, timed_out = run_emulator(cmd, timeout)

    if args.flavor == "kemu" and returncode == 1:
        unavailable = ACCEL_UNAVAILABLE.search(stderr)
        if unavailable:
            print(f"SKIP: {unavailable.group(0)}")
            return SKIP

    problems = [f"timed out after {timeout:g} s"] if timed_out else judge(spec, returncode, serial)
    if not problems:
        print(f"PASS: {label}")
        return 0
    if args.accel == "kvm" and KVM_PVM_MODULE.exists():
        limit = kvm_pvm_limit(args.test, args.kernel, serial, stderr)
        if limit:
            print(f"SKIP: {limit}; this host is kvm-pvm")
            return SKIP
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
