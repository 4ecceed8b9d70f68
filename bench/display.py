#!/usr/bin/env python3
"""Display cost: kemu against Debian's QEMU with the guest redrawing its text screen (see
bench/README.md, "Display").

The default Linux guest boots under TCG from the SYSLINUX disk (scripts/make-boot-images.sh,
a private copy with `console=tty0 console=ttyS0`: kernel messages and the shell on the serial
port, tty0 free for the loop). Typed at the shell over the serial port:

    while :; do (a line of random digits); usleep 20000; done >/dev/tty0

so the VGA text console scrolls up to 50 times a second, every row changing each time. For each emulator and front end
(`-vnc` with our RFB client connected, `-display sdl` under Xvfb) the script measures over
--seconds: the FramebufferUpdate messages the VNC client received (it always has one
incremental request outstanding, raw encoding, 32 bpp), and the host CPU time of every thread
of the emulator (/proc/PID/task/*/stat utime + stime). "display CPU" is the whole process
minus the vCPU threads (their thread ids from the monitor's `info cpus`, which both
emulators answer alike): the front end's own threads plus the main loop that refreshes the
screen, the same split for both emulators whichever thread each does its drawing on.

usage: bench/display.py --kemu build/kemu-system-x86_64 [--guest-dir build/guest]
                        [--seconds 10] [--runs 1] [--frontends vnc,sdl] [--emulators kemu,qemu]
"""

import argparse
import contextlib
import os
import re
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# The RFB client, the guest's disk and Xvfb are the display tests' own.
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from display_env import DisplayEnvError, private_xvfb, syslinux_disk  # noqa: E402
from rfb_client import RfbClient, RfbError, free_display  # noqa: E402

QEMU = "qemu-system-x86_64"
BOOT_TIMEOUT = 240
PROMPT = rb"/ # "
# Every line differs all along (ash's $RANDOM), so each scroll changes every row of the screen.
LOOP = ('r() { echo -n "$RANDOM$RANDOM$RANDOM "; }; while :; do r; r; r; r; r; r; echo; '
        'usleep 20000; done >/dev/tty0')
# The shell on the serial port (the last console=), tty0 free for the loop.
KERNEL_APPEND = "console=tty0 console=ttyS0 panic=-1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class BenchFailure(Exception):
    pass


