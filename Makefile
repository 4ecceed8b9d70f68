# kemu's front door. `make` builds, `make check` installs what is missing, builds and runs every
# test, `make run` boots the default guest (Debian's kernel + a busybox shell) on the terminal.
# Everything lands in build/ (the guest in build/guest, its package cache in build/guest-cache).

BUILD := build
GUEST := $(BUILD)/guest
KEMU := $(BUILD)/kemu-system-x86_64
# TCG, the emulator's own default as in QEMU; ACCEL=kvm for KVM.
ACCEL ?= tcg
# Extra ninja options, e.g. NINJAFLAGS=-j1 on a shared machine.
NINJAFLAGS ?=

.PHONY: all emulator deps check run guest bench clean

all: $(BUILD)/build.ninja
	ninja -C $(BUILD) $(NINJAFLAGS)

emulator: $(BUILD)/build.ninja
	ninja -C $(BUILD) $(NINJAFLAGS) kemu-system-x86_64

$(BUILD)/build.ninja:
	meson setup $(BUILD)

deps:
	scripts/install-deps.sh

# The Linux boot tests need the default guest (TCG boots it everywhere).
check: deps
	$(MAKE) all guest
	KEMU_GUEST_DIR=$(abspath $(GUEST)) meson test -C $(BUILD) --print-errorlogs

run: deps
	$(MAKE) emulator guest
	$(KEMU) -accel $(ACCEL) -m 512 -smp 2 -nographic \
	    -kernel $(GUEST)/vmlinuz -initrd $(GUEST)/initramfs.cpio.gz \
	    -append "console=ttyS0 panic=-1"

guest:
	scripts/make-initramfs.sh $(GUEST)

bench: all guest
	bench/run.py --kemu $(KEMU) --guest-dir $(GUEST)
	bench/linux.py --kemu $(KEMU) --guest-dir $(GUEST) --generic-kernel $(GUEST)/vmlinuz-generic
	bench/boot_firmware.py --kemu $(KEMU) --guest-dir $(GUEST)

clean:
	rm -rf $(BUILD)
