#!/usr/bin/env python3
"""The human monitor over a unix socket, on a machine that never runs (-accel null -S).

A Multiboot image is loaded but not executed, so the CPU state the monitor shows is the Multiboot
entry state: EAX holds the loader's magic 0x2badb002.

usage: monitor_socket_test.py KEMU MULTIBOOT_IMAGE
"""

import os
import re
import socket
import subprocess
import sys
import tempfile
import time

from harness import Console, check, excerpt, fail, find_kemu, skip, stop, wait_exit

PROMPT = r"\((?:kemu|qemu)\) "


def connect(path, process, timeout):
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            output = process.stdout.read().decode("utf-8", "replace")
            fail(f"kemu exited with status {process.returncode} before the monitor socket "
                 f"opened: {excerpt(output)}")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            return sock
        except OSError:
            sock.close()
            if time.monotonic() > deadline:
                fail(f"no monitor socket at {path} after {timeout:g} s")
            time.sleep(0.05)


def command(console, line, timeout=10):
    """Sends one monitor command and returns what it printed before the next prompt."""
    console.send(line + "\n")
    match = console.expect(rf"(?s)(.*?){PROMPT}", timeout, what=f"the answer to '{line}'")
    return match.group(1)


def quit_and_wait(console, process):
    """Sends 'quit' and checks kemu exits with status 0."""
    console.send("quit\n")
    status = wait_exit(process, 10, "kemu after 'quit'")
    check(status == 0, f"kemu exited with status {status} after 'quit', want 0")


def main():
    kemu = find_kemu(sys.argv)
    image = sys.argv[2] if len(sys.argv) > 2 else ""
    if not os.path.isfile(image):
        skip(f"no Multiboot guest image at '{image}' (built by tests/guest)")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "monitor.sock")
        process = subprocess.Popen(
            [kemu, "-accel", "null", "-nodefaults", "-display", "none", "-S",
             "-monitor", f"unix:{path},server=on,wait=off", "-kernel", image],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            sock = connect(path, process, timeout=10)
            console = Console(sock.fileno(), sock.fileno(), "monitor")
            console.expect(PROMPT, 10, what="the first monitor prompt")

            status = command(console, "info status")
            check("VM status: paused" in status, f"info status: {excerpt(status)}")
            kvm = command(console, "info kvm")
            check("kvm support: disabled" in kvm, f"info kvm: {excerpt(kvm)}")
            cpus = command(console, "info cpus")
            check("CPU #0" in cpus, f"info cpus lists no CPU #0: {excerpt(cpus)}")
            registers = command(console, "info registers")
            eax = re.search(r"EAX=\S+", registers)
            check(eax is not None and eax.group(0) == "EAX=2badb002",
                  f"info registers shows {eax.group(0) if eax else excerpt(registers)}, "
                  "want the Multiboot entry state EAX=2badb002")

            quit_and_wait(console, process)
            sock.close()
        finally:
            stop(process)
    print("PASS: info status/kvm/cpus/registers and quit over a unix socket")


if __name__ == "__main__":
    main()
