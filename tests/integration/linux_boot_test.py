#!/usr/bin/env python3
"""Boot the default guest (Debian's cloud kernel + busybox initramfs, `make guest`) under KVM with
two CPUs and 512 MiB, drive its shell over the serial console, and power it off and reboot it.

Skips when the host cannot run it: no /dev/kvm, or a host whose KVM cannot boot Linux at all
(checked first with Debian's QEMU, so a kemu failure here is kemu's).

usage: linux_boot_test.py KEMU GUEST_DIR        ($KEMU_GUEST_DIR overrides GUEST_DIR)
"""

import os
import re
import shutil
import sys

from harness import check, find_kemu, last_line, skip, spawn_with_console, stop, wait_exit

BOOT_TIMEOUT = 120
MARKER = r"kemu-guest: init started"
PROMPT = r"/ # "
PANIC = r"Kernel panic - not syncing"


def machine_args(guest_dir, *extra):
    return ["-m", "512", "-smp", "2", "-nographic", *extra,
            "-kernel", os.path.join(guest_dir, "vmlinuz"),
            "-initrd", os.path.join(guest_dir, "initramfs.cpio.gz"),
            "-append", "console=ttyS0 panic=-1"]


def boot(argv, name):
    """Starts a guest and waits for its shell prompt; returns (process, console)."""
    process, console = spawn_with_console(argv, name)
    match = console.expect(rf"{MARKER}|{PANIC}", BOOT_TIMEOUT, what="init's marker line")
    check(not re.match(PANIC, match.group(0)), f"{name}: kernel panic before /init")
    console.expect(PROMPT, 30, what="the shell prompt")
    return process, console


def shell(console, line, timeout=20):
    """Runs one shell command and returns its output (the lines between the echo and the prompt)."""
    console.send(line + "\n")
    console.expect(re.escape(line) + r"\r?\n", timeout, what=f"the echo of '{line}'")
    return console.expect(rf"(?s)(.*?){PROMPT}", timeout, what=f"the output of '{line}'").group(1)


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


def main():
    kemu = find_kemu(sys.argv)
    guest_dir = os.environ.get("KEMU_GUEST_DIR") or (sys.argv[2] if len(sys.argv) > 2 else "")
    if not os.path.exists("/dev/kvm"):
        skip("no /dev/kvm: booting Linux needs KVM until kemu has TCG")
    for name in ("vmlinuz", "initramfs.cpio.gz"):
        if not os.path.isfile(os.path.join(guest_dir, name)):
            skip(f"default guest missing ({os.path.join(guest_dir, name)}): run 'make guest'")
    qemu_failure = host_kvm_boots_linux(guest_dir)
    if qemu_failure is not None:
        skip(f"host KVM cannot boot Linux: QEMU -enable-kvm fails too ({qemu_failure})")

    process, console = boot([kemu, "-enable-kvm", *machine_args(guest_dir)], "kemu")
    try:
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
        # The shell owns the console as its controlling terminal, so Ctrl-C reaches `sleep`.
        console.send("sleep 100\n")
        console.expect(r"sleep 100\r?\n", 20, what="the echo of 'sleep 100'")
        console.send("\x03")
        console.expect(PROMPT, 10, what="the prompt after Ctrl-C interrupts 'sleep 100'")
        console.send("poweroff -f\n")
        status = wait_exit(process, 30, "kemu after 'poweroff -f'")
        check(status == 0, f"kemu exited with status {status} after poweroff, want 0")
    finally:
        stop(process)

    process, console = boot([kemu, "-enable-kvm", *machine_args(guest_dir, "-no-reboot")],
                            "kemu -no-reboot")
    try:
        console.send("reboot -f\n")
        status = wait_exit(process, 30, "kemu -no-reboot after 'reboot -f'")
        check(status == 0, f"kemu -no-reboot exited with status {status} on reboot, want 0")
    finally:
        stop(process)
    print("PASS: shell, Ctrl-C, nproc=2, MemTotal≈512 MiB, poweroff and -no-reboot reboot")


if __name__ == "__main__":
    main()
