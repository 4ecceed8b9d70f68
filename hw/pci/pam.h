// Programmable Attribute Map of the i440FX (82441FX PAM0-PAM6): for each segment of
// 0xC0000-0xFFFFF, whether reads and writes go to DRAM or to PCI (where the BIOS ROM
// and option ROMs live). SeaBIOS copies itself into DRAM this way and then makes the
// copy read-only.
//
// Layers in the memory AddressSpace, lowest first: guest RAM (priority 0, the machine's);
// the PCI side (priority 1: a window that reads all ones, and the ROM regions given at
// creation at priority 2); and one shadow mapping per segment (priority 3) while PAM
// sends some access to DRAM: a RAM alias (read/write), a ROM alias (read only; writes
// go to PCI, where they are dropped) or an I/O region (writes to DRAM, reads from PCI).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hw/pci/i440fx.h"
#include "system/address_space.h"
#include "system/error.h"
#include "system/memory_region.h"

namespace kemu {

class Pam {
  public:
    static constexpr uint64_t kBase = 0xc0000;
    static constexpr uint64_t kSize = 0x40000;
    static constexpr unsigned kSegments = 13;  // 0xF0000 (64 KiB) + twelve 16 KiB below
    static constexpr int kPciWindowPriority = 1;
    static constexpr int kRomPriority = 2;
    static constexpr int kShadowPriority = 3;

    // A segment's attribute: bit 0 reads DRAM, bit 1 writes DRAM.
    enum class Mode : uint8_t { Pci = 0, ReadRam = 1, WriteRam = 2, ReadWriteRam = 3 };

    // A region that answers on the PCI side inside 0xC0000-0xFFFFF, such as the last
    // 128 KiB of the BIOS image at 0xE0000.
    struct PciRegion {
        uint64_t base;
        MemoryRegion* region;
    };

    // `shadow_ram` is the host memory behind guest-physical 0xC0000-0xFFFFF (kSize bytes
    // of guest RAM). Maps the PCI side; the segments start in Mode::Pci.
    static Result<std::unique_ptr<Pam>> create(AddressSpace& memory, uint8_t* shadow_ram,
                                               std::vector<PciRegion> pci_regions);
    Pam(const Pam&) = delete;
    Pam& operator=(const Pam&) = delete;

    // Applies PAM0..PAM6 as the 82441FX holds them (I440fx::on_pam_change).
    void update(const I440fx::PamRegisters& pam);
    Mode mode(unsigned segment) const { return modes_[segment]; }
    // The segment covering guest-physical `address`, if any.
    static std::optional<unsigned> segment_of(uint64_t address);

  private:
    struct Segment {
        uint64_t base;
        uint64_t size;
        unsigned reg;    // PAM register index (0..6)
        unsigned shift;  // 0: low nibble, 4: high nibble
    };
    static Segment segment(unsigned index);

    Pam(AddressSpace& memory, uint8_t* shadow_ram, std::vector<PciRegion> pci_regions);
    Result<void> map_pci_side();
    uint8_t pci_side_byte(uint64_t address) const;
    MemoryRegion* region_for(unsigned segment, Mode mode);

    AddressSpace& memory_;
    uint8_t* shadow_ram_;
    std::vector<PciRegion> pci_regions_;
    MemoryRegion pci_window_;
    std::vector<MemoryRegion> ram_aliases_, rom_aliases_, write_only_;
    std::array<Mode, kSegments> modes_{};
};

}  // namespace kemu
