#!/usr/bin/env python3
"""kemu answers the probes that harnesses written for QEMU make (kvm-unit-tests' run scripts,
libvirt's version check): the version line, -device help and its greps, -d help, -global, and
pc-testdev's ports as a kvm-unit-tests guest would drive them (here through the monitor's
`o`/`i` commands on a machine that runs no code, -accel null).

usage: qemu_compat_test.py KEMU MULTIBOOT_IMAGE
"""

import os
import re
import subprocess
import sys
import tempfile

from harness import PROGRAM, check, excerpt, find_kemu, skip

QUIET = ["-nodefaults", "-display", "none"]


def run(kemu, args, stdin=None, timeout=20):
    result = subprocess.run([kemu, *args], input=(stdin or "").encode(), capture_output=True,
                            timeout=timeout)
    return (result.returncode, result.stdout.decode("utf-8", "replace"),
            result.stderr.decode("utf-8", "replace"))


def check_version_probes(kemu):
    status, out, _ = run(kemu, ["--help"])
    check(status == 0 and "QEMU" in out, f"--help: kvm-unit-tests greps it for QEMU: {excerpt(out)}")
    # kvm-unit-tests: IFS='[ .]' read -r _ _ _ QEMU_MAJOR QEMU_MINOR QEMU_MICRO rest
    fields = re.split(r"[ .]", out.splitlines()[0])
    check(len(fields) > 6 and all(f.isdigit() for f in fields[3:6]) and "kemu" in fields[6],
          f"-h first line does not read as a QEMU version: {out.splitlines()[0]!r}")
    status, out, _ = run(kemu, ["-version"])
    lines = out.splitlines()
    check(status == 0 and len(lines) == 2, f"-version: want two lines, got {excerpt(out)}")
    # libvirt's pattern for the version line.
    check(re.match(r"QEMU emulator version \d+\.\d+\.\d+ \(kemu [0-9.]+\)$", lines[0]) is not None,
          f"-version first line {lines[0]!r}")
    print(f"ok   version line: {lines[0]}")


def check_device_help(kemu):
    for spelling in ("help", "?"):
        status, out, _ = run(kemu, ["-device", spelling])
        check(status == 0, f"-device {spelling}: exit status {status}")
        # kvm-unit-tests' x86/run: pc-testdev must be found, pci-testdev must not be offered.
        check('name "pc-testdev", bus ISA' in out, f"-device {spelling} lacks pc-testdev")
        check("pci-testdev" not in out, f"-device {spelling} offers pci-testdev, which kemu lacks")
        # QEMU's category order: Controller/Bridge/Hub, ..., Storage, Network, Input, Display,
        # Sound, Misc ...
        groups = [out.find(g) for g in ("Controller/Bridge/Hub devices:\n",
                                        "\n\nStorage devices:\n", "\n\nInput devices:\n",
                                        "\n\nDisplay devices:\n", "\n\nMisc devices:\n")]
        check(groups[0] == 0 and 0 < groups[1] < groups[2] < groups[3] < groups[4],
              f"-device {spelling} is not grouped as QEMU groups it: {excerpt(out)}")
        check('name "VGA", bus PCI' in out and 'name "secondary-vga", bus PCI' in out,
              f"-device help lacks the PCI displays: {excerpt(out)}")
    status, out, _ = run(kemu, ["-device", "isa-debug-exit,help"])
    check(status == 0 and out.startswith("isa-debug-exit options:\n  iobase=<uint32>"),
          f"-device isa-debug-exit,help: {excerpt(out)}")
    status, out, _ = run(kemu, ["-device", "ide-hd,help"])
    check(status == 0 and "\n  model=<str>" in out and "\n  wwn=<uint64>" in out,
          f"-device ide-hd,help: {excerpt(out)}")
    status, out, err = run(kemu, ["-accel", "null", *QUIET, "-device", "pci-testdev"])
    want = f"{PROGRAM}: -device pci-testdev: 'pci-testdev' is not a valid device model name"
    check(status == 1 and err.strip() == want, f"-device pci-testdev: {status} {excerpt(err)}")
    status, out, _ = run(kemu, ["-d", "help"])
    check(status == 0 and out.startswith("Log items (comma separated):\n")
          and re.search(r"^in_asm +show target assembly", out, re.M) is not None,
          f"-d help: {excerpt(out)}")
    print("ok   -device help, -device NAME,help, -d help")


