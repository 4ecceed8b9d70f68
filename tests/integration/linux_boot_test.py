#!/usr/bin/env python3
"""Boot the default guest (Debian's cloud kernel + busybox initramfs, `make guest`) with two CPUs
and 512 MiB, drive its shell over the serial console, and power it off and reboot it; under TCG
also Debian's generic kernel (`make guest` puts it beside the cloud one).

--accel tcg (runs everywhere): with -cpu max, userspace must compute what the host computes
(sha256sum, gzip, bc, and tests/linux/fpcheck's x87/SSE/AVX2/FMA results, bit for bit), and
dmesg must show none of the complaints a missing or wrong CPU feature causes. A second boot
with the default CPU model checks its dmesg too and reboots under -no-reboot.

--accel kvm: skips without /dev/kvm, or on a host whose KVM cannot boot Linux at all (checked
first with Debian's QEMU, so a kemu failure here is kemu's).

usage: linux_boot_test.py --accel tcg|kvm KEMU GUEST_DIR [FPCHECK]   ($KEMU_GUEST_DIR overrides)
"""

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

from harness import check, last_line, monitor_dump, skip, spawn_with_console, stop, wait_exit

BOOT_TIMEOUT = 120
MARKER = r"kemu-guest: init started"
PROMPT = r"/ # "
PANIC = r"Kernel panic - not syncing"
SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts")

# dmesg lines that mean the virtual CPU or platform let the kernel down.
DMESG_COMPLAINTS = re.compile(
    r"WARNING|unchecked MSR|clocksource.*unstable|TSC.*unstable|unstable.*TSC|"
    r"RETBleed: WARNING|Spectre.*WARNING|BUG:|Oops",
    re.IGNORECASE)

# Deterministic inputs both sides can make: busybox's seq prints what coreutils' does.
SEQ_COUNT = 20000
PI_50 = "3.14159265358979323846264338327950288419716939937508"


def machine_args(guest_dir, initrd=None, *extra, kernel="vmlinuz"):
    return ["-m", "512", "-smp", "2", "-nographic", *extra,
            "-kernel", os.path.join(guest_dir, kernel),
            "-initrd", initrd or os.path.join(guest_dir, "initramfs.cpio.gz"),
            "-append", "console=ttyS0 panic=-1"]


def boot(argv, name):
    """Starts a guest and waits for its shell prompt; returns (process, console)."""
    process, console = spawn_with_console(argv, name)
    console.on_silence = monitor_dump
    match = console.expect(rf"{MARKER}|{PANIC}", BOOT_TIMEOUT, what="init's marker line")
    check(not re.match(PANIC, match.group(0)), f"{name}: kernel panic before /init")
    console.expect(PROMPT, 30, what="the shell prompt")
    return process, console


# A kernel message the console prints whenever it comes (e.g. the TSC's refined calibration,
# a second after boot), in between a command's own lines.
KERNEL_LINE = re.compile(r"^\[ *\d+\.\d+\] .*(\r?\n|$)", re.MULTILINE)


def shell(console, line, timeout=20, kernel_lines=False):
    """Runs one shell command and returns its output (the lines between the echo and the
    prompt), without kernel messages unless `kernel_lines` (dmesg prints nothing else)."""
    console.send(line + "\n")
    console.expect(re.escape(line) + r"\r?\n", timeout, what=f"the echo of '{line}'")
    out = console.expect(rf"(?s)(.*?){PROMPT}", timeout, what=f"the output of '{line}'").group(1)
    return out if kernel_lines else KERNEL_LINE.sub("", out)


def lines_of(text):
    return [line.rstrip("\r") for line in text.strip().splitlines()]


def check_basics(console):
    out = shell(console, "echo hello-$((6 * 7))")
    check(out.strip() == "hello-42", f"echo printed {out!r}")
    out = shell(console, "nproc")
    check(out.strip() == "2", f"nproc printed {out!r}, want 2")
    out = shell(console, "grep MemTotal /proc/meminfo")
    total = re.search(r"MemTotal:\s+(\d+) kB", out)
    check(total is not None, f"no MemTotal line: {out!r}")
    # The kernel keeps its own image and reserved areas out of MemTotal.
    check(400 * 1024 <= int(total.group(1)) <= 512 * 1024,
          f"MemTotal {total.group(1)} kB is not about 512 MiB")


