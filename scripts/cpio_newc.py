#!/usr/bin/env python3
"""Write a cpio archive in the "newc" format (the one the Linux initramfs unpacker reads).

Builds device nodes such as /dev/console without mknod, so an initramfs needs no root.
Reads an entry list (one entry a line, '#' starts a comment) and writes the archive to stdout:

    dir   NAME MODE UID GID
    file  NAME SOURCE MODE UID GID
    slink NAME TARGET MODE UID GID
    nod   NAME MODE UID GID c|b MAJOR MINOR

MODE is octal permission bits. Every timestamp is 0, so the same inputs give the same bytes.
"""

import stat
import sys

MAGIC = b"070701"
TRAILER = "TRAILER!!!"
TYPE_BITS = {"dir": stat.S_IFDIR, "file": stat.S_IFREG, "slink": stat.S_IFLNK}
NODE_BITS = {"c": stat.S_IFCHR, "b": stat.S_IFBLK}


def pad4(length):
    return b"\0" * (-length % 4)


class NewcWriter:
    def __init__(self, out):
        self.out = out
        self.next_inode = 1

    def entry(self, name, mode, uid=0, gid=0, data=b"", rdev=(0, 0)):
        self._write(self.next_inode, name.lstrip("/"), mode, uid, gid, data, rdev)
        self.next_inode += 1

    def finish(self):
        self._write(0, TRAILER, 0, 0, 0, b"", (0, 0))

    def _write(self, inode, name, mode, uid, gid, data, rdev):
        name_bytes = name.encode() + b"\0"
        nlink = 2 if stat.S_ISDIR(mode) else 1
        fields = (inode, mode, uid, gid, nlink, 0, len(data), 0, 0, rdev[0], rdev[1],
                  len(name_bytes), 0)
        header = MAGIC + b"".join(b"%08X" % f for f in fields)
        self.out.write(header + name_bytes + pad4(len(header) + len(name_bytes)))
        self.out.write(data + pad4(len(data)))


def parse_line(words):
    """Returns the keyword arguments of NewcWriter.entry for one list line."""
    kind = words[0]
    if kind == "dir" and len(words) == 5:
        name, mode, uid, gid = words[1:]
        return dict(name=name, mode=TYPE_BITS[kind] | int(mode, 8), uid=int(uid), gid=int(gid))
    if kind == "file" and len(words) == 6:
        name, source, mode, uid, gid = words[1:]
        with open(source, "rb") as f:
            data = f.read()
        return dict(name=name, mode=TYPE_BITS[kind] | int(mode, 8), uid=int(uid), gid=int(gid),
                    data=data)
    if kind == "slink" and len(words) == 6:
        name, target, mode, uid, gid = words[1:]
        return dict(name=name, mode=TYPE_BITS[kind] | int(mode, 8), uid=int(uid), gid=int(gid),
                    data=target.encode())
    if kind == "nod" and len(words) == 8 and words[5] in NODE_BITS:
        name, mode, uid, gid, dev_type, major, minor = words[1:]
        return dict(name=name, mode=NODE_BITS[dev_type] | int(mode, 8), uid=int(uid),
                    gid=int(gid), rdev=(int(major), int(minor)))
    raise ValueError("cannot parse entry: " + " ".join(words))


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: cpio_newc.py LIST > archive.cpio\n")
        return 2
    writer = NewcWriter(sys.stdout.buffer)
    with open(argv[1]) as listing:
        for number, line in enumerate(listing, 1):
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            try:
                writer.entry(**parse_line(words))
            except (ValueError, OSError) as e:
                sys.stderr.write(f"cpio_newc.py: {argv[1]}:{number}: {e}\n")
                return 1
    writer.finish()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
