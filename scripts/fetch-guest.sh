#!/usr/bin/env bash
# Fetch the default guest's Debian packages and unpack them into a cache, without installing
# anything on the host: `apt-get download` + `dpkg -x` work as any user and leave dpkg's database
# alone.
#
# Usage: scripts/fetch-guest.sh [CACHE_DIR] [FLAVOUR]
#   CACHE_DIR defaults to build/guest-cache; FLAVOUR is cloud (the default guest's kernel) or
#   generic (Debian's linux-image-amd64, which bench/linux.py boots as well).
# Prints one line per package: fetched, or already cached. Running it twice downloads nothing.
#
# Results (paths printed at the end, relied on by make-initramfs.sh):
#   CACHE_DIR/kernel/boot/vmlinuz-*          the cloud kernel
#   CACHE_DIR/kernel-generic/boot/vmlinuz-*  the generic kernel (FLAVOUR generic only)
#   CACHE_DIR/busybox/bin/busybox            a static busybox
set -euo pipefail

repo_root=$(cd "$(dirname "$0")/.." && pwd)
cache=${1:-$repo_root/build/guest-cache}
mkdir -p "$cache/debs"
cache=$(cd "$cache" && pwd)
flavour=${2:-cloud}

# The cloud flavour rather than the generic one: its LZ4-compressed image boots about 2.3x faster
# under emulation, because decompressing the generic kernel's XZ image inside the guest dominates
# its boot time (measured under QEMU TCG: first kernel line at 0.7 s vs 4.6 s).
case $flavour in
cloud)
    kernel_meta="linux-image-cloud-amd64"
    kernel_suffix="-cloud-amd64"
    kernel_dir="$cache/kernel"
    ;;
generic)
    kernel_meta="linux-image-amd64"
    kernel_suffix="-amd64"
    kernel_dir="$cache/kernel-generic"
    ;;
*)
    echo "fetch-guest: unknown kernel flavour '$flavour' (cloud or generic)" >&2
    exit 1
    ;;
esac
busybox_pkg="busybox-static"

# As root, apt drops to the _apt user to download and warns when that user cannot write the
# cache; the cache is ours, so download as root directly.
apt_opts=()
if [[ $EUID -eq 0 ]]; then
    apt_opts=(-o APT::Sandbox::User=root)
fi

# Downloads PACKAGE's candidate .deb into the cache unless a .deb of that exact version is there.
# Prints the path of the .deb on stdout.
download() {
    local pkg=$1 version deb
    version=$(apt-cache policy "$pkg" | awk '/Candidate:/ {print $2}')
    if [[ -z $version || $version == "(none)" ]]; then
        echo "fetch-guest: no candidate for $pkg (run 'apt-get update' first?)" >&2
        return 1
    fi
    # apt-get download names files with the epoch's ':' encoded as '%3a'.
    deb="$cache/debs/${pkg}_${version//:/%3a}_amd64.deb"
    if [[ -f $deb ]]; then
        echo "fetch-guest: $pkg $version already cached" >&2
    else
        (cd "$cache/debs" && apt-get download -q "${apt_opts[@]}" "$pkg=$version" >&2)
        echo "fetch-guest: fetched $pkg $version" >&2
    fi
    printf '%s\n' "$deb"
}

# Unpacks DEB into DIR once; the stamp records which .deb the directory holds, so a newer
# package version replaces the old tree instead of mixing with it.
unpack() {
    local deb=$1 dir=$2
    if [[ -f $dir/.unpacked-from && $(cat "$dir/.unpacked-from") == "$(basename "$deb")" ]]; then
        return 0
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    dpkg -x "$deb" "$dir"
    basename "$deb" >"$dir/.unpacked-from"
}

# The metapackage only depends on the versioned image (linux-image-6.1.0-NN-cloud-amd64, or
# linux-image-6.1.0-NN-amd64 for generic); read that name from the .deb we downloaded so the two
# always agree.
meta_deb=$(download "$kernel_meta")
kernel_pkg=$(dpkg-deb -f "$meta_deb" Depends | tr ',' '\n' |
    sed -n "s/^ *\(linux-image-[0-9][^ ]*${kernel_suffix}\)\( .*\)\{0,1\}\$/\1/p" | head -n1)
if [[ -z $kernel_pkg ]]; then
    echo "fetch-guest: cannot find the kernel image package in $kernel_meta's Depends" >&2
    exit 1
fi
kernel_deb=$(download "$kernel_pkg")
busybox_deb=$(download "$busybox_pkg")

unpack "$kernel_deb" "$kernel_dir"
unpack "$busybox_deb" "$cache/busybox"

vmlinuz=$(find "$kernel_dir/boot" -maxdepth 1 -name 'vmlinuz-*' | head -n1)
busybox="$cache/busybox/bin/busybox"
if [[ -z $vmlinuz || ! -x $busybox ]]; then
    echo "fetch-guest: unpacked packages lack vmlinuz or busybox" >&2
    exit 1
fi
echo "fetch-guest: kernel  $vmlinuz"
echo "fetch-guest: busybox $busybox"