def check_testdev_and_globals(kemu, image):
    monitor_input = "\n".join([
        "o /w 0xe0 0x12345678",  # the 32-bit scratch register...
        "i /w 0xe8",             # ...read back through the byte window
        "o /b 0xea 0xab",
        "i /w 0xe0",
        "o /b 0x2005 1",         # interrupt line 5 (ISA IRQ 5: PIC and IOAPIC)...
        "o /b 0x2014 1",         # ...and line 20 (IOAPIC only)
        "info pic",
        "info qtree",
        "quit",
    ]) + "\n"
    status, out, err = run(kemu, ["-accel", "null", *QUIET, "-monitor", "stdio", "-kernel", image,
                                  "-device", "pc-testdev", "-global", "nosuch-dev.prop=1",
                                  "-global", "isa-debugcon.iobase=0x402", "-device",
                                  "isa-debugcon"], stdin=monitor_input)
    check(status == 0, f"pc-testdev session: exit status {status}, stderr {excerpt(err)}")
    want = f"{PROGRAM}: warning: global nosuch-dev.prop has invalid class name"
    check(err.strip() == want, f"-global of an unknown driver: stderr {excerpt(err)}, want {want!r}")
    check("portl[0x00e8] = 0x12345678" in out, f"byte window read: {excerpt(out, 600)}")
    check("portl[0x00e0] = 0x12ab5678" in out, f"register after a byte write: {excerpt(out, 600)}")
    # -accel null has no in-kernel irqchip: the lines reach kemu's own PIC and IOAPIC.
    check(re.search(r"^pic0: irr=20 ", out, re.M) is not None
          and re.search(r"^ioapic0: .*irr=0x0*100020\b", out, re.M) is not None,
          f"interrupt lines 5 and 20 did not reach the PIC/IOAPIC: {excerpt(out, 600)}")
    check("dev: isa-debugcon" in out and "iobase = 0x402" in out,
          f"-global isa-debugcon.iobase=0x402 did not reach the device: {excerpt(out, 900)}")
    print("ok   pc-testdev ports and IRQ lines, -global defaults, the invalid-class warning")

    status, _, err = run(kemu, ["-accel", "null", *QUIET, "-monitor", "stdio", "-kernel", image,
                                "-global", "driver=isa-debug-exit,property=iobase,value=0x501",
                                "-device", "isa-debug-exit,iosize=1"], stdin="o /b 0x501 3\n")
    check(status == 7, f"isa-debug-exit moved by -global: exit status {status}, want 7 "
                       f"(stderr {excerpt(err)})")
    print("ok   -global driver=,property=,value= moves isa-debug-exit")


def check_ide_globals(kemu, image):
    """-global ide-hd.model= reaches the IDENTIFY data of a -hda disk, read word by word
    through the monitor as a guest would; an unknown property of a known driver is an error."""
    status, _, err = run(kemu, ["-accel", "null", *QUIET, "-kernel", image,
                                "-global", "ide-hd.nosuch=1"])
    want = f"{PROGRAM}: -global ide-hd.nosuch=1: can't apply global ide-hd.nosuch=1: " \
           "Property 'ide-hd.nosuch' not found"
    check(status == 1 and err.strip() == want, f"-global ide-hd.nosuch: {status} {excerpt(err)}")
    with tempfile.TemporaryDirectory() as tmp:
        disk = os.path.join(tmp, "disk.raw")
        with open(disk, "wb") as f:
            f.truncate(1 << 20)
        # IDENTIFY DEVICE on the primary master, then data words 0-28 (27-28: model chars 0-3).
        commands = ["o /b 0x1f6 0xa0", "o /b 0x1f7 0xec"] + ["i /h 0x1f0"] * 29 + ["quit"]
        status, out, err = run(kemu, ["-accel", "null", *QUIET, "-monitor", "stdio", "-kernel",
                                      image, "-drive", f"file={disk},format=raw,if=ide",
                                      "-global", "ide-hd.model=XYZ"],
                               stdin="\n".join(commands) + "\n")
    words = [int(w, 16) for w in re.findall(r"^portw\[0x01f0\] = (0x[0-9a-f]+)", out, re.M)]
    check(status == 0 and len(words) == 29, f"IDENTIFY session: {status} {excerpt(err)}")
    model = "".join(chr(w >> 8) + chr(w & 0xff) for w in words[27:29])
    check(model == "XYZ ", f"-global ide-hd.model=XYZ: IDENTIFY model starts {model!r}")
    print("ok   -global ide-hd.model= in IDENTIFY, unknown ide-hd property refused")


def main():
    kemu = find_kemu(sys.argv)
    image = sys.argv[2] if len(sys.argv) > 2 else ""
    check_version_probes(kemu)
    check_device_help(kemu)
    if not os.path.isfile(image):
        skip(f"no Multiboot guest image at '{image}' (built by tests/guest)")
    check_testdev_and_globals(kemu, image)
    check_ide_globals(kemu, image)


if __name__ == "__main__":
    main()