def check_dmesg(console, what):
    out = shell(console, "dmesg", kernel_lines=True)
    check("Linux version" in out, f"{what}: dmesg printed no boot log: {out[:200]!r}")
    bad = [line for line in lines_of(out) if DMESG_COMPLAINTS.search(line)]
    check(not bad, f"{what}: dmesg complains: {bad[:3]}")


def check_userspace_computes(console, fpcheck_expected):
    seq = "".join(f"{i}\n" for i in range(1, SEQ_COUNT + 1)).encode()
    want = hashlib.sha256(seq).hexdigest()
    out = shell(console, f"seq 1 {SEQ_COUNT} | sha256sum", 60)
    check(out.split()[:1] == [want], f"sha256sum printed {out!r}, the host computes {want}")
    out = shell(console, f"seq 1 {SEQ_COUNT} | gzip -9 | gunzip | sha256sum", 60)
    check(out.split()[:1] == [want], f"gzip -9 | gunzip changed the data: {out!r}")
    out = shell(console, "echo 'scale=50; 4*a(1)' | bc -l", 60)
    check(out.replace("\\\r\n", "").strip() == PI_50, f"bc printed {out!r}, want {PI_50}")
    if fpcheck_expected is not None:
        got = lines_of(shell(console, "/bin/fpcheck", 120))
        diff = [f"guest {g!r} host {h!r}" for g, h in zip(got, fpcheck_expected) if g != h]
        check(len(got) == len(fpcheck_expected) and not diff,
              f"fpcheck differs from the host: {diff[:3] or got}")


def check_ctrl_c(console):
    # The shell owns the console as its controlling terminal, so Ctrl-C reaches `sleep`. A
    # Ctrl-C that arrives before the shell has started `sleep` is the shell's, so it is
    # repeated once a second until the prompt is back.
    console.send("sleep 100\n")
    console.expect(r"sleep 100\r?\n", 20, what="the echo of 'sleep 100'")
    for _ in range(10):
        console.send("\x03")
        if console.wait_for(PROMPT, 1):
            return
    check(False, "no prompt after 10 Ctrl-Cs to 'sleep 100'")


def power_off(process, console, name):
    console.send("poweroff -f\n")
    status = wait_exit(process, 30, f"{name} after 'poweroff -f'")
    check(status == 0, f"{name} exited with status {status} after poweroff, want 0")


def reboot_exits(process, console, name):
    console.send("reboot -f\n")
    status = wait_exit(process, 30, f"{name} after 'reboot -f'")
    check(status == 0, f"{name} exited with status {status} on reboot, want 0")


def initrd_with(guest_dir, fpcheck, workdir):
    """The default initramfs followed by a second archive holding /bin/fpcheck; the kernel
    unpacks concatenated archives in order. An uncompressed archive must start at a multiple of
    4 bytes, so zeros (which the kernel skips between archives) pad the first one."""
    listing = os.path.join(workdir, "extra.list")
    with open(listing, "w") as f:
        f.write(f"file /bin/fpcheck {fpcheck} 0755 0 0\n")
    extra = subprocess.run([sys.executable, os.path.join(SCRIPTS, "cpio_newc.py"), listing],
                           check=True, capture_output=True).stdout
    path = os.path.join(workdir, "initramfs-fpcheck.cpio")
    with open(path, "wb") as out, open(os.path.join(guest_dir, "initramfs.cpio.gz"), "rb") as base:
        first = base.read()
        out.write(first + bytes(-len(first) % 4))
        out.write(extra)
    return path


def host_kvm_boots_linux(guest_dir):
    """Returns None when Debian's QEMU boots the guest to /init with -enable-kvm, else what it
    printed last. No QEMU at all counts as a yes: there is nothing to blame then."""
    qemu = shutil.which("qemu-system-x86_64")
    if qemu is None:
        return None
    process, console = spawn_with_console(
        [qemu, "-enable-kvm", "-no-reboot", *machine_args(guest_dir)], "qemu")
    try:
        match = console.wait_for(rf"{MARKER}|{PANIC}", BOOT_TIMEOUT)
    finally:
        stop(process)
    return None if match and match.group(0) == MARKER else last_line(console.text)