class Emulator:
    """One emulator process: serial console on stdin/stdout, monitor on a unix socket."""

    def __init__(self, argv, env, tmp):
        self.monitor_path = os.path.join(tmp, "monitor.sock")
        argv = argv + ["-serial", "stdio", "-monitor",
                       f"unix:{self.monitor_path},server=on,wait=off"]
        self.process = subprocess.Popen(argv, env=env, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.text = b""

    def wait_for(self, pattern, timeout):
        deadline = time.monotonic() + timeout
        fd = self.process.stdout.fileno()
        while not re.search(pattern, self.text):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.process.poll() is not None:
                tail = self.text[-300:].decode(errors="replace")
                raise BenchFailure(f"waited {timeout} s for {pattern!r}; output ends {tail!r}")
            ready, _, _ = select.select([fd], [], [], remaining)
            if ready:
                self.text += os.read(fd, 65536)

    def type(self, line):
        self.process.stdin.write(line.encode() + b"\n")
        self.process.stdin.flush()

    def monitor(self, command):
        deadline = time.monotonic() + 10
        while True:
            try:
                sock = socket.socket(socket.AF_UNIX)
                sock.connect(self.monitor_path)
                break
            except OSError:
                sock.close()
                if time.monotonic() > deadline:
                    raise BenchFailure("no monitor socket")
                time.sleep(0.1)
        with sock:
            sock.settimeout(10)
            data = b""
            while not data.rstrip().endswith(b"(qemu)") and not data.rstrip().endswith(b"(kemu)"):
                data += sock.recv(4096)
            sock.sendall(command.encode() + b"\n")
            out = b""
            while out.count(b"(qemu)") + out.count(b"(kemu)") < 1:
                out += sock.recv(4096)
        return out.decode(errors="replace")

    def vcpu_threads(self):
        tids = {int(t) for t in re.findall(r"thread_id=(\d+)", self.monitor("info cpus"))}
        if not tids:
            raise BenchFailure("`info cpus` named no vCPU thread")
        return tids

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def thread_times(pid):
    """{tid: (name, CPU seconds)} for every thread of `pid`."""
    out = {}
    task = f"/proc/{pid}/task"
    for tid in os.listdir(task):
        try:
            with open(f"{task}/{tid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        out[int(tid)] = (name, (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
    return out


def count_updates(client, seconds):
    """(updates, pixel bytes) received in `seconds` with a request always outstanding."""
    updates = data = 0
    deadline = time.monotonic() + seconds
    client.request(1)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return updates, data
        received = client.poll_update(remaining)
        if received is None:
            continue
        data += received
        updates += 1
        client.request(1)


def measure(name, argv, frontend, disk, seconds, tmp):
    """{"updates": n/s or None, "display_cpu": %, "vcpu_cpu": %, "threads": {...}}."""
    argv = argv + ["-accel", "tcg", "-m", "256", "-drive",
                   f"file={disk},format=raw,if=ide,index=0"]
    with contextlib.ExitStack() as stack:
        display = None
        if frontend == "vnc":
            display = free_display(61)
            argv += ["-vnc", f"127.0.0.1:{display}"]
            env = dict(os.environ)
            env.pop("WAYLAND_DISPLAY", None)
            env.pop("DISPLAY", None)
        else:
            env = stack.enter_context(private_xvfb())
            argv += ["-display", "sdl"]
        emulator = Emulator(argv, env, tmp)
        stack.callback(emulator.stop)
        emulator.wait_for(PROMPT, BOOT_TIMEOUT)
        client = None
        if frontend == "vnc":
            client = RfbClient(5900 + display, keep_pixels=False)
            # 32 bpp true colour, little endian.
            client.handshake((16, 8, 0))
            client.request(0)
            client.read_update()
        emulator.type(LOOP)
        time.sleep(2)  # the loop settles; the screen is scrolling
        vcpus = emulator.vcpu_threads()
        before = thread_times(emulator.process.pid)
        start = time.monotonic()
        if client:
            updates, data = count_updates(client, seconds)
        else:
            time.sleep(seconds)
            updates = data = None
        after = thread_times(emulator.process.pid)
        elapsed = time.monotonic() - start
        threads = {}
        for tid, (tname, t) in after.items():
            used = t - before.get(tid, (tname, 0.0))[1]
            threads[f"{tname}[{'vcpu' if tid in vcpus else tid}]"] = 100 * used / elapsed
        vcpu = sum(100 * (after[t][1] - before.get(t, ("", 0.0))[1]) / elapsed
                   for t in vcpus if t in after)
        total = sum(threads.values())
        return {"updates": updates / elapsed if updates is not None else None,
                "mbytes": data / elapsed / 1e6 if data is not None else None,
                "display_cpu": total - vcpu, "vcpu_cpu": vcpu, "threads": threads}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kemu", required=True)
    parser.add_argument("--guest-dir", default=os.path.join(HERE, "..", "build", "guest"))
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--frontends", default="vnc,sdl")
    parser.add_argument("--emulators", default="kemu,qemu")
    args = parser.parse_args()
    guest = os.environ.get("KEMU_GUEST_DIR", args.guest_dir)
    wanted = args.emulators.split(",")
    emulators = [("kemu", [args.kemu])] if "kemu" in wanted else []
    if "qemu" in wanted and shutil.which(QEMU):
        emulators.append(("qemu", [QEMU, "-name", "bench,debug-threads=on"]))
    elif "qemu" in wanted:
        print(f"{QEMU} missing: kemu only (apt-get install qemu-system-x86)")
    frontends = args.frontends.split(",")
    if "sdl" in frontends and not shutil.which("Xvfb"):
        print("Xvfb missing: no SDL rows")
        frontends.remove("sdl")
    rows = {}
    with tempfile.TemporaryDirectory(prefix="kemu-display-bench-") as tmp:
        disk = syslinux_disk(guest, tmp, KERNEL_APPEND)
        for run in range(args.runs):
            for frontend in frontends:
                for name, argv in emulators:
                    try:
                        result = measure(name, argv, frontend, disk, args.seconds, tmp)
                    except (BenchFailure, RfbError, DisplayEnvError) as e:
                        print(f"{name} {frontend}: skipped: {e}")
                        continue
                    rows.setdefault((frontend, name), []).append(result)
                    busy = sorted(result["threads"].items(), key=lambda kv: -kv[1])[:6]
                    print(f"run {run + 1} {frontend} {name}: " +
                          ", ".join(f"{k} {v:.1f}%" for k, v in busy), flush=True)
    print()
    print(f"{'front end':10} {'emulator':9} {'updates/s':>10} {'MB/s':>7} "
          f"{'display CPU %':>14} {'vCPU CPU %':>11}")
    for (frontend, name), results in sorted(rows.items()):
        def med(key):
            values = [r[key] for r in results if r[key] is not None]
            return statistics.median(values) if values else None
        updates, mbytes = med("updates"), med("mbytes")
        print(f"{frontend:10} {name:9} "
              f"{'-' if updates is None else f'{updates:.1f}':>10} "
              f"{'-' if mbytes is None else f'{mbytes:.1f}':>7} "
              f"{med('display_cpu'):14.1f} {med('vcpu_cpu'):11.1f}")


if __name__ == "__main__":
    sys.exit(main())
