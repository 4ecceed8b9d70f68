#!/usr/bin/env python3
"""-nographic on a terminal: Ctrl-A c switches the console to the monitor, Ctrl-A x quits, and
the terminal's settings are what they were before kemu started.

usage: mux_escape_test.py KEMU MULTIBOOT_IMAGE
"""

import os
import pty
import subprocess
import sys
import termios

from harness import Console, check, find_kemu, skip, stop, wait_exit

CTRL_A = b"\x01"


def canonical(fd):
    """Whether the terminal still edits lines itself (kemu has not made it raw)."""
    return termios.tcgetattr(fd)[3] & termios.ICANON != 0


def main():
    kemu = find_kemu(sys.argv)
    image = sys.argv[2] if len(sys.argv) > 2 else ""
    if not os.path.isfile(image):
        skip(f"no Multiboot guest image at '{image}' (built by tests/guest)")
    master, slave = pty.openpty()
    before = termios.tcgetattr(slave)
    process = subprocess.Popen(
        [kemu, "-accel", "null", "-nographic", "-S", "-kernel", image],
        stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    try:
        console = Console(master, master, "pty")
        # kemu switches the terminal to raw mode before it reads escapes; wait for that, or
        # the line discipline would still be cooking what we type.
        for _ in range(100):
            if not canonical(slave):
                break
            console.drain(0.05)
        check(not canonical(slave), "kemu -nographic left the terminal in canonical mode")

        console.send(CTRL_A + b"c")
        console.expect(r"\((?:kemu|qemu)\) ", 10, what="the monitor prompt after Ctrl-A c")
        console.send("info status\r")
        console.expect(r"VM status: paused", 10, what="'VM status: paused'")
        console.expect(r"\((?:kemu|qemu)\) ", 10, what="the prompt after 'info status'")

        console.send(CTRL_A + b"x")
        status = wait_exit(process, 10, "kemu after Ctrl-A x")
        check(status == 0, f"kemu exited with status {status} after Ctrl-A x, want 0")
        after = termios.tcgetattr(slave)
        check(after == before, f"terminal settings not restored: before {before}, after {after}")
    finally:
        stop(process)
        os.close(master)
        os.close(slave)
    print("PASS: Ctrl-A c reaches the monitor, Ctrl-A x exits, terminal restored")


if __name__ == "__main__":
    main()