def run_tcg(kemu, guest_dir, fpcheck):
    expected = None
    if fpcheck:
        expected = lines_of(subprocess.run([fpcheck], check=True, capture_output=True,
                                           text=True).stdout)
        print(f"host fpcheck: {len(expected)} lines, host CPU {host_cpu_flags_summary()}")
    with tempfile.TemporaryDirectory() as workdir:
        initrd = initrd_with(guest_dir, fpcheck, workdir) if fpcheck else None
        name = "kemu -accel tcg -cpu max"
        process, console = boot([kemu, "-accel", "tcg", "-cpu", "max",
                                 *machine_args(guest_dir, initrd)], name)
        try:
            check_basics(console)
            check_dmesg(console, name)
            check_userspace_computes(console, expected)
            check_ctrl_c(console)
            power_off(process, console, name)
        finally:
            stop(process)

    name = "kemu -accel tcg -no-reboot (default CPU)"
    process, console = boot([kemu, "-accel", "tcg", *machine_args(guest_dir, None, "-no-reboot")],
                            name)
    try:
        check_basics(console)
        check_dmesg(console, name)
        reboot_exits(process, console, name)
    finally:
        stop(process)
    # Debian's other kernel flavour: the same checks on a kernel built for real hardware.
    generic = os.path.isfile(os.path.join(guest_dir, "vmlinuz-generic"))
    if generic:
        name = "kemu -accel tcg (generic kernel)"
        process, console = boot([kemu, "-accel", "tcg",
                                 *machine_args(guest_dir, kernel="vmlinuz-generic")], name)
        try:
            check_basics(console)
            check_dmesg(console, name)
            power_off(process, console, name)
        finally:
            stop(process)
    print("PASS: TCG: shell, nproc=2, dmesg clean, sha256sum/gzip/bc"
          + (", fpcheck bit-exact" if fpcheck else " (no fpcheck built)")
          + ", Ctrl-C, poweroff, -no-reboot reboot"
          + (", generic kernel too" if generic else " (no generic kernel: run 'make guest')"))


def host_cpu_flags_summary():
    try:
        with open("/proc/cpuinfo") as f:
            flags = re.search(r"^flags\s*:\s*(.*)$", f.read(), re.MULTILINE).group(1).split()
    except (OSError, AttributeError):
        return "unknown"
    return " ".join(f for f in ("sse4_2", "avx", "avx2", "fma", "f16c") if f in flags)


def run_kvm(kemu, guest_dir):
    if not os.path.exists("/dev/kvm"):
        skip("no /dev/kvm")
    qemu_failure = host_kvm_boots_linux(guest_dir)
    if qemu_failure is not None:
        skip(f"host KVM cannot boot Linux: QEMU -enable-kvm fails too ({qemu_failure})")
    name = "kemu -enable-kvm"
    process, console = boot([kemu, "-enable-kvm", *machine_args(guest_dir)], name)
    try:
        check_basics(console)
        check_ctrl_c(console)
        power_off(process, console, name)
    finally:
        stop(process)
    name = "kemu -enable-kvm -no-reboot"
    process, console = boot([kemu, "-enable-kvm", *machine_args(guest_dir, None, "-no-reboot")],
                            name)
    try:
        reboot_exits(process, console, name)
    finally:
        stop(process)
    print("PASS: KVM: shell, Ctrl-C, nproc=2, MemTotal≈512 MiB, poweroff and -no-reboot reboot")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--accel", choices=["tcg", "kvm"], required=True)
    parser.add_argument("kemu")
    parser.add_argument("guest_dir")
    parser.add_argument("fpcheck", nargs="?", default="")
    args = parser.parse_args()
    guest_dir = os.environ.get("KEMU_GUEST_DIR") or args.guest_dir
    for name in ("vmlinuz", "initramfs.cpio.gz"):
        if not os.path.isfile(os.path.join(guest_dir, name)):
            skip(f"default guest missing ({os.path.join(guest_dir, name)}): run 'make guest'")
    if args.accel == "tcg":
        run_tcg(args.kemu, guest_dir, args.fpcheck)
    else:
        run_kvm(args.kemu, guest_dir)


if __name__ == "__main__":
    main()
