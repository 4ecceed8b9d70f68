#!/usr/bin/env python3
"""The monitor's block commands on a machine that never runs (-accel null -S): savevm, loadvm,
delvm, info snapshots, commit, snapshot_blkdev and block_resize, with their errors worded as
QEMU's; afterwards the images hold exactly what the monitor left, and pass consistency checks.

usage: monitor_block_test.py KEMU MULTIBOOT_IMAGE KEMU_IMG
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

from harness import Console, check, excerpt, skip, stop
from monitor_socket_test import PROMPT, command, connect, quit_and_wait


def expect_output(console, line, want, exact=False):
    got = command(console, line).replace("\r\n", "\n")
    got = got[len(line) + 1:] if got.startswith(line + "\n") else got  # the echo
    ok = got == want if exact else want in got
    check(ok, f"'{line}' printed {excerpt(got)}, want {'exactly' if exact else 'it to contain'} "
              f"{want!r}")
    return got


def main():
    if len(sys.argv) < 4:
        skip("usage: monitor_block_test.py KEMU MULTIBOOT_IMAGE KEMU_IMG")
    kemu, image, kemu_img = (os.path.abspath(a) for a in sys.argv[1:4])
    if not os.path.isfile(image):
        skip(f"no Multiboot guest image at '{image}' (built by tests/guest)")
    with tempfile.TemporaryDirectory() as tmp:
        disk = os.path.join(tmp, "disk.qcow2")
        scratch = os.path.join(tmp, "scratch.raw")
        subprocess.run([kemu_img, "create", "-q", "-f", "qcow2", disk, "8M"], check=True)
        subprocess.run([kemu_img, "create", "-q", "-f", "raw", scratch, "1M"], check=True)
        path = os.path.join(tmp, "monitor.sock")
        process = subprocess.Popen(
            [kemu, "-accel", "null", "-nodefaults", "-display", "none", "-S",
             "-monitor", f"unix:{path},server=on,wait=off", "-kernel", image,
             "-drive", f"file={disk},format=qcow2,if=none,id=disk0,discard=unmap,"
                       "detect-zeroes=unmap",
             "-drive", f"file={scratch},format=raw,if=none,id=scratch,snapshot=on"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            sock = connect(path, process, timeout=10)
            console = Console(sock.fileno(), sock.fileno(), "monitor")
            console.expect(PROMPT, 10, what="the first monitor prompt")

            expect_output(console, "info snapshots", "There is no snapshot available.\n", True)
            expect_output(console, "info block", "    Detect zeroes:    unmap\n")
            expect_output(console, "savevm first", "", True)
            expect_output(console, "savevm", "", True)
            listing = expect_output(console, "info snapshots",
                                    "List of snapshots present on all disks:\n")
            check(re.search(r"\n1\s+first\s+0 B ", listing) is not None,
                  f"info snapshots lacks snapshot 1 'first': {excerpt(listing)}")
            generated = re.search(r"\n2\s+(vm-\d{14})\s", listing)
            check(generated is not None,
                  f"savevm without a tag made no vm-YYYYMMDDhhmmss snapshot: {excerpt(listing)}")
            expect_output(console, "savevm first", "", True)  # replaces the old 'first'
            listing = expect_output(console, "info snapshots", "first")
            check(listing.count("first") == 1, f"two snapshots named 'first': {excerpt(listing)}")

            expect_output(console, "loadvm nosuch",
                          "Snapshot 'nosuch' does not exist in one or more devices\n", True)
            expect_output(console, "loadvm first", "the disks are restored and the machine is "
                                                   "reset")
            expect_output(console, "info status", "VM status: paused (prelaunch)")
            expect_output(console, "delvm first", "", True)
            listing = expect_output(console, "info snapshots", generated.group(1))
            check("first" not in listing, f"'first' survived delvm: {excerpt(listing)}")

            expect_output(console, "commit nosuch", "Device 'nosuch' not found\n", True)
            expect_output(console, "commit disk0",
                          "'commit' error for 'disk0': Operation not supported\n", True)
            expect_output(console, "commit scratch", "", True)
            expect_output(console, "commit all", "", True)
            overlay = os.path.join(tmp, "overlay.qcow2")
            expect_output(console, f"snapshot_blkdev disk0 {overlay}", "", True)
            expect_output(console, "commit disk0", "", True)  # the overlay back into disk.qcow2
            expect_output(console, "block_resize disk0 16M", "", True)
            expect_output(console, "block_resize nosuch 16M", "Device 'nosuch' not found\n", True)

            quit_and_wait(console, process)
            sock.close()
        finally:
            stop(process)

        info = subprocess.run([kemu_img, "info", overlay], capture_output=True, text=True,
                              check=True).stdout
        check("virtual size: 16 MiB" in info and f"backing file: {disk}" in info,
              f"snapshot_blkdev then block_resize left: {excerpt(info)}")
        listed = subprocess.run([kemu_img, "snapshot", "-l", disk], capture_output=True,
                                text=True, check=True).stdout
        check(generated.group(1) in listed and "first" not in listed,
              f"kemu-img snapshot -l after the run: {excerpt(listed)}")
        checkers = [kemu_img] + ([shutil.which("qemu-img")] if shutil.which("qemu-img") else [])
        for tool in checkers:
            for image in (disk, overlay):
                result = subprocess.run([tool, "check", image], capture_output=True, text=True)
                check(result.returncode == 0, f"{tool} check {os.path.basename(image)} after the "
                                              f"run: {excerpt(result.stdout + result.stderr)}")
    print("PASS: savevm/loadvm/delvm/info snapshots/commit/snapshot_blkdev/block_resize over the "
          "monitor, images consistent "
          f"({', '.join(os.path.basename(t) for t in checkers)} check)")


if __name__ == "__main__":
    main()
