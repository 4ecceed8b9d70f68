#include "hw/display/vga_pci.h"

namespace kemu {

namespace {

constexpr uint32_t kDisplayControllerClass = 0x038000;  // display controller, other

// Whole host pages, zero-filled past the image, so KVM can map the ROM BAR.
size_t page_round_up(size_t size) {
    constexpr size_t kPage = 4096;
    return (size + kPage - 1) & ~(kPage - 1);
}

}  // namespace

VgaPci::VgaPci(std::string name, Vga& vga, std::vector<uint8_t> rom, Role role)
    : PciDevice(std::move(name),
                {.vendor = Vga::kPciVendorId,
                 .device = Vga::kPciDeviceId,
                 .revision = 2,
                 .class_code = role == Primary ? Vga::kPciClass : kDisplayControllerClass,
                 .subsystem_vendor = 0x1af4,
                 .subsystem = 0x1100}),
      role_(role),
      rom_image_(rom.empty() ? MappedRegion() : MappedRegion::anonymous(page_round_up(rom.size()))),
      rom_(MemoryRegion::rom("vga.rom", rom_image_.data(), rom_image_.size())) {
    add_bar(0, vga.lfb(), BarKind::Mem32, true);
    add_bar(2, vga.mmio(), BarKind::Mem32);
    if (rom_image_.valid()) {
        std::copy(rom.begin(), rom.end(), rom_image_.data());
        set_rom(rom_);
    }
}

}  // namespace kemu
