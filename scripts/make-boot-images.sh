#!/usr/bin/env bash
# Build the firmware-boot guests from the default guest (build/guest): a raw disk image with an
# MBR, one FAT partition and SYSLINUX, and an El Torito ISO with ISOLINUX. Both boot Debian's
# kernel and the busybox initramfs with console=ttyS0, so SeaBIOS's path ends at the same shell
# as -kernel. SYSLINUX rather than EXTLINUX: its installer writes into a FAT image through
# mtools, so building the disk needs neither root nor a loop device.
#
# Usage: scripts/make-boot-images.sh [GUEST_DIR]     (default: build/guest)
# Needs mtools and xorriso (scripts/install-deps.sh); the syslinux packages are fetched into
# GUEST_DIR/../guest-cache with apt-get download, never installed.
# Results: GUEST_DIR/disk.img, GUEST_DIR/cdrom.iso.
set -euo pipefail

scripts=$(cd "$(dirname "$0")" && pwd)
guest=${1:-$(dirname "$scripts")/build/guest}
cache=$(dirname "$guest")/guest-cache
for tool in mformat mcopy xorriso; do
    command -v "$tool" >/dev/null || {
        echo "make-boot-images: $tool is missing (run scripts/install-deps.sh)" >&2
        exit 1
    }
done
for file in vmlinuz initramfs.cpio.gz; do
    [[ -f $guest/$file ]] || {
        echo "make-boot-images: $guest/$file is missing (run make guest)" >&2
        exit 1
    }
done

apt_opts=()
[[ $EUID -eq 0 ]] && apt_opts=(-o APT::Sandbox::User=root)
syslinux_root=$cache/syslinux
if [[ ! -x $syslinux_root/usr/bin/syslinux ]]; then
    mkdir -p "$cache/debs" "$syslinux_root"
    for pkg in syslinux syslinux-common isolinux; do
        (cd "$cache/debs" && apt-get download -q "${apt_opts[@]}" "$pkg" >&2)
        dpkg -x "$(ls -t "$cache/debs/${pkg}"_*.deb | head -n1)" "$syslinux_root"
    done
fi

append="console=ttyS0 panic=-1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The prompt stays up half a second so a screen dump can see it; "kemu-boot" names the medium.
config() {
    cat <<CFG
SERIAL 0 115200
PROMPT 1
TIMEOUT 5
SAY kemu-boot: $1
DEFAULT linux
LABEL linux
  KERNEL $2vmlinuz
  APPEND initrd=$2initrd.gz $append
CFG
}

# Disk: 64 MiB, the partition from 1 MiB (the usual alignment) to the end.
disk=$work/disk.img
truncate -s 64M "$disk"
offset=$((2048 * 512))
# One active FAT16 (type 6) partition entry and the boot signature; LBA fields only, as
# SYSLINUX's MBR and SeaBIOS use LBA.
python3 - "$disk" $((offset / 512)) $(((64 << 20) / 512 - offset / 512)) <<'PY'
import struct, sys
path, start, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
entry = struct.pack("<B3sB3sII", 0x80, b"\xfe\xff\xff", 0x06, b"\xfe\xff\xff", start, count)
with open(path, "r+b") as f:
    f.seek(0x1BE)
    f.write(entry + bytes(48) + b"\x55\xaa")
PY
mformat -i "$disk@@$offset" -v KEMUBOOT -h 16 -s 63 ::
config "syslinux disk" / >"$work/syslinux.cfg"
mcopy -i "$disk@@$offset" "$guest/vmlinuz" ::vmlinuz
mcopy -i "$disk@@$offset" "$guest/initramfs.cpio.gz" ::initrd.gz
mcopy -i "$disk@@$offset" "$work/syslinux.cfg" ::syslinux.cfg
"$syslinux_root/usr/bin/syslinux" --install --offset "$offset" "$disk"
dd if="$syslinux_root/usr/lib/SYSLINUX/mbr.bin" of="$disk" bs=440 count=1 conv=notrunc status=none

# CD-ROM: ISOLINUX in no-emulation El Torito mode, with the boot-info table it needs.
iso_root=$work/iso
mkdir -p "$iso_root/isolinux"
cp "$syslinux_root/usr/lib/ISOLINUX/isolinux.bin" "$iso_root/isolinux/"
cp "$syslinux_root/usr/lib/syslinux/modules/bios/ldlinux.c32" "$iso_root/isolinux/"
cp "$guest/vmlinuz" "$iso_root/vmlinuz"
cp "$guest/initramfs.cpio.gz" "$iso_root/initrd.gz"
config "isolinux cdrom" / >"$iso_root/isolinux/isolinux.cfg"
xorriso -as mkisofs -quiet -o "$work/cdrom.iso" -V KEMUBOOT -J -R \
    -b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 \
    -boot-info-table "$iso_root"

mv "$disk" "$guest/disk.img"
mv "$work/cdrom.iso" "$guest/cdrom.iso"
echo "make-boot-images: $guest/disk.img"
echo "make-boot-images: $guest/cdrom.iso"
