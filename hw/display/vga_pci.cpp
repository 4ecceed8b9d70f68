#include "hw/display/vga_pci.h"

#include "hw/core/device_state.h"

namespace kemu {

VgaPci::VgaPci(std::string name, Vga& vga, std::vector<uint8_t> rom)
    : PciDevice(std::move(name), {.vendor = Vga::kPciVendorId,
                                  .device = Vga::kPciDeviceId,
                                  .revision = 2,
                                  .class_code = Vga::kPciClass,
                                  .subsystem_vendor = 0x1af4,
                                  .subsystem = 0x1100}),
      rom_image_(std::move(rom)),
      rom_(MemoryRegion::rom("vga.rom", rom_image_.data(), rom_image_.size())) {
    add_bar(0, vga.lfb(), BarKind::Mem32, true);
    add_bar(2, vga.mmio(), BarKind::Mem32);
    if (!rom_image_.empty()) set_rom(rom_);
}

void VgaPci::save(StateWriter& out) const {
    save_config(out);
}

Result<void> VgaPci::load(StateReader& in, uint32_t version) {
    KEMU_TRY_VOID(check_state_version(*this, version));
    load_config(in);
    config_loaded();
    return finish_load(*this, in);
}

}  // namespace kemu
