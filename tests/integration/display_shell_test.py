#!/usr/bin/env python3
"""Keys typed into a display reach the guest's shell (issue 11), through the PS/2 keyboard:

The default Linux guest boots under TCG through SeaBIOS and SYSLINUX (the disk of
scripts/make-boot-images.sh, its kernel command line `console=ttyS0 console=tty0`), so
/dev/console is tty0 and the initramfs's shell runs on the VGA text console, where Linux
reads the keyboard through the i8042. The test waits for the `/ # ` prompt on the screen the
front end shows, types `echo kemu-$((6*7))` there (Shift as a key of its own, as a person
types) and reads `kemu-42` back off that screen with the VGA BIOS font; then `poweroff -f`
typed the same way ends kemu with status 0.

- vnc: `-vnc 127.0.0.1:N`, our RFB client (rfb_client.py) sends X keysyms, each line
  as ONE burst of key events with no pause between them, as a client pasting text does: far
  more than the PS/2 keyboard's 16-byte buffer, so it passes only because kemu's host-side
  key queue feeds the keyboard as the guest reads it.
- sdl: `-display sdl` under a private Xvfb; xdotool types into the window and the text is
  read off Xvfb's framebuffer.

usage: display_shell_test.py vnc|sdl KEMU GUEST_DIR      ($KEMU_GUEST_DIR overrides GUEST_DIR)
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

from display_env import DisplayEnvError, private_xvfb, syslinux_disk
from harness import check, fail, skip, stop, wait_exit
import display_sdl_test
import display_vnc_test
from rfb_client import RfbClient, RfbError
import vga_text

BOOT_TIMEOUT = 240  # SeaBIOS, SYSLINUX and Linux under TCG on a loaded two-core machine
ANSWER_TIMEOUT = 60
EXIT_TIMEOUT = 60
PROMPT = "/ #"
COMMAND = "echo kemu-$((6*7))"
ANSWER = "kemu-42"
# The shell on tty0; `quiet`: kernel messages there would scroll the shell's lines away.
KERNEL_APPEND = "console=ttyS0 console=tty0 quiet panic=-1"
# Red in the low byte, which is not the server's layout, so every picture (and the one after
# the guest's mode change) is translated for this client.
CLIENT_SHIFTS = (0, 8, 16)


def machine_argv(kemu, disk):
    return [kemu, "-accel", "tcg", "-m", "256", "-hda", disk]


def screen_lines(client, matcher):
    """The screen's lines read with the cell width that matches more glyphs exactly."""
    decodes = display_vnc_test.screen_decodes(client, matcher)
    return decodes[0][2] if decodes else []


def wait_for_line(client, matcher, test, timeout, what):
    """Polls the screen until a line passes `test`; one request is outstanding at a time, and
    the poll does not block while the screen stands still."""
    deadline = time.monotonic() + timeout
    pending = False
    while time.monotonic() < deadline:
        if not pending:
            client.request(1)
            pending = True
        if client.poll_update(1.0) is None:
            continue
        pending = False
        if any(test(line) for line in screen_lines(client, matcher)):
            return
    shown = [line for line in screen_lines(client, matcher) if line]
    fail(f"vnc: {what} not on the screen after {timeout} s (picture kept in "
         f"{display_vnc_test.save_frame(client)}); it shows {shown[-12:]!r}")


def over_vnc(kemu, disk, matcher):
    display = display_vnc_test.free_display()
    argv = machine_argv(kemu, disk) + ["-vnc", f"127.0.0.1:{display}"]
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    try:
        client = RfbClient(5900 + display)
        client.handshake(CLIENT_SHIFTS)
        client.request(0)
        client.read_update()
        wait_for_line(client, matcher, lambda line: line.rstrip() == PROMPT, BOOT_TIMEOUT,
                      "the shell's prompt")
        client.type_burst(COMMAND + "\n")
        wait_for_line(client, matcher, lambda line: line.strip() == ANSWER, ANSWER_TIMEOUT,
                      f"{ANSWER!r} (the answer to {COMMAND!r})")
        client.type_burst("poweroff -f\n")
        status = wait_exit(process, EXIT_TIMEOUT, "vnc: `poweroff -f`")
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
    with tempfile.TemporaryDirectory(prefix="kemu-sdl-") as fbdir, private_xvfb(fbdir) as env:
        argv = machine_argv(kemu, disk) + ["-display", "sdl", "-name", display_sdl_test.NAME]
        process = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            window = display_sdl_test.wait_for_window(env, process)
            wait_for_window_line(env, fbdir, window, matcher, lambda l: l.rstrip() == PROMPT,
                                 BOOT_TIMEOUT, "the shell's prompt")
            xdotool_type(env, window, COMMAND)
            wait_for_window_line(env, fbdir, window, matcher, lambda l: l.strip() == ANSWER,
                                 ANSWER_TIMEOUT, f"{ANSWER!r} (the answer to {COMMAND!r})")
            xdotool_type(env, window, "poweroff -f")
            status = wait_exit(process, EXIT_TIMEOUT, "sdl: `poweroff -f`")
            check(status == 0, f"sdl: kemu exited with {status} after poweroff: "
                               f"{process.stderr.read().decode(errors='replace').strip()!r}")
        finally:
            stop(process)


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
        try:
            disk = syslinux_disk(guest, tmp, KERNEL_APPEND)
            (over_vnc if frontend == "vnc" else in_sdl_window)(kemu, disk, matcher)
        except (RfbError, DisplayEnvError) as e:
            fail(f"{frontend}: {e}")
    print(f"PASS: {frontend}: the shell's prompt on tty0, {COMMAND!r} typed through the PS/2 "
          f"keyboard answered {ANSWER!r}, and `poweroff -f` typed there ended kemu")


if __name__ == "__main__":
    main()
