#!/usr/bin/env python3
"""Boot through Debian's SeaBIOS, as users boot what they have (issue 10's acceptance 1-3):

1. No bootable device: SeaBIOS's banner and "No bootable device." are on the VGA text screen,
   read back from a `screendump` by tests/integration/vga_text.py; `sendkey ctrl-alt-delete`
   makes SeaBIOS reset the machine. Under KVM too where /dev/kvm exists (SeaBIOS runs even on
   kvm-pvm, unlike Linux).
2. A raw disk (MBR, a FAT partition, SYSLINUX; scripts/make-boot-images.sh): SYSLINUX's prompt
   is on the screen; the kernel finds the disk through ata_piix, the guest writes a file,
   syncs and powers off, and the file is in the image afterwards. The same disk converted to
   qcow2 with kemu-img boots too.
3. An ISOLINUX CD-ROM (-cdrom, -boot d): the guest mounts it through sr and reads it.

usage: firmware_boot_test.py KEMU KEMU_IMG GUEST_DIR      ($KEMU_GUEST_DIR overrides GUEST_DIR)
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from harness import Console, check, fail, skip, spawn_with_console, stop, wait_exit
import vga_text

BOOT_TIMEOUT = 120
SHELL = r"/ # "
MONITOR_PROMPT = r"\(kemu\) "
SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts")


class Machine:
    """kemu with the serial console on stdio and the monitor on a unix socket."""

    def __init__(self, kemu, tmp, name, *args):
        self.name = name
        self.sock_path = os.path.join(tmp, name + ".sock")
        argv = [kemu, "-m", "256", "-nographic", "-monitor",
                f"unix:{self.sock_path},server=on,wait=off", *args]
        self.process, self.console = spawn_with_console(argv, name)
        self.monitor = self._connect()
        self.monitor.expect(MONITOR_PROMPT, 10, what="the monitor prompt")

    def _connect(self):
        deadline = time.monotonic() + 10
        while True:
            check(self.process.poll() is None,
                  f"{self.name}: kemu exited with {self.process.returncode} at start-up")
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(self.sock_path)
                self.sock = sock
                return Console(sock.fileno(), sock.fileno(), self.name + " monitor")
            except OSError:
                sock.close()
                if time.monotonic() > deadline:
                    fail(f"{self.name}: no monitor socket after 10 s")
                time.sleep(0.05)

    def command(self, line):
        self.monitor.send(line + "\n")
        return self.monitor.expect(rf"(?s)(.*?){MONITOR_PROMPT}", 10, what=repr(line)).group(1)

    def screen(self, tmp):
        path = os.path.join(tmp, self.name + ".ppm")
        answer = self.command(f"screendump {path}")
        check(os.path.exists(path), f"{self.name}: screendump wrote nothing: {answer.strip()!r}")
        return "\n".join(vga_text.screen_text(path))

    def shell(self, line, timeout=30):
        """Runs a shell command; returns what it printed between its echo and the prompt."""
        self.console.send(line + "\n")
        self.console.expect(re.escape(line) + r"\r?\n", timeout, what=f"the echo of {line!r}")
        return self.console.expect(rf"(?s)(.*?){SHELL}", timeout, what=repr(line)).group(1)

    def power_off(self):
        self.console.send("poweroff -f\n")
        status = wait_exit(self.process, 60, f"{self.name}: kemu after poweroff")
        check(status == 0, f"{self.name}: kemu exited with {status} after poweroff, want 0")
        self.sock.close()

    def stop(self):
        stop(self.process)
        self.sock.close()


def wait_for_screen(machine, tmp, text, timeout=20):
    """The screen once a line of it starts with `text`."""
    deadline = time.monotonic() + timeout
    while True:
        screen = machine.screen(tmp)
        if any(line.startswith(text) for line in screen.splitlines()):
            return screen
        if time.monotonic() > deadline:
            fail(f"{machine.name}: {text!r} never on the screen; last screen:\n{screen}")
        time.sleep(0.5)


def no_bootable_device(kemu, tmp, accel):
    """SeaBIOS's screen, then Ctrl+Alt+Delete typed through `sendkey`: SeaBIOS's keyboard
    handler resets the machine, which -no-reboot turns into an exit."""
    m = Machine(kemu, tmp, "nodisk-" + accel, "-accel", accel, "-no-reboot")
    try:
        m.console.expect(r"No bootable device", 60, what="SeaBIOS giving up")
        screen = wait_for_screen(m, tmp, "No bootable device")
        check("SeaBIOS (version" in screen, f"no SeaBIOS banner on the screen:\n{screen}")
        m.command("sendkey ctrl-alt-delete")
        status = wait_exit(m.process, 20, f"{m.name}: kemu after sendkey ctrl-alt-delete")
        check(status == 0, f"{m.name}: exit status {status} after Ctrl+Alt+Delete, want 0")
    finally:
        m.stop()


def boot_to_shell(m, tmp, prompt_text):
    """Stops SYSLINUX at its prompt (a key cancels the timeout), checks the screen, boots."""
    m.console.expect(r"boot: ", 60, what="the SYSLINUX prompt")
    m.console.send(" ")
    screen = wait_for_screen(m, tmp, "boot:")
    check(prompt_text in screen.splitlines(), f"{prompt_text!r} not on the screen:\n{screen}")
    m.console.send("\r")
    m.console.expect(r"kemu-guest: init started", BOOT_TIMEOUT, what="init's marker")
    m.console.expect(SHELL, 30, what="the shell")


def disk_keeps_guest_writes(kemu, tmp, disk):
    m = Machine(kemu, tmp, "disk", "-smp", "2", "-hda", disk)
    try:
        boot_to_shell(m, tmp, "kemu-boot: syslinux disk")
        partitions = m.shell("cat /proc/partitions")
        check("sda1" in partitions, f"the guest sees no sda1:\n{partitions}")
        m.shell("mkdir -p /mnt && mount -t vfat /dev/sda1 /mnt")
        m.shell("echo written-by-the-guest > /mnt/guest.txt && sync && umount /mnt")
        m.power_off()
    except BaseException:
        m.stop()
        raise
    read = subprocess.run(["mtype", "-i", f"{disk}@@1M", "::guest.txt"], capture_output=True,
                          text=True)
    check(read.stdout.strip() == "written-by-the-guest",
          f"the guest's file is not in the image: {read.stdout!r} {read.stderr.strip()!r}")


def qcow2_disk_boots(kemu, kemu_img, tmp, disk):
    qcow2 = os.path.join(tmp, "disk.qcow2")
    subprocess.run([kemu_img, "convert", "-f", "raw", "-O", "qcow2", disk, qcow2], check=True)
    m = Machine(kemu, tmp, "qcow2", "-drive", f"file={qcow2},format=qcow2,if=ide")
    try:
        boot_to_shell(m, tmp, "kemu-boot: syslinux disk")
        check("sda1" in m.shell("cat /proc/partitions"), "no sda1 on the qcow2 disk")
        m.power_off()
    except BaseException:
        m.stop()
        raise


def cdrom_boots_and_mounts(kemu, tmp, iso):
    m = Machine(kemu, tmp, "cdrom", "-cdrom", iso, "-boot", "d")
    try:
        boot_to_shell(m, tmp, "kemu-boot: isolinux cdrom")
        m.shell("mkdir -p /cd && mount -t iso9660 -o ro /dev/sr0 /cd")
        listing = m.shell("ls /cd /cd/isolinux")
        check("vmlinuz" in listing and "isolinux.cfg" in listing,
              f"the CD's files are not visible in the guest:\n{listing}")
        m.power_off()
    except BaseException:
        m.stop()
        raise


def main():
    if len(sys.argv) != 4:
        fail(__doc__.strip().splitlines()[-1])
    kemu, kemu_img = sys.argv[1], sys.argv[2]
    guest = os.environ.get("KEMU_GUEST_DIR", sys.argv[3])
    if not os.path.exists(vga_text.DEFAULT_ROM):
        skip(f"{vga_text.DEFAULT_ROM} missing (Debian's seabios package)")
    for tool in ("mtype", "xorriso"):
        if not shutil.which(tool):
            skip(f"{tool} missing (scripts/install-deps.sh installs mtools and xorriso)")
    if not os.path.exists(os.path.join(guest, "initramfs.cpio.gz")):
        skip(f"no default guest in {guest} (make guest)")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([os.path.join(SCRIPTS, "make-boot-images.sh"), guest], check=True,
                       stdout=subprocess.DEVNULL)
        disk = os.path.join(tmp, "disk.img")
        shutil.copy(os.path.join(guest, "disk.img"), disk)
        no_bootable_device(kemu, tmp, "tcg")
        if os.access("/dev/kvm", os.R_OK | os.W_OK):
            no_bootable_device(kemu, tmp, "kvm")
        disk_keeps_guest_writes(kemu, tmp, disk)
        qcow2_disk_boots(kemu, kemu_img, tmp, disk)
        cdrom_boots_and_mounts(kemu, tmp, os.path.join(guest, "cdrom.iso"))
    print("PASS: SeaBIOS: banner and 'No bootable device' on screen, sendkey ctrl-alt-delete "
          "resets; SYSLINUX disk (raw: the "
          "guest's write is in the image; qcow2) and ISOLINUX CD-ROM boot to a shell")


if __name__ == "__main__":
    main()
