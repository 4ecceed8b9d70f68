#!/usr/bin/env python3
"""-kernel/-initrd/-append through SeaBIOS (issue 10): with -bios, kemu's linuxboot option ROM
boots the default guest instead of the direct boot.

SeaBIOS's banner and "Booting from ROM" on the serial console show that the firmware ran and
booted the ROM; init's marker shows the initramfs (copied by the ROM) ran; /proc/cmdline shows
the -append text the ROM copied; a command runs; after `reboot -f` SeaBIOS boots the ROM again
(the fw_cfg items outlive a reset) and the guest powers off. A Multiboot kernel with -bios is
refused with a one-line error.

usage: firmware_linuxboot_test.py KEMU GUEST_DIR      ($KEMU_GUEST_DIR overrides GUEST_DIR)
"""

import os
import re
import struct
import subprocess
import sys
import tempfile

from harness import PROGRAM, check, fail, skip, spawn_with_console, stop, wait_exit

BIOS = "bios-256k.bin"
BIOS_PATH = "/usr/share/seabios/" + BIOS
BOOT_TIMEOUT = 120
MARKER = r"kemu-guest: init started"
PROMPT = r"/ # "
APPEND = "console=ttyS0 panic=-1 kemu.test=firmware-linuxboot"


def shell(console, line, timeout=20):
    """Runs a shell command; returns what it printed between its echo and the prompt."""
    console.send(line + "\n")
    console.expect(re.escape(line) + r"\r?\n", timeout, what=f"the echo of {line!r}")
    return console.expect(rf"(?s)(.*?){PROMPT}", timeout, what=repr(line)).group(1)


def boots_through_the_rom(kemu, guest):
    argv = [kemu, "-m", "256", "-nographic", "-bios", BIOS,
            "-kernel", os.path.join(guest, "vmlinuz"),
            "-initrd", os.path.join(guest, "initramfs.cpio.gz"), "-append", APPEND]
    process, console = spawn_with_console(argv, "linuxboot")
    try:
        console.expect(r"SeaBIOS \(version", 30, what="SeaBIOS's banner")
        console.expect(r"Booting from ROM", 30, what="SeaBIOS booting the linuxboot ROM")
        console.expect(MARKER, BOOT_TIMEOUT, what="init's marker")
        console.expect(PROMPT, 30, what="the shell prompt")
        cmdline = shell(console, "cat /proc/cmdline").strip()
        check(APPEND in cmdline, f"/proc/cmdline is {cmdline!r}, want the -append text {APPEND!r}")
        answer = shell(console, "echo $((6 * 7))").strip()
        check(answer.endswith("42"), f"the shell computed {answer!r}, want 42")
        console.send("reboot -f\n")
        console.expect(r"Booting from ROM", 60, what="SeaBIOS booting the ROM after the reset")
        console.expect(MARKER, BOOT_TIMEOUT, what="init's marker after the reset")
        console.expect(PROMPT, 30, what="the shell prompt after the reset")
        console.send("poweroff -f\n")
        status = wait_exit(process, 60, "kemu after poweroff")
        check(status == 0, f"kemu exited with {status} after poweroff, want 0")
    except BaseException:
        stop(process)
        raise


def multiboot_is_refused(kemu, tmp):
    """A minimal Multiboot header (magic, flags, checksum) is enough to be taken for one."""
    path = os.path.join(tmp, "multiboot.bin")
    magic, flags = 0x1BADB002, 0
    with open(path, "wb") as f:
        f.write(struct.pack("<III", magic, flags, -(magic + flags) & 0xFFFFFFFF) + bytes(4096))
    r = subprocess.run([kemu, "-accel", "null", "-display", "none", "-bios", BIOS,
                        "-kernel", path], capture_output=True, text=True, timeout=30)
    want = f"{PROGRAM}: -kernel {path}: a Multiboot kernel boots only directly (without -bios)"
    check(r.returncode == 1 and r.stderr.strip() == want,
          f"Multiboot with -bios: exit {r.returncode}, stderr {r.stderr.strip()!r}, want {want!r}")


def main():
    if len(sys.argv) != 3:
        fail(__doc__.strip().splitlines()[-1])
    kemu = sys.argv[1]
    guest = os.environ.get("KEMU_GUEST_DIR", sys.argv[2])
    if not os.path.exists(BIOS_PATH):
        skip(f"{BIOS_PATH} missing (Debian's seabios package)")
    if not os.path.exists(os.path.join(guest, "initramfs.cpio.gz")):
        skip(f"no default guest in {guest} (make guest)")
    with tempfile.TemporaryDirectory() as tmp:
        multiboot_is_refused(kemu, tmp)
    boots_through_the_rom(kemu, guest)
    print("PASS: -bios with -kernel: SeaBIOS boots the linuxboot ROM, the initramfs runs, "
          "/proc/cmdline has the -append text, reboot boots it again, poweroff; Multiboot with -bios "
          "refused")


if __name__ == "__main__":
    main()
