"""What the display tests and bench/display.py set up around the emulator: the default Linux
guest's SYSLINUX disk with a kernel command line of their own, and a private Xvfb.

Python standard library only. A failure raises DisplayEnvError: tests turn it into their FAIL
line, the bench into a skipped row.
"""

import contextlib
import os
import shutil
import subprocess

SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts")
XVFB_STOP_TIMEOUT = 5


class DisplayEnvError(Exception):
    pass


def syslinux_disk(guest, tmp, append):
    """A copy in `tmp` of the SYSLINUX disk of scripts/make-boot-images.sh (made in `guest`
    first if missing) whose kernel command line is `append`, after the initramfs."""
    source = os.path.join(guest, "disk.img")
    if not os.path.exists(source):
        subprocess.run([os.path.join(SCRIPTS, "make-boot-images.sh"), guest], check=True,
                       stdout=subprocess.DEVNULL)
    disk = os.path.join(tmp, "display.img")
    shutil.copy(source, disk)
    cfg = os.path.join(tmp, "syslinux.cfg")
    with open(cfg, "w") as f:
        f.write("SERIAL 0 115200\nDEFAULT linux\nLABEL linux\n  KERNEL /vmlinuz\n"
                f"  APPEND initrd=/initrd.gz {append}\n")
    # The FAT partition starts 1 MiB into the disk.
    subprocess.run(["mcopy", "-o", "-i", f"{disk}@@1M", cfg, "::syslinux.cfg"], check=True)
    return disk


@contextlib.contextmanager
def private_xvfb(fbdir=None):
    """Runs an Xvfb (1024x768, 24-bit) on a display number it picks itself, its screen kept
    as an XWD file in `fbdir` if given, for the `with` block; yields the environment that
    points X clients at it (DISPLAY set, WAYLAND_DISPLAY removed)."""
    # -displayfd: Xvfb writes its display number there once it takes clients.
    ready_read, ready_write = os.pipe()
    argv = ["Xvfb", "-displayfd", str(ready_write), "-screen", "0", "1024x768x24",
            "-nolisten", "tcp"] + (["-fbdir", fbdir] if fbdir else [])
    xvfb = subprocess.Popen(argv, pass_fds=[ready_write], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    os.close(ready_write)
    # Open while Xvfb runs: it dies when a write to the pipe fails.
    with os.fdopen(ready_read) as ready:
        try:
            number = ready.readline().strip()
            if not number.isdigit():
                raise DisplayEnvError("Xvfb did not start")
            env = {**os.environ, "DISPLAY": ":" + number}
            env.pop("WAYLAND_DISPLAY", None)
            yield env
        finally:
            xvfb.terminate()
            try:
                xvfb.wait(timeout=XVFB_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                xvfb.kill()
                xvfb.wait()
