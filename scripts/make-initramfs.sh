#!/usr/bin/env bash
# Build the default guest: build/guest/vmlinuz (the cloud kernel), build/guest/vmlinuz-generic
# (the generic one, which the Linux boot test boots too) and build/guest/initramfs.cpio.gz, from
# the Debian packages that fetch-guest.sh unpacks. Needs no root: cpio_newc.py writes /dev/console into the
# archive without mknod (the kernel opens it before /init runs, so it must be in the archive).
#
# Usage: scripts/make-initramfs.sh [OUT_DIR]        (default: build/guest)
# The packages are cached in OUT_DIR/../guest-cache (build/guest-cache by default).
set -euo pipefail

scripts=$(cd "$(dirname "$0")" && pwd)
repo_root=$(dirname "$scripts")
out=${1:-$repo_root/build/guest}
cache=$(dirname "$out")/guest-cache

"$scripts/fetch-guest.sh" "$cache"
"$scripts/fetch-guest.sh" "$cache" generic
vmlinuz=$(find "$cache/kernel/boot" -maxdepth 1 -name 'vmlinuz-*' | head -n1)
vmlinuz_generic=$(find "$cache/kernel-generic/boot" -maxdepth 1 -name 'vmlinuz-*' | head -n1)
busybox=$cache/busybox/bin/busybox

mkdir -p "$out"
listing=$(mktemp)
trap 'rm -f "$listing"' EXIT
cat >"$listing" <<LIST
dir   /bin      0755 0 0
dir   /sbin     0755 0 0
dir   /usr      0755 0 0
dir   /usr/bin  0755 0 0
dir   /usr/sbin 0755 0 0
dir   /dev      0755 0 0
dir   /proc     0555 0 0
dir   /sys      0555 0 0
dir   /tmp      1777 0 0
dir   /root     0700 0 0
dir   /etc      0755 0 0
nod   /dev/console 0600 0 0 c 5 1
file  /bin/busybox $busybox 0755 0 0
slink /bin/sh   busybox 0777 0 0
file  /init     $scripts/initramfs/init 0755 0 0
file  /etc/shrc $scripts/initramfs/shrc 0644 0 0
LIST

# gzip -n keeps the name and time out of the header, so the image is reproducible.
# The cloud kernel's storage drivers are modules: the disk and CD-ROM boots (tests/firmware) need
# them in the initramfs. /init loads them when the running kernel is the one they were built for.
module_root=$(find "$cache/kernel/lib/modules" -mindepth 1 -maxdepth 1 -type d | head -n1)
kernel_release=$(basename "$module_root")
storage_modules=(ata_piix sd_mod sr_mod isofs vfat nls_cp437 nls_ascii)
echo "dir   /lib 0755 0 0" >>"$listing"
echo "dir   /lib/modules 0755 0 0" >>"$listing"
echo "dir   /lib/modules/$kernel_release 0755 0 0" >>"$listing"
load_order=$(mktemp)
trap 'rm -f "$listing" "$load_order"' EXIT
python3 "$scripts/module_closure.py" "$module_root" "${storage_modules[@]}" |
    while read -r module; do
        name=$(basename "$module")
        echo "file  /lib/modules/$kernel_release/$name $module_root/$module 0644 0 0" >>"$listing"
        echo "$name" >>"$load_order"
    done
echo "file  /lib/modules/$kernel_release/load-order $load_order 0644 0 0" >>"$listing"

python3 "$scripts/cpio_newc.py" "$listing" | gzip -9 -n >"$out/initramfs.cpio.gz.tmp"
mv "$out/initramfs.cpio.gz.tmp" "$out/initramfs.cpio.gz"
cp "$vmlinuz" "$out/vmlinuz"
cp "$vmlinuz_generic" "$out/vmlinuz-generic"
echo "make-initramfs: $out/vmlinuz ($(basename "$vmlinuz"))"
echo "make-initramfs: $out/vmlinuz-generic ($(basename "$vmlinuz_generic"))"
echo "make-initramfs: $out/initramfs.cpio.gz"
