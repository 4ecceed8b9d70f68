#!/usr/bin/env python3
"""The VNC server as a person uses it (issue 11), through our own minimal RFB 3.8 client
(rfb_client.py), so no VNC client package is needed:

1. `kemu -vnc 127.0.0.1:N -S`: a client connects and gets a picture.
2. Ctrl+Alt+2 sent as key events shows the monitor's `(kemu)` prompt; `info status` typed
   there answers "VM status: paused" (the screen is read back with the VGA BIOS font).
3. A client that sends garbage, and one that leaves in the middle of an update, leave kemu
   running and the first client served.
4. A second kemu on the same display fails at start-up with one line and status 1.
5. `,websocket=PORT`: a WebSocket client (RFC 6455 upgrade with Python's standard library)
   gets 101 with the right Sec-WebSocket-Accept, then the RFB greeting inside a frame.
6. With --with-guest, a running guest: SeaBIOS's banner and "No bootable device" reach the client, and
   Ctrl+Alt+Delete typed there makes SeaBIOS reset the machine (-no-reboot: exit 0).

usage: display_vnc_test.py KEMU [--with-guest]   (5 needs a real kemu with SeaBIOS)
"""

import base64
import hashlib
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

from harness import check, fail, find_kemu, skip, stop, wait_exit
import rfb_client
from rfb_client import KEYSYM, RfbClient, RfbError
import vga_text

SCREEN_TIMEOUT = 20


def screen_decodes(client, matcher):
    """The text on the screen read as 8-dot cells (text consoles) and as the VGA's 9-dot ones:
    [(cell width, fraction of cells that matched a glyph exactly, lines)], best first."""
    pixels = client.rgb()
    decodes = []
    for cell_width in (9, 8):
        if client.width % cell_width or client.height % 16:
            continue
        lines, score = vga_text.decode(pixels, client.width, client.height, cell_width, matcher)
        decodes.append((cell_width, score, lines))
    return sorted(decodes, key=lambda d: -d[1])


def save_frame(client):
    """Keeps the last picture for a failure's post-mortem; returns its path."""
    fd, path = tempfile.mkstemp(prefix="kemu-vnc-", suffix=".ppm")
    with os.fdopen(fd, "wb") as f:
        f.write(b"P6 %d %d 255\n" % (client.width, client.height) + client.rgb())
    return path


def wait_for_text(client, matcher, text, what):
    """Waits until `text` reads off the screen at either cell width: the exact-match score
    only decides which reading a failure reports."""
    deadline = time.monotonic() + SCREEN_TIMEOUT
    decodes = []
    while time.monotonic() < deadline:
        client.request(1)
        client.read_update()
        decodes = screen_decodes(client, matcher)
        if any(text in line for _, _, lines in decodes for line in lines):
            return
    scores = ", ".join(f"{w}-dot cells {score:.3f}" for w, score, _ in decodes)
    shown = [l for l in decodes[0][2] if l] if decodes else []
    fail(f"{what}: {text!r} not on the {client.width}x{client.height} VNC screen "
         f"(exact glyphs: {scores}; picture kept in {save_frame(client)}); it shows {shown!r}")


def free_display():
    try:
        return rfb_client.free_display(41)
    except RfbError as e:
        skip(str(e))


# RFC 6455 section 1.3: the server proves it read the key by hashing it with this GUID.
WEBSOCKET_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_websocket_frame(sock, data, deadline):
    """(opcode, payload) of the server frame that starts `data`, the bytes already read
    (servers never mask)."""

    def need(n):
        nonlocal data
        while len(data) < n:
            sock.settimeout(max(deadline - time.monotonic(), 0.1))
            chunk = sock.recv(4096)
            if not chunk:
                fail(f"the websocket closed after {data!r}")
            data += chunk
        return data

    need(2)
    opcode, length = data[0] & 0x0F, data[1] & 0x7F
    start = 2
    if length == 126:
        length, start = struct.unpack(">H", need(4)[2:4])[0], 4
    elif length == 127:
        length, start = struct.unpack(">Q", need(10)[2:10])[0], 10
    check(not data[1] & 0x80, "the server masked its frame")
    return opcode, need(start + length)[start:start + length]


