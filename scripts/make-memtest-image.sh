#!/usr/bin/env bash
# Build the memtest86+ boot media from Debian's memtest86+ package:
# - memtest.img: a raw disk (MBR, one FAT partition, SYSLINUX) whose LINUX loader starts
#   memtest86+x64.bin by the Linux boot protocol; memtest draws on the text screen the VGA BIOS
#   set up.
# - memtest86+x64.iso: Debian's own CD, whose El Torito image is a 1.44 MB floppy emulation
#   holding memtest's boot sector, which loads the program through the BIOS's int 13h.
# - memtest86+x64.bin: the program itself, for -kernel.
#
# Usage: scripts/make-memtest-image.sh [GUEST_DIR]     (default: build/guest)
# Needs mtools (scripts/install-deps.sh); the memtest86+ and syslinux packages are fetched into
# GUEST_DIR/../guest-cache with apt-get download, never installed.
# Results: GUEST_DIR/memtest.img, GUEST_DIR/memtest86+x64.iso, GUEST_DIR/memtest86+x64.bin.
set -euo pipefail

scripts=$(cd "$(dirname "$0")" && pwd)
guest=${1:-$(dirname "$scripts")/build/guest}
cache=$(dirname "$guest")/guest-cache
for tool in mformat mcopy; do
    command -v "$tool" >/dev/null || {
        echo "make-memtest-image: $tool is missing (run scripts/install-deps.sh)" >&2
        exit 1
    }
done

apt_opts=()
[[ $EUID -eq 0 ]] && apt_opts=(-o APT::Sandbox::User=root)
# Unpacks the newest cached .deb of each package into ROOT, downloading it first if needed.
unpack() {
    local root=$1 pkg deb
    shift
    mkdir -p "$cache/debs" "$root"
    for pkg in "$@"; do
        deb=$(ls -t "$cache/debs/${pkg}"_*.deb 2>/dev/null | head -n1 || true)
        if [[ -z $deb ]]; then
            (cd "$cache/debs" && apt-get download -q "${apt_opts[@]}" "$pkg" >&2)
            deb=$(ls -t "$cache/debs/${pkg}"_*.deb | head -n1)
        fi
        dpkg -x "$deb" "$root"
    done
}

memtest_root=$cache/memtest
[[ -f $memtest_root/boot/memtest86+x64.bin ]] || unpack "$memtest_root" memtest86+
syslinux_root=$cache/syslinux
[[ -x $syslinux_root/usr/bin/syslinux ]] || unpack "$syslinux_root" syslinux syslinux-common

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# LINUX rather than KERNEL: SYSLINUX would pick a loader by the ".bin" extension.
cat >"$work/syslinux.cfg" <<CFG
SERIAL 0 115200
SAY kemu-boot: memtest86+
DEFAULT memtest
LABEL memtest
  LINUX memtest
CFG

# 16 MiB, the partition from 1 MiB, one active FAT (type 6) entry with LBA fields only, as in
# make-boot-images.sh.
disk=$work/memtest.img
size=$((16 << 20))
offset=$((2048 * 512))
truncate -s "$size" "$disk"
python3 - "$disk" $((offset / 512)) $(((size - offset) / 512)) <<'PY'
import struct, sys
path, start, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
entry = struct.pack("<B3sB3sII", 0x80, b"\xfe\xff\xff", 0x06, b"\xfe\xff\xff", start, count)
with open(path, "r+b") as f:
    f.seek(0x1BE)
    f.write(entry + bytes(48) + b"\x55\xaa")
PY
mformat -i "$disk@@$offset" -v MEMTEST -h 16 -s 63 ::
mcopy -i "$disk@@$offset" "$memtest_root/boot/memtest86+x64.bin" ::memtest
mcopy -i "$disk@@$offset" "$work/syslinux.cfg" ::syslinux.cfg
"$syslinux_root/usr/bin/syslinux" --install --offset "$offset" "$disk"
dd if="$syslinux_root/usr/lib/SYSLINUX/mbr.bin" of="$disk" bs=440 count=1 conv=notrunc status=none

mkdir -p "$guest"
mv "$disk" "$guest/memtest.img"
cp "$memtest_root/usr/lib/memtest86+/memtest86+x64.iso" "$memtest_root/boot/memtest86+x64.bin" \
    "$guest/"
echo "make-memtest-image: $guest/memtest.img"
echo "make-memtest-image: $guest/memtest86+x64.iso"
echo "make-memtest-image: $guest/memtest86+x64.bin"
