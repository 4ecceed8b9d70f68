#!/usr/bin/env python3
"""VMM overhead with no guest code running: process start until the monitor answers,
and resident memory at that point, for kemu (-accel null) and Debian's QEMU (-S).

Both build a -m 512 PC and load the same Multiboot kernel, then wait paused, so this
compares what each emulator costs before the accelerator matters. It runs on hosts
without KVM, which is why it exists beside run.py."""
import argparse
import os
import socket
import statistics
import subprocess
import tempfile
import time


def measure(cmd, sock):
    if os.path.exists(sock):
        os.unlink(sock)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd + ["-monitor", f"unix:{sock},server=on,wait=off"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = start + 10
    while True:
        try:
            conn = socket.socket(socket.AF_UNIX)
            conn.connect(sock)
            break
        except OSError:
            if time.perf_counter() > deadline or proc.poll() is not None:
                proc.kill()
                raise SystemExit(f"{cmd[0]} did not open its monitor")
            time.sleep(0.0005)
    banner = b""
    while b"(" not in banner:  # the prompt "(kemu) " / "(qemu) "
        banner += conn.recv(4096)
    ready_ms = (time.perf_counter() - start) * 1000
    with open(f"/proc/{proc.pid}/status") as status:
        rss_kib = next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
    conn.sendall(b"quit\n")
    proc.wait(timeout=10)
    return ready_ms, rss_kib


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kemu", default="build/kemu-system-x86_64")
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    parser.add_argument("--kernel", default="build/tests/guest/hello.elf")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    common = ["-m", "512", "-S", "-nodefaults", "-display", "none", "-kernel", args.kernel]
    rows = {"kemu": [args.kemu, "-accel", "null"] + common,
            "qemu": [args.qemu, "-accel", "tcg"] + common}
    sock = os.path.join(tempfile.mkdtemp(prefix="kemu-bench-"), "monitor.sock")
    medians = {}
    for name, cmd in rows.items():
        results = [measure(cmd, sock) for _ in range(args.runs)]
        medians[name] = (statistics.median(r[0] for r in results), statistics.median(r[1] for r in results))
    print(f"{'prelaunch (-m 512 -S)':32} {'kemu':>10} {'qemu':>10} {'kemu/qemu':>10}")
    for i, label in enumerate(["start to monitor prompt (ms)", "resident memory (KiB)"]):
        k, q = medians["kemu"][i], medians["qemu"][i]
        print(f"{label:32} {k:10.1f} {q:10.1f} {k / q:10.2f}")


if __name__ == "__main__":
    main()
