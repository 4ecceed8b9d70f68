"""A minimal RFB 3.8 client of our own (RFC 6143: security type None, raw encoding,
DesktopSize, key events), so no VNC client package is needed. The display tests read the
screen and type with it; bench/display.py counts the updates it receives.

Python standard library only. A failure raises RfbError: tests turn it into their FAIL line,
the bench into a skipped row.
"""

import select
import socket
import struct
import time

KEYSYM = {"ctrl": 0xFFE3, "alt": 0xFFE9, "shift": 0xFFE1, "return": 0xFF0D, "delete": 0xFFFF}
# The characters a US keyboard types with Shift.
SHIFTED = set('~!@#$%^&*()_+{}|:"<>?ABCDEFGHIJKLMNOPQRSTUVWXYZ')
ENCODING_RAW = 0
ENCODING_DESKTOP_SIZE = -223
CONNECT_TIMEOUT = 10


class RfbError(Exception):
    pass


def free_display(first, last=98):
    """A VNC display number in first..last whose port (5900 + N) nothing listens on."""
    for display in range(first, last + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", 5900 + display))
                return display
            except OSError:
                continue
    raise RfbError(f"no free VNC display number between {first} and {last}")


class RfbClient:
    """One connection to 127.0.0.1:port, retried while nothing listens there yet (the
    emulator is starting). With keep_pixels the client keeps the picture in `pixels`
    (32 bits a pixel in the format of `big_endian` and `shifts`); without, it only counts."""

    def __init__(self, port, keep_pixels=True):
        deadline = time.monotonic() + CONNECT_TIMEOUT
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", port), timeout=CONNECT_TIMEOUT)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RfbError(f"nothing listens on 127.0.0.1:{port} "
                                   f"after {CONNECT_TIMEOUT} s")
                time.sleep(0.1)
        self.keep_pixels = keep_pixels
        self.buf = b""

    def read(self, n):
        while len(self.buf) < n:
            data = self.sock.recv(1 << 20)
            if not data:
                raise RfbError("the VNC server closed the connection")
            self.buf += data
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def handshake(self, shifts=None):
        """Version, security None, a shared session and the server's picture format; with
        `shifts` (red, green, blue bit positions) the client asks for 32-bit little-endian
        pixels laid out that way instead, so the server translates every picture."""
        if not self.read(12).startswith(b"RFB "):
            raise RfbError("no RFB version greeting")
        self.sock.sendall(b"RFB 003.008\n")
        count = self.read(1)[0]
        if count == 0:
            raise RfbError("the server offered no security type")
        if 1 not in self.read(count):
            raise RfbError("the server insists on authentication")
        self.sock.sendall(b"\x01")
        if struct.unpack(">I", self.read(4))[0] != 0:
            raise RfbError("security handshake failed")
        self.sock.sendall(b"\x01")  # shared
        self.width, self.height = struct.unpack(">HH", self.read(4))
        fmt = self.read(16)
        bpp, self.big_endian, self.shifts = fmt[0], fmt[2], (fmt[10], fmt[11], fmt[12])
        self.read(struct.unpack(">I", self.read(4))[0])  # desktop name
        if shifts:
            self.sock.sendall(struct.pack(">BxxxBBBBHHHBBBxxx", 0, 32, 24, 0, 1, 255, 255, 255,
                                          *shifts))
            bpp, self.big_endian, self.shifts = 32, 0, tuple(shifts)
        if bpp != 32:
            raise RfbError(f"unexpected {bpp} bits per pixel")
        self.pixels = bytearray(self.width * self.height * 4 if self.keep_pixels else 0)
        self.sock.sendall(struct.pack(">BxHii", 2, 2, ENCODING_RAW, ENCODING_DESKTOP_SIZE))

    def request(self, incremental):
        self.sock.sendall(struct.pack(">BBHHHH", 3, incremental, 0, 0, self.width, self.height))

    def read_update(self):
        """Reads up to and through one FramebufferUpdate; returns its pixel bytes."""
        while True:
            kind = self.read(1)[0]
            if kind == 0:
                break
            if kind == 2:  # bell
                continue
            if kind == 3:  # cut text
                self.read(3)
                self.read(struct.unpack(">I", self.read(4))[0])
                continue
            raise RfbError(f"unexpected server message type {kind}")
        self.read(1)
        (count,) = struct.unpack(">H", self.read(2))
        received = 0
        for _ in range(count):
            x, y, w, h, encoding = struct.unpack(">HHHHi", self.read(12))
            if encoding == ENCODING_DESKTOP_SIZE:
                self.width, self.height = w, h
                self.pixels = bytearray(w * h * 4 if self.keep_pixels else 0)
                continue
            if encoding != ENCODING_RAW:
                raise RfbError(f"unexpected encoding {encoding}")
            data = self.read(w * h * 4)
            received += len(data)
            if self.keep_pixels:
                for row in range(h):
                    start = ((y + row) * self.width + x) * 4
                    self.pixels[start:start + w * 4] = data[row * w * 4:(row + 1) * w * 4]
        return received

    def poll_update(self, timeout):
        """The next update's pixel bytes if it starts within `timeout` seconds, else None."""
        if not self.buf:
            ready, _, _ = select.select([self.sock], [], [], timeout)
            if not ready:
                return None
        return self.read_update()

    def rgb(self):
        """The picture as packed RGB bytes, for vga_text's glyph matcher."""
        order = ">I" if self.big_endian else "<I"
        rs, gs, bs = self.shifts
        out = bytearray(self.width * self.height * 3)
        for i in range(self.width * self.height):
            (p,) = struct.unpack_from(order, self.pixels, i * 4)
            out[i * 3:i * 3 + 3] = bytes(((p >> rs) & 255, (p >> gs) & 255, (p >> bs) & 255))
        return bytes(out)

    def key(self, keysym, down):
        self.sock.sendall(struct.pack(">BBxxI", 4, down, keysym))

    def tap(self, *keysyms):
        """Presses the keys in order and releases them in reverse: a chord."""
        for k in keysyms:
            self.key(k, True)
        for k in reversed(keysyms):
            self.key(k, False)

    def type(self, text):
        for ch in text:
            self.tap(KEYSYM["return"] if ch == "\n" else ord(ch))

    def type_burst(self, text):
        """Types `text` as a person on a US keyboard does (Shift a key of its own), but sends
        every key event in one write, as a client pasting text does: they reach the server
        together, far faster than any guest reads them."""
        events = []
        for ch in text:
            keysym = KEYSYM["return"] if ch == "\n" else ord(ch)
            shift = [KEYSYM["shift"]] if ch in SHIFTED else []
            events += [(k, True) for k in shift + [keysym]]
            events += [(k, False) for k in [keysym] + shift]
        self.sock.sendall(b"".join(struct.pack(">BBxxI", 4, down, keysym)
                                   for keysym, down in events))
