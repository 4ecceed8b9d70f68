#!/usr/bin/env python3
"""Bad command lines: each must end with status 1 and exactly one line on stderr, qemu-style
"kemu-system-x86_64: <context>: <message>". A crash, a hang, a usage dump or silence all fail.

usage: cli_errors_test.py KEMU
"""

import os
import subprocess
import sys
import tempfile

from harness import PROGRAM, check, find_kemu

# Options that keep everything else valid, so each row exercises only its own mistake.
QUIET = ["-nodefaults", "-display", "none"]


def cases(not_a_kernel):
    """(what, arguments, exact stderr line or None when only the prefix is fixed)."""
    rows = [
        ("unknown option", ["-accel", "null", *QUIET, "-no-such-option"], None),
        ("memory size not a number", ["-accel", "null", *QUIET, "-m", "foo"], None),
        ("zero CPUs", ["-accel", "null", *QUIET, "-smp", "0"], None),
        ("missing kernel file", ["-accel", "null", *QUIET, "-kernel", "/nonexistent/vmlinuz"],
         None),
        ("kernel neither bzImage nor Multiboot", ["-accel", "null", *QUIET, "-kernel",
                                                   not_a_kernel], None),
        ("unknown accelerator", ["-accel", "bogus", *QUIET], None),
        ("unknown CPU model", ["-accel", "null", *QUIET, "-cpu", "bogus"], None),
        ("option missing its argument", ["-accel", "null", *QUIET, "-m"], None),
        ("device kemu does not model", ["-accel", "null", *QUIET, "-device", "pci-testdev"],
         f"{PROGRAM}: -device pci-testdev: 'pci-testdev' is not a valid device model name"),
        ("PCI slot beyond the bus", ["-accel", "null", *QUIET, "-device", "VGA,addr=0x20"],
         f"{PROGRAM}: -device VGA,addr=0x20: Property 'VGA.addr' doesn't take value '0x20'"),
        # The default VGA took slot 2 before the -device ones, as in QEMU.
        ("PCI slot in use", ["-accel", "null", *QUIET, "-kernel", not_a_kernel, "-device",
                             "secondary-vga,addr=2"],
         f"{PROGRAM}: -device: PCI: slot 2 function 0 not available for secondary-vga, "
         "in use by VGA,id=(null)"),
        ("unknown device property", ["-accel", "null", *QUIET, "-device", "pc-testdev,x=1"],
         f"{PROGRAM}: -device pc-testdev,x=1: Property 'pc-testdev.x' not found"),
        ("-dfilter without a range operator", ["-accel", "null", *QUIET, "-dfilter", "0x1000"],
         f"{PROGRAM}: -dfilter 0x1000: Bad range specifier '0x1000'"),
        ("missing BIOS", ["-accel", "null", *QUIET, "-bios", "/nonexistent/bios.bin"],
         f"{PROGRAM}: -bios: could not find firmware file '/nonexistent/bios.bin'"),
        ("BIOS of the wrong size", ["-accel", "null", *QUIET, "-bios", not_a_kernel], None),
        ("unknown boot device", ["-accel", "null", *QUIET, "-boot", "order=z"],
         f"{PROGRAM}: -boot order=z: Invalid boot device for order: 'z'"),
        ("unknown accelerator", ["-accel", "hax", *QUIET],
         f"{PROGRAM}: -accel hax: invalid accelerator hax"),
    ]
    if not os.path.exists("/dev/kvm"):
        rows.append(("KVM without /dev/kvm", ["-accel", "kvm", *QUIET],
                     f"{PROGRAM}: -accel kvm: Could not access KVM kernel module: "
                     "No such file or directory"))
    return rows


def run_case(kemu, what, args, exact):
    try:
        result = subprocess.run([kemu, *args], stdin=subprocess.DEVNULL, capture_output=True,
                                timeout=20)
    except subprocess.TimeoutExpired:
        return f"{what}: {' '.join(args)}: still running after 20 s"
    stderr = result.stderr.decode("utf-8", "replace")
    lines = stderr.splitlines()
    if result.returncode != 1:
        return f"{what}: exit status {result.returncode}, want 1 (stderr: {stderr.strip()!r})"
    if len(lines) != 1 or not lines[0].startswith(f"{PROGRAM}: "):
        return f"{what}: want one line starting '{PROGRAM}: ' on stderr, got {stderr!r}"
    if exact is not None and lines[0] != exact:
        return f"{what}: stderr {lines[0]!r}, want {exact!r}"
    print(f"ok   {what}: {lines[0]}")
    return None


def main():
    kemu = find_kemu(sys.argv)
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as not_a_kernel:
        not_a_kernel.write("this is a text file, not a kernel\n" * 200)
        not_a_kernel.flush()
        failures = [message for what, args, exact in cases(not_a_kernel.name)
                    if (message := run_case(kemu, what, args, exact)) is not None]
    for message in failures:
        print(f"not ok {message}")
    check(not failures, f"{len(failures)} bad command line(s) handled wrongly")


if __name__ == "__main__":
    main()
