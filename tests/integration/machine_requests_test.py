#!/usr/bin/env python3
"""Guest-style requests reach the machine: ACPI power-off, the 0xcf9 reset with and without
-no-reboot, isa-debug-exit, and drive image locking. The monitor's `o` command performs the
port writes a guest would, on a machine that never runs code (-accel null).

usage: machine_requests_test.py KEMU MULTIBOOT_IMAGE
"""

import os
import re
import subprocess
import sys
import tempfile

from harness import Console, check, excerpt, find_kemu, skip, stop, wait_exit
from monitor_socket_test import PROMPT, command, connect


def start(kemu, image, sock, extra):
    return subprocess.Popen(
        [kemu, "-accel", "null", "-nodefaults", "-display", "none",
         "-monitor", f"unix:{sock},server=on,wait=off", "-kernel", image] + extra,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def session(kemu, image, tmp, extra):
    sock = os.path.join(tmp, "monitor.sock")
    if os.path.exists(sock):
        os.unlink(sock)
    process = start(kemu, image, sock, extra)
    conn = connect(sock, process, timeout=10)
    console = Console(conn.fileno(), conn.fileno(), "monitor")
    console.expect(PROMPT, 10, what="the first monitor prompt")
    return process, conn, console


def expect_exit(kemu, image, tmp, extra, port_write, want, what):
    process, conn, console = session(kemu, image, tmp, extra)
    try:
        console.send(port_write + "\n")
        status = wait_exit(process, 10, what)
        check(status == want, f"{what}: exit status {status}, want {want}")
    finally:
        conn.close()
        stop(process)


def main():
    kemu = find_kemu(sys.argv)
    image = sys.argv[2] if len(sys.argv) > 2 else ""
    if not os.path.isfile(image):
        skip(f"no Multiboot guest image at '{image}' (built by tests/guest)")
    with tempfile.TemporaryDirectory() as tmp:
        expect_exit(kemu, image, tmp, [], "o /h 0x604 0x2000", 0, "ACPI S5 (SLP_TYP 0 | SLP_EN)")
        expect_exit(kemu, image, tmp, ["-no-reboot"], "o /b 0xcf9 0x6", 0, "0xcf9 reset under -no-reboot")
        expect_exit(kemu, image, tmp, ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x4"],
                    "o /b 0xf4 3", 7, "isa-debug-exit with 3")

        # Without -no-reboot the machine resets and goes on: the kernel is loaded again.
        process, conn, console = session(kemu, image, tmp, [])
        try:
            command(console, "o /b 0xcf9 0x6")
            status = command(console, "info status")
            check("VM status: running" in status, f"after reset: {excerpt(status)}")
            registers = command(console, "info registers")
            check(re.search(r"EAX=2badb002", registers) is not None,
                  f"after reset the Multiboot entry state is gone: {excerpt(registers)}")
            check(process.poll() is None, "kemu exited on a reset without -no-reboot")
        finally:
            conn.close()
            stop(process)

        # Under -no-shutdown a power-off pauses; `cont` then refuses until a reset.
        process, conn, console = session(kemu, image, tmp, ["-no-shutdown"])
        try:
            command(console, "o /h 0x604 0x2000")
            status = command(console, "info status")
            check("VM status: paused (shutdown)" in status, f"after power-off: {excerpt(status)}")
            refused = command(console, "cont")
            check("resetting the virtual machine is required" in refused, f"cont after power-off: {excerpt(refused)}")
            command(console, "system_reset")
            command(console, "cont")
            status = command(console, "info status")
            check("VM status: running" in status, f"after system_reset and cont: {excerpt(status)}")
        finally:
            conn.close()
            stop(process)

        # A second process may not open an image another one writes to.
        disk = os.path.join(tmp, "disk.raw")
        with open(disk, "wb") as f:
            f.truncate(1 << 20)
        process, conn, console = session(kemu, image, tmp, ["-drive", f"file={disk},format=raw,if=none,id=d0"])
        try:
            block = command(console, "info block")
            check(f"d0: {disk} (raw)" in block, f"info block: {excerpt(block)}")
            stats = command(console, "info blockstats")
            check("d0: rd_bytes=0 wr_bytes=0" in stats, f"info blockstats: {excerpt(stats)}")
            second = subprocess.run([kemu, "-accel", "null", "-nodefaults", "-display", "none", "-S",
                                     "-drive", f"file={disk},format=raw,if=none,id=d0", "-kernel", image],
                                    stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=10)
            check(second.returncode == 1, f"second writer exited {second.returncode}, want 1")
            check('Failed to get "write" lock' in second.stderr, f"second writer said: {excerpt(second.stderr)}")
        finally:
            conn.close()
            stop(process)
    print("PASS: power-off, resets, debug exit and image locking")


if __name__ == "__main__":
    main()
