"""Shared pieces of kemu's integration tests: skip/fail, a console to talk to, process helpers.

Python standard library only. A test is a script that exits 0 (pass), 1 (fail) or 77 (skip,
meson's convention), printing one line that says why it skipped or failed.
"""

import os
import re
import select
import signal
import subprocess
import sys
import time

SKIP_STATUS = 77
PROGRAM = "kemu-system-x86_64"


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(SKIP_STATUS)


def fail(reason):
    print(f"FAIL: {reason}")
    sys.exit(1)


def check(condition, reason):
    if not condition:
        fail(reason)


def excerpt(text, limit=300):
    """The start of `text`, short enough for a one-line failure message."""
    text = text.strip()
    return repr(text if len(text) <= limit else text[:limit] + "...")


def last_line(text):
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


class Console:
    """Reads and writes a guest console through a file descriptor (pipe, pty master or socket).

    Everything read is kept in `text`; expect() searches from where the previous match ended, so a
    test reads the console the way a person reads a scrolling terminal.
    """

    def __init__(self, read_fd, write_fd, name):
        self.read_fd = read_fd
        self.write_fd = write_fd
        self.name = name
        self.text = ""
        self.pos = 0
        self.closed = False
        # Called when expect() gives up, for what the failure message cannot hold (a monitor
        # dump of a guest that went silent); returns text to print before the FAIL line.
        self.on_silence = None

    def _read_some(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or self.closed:
            return False
        ready, _, _ = select.select([self.read_fd], [], [], remaining)
        if not ready:
            return False
        try:
            data = os.read(self.read_fd, 65536)
        except OSError:  # a pty master reports EIO once the other side is gone
            data = b""
        if not data:
            self.closed = True
            return False
        self.text += data.decode("utf-8", "replace")
        return True

    def wait_for(self, pattern, timeout):
        """Waits for `pattern` (a regex) and returns its match, or None on timeout or EOF."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            match = regex.search(self.text, self.pos)
            if match:
                self.pos = match.end()
                return match
            if not self._read_some(deadline):
                return None

    def expect(self, pattern, timeout, what=None):
        """Like wait_for(), but fails the test when the pattern does not come."""
        match = self.wait_for(pattern, timeout)
        if match is None:
            state = "closed" if self.closed else f"silent for {timeout:g} s"
            if self.on_silence and not self.closed:
                print(self.on_silence(self))
            fail(f"{self.name}: waited for {what or repr(pattern)}, console {state}; "
                 f"last line: {last_line(self.text[self.pos:])!r}")
        return match

    def drain(self, seconds):
        """Reads whatever arrives during `seconds` and returns it without consuming a match."""
        deadline = time.monotonic() + seconds
        start = len(self.text)
        while self._read_some(deadline):
            pass
        return self.text[start:]

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        os.write(self.write_fd, data)


def monitor_dump(console):
    """What the HMP monitor (Ctrl-A c on -nographic) says of each vCPU, the interrupt
    controllers and the devices (the UARTs' registers, receive FIFO, character timeout and
    interrupt line): the first thing to read when a guest goes silent."""
    console.send(b"\x01c")
    for cpu in (0, 1):
        console.send(f"cpu {cpu}\ninfo registers\ninfo lapic\n")
    console.send("info irq\ninfo pic\ninfo qtree\ninfo jit\n")
    return "monitor dump of the silent guest:\n" + console.drain(3)


def wait_exit(process, timeout, what):
    """Waits for `process` to end and returns its status; kills it and fails on timeout."""
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(process)
        fail(f"{what}: still running after {timeout:g} s")


def stop(process):
    """Ends a process this test started, first politely, then for good."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def spawn_with_console(argv, name):
    """Starts argv with stdin/stdout as pipes (stderr merged) and returns (process, Console)."""
    process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    return process, Console(process.stdout.fileno(), process.stdin.fileno(), name)


def find_kemu(argv):
    """The kemu binary: the first command-line argument (meson passes the built target)."""
    if len(argv) < 2 or not os.access(argv[1], os.X_OK):
        fail(f"usage: {os.path.basename(argv[0])} PATH/TO/{PROGRAM} [...]")
    return argv[1]