def websocket_greeting(kemu):
    """-vnc ...,websocket=PORT: the upgrade handshake, then the RFB version in a frame."""
    display, port = free_display(), free_port()
    argv = [kemu, "-m", "64", "-S", "-vnc", f"127.0.0.1:{display},websocket={port}"]
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                if process.poll() is not None:
                    out = process.stdout.read().decode(errors="replace").strip()
                    fail(f"kemu {' '.join(argv[1:])} exited with {process.returncode}: {out!r}")
                if time.monotonic() > deadline:
                    fail(f"nothing listens on the websocket port {port} after 10 s")
                time.sleep(0.1)
        with sock:
            key = base64.b64encode(os.urandom(16))
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                         b"Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                         b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: binary\r\n"
                         b"Origin: http://127.0.0.1\r\n\r\n" % (port, key))
            reply = b""
            while b"\r\n\r\n" not in reply:
                chunk = sock.recv(4096)
                check(chunk, f"the websocket port closed during the handshake: {reply!r}")
                reply += chunk
            head, rest = reply.split(b"\r\n\r\n", 1)
            lines = head.decode(errors="replace").split("\r\n")
            check(lines[0].split()[1:2] == ["101"], f"the upgrade answered {lines[0]!r}")
            headers = {k.strip().lower(): v.strip() for k, v in
                       (line.split(":", 1) for line in lines[1:] if ":" in line)}
            accept = base64.b64encode(hashlib.sha1(key + WEBSOCKET_GUID).digest()).decode()
            check(headers.get("sec-websocket-accept") == accept,
                  f"Sec-WebSocket-Accept is {headers.get('sec-websocket-accept')!r}, "
                  f"want {accept!r}")
            opcode, payload = read_websocket_frame(sock, rest, time.monotonic() + 10)
            if opcode == 1:  # a text frame: the base64 subprotocol
                payload = base64.b64decode(payload)
            check(opcode in (1, 2), f"the first frame has opcode {opcode}")
            check(payload.startswith(b"RFB 003.00"),
                  f"the first frame carries {payload!r}, not an RFB version")
    finally:
        stop(process)


def main():
    kemu = find_kemu(sys.argv)
    if not os.path.exists(vga_text.DEFAULT_ROM):
        skip(f"{vga_text.DEFAULT_ROM} (seabios) is needed to read the screen")
    display = free_display()
    vnc = f"127.0.0.1:{display}"
    argv = [kemu, "-m", "64", "-S", "-vnc", vnc]
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    try:
        time.sleep(0.3)
        if process.poll() is not None:
            out = process.stdout.read().decode(errors="replace")
            if "-vnc" in out and ("not available yet" in out or "invalid option" in out):
                skip("this kemu has no -vnc yet: " + out.strip().splitlines()[-1])
            fail(f"kemu {' '.join(argv[1:])} exited with {process.returncode}: {out.strip()!r}")
        matcher = vga_text.Matcher(vga_text.load_font())
        client = RfbClient(5900 + display)
        client.handshake()
        client.request(0)
        client.read_update()

        # A second kemu on the same display: one line, status 1.
        twin = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=30)
        check(twin.returncode == 1, f"a second -vnc {vnc} exited with {twin.returncode}")
        err = twin.stderr.strip()
        check(len(err.splitlines()) == 1 and "-vnc" in err and "port" in err,
              f"a port in use should be one line naming -vnc and the port: {err!r}")

        # Bad clients: garbage after the greeting, and one that leaves mid-update.
        for noise in (b"RFB 003.008\n" + bytes(range(256)) * 8, b"\xff" * 100):
            bad = socket.create_connection(("127.0.0.1", 5900 + display), timeout=5)
            bad.recv(12)
            bad.sendall(noise)
            bad.close()
        leaver = RfbClient(5900 + display)
        leaver.handshake()
        leaver.request(0)
        leaver.sock.close()
        check(process.poll() is None, "kemu died after a client sent garbage")

        client.tap(KEYSYM["ctrl"], KEYSYM["alt"], ord("2"))
        wait_for_text(client, matcher, "(kemu)", "Ctrl+Alt+2")
        client.type("info status\n")
        wait_for_text(client, matcher, "VM status: paused", "info status on the monitor")
        client.type("quit\n")
        status = wait_exit(process, 10, "`quit` typed over VNC")
        check(status == 0, f"kemu exited with {status} after quit")
    finally:
        stop(process)
    websocket_greeting(kemu)
    if "--with-guest" not in sys.argv:
        print("PASS: VNC picture, Ctrl+Alt+2 monitor, info status, bad clients, port in use, "
              "websocket upgrade")
        return
    guest_screen_and_keys(kemu, matcher)
    print("PASS: VNC picture, Ctrl+Alt+2 monitor, info status, bad clients, port in use, "
          "websocket upgrade; SeaBIOS's screen over VNC and Ctrl+Alt+Delete typed to the guest")


def guest_screen_and_keys(kemu, matcher):
    """A running guest: SeaBIOS's text screen reaches the client, and keys typed there reach
    the guest - Ctrl+Alt+Delete makes SeaBIOS reset, which -no-reboot turns into an exit."""
    display = free_display()
    argv = [kemu, "-m", "64", "-no-reboot", "-vnc", f"127.0.0.1:{display}"]
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    try:
        client = RfbClient(5900 + display)
        client.handshake()
        wait_for_text(client, matcher, "SeaBIOS (version", "the guest's screen")
        wait_for_text(client, matcher, "No bootable device", "the guest's screen")
        client.tap(KEYSYM["ctrl"], KEYSYM["alt"], KEYSYM["delete"])
        status = wait_exit(process, 20, "Ctrl+Alt+Delete typed over VNC (the guest's reset)")
        check(status == 0, f"kemu exited with {status} after the guest's reset, want 0")
    finally:
        stop(process)


if __name__ == "__main__":
    try:
        main()
    except RfbError as e:
        fail(f"vnc: {e}")
