#!/usr/bin/env python3
"""Keys typed into a display reach the guest's shell (issue 11), through the PS/2 keyboard:

The default Linux guest boots under TCG through SeaBIOS and SYSLINUX (the disk of
scripts/make-boot-images.sh, its syslinux.cfg changed to `console=ttyS0 console=tty0`), so
/dev/console is tty0 and the initramfs's shell runs on the VGA text console, where Linux
reads the keyboard through the i8042. The test waits for the `/ # ` prompt on the screen the
front end shows, types `echo kemu-$((6*7))` there (Shift as a key of its own, as a person
types) and reads `kemu-42` back off that screen with the VGA BIOS font; then `poweroff -f`
typed the same way ends kemu with status 0.

- vnc: `-vnc 127.0.0.1:N`, our RFB client (display_vnc_test.py) sends X keysyms.
- sdl: `-display sdl` under a private Xvfb; xdotool types into the window and the text is
  read off Xvfb's framebuffer.

usage: display_shell_test.py vnc|sdl KEMU GUEST_DIR      ($KEMU_GUEST_DIR overrides GUEST_DIR)
"""

import os
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import time

from harness import check, fail, skip, stop
import display_sdl_test
import display_vnc_test
import vga_text

BOOT_TIMEOUT = 240  # SeaBIOS, SYSLINUX and Linux under TCG on a loaded two-core machine
ANSWER_TIMEOUT = 60
EXIT_TIMEOUT = 60
PROMPT = "/ #"
COMMAND = "echo kemu-$((6*7))"
ANSWER = "kemu-42"
SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts")

# `quiet`: kernel messages on tty0 would scroll the shell's lines away.
SYSLINUX_CFG = """SERIAL 0 115200
DEFAULT linux
LABEL linux
  KERNEL /vmlinuz
  APPEND initrd=/initrd.gz console=ttyS0 console=tty0 quiet panic=-1
"""

# The characters of COMMAND and `poweroff -f` that a US keyboard types with Shift.
SHIFTED = set('~!@#$%^&*()_+{}|:"<>?') | set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
XK_SHIFT_L = 0xFFE1
KEY_INTERVAL = 0.03  # seconds between key events: a fast typist


def tty0_disk(guest, tmp):
    """A copy of the SYSLINUX disk whose kernel command line puts the shell on tty0."""
    source = os.path.join(guest, "disk.img")
    if not os.path.exists(source):
        subprocess.run([os.path.join(SCRIPTS, "make-boot-images.sh"), guest], check=True,
                       stdout=subprocess.DEVNULL)
    disk = os.path.join(tmp, "tty0.img")
    shutil.copy(source, disk)
    cfg = os.path.join(tmp, "syslinux.cfg")
    with open(cfg, "w") as f:
        f.write(SYSLINUX_CFG)
    subprocess.run(["mcopy", "-o", "-i", f"{disk}@@1M", cfg, "::syslinux.cfg"], check=True)
    return disk


def machine_argv(kemu, disk):
    return [kemu, "-accel", "tcg", "-m", "256", "-hda", disk]


