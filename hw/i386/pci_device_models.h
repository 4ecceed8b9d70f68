// The PCI models of the -device table (device_models.cpp): where a function goes on pci.0
// (addr=SLOT[.FN] or the first free slot, with QEMU's errors), and the display builders.
#pragma once

#include "hw/i386/device_models.h"

namespace kemu {

// The devfn -device SPEC asks for with addr=, if free; without addr=, function 0 of the
// first slot with none.
Result<unsigned> pick_pci_devfn(const DeviceSpec& spec, const PciBus& bus);

// -device VGA: the standard VGA with its legacy ports, window and VGA BIOS ROM; the one the
// machine shows. The board builds one through this when the command line names none.
Result<void> build_vga(const DeviceSpec& spec, DeviceBuildContext& context);
// -device secondary-vga: the same framebuffer and MMIO BARs without the legacy ports, the
// window or a ROM (class "Display controller"), as QEMU's: a second head for a DRM driver.
Result<void> build_secondary_vga(const DeviceSpec& spec, DeviceBuildContext& context);

}  // namespace kemu
