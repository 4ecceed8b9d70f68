#!/usr/bin/env python3
"""The SDL window as a person uses it (issue 11):

1. `-display sdl` with no X server or Wayland compositor: one line on stderr, status 1.
2. Under a private Xvfb (when xvfb and xdotool are installed): the window titled
   "kemu (NAME)" opens; Ctrl+Alt+2 typed with xdotool shows the monitor, whose `(kemu)`
   prompt is read off Xvfb's framebuffer with the VGA BIOS font; `info status` typed there
   answers, and `quit` ends kemu with status 0.

usage: display_sdl_test.py KEMU
"""

import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

from display_env import DisplayEnvError, private_xvfb
from harness import check, fail, find_kemu, skip, stop, wait_exit
import vga_text

NAME = "sdltest"
TIMEOUT = 20


def read_xwd(path):
    """(width, height, rgb bytes) of the XWD file Xvfb -fbdir keeps its screen in."""
    with open(path, "rb") as f:
        data = f.read()
    fields = struct.unpack(">25I", data[:100])
    header_size, width, height = fields[0], fields[4], fields[5]
    byte_order, bits_per_pixel, bytes_per_line, ncolors = fields[7], fields[11], fields[12], fields[19]
    check(bits_per_pixel == 32, f"Xvfb framebuffer has {bits_per_pixel} bits per pixel")
    start = header_size + ncolors * 12
    order = "<" if byte_order == 0 else ">"
    rgb = bytearray(width * height * 3)
    for y in range(height):
        row = struct.unpack_from(f"{order}{width}I", data, start + y * bytes_per_line)
        for x, p in enumerate(row):
            i = (y * width + x) * 3
            rgb[i:i + 3] = bytes(((p >> 16) & 255, (p >> 8) & 255, p & 255))
    return width, height, bytes(rgb)


def window_text(fbdir, geometry, matcher):
    """Lines of text in the window's area of the screen."""
    width, height, rgb = read_xwd(os.path.join(fbdir, "Xvfb_screen0"))
    x0, y0, w, h = geometry
    w, h = min(w, width - x0) // 8 * 8, min(h, height - y0) // 16 * 16
    if w <= 0 or h <= 0:
        return []
    area = b"".join(rgb[((y0 + y) * width + x0) * 3:((y0 + y) * width + x0 + w) * 3] for y in range(h))
    lines, _ = vga_text.decode(area, w, h, 8, matcher)
    return lines


def xdotool(env, *args):
    return subprocess.run(["xdotool", *args], env=env, capture_output=True, text=True, timeout=10)


def wait_for_window(env, process):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = process.stderr.read().decode(errors="replace").strip()
            fail(f"kemu exited with {process.returncode} before its window opened: {err!r}")
        found = xdotool(env, "search", "--name", f"^kemu \\({NAME}\\)$")
        if found.returncode == 0 and found.stdout.split():
            return found.stdout.split()[0]
        time.sleep(0.1)
    fail(f"no window titled 'kemu ({NAME})' after {TIMEOUT} s")


def geometry(env, window):
    out = xdotool(env, "getwindowgeometry", "--shell", window).stdout
    values = dict(line.split("=", 1) for line in out.split() if "=" in line)
    return int(values["X"]), int(values["Y"]), int(values["WIDTH"]), int(values["HEIGHT"])


def wait_for_text(env, fbdir, window, matcher, text, what):
    deadline = time.monotonic() + TIMEOUT
    lines = []
    while time.monotonic() < deadline:
        lines = window_text(fbdir, geometry(env, window), matcher)
        if any(text in line for line in lines):
            return
        time.sleep(0.2)
    fail(f"{what}: {text!r} not in the window; it shows {[l for l in lines if l]!r}")


def no_display_is_an_error(kemu):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")}
    run = subprocess.run([kemu, "-display", "sdl", "-S"], env=env, capture_output=True,
                         text=True, timeout=30)
    check(run.returncode == 1, f"-display sdl without X exited with {run.returncode}")
    err = run.stderr.strip()
    check(len(err.splitlines()) == 1 and "sdl" in err.lower(),
          f"-display sdl without X should fail with one line: {err!r}")


def main():
    kemu = find_kemu(sys.argv)
    probe = subprocess.run([kemu, "-display", "sdl", "-S"], capture_output=True, text=True,
                           timeout=30, env={**os.environ, "DISPLAY": ""})
    if "not available yet" in probe.stderr or "invalid option" in probe.stderr:
        skip("this kemu has no -display sdl yet: " + probe.stderr.strip())
    no_display_is_an_error(kemu)
    if not shutil.which("Xvfb") or not shutil.which("xdotool"):
        print("PASS: -display sdl without X (Xvfb or xdotool missing: no window test)")
        return
    if not os.path.exists(vga_text.DEFAULT_ROM):
        skip(f"{vga_text.DEFAULT_ROM} (seabios) is needed to read the screen")

    matcher = vga_text.Matcher(vga_text.load_font())
    with tempfile.TemporaryDirectory(prefix="kemu-sdl-") as fbdir, private_xvfb(fbdir) as env:
        kemu_process = subprocess.Popen([kemu, "-m", "64", "-S", "-display", "sdl", "-name", NAME],
                                        env=env, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            window = wait_for_window(env, kemu_process)
            xdotool(env, "windowfocus", "--sync", window)
            xdotool(env, "key", "--delay", "50", "ctrl+alt+2")
            wait_for_text(env, fbdir, window, matcher, "(kemu)", "Ctrl+Alt+2")
            xdotool(env, "type", "--delay", "30", "info status")
            xdotool(env, "key", "Return")
            wait_for_text(env, fbdir, window, matcher, "VM status: paused", "info status")
            xdotool(env, "type", "--delay", "30", "quit")
            xdotool(env, "key", "Return")
            status = wait_exit(kemu_process, 10, "`quit` typed into the window")
            check(status == 0, f"kemu exited with {status} after quit: "
                               f"{kemu_process.stderr.read().decode(errors='replace').strip()!r}")
        finally:
            stop(kemu_process)
    print("PASS: -display sdl without X; under Xvfb: window title, Ctrl+Alt+2, info status, quit")


if __name__ == "__main__":
    try:
        main()
    except DisplayEnvError as e:
        fail(f"sdl: {e}")