def wait_exit_status(process, what):
    try:
        return process.wait(timeout=EXIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        fail(f"{what}: kemu still running {EXIT_TIMEOUT} s after `poweroff -f`")


class ShellClient(display_vnc_test.RfbClient):
    """The RFB client typing as a person does, and an update poll that does not block while
    the screen stands still."""

    def handshake(self):
        """Asks for red in the low byte, which is not the server's layout, so every picture
        (and the one after the guest's mode change) is translated for this client."""
        super().handshake()
        self.sock.sendall(struct.pack(">BxxxBBBBHHHBBBxxx", 0, 32, 24, 0, 1, 255, 255, 255,
                                      0, 8, 16))
        self.big_endian, self.shifts = 0, (0, 8, 16)

    def paced_key(self, keysym, down):
        self.key(keysym, down)
        # Key events go to the guest as fast as they come, and the PS/2 keyboard holds 16
        # bytes: a burst of a whole line overruns it before the guest's interrupt handler
        # runs (xdotool paces the SDL test the same way with --delay).
        time.sleep(KEY_INTERVAL)

    def type_shifted(self, text):
        for ch in text:
            keysym = display_vnc_test.KEYSYM["return"] if ch == "\n" else ord(ch)
            if ch in SHIFTED:
                self.paced_key(XK_SHIFT_L, True)
            self.paced_key(keysym, True)
            self.paced_key(keysym, False)
            if ch in SHIFTED:
                self.paced_key(XK_SHIFT_L, False)

    def lines(self):
        """The screen's lines read with the cell width that matches more glyphs exactly."""
        decodes = display_vnc_test.screen_decodes(self, self.matcher)
        return decodes[0][2] if decodes else []

    def wait_for_line(self, test, timeout, what):
        """Polls the screen until a line passes `test`; one request is outstanding at a time."""
        deadline = time.monotonic() + timeout
        pending = False
        while time.monotonic() < deadline:
            if not pending:
                self.request(1)
                pending = True
            ready, _, _ = select.select([self.sock], [], [], 1.0)
            if not ready and not self.buf:
                continue
            self.read_update()
            pending = False
            if any(test(line) for line in self.lines()):
                return
        shown = [line for line in self.lines() if line]
        fail(f"vnc: {what} not on the screen after {timeout} s (picture kept in "
             f"{display_vnc_test.save_frame(self)}); it shows {shown[-12:]!r}")


def over_vnc(kemu, disk, matcher):
    display = display_vnc_test.free_display()
    argv = machine_argv(kemu, disk) + ["-vnc", f"127.0.0.1:{display}"]
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    try:
        client = ShellClient(5900 + display)
        client.matcher = matcher
        client.handshake()
        client.request(0)
        client.read_update()
        client.wait_for_line(lambda line: line.rstrip() == PROMPT, BOOT_TIMEOUT,
                             "the shell's prompt")
        client.type_shifted(COMMAND + "\n")
        client.wait_for_line(lambda line: line.strip() == ANSWER, ANSWER_TIMEOUT,
                             f"{ANSWER!r} (the answer to {COMMAND!r})")
        client.type_shifted("poweroff -f\n")
        status = wait_exit_status(process, "vnc")
        check(status == 0, f"vnc: kemu exited with {status} after poweroff: "
                           f"{process.stderr.read().decode(errors='replace').strip()!r}")
    finally:
        stop(process)


def window_lines(env, fbdir, window, matcher):
    """The window's text, read as 9-dot (VGA) or as 8-dot cells, whichever matches more
    glyphs exactly."""
    x0, y0, w, h = display_sdl_test.geometry(env, window)
    width, height, rgb = display_sdl_test.read_xwd(os.path.join(fbdir, "Xvfb_screen0"))
    best = ([], -1)
    for cell_width in (9, 8):
        cw, ch = min(w, width - x0) // cell_width * cell_width, min(h, height - y0) // 16 * 16
        if cw <= 0 or ch <= 0:
            continue
        area = b"".join(rgb[((y0 + y) * width + x0) * 3:((y0 + y) * width + x0 + cw) * 3]
                        for y in range(ch))
        decoded = vga_text.decode(area, cw, ch, cell_width, matcher)
        if decoded[1] > best[1]:
            best = decoded
    return best[0]


def wait_for_window_line(env, fbdir, window, matcher, test, timeout, what):
    deadline = time.monotonic() + timeout
    lines = []
    while time.monotonic() < deadline:
        lines = window_lines(env, fbdir, window, matcher)
        if any(test(line) for line in lines):
            return
        time.sleep(0.5)
    fail(f"sdl: {what} not in the window after {timeout} s; it shows "
         f"{[l for l in lines if l][-12:]!r}")


def xdotool_type(env, window, text):
    # Focus again before typing: nothing else runs under this Xvfb, but be sure.
    display_sdl_test.xdotool(env, "windowfocus", "--sync", window)
    display_sdl_test.xdotool(env, "type", "--delay", "60", text)
    display_sdl_test.xdotool(env, "key", "--delay", "60", "Return")


def in_sdl_window(kemu, disk, matcher):
    if not shutil.which("Xvfb") or not shutil.which("xdotool"):
        skip("Xvfb or xdotool missing (Debian packages xvfb and xdotool)")
    with tempfile.TemporaryDirectory(prefix="kemu-sdl-") as fbdir:
        ready_read, ready_write = os.pipe()
        xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(ready_write), "-screen", "0",
                                 "1024x768x24", "-fbdir", fbdir, "-nolisten", "tcp"],
                                pass_fds=[ready_write], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        os.close(ready_write)
        ready = os.fdopen(ready_read)
        process = None
        try:
            number = ready.readline().strip()
            check(number.isdigit(), "Xvfb did not start")
            env = {**os.environ, "DISPLAY": ":" + number}
            env.pop("WAYLAND_DISPLAY", None)
            argv = machine_argv(kemu, disk) + ["-display", "sdl", "-name",
                                               display_sdl_test.NAME]
            process = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            window = display_sdl_test.wait_for_window(env, process)
            wait_for_window_line(env, fbdir, window, matcher, lambda l: l.rstrip() == PROMPT,
                                 BOOT_TIMEOUT, "the shell's prompt")
            xdotool_type(env, window, COMMAND)
            wait_for_window_line(env, fbdir, window, matcher, lambda l: l.strip() == ANSWER,
                                 ANSWER_TIMEOUT, f"{ANSWER!r} (the answer to {COMMAND!r})")
            xdotool_type(env, window, "poweroff -f")
            status = wait_exit_status(process, "sdl")
            check(status == 0, f"sdl: kemu exited with {status} after poweroff: "
                               f"{process.stderr.read().decode(errors='replace').strip()!r}")
        finally:
            if process:
                stop(process)
            stop(xvfb)
            ready.close()


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("vnc", "sdl"):
        fail(__doc__.strip().splitlines()[-1])
    frontend, kemu = sys.argv[1], sys.argv[2]
    guest = os.environ.get("KEMU_GUEST_DIR", sys.argv[3])
    for name in ("vmlinuz", "initramfs.cpio.gz"):
        if not os.path.exists(os.path.join(guest, name)):
            skip(f"no {name} in {guest} (make guest)")
    for tool in ("mcopy", "xorriso"):
        if not shutil.which(tool):
            skip(f"{tool} missing (scripts/install-deps.sh installs mtools and xorriso)")
    if not os.path.exists(vga_text.DEFAULT_ROM):
        skip(f"{vga_text.DEFAULT_ROM} (seabios) is needed to boot and to read the screen")
    matcher = vga_text.Matcher(vga_text.load_font())
    with tempfile.TemporaryDirectory(prefix="kemu-shell-") as tmp:
        disk = tty0_disk(guest, tmp)
        (over_vnc if frontend == "vnc" else in_sdl_window)(kemu, disk, matcher)
    print(f"PASS: {frontend}: the shell's prompt on tty0, {COMMAND!r} typed through the PS/2 "
          f"keyboard answered {ANSWER!r}, and `poweroff -f` typed there ended kemu")


if __name__ == "__main__":
    main()
