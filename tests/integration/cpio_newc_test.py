#!/usr/bin/env python3
"""scripts/cpio_newc.py writes archives that GNU cpio reads back entry for entry: directories,
files with their bytes, symlinks, and the /dev/console node a non-root build cannot mknod.

usage: cpio_newc_test.py PATH/TO/cpio_newc.py
"""

import os
import shutil
import subprocess
import sys
import tempfile

from harness import check, excerpt, skip

# (mode, name, detail) per entry, in order: a node's "major,minor", a file's size, a link's target.
WANT_LISTING = [
    ("drwxr-xr-x", "bin", ""),
    ("crw-------", "dev/console", "5,1"),
    ("-rwxr-xr-x", "bin/data", "5"),
    ("lrwxrwxrwx", "bin/link", "data"),
    ("drwxrwxrwt", "tmp", ""),
]


def summarize(row):
    """(mode, name, detail) from one split line of GNU cpio -tv:
    mode links owner group size-or-"major, minor" month day year name [-> target]."""
    mode = row[0]
    if mode.startswith("l"):
        return mode, row[-3], row[-1]
    if mode[0] in "cb":
        return mode, row[-1], row[4] + row[5]
    if mode.startswith("-"):
        return mode, row[-1], row[4]
    return mode, row[-1], ""


def main():
    if len(sys.argv) != 2:
        check(False, "usage: cpio_newc_test.py PATH/TO/cpio_newc.py")
    if shutil.which("cpio") is None:
        skip("GNU cpio is not installed (scripts/install-deps.sh installs it)")
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        with open(data, "wb") as f:
            f.write(b"hello")
        listing = os.path.join(tmp, "list")
        with open(listing, "w") as f:
            f.write(f"""# a comment line, then one entry of each kind
dir   /bin 0755 0 0
nod   /dev/console 0600 0 0 c 5 1
file  /bin/data {data} 0755 0 0
slink /bin/link data 0777 0 0
dir   /tmp 1777 0 0
""")
        archive = subprocess.run([sys.executable, sys.argv[1], listing], capture_output=True,
                                 check=True).stdout
        check(len(archive) % 4 == 0, f"archive length {len(archive)} is not 4-byte aligned")
        again = subprocess.run([sys.executable, sys.argv[1], listing], capture_output=True,
                               check=True).stdout
        check(archive == again, "two runs over the same list wrote different bytes")

        listed = subprocess.run(["cpio", "-itv", "--quiet"], input=archive, capture_output=True)
        check(listed.returncode == 0, f"cpio -t failed: {excerpt(listed.stderr.decode())}")
        rows = [line.split() for line in listed.stdout.decode().splitlines()]
        check(len(rows) == len(WANT_LISTING), f"cpio lists {len(rows)} entries: {rows}")
        for row, want in zip(rows, WANT_LISTING):
            check(summarize(row) == want, f"cpio lists {row}, want {want}")

        content = subprocess.run(["cpio", "-i", "--quiet", "--to-stdout", "bin/data"],
                                 input=archive, capture_output=True)
        check(content.stdout == b"hello", f"bin/data holds {content.stdout!r}, want b'hello'")

        with open(listing, "w") as f:
            f.write("nod /dev/console 0600 0 0 x 5 1\n")
        bad = subprocess.run([sys.executable, sys.argv[1], listing], capture_output=True)
        check(bad.returncode == 1 and b":1: cannot parse entry" in bad.stderr,
              f"a malformed line gave status {bad.returncode}: {excerpt(bad.stderr.decode())}")
    print("PASS: cpio reads back every entry kind; output is reproducible; bad lines rejected")


if __name__ == "__main__":
    main()
