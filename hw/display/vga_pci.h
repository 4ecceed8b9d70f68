// The standard VGA as a PCI function (1234:1111, as QEMU's -vga std): BAR0 the linear
// framebuffer, BAR2 the MMIO window Linux's bochs DRM uses, and the VGA BIOS
// (vgabios-stdvga.bin) as its expansion ROM, which SeaBIOS runs. The legacy ports and the
// 0xA0000 window stay where ISA put them, whatever the COMMAND register says. A secondary
// VGA (QEMU's secondary-vga) has the same BARs, class "Display controller" and no ROM: the
// board maps no legacy ports or window for it.
#pragma once

#include <vector>

#include "hw/display/vga.h"
#include "hw/pci/pci_device.h"
#include "system/mapped_region.h"

namespace kemu {

class VgaPci final : public PciDevice {
  public:
    enum Role : uint8_t { Primary, Secondary };

    // `rom` may be empty: a machine without firmware never runs it.
    VgaPci(std::string name, Vga& vga, std::vector<uint8_t> rom, Role role = Primary);

    const char* type_name() const override { return role_ == Primary ? "VGA" : "secondary-vga"; }

  private:
    Role role_;
    MappedRegion rom_image_;  // page-aligned: KVM maps the ROM BAR by host page
    MemoryRegion rom_;
};

}  // namespace kemu
