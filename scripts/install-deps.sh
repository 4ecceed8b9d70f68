#!/usr/bin/env bash
# Install the Debian 12 packages that building and testing kemu need, and nothing that is already
# there. Non-interactive, so it runs in CI with no stdin; uses sudo only when not root.
set -euo pipefail

packages=(
    # build
    meson ninja-build g++ pkg-config
    # libraries
    libgtest-dev      # unit tests
    libcapstone-dev   # disassembly for -d in_asm, x/i and the backend's golden tests
    libzydis-dev      # the decoder test's second oracle
    libxbyak-dev      # encodes the TCG JIT's host instructions
    liburing-dev      # asynchronous block I/O
    libzstd-dev       # qcow2 zstd compression
    zlib1g-dev        # qcow2 deflate compression
    linux-libc-dev x11proto-dev  # <linux/input-event-codes.h> and <X11/keysym.h>: the input key tables
    libvncserver-dev libsdl2-dev  # the display front ends: -vnc and -display sdl
    # integration tests and the default guest (scripts/make-initramfs.sh)
    python3 cpio gzip
    # firmware: SeaBIOS and its VGA BIOS boot kemu's PC without -kernel
    seabios
    # the firmware-boot guests (scripts/make-boot-images.sh): a FAT disk and an ISO image
    mtools xorriso
    # the display tests: the SDL window under a private X server, typed into with xdotool
    xvfb xdotool
    # Debian's QEMU and qemu-img: the reference that tests and benchmarks compare against
    qemu-utils qemu-system-x86
    # the one code style (.clang-format)
    clang-format
    # libFuzzer for the qcow2 fuzz run in make check (tests/block/fuzz_smoke.sh)
    clang libclang-rt-14-dev
)

missing=()
for package in "${packages[@]}"; do
    if [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$package" 2>/dev/null) != ii* ]]; then
        missing+=("$package")
    fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps: all ${#packages[@]} packages present"
    exit 0
fi

as_root=()
if [[ $EUID -ne 0 ]]; then
    as_root=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
