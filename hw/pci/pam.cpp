#include "hw/pci/pam.h"

#include <cstring>

#include "hw/core/io_ops.h"
#include "system/hex.h"
#include "system/log.h"

namespace kemu {

namespace {

constexpr uint64_t kHighSegment = 0xf0000;
constexpr uint64_t kHighSegmentSize = 0x10000;
constexpr uint64_t kLowSegmentSize = 0x4000;

constexpr AccessSizes kAnySize{1, 8, true};

}  // namespace

Pam::Segment Pam::segment(unsigned index) {
    if (index == 0) return {kHighSegment, kHighSegmentSize, 0, 4};
    unsigned low = index - 1;
    return {kBase + low * kLowSegmentSize, kLowSegmentSize, 1 + low / 2, (low % 2) * 4};
}

std::optional<unsigned> Pam::segment_of(uint64_t address) {
    for (unsigned i = 0; i < kSegments; i++) {
        Segment s = segment(i);
        if (address >= s.base && address < s.base + s.size) return i;
    }
    return std::nullopt;
}

Pam::Pam(AddressSpace& memory, uint8_t* shadow_ram, std::vector<PciRegion> pci_regions)
    : memory_(memory),
      shadow_ram_(shadow_ram),
      pci_regions_(std::move(pci_regions)),
      pci_window_(
          MemoryRegion::io("pam-pci", kSize,
                           whole_access_ops([](uint64_t, unsigned) { return ~uint64_t(0); },
                                            [](uint64_t, uint64_t, unsigned) {}, kAnySize))) {
    ram_aliases_.reserve(kSegments);
    rom_aliases_.reserve(kSegments);
    write_only_.reserve(kSegments);
    for (unsigned i = 0; i < kSegments; i++) {
        Segment s = segment(i);
        uint8_t* host = shadow_ram_ + (s.base - kBase);
        std::string where = hex(s.base);
        ram_aliases_.push_back(MemoryRegion::ram("pam-ram-" + where, host, s.size));
        rom_aliases_.push_back(MemoryRegion::rom("pam-rom-" + where, host, s.size));
        uint64_t base = s.base;
        write_only_.push_back(
            MemoryRegion::io("pam-wo-" + where, s.size,
                             whole_access_ops(
                                 [this, base](uint64_t offset, unsigned size) {
                                     uint64_t v = 0;
                                     for (unsigned b = 0; b < size; b++)
                                         v |= uint64_t(pci_side_byte(base + offset + b)) << (8 * b);
                                     return v;
                                 },
                                 [host](uint64_t offset, uint64_t value, unsigned size) {
                                     std::memcpy(host + offset, &value, size);
                                 },
                                 kAnySize)));
    }
}

Result<std::unique_ptr<Pam>> Pam::create(AddressSpace& memory, uint8_t* shadow_ram,
                                         std::vector<PciRegion> pci_regions) {
    std::unique_ptr<Pam> pam(new Pam(memory, shadow_ram, std::move(pci_regions)));
    KEMU_TRY_VOID(pam->map_pci_side());
    return pam;
}

Result<void> Pam::map_pci_side() {
    for (const PciRegion& r : pci_regions_) {
        if (r.base < kBase || r.base + r.region->size() > kBase + kSize)
            return Error("pam: '" + r.region->name() + "' is outside 0xc0000-0xfffff");
        KEMU_TRY_VOID(memory_.map(r.base, r.region, kRomPriority));
    }
    return memory_.map(kBase, &pci_window_, kPciWindowPriority);
}

// What a read that PAM sends to PCI returns: the ROM there, or all ones (master abort).
uint8_t Pam::pci_side_byte(uint64_t address) const {
    for (const PciRegion& r : pci_regions_) {
        if (address < r.base || address >= r.base + r.region->size()) continue;
        if (r.region->is_ram_backed()) return r.region->host()[address - r.base];
        uint64_t v = 0xff;
        if (r.region->ops().read) v = r.region->ops().read(address - r.base, 1);
        return uint8_t(v);
    }
    return 0xff;
}

MemoryRegion* Pam::region_for(unsigned index, Mode mode) {
    switch (mode) {
        case Mode::Pci:
            return nullptr;
        case Mode::ReadRam:
            return &rom_aliases_[index];
        case Mode::WriteRam:
            return &write_only_[index];
        case Mode::ReadWriteRam:
            return &ram_aliases_[index];
    }
    return nullptr;
}

void Pam::update(const I440fx::PamRegisters& pam) {
    AddressSpace::UpdateBatch batch(memory_);
    for (unsigned i = 0; i < kSegments; i++) {
        Segment s = segment(i);
        auto mode = Mode((pam[s.reg] >> s.shift) & 3);
        if (mode == modes_[i]) continue;
        if (MemoryRegion* old = region_for(i, modes_[i])) memory_.unmap(old);
        modes_[i] = mode;
        MemoryRegion* now = region_for(i, mode);
        if (!now) continue;
        Result<void> mapped = memory_.map(s.base, now, kShadowPriority);
        if (!mapped.ok()) {
            // Only if the board mapped something else at the shadow priority here.
            log_guest_error("pam: %s", mapped.error().message().c_str());
            modes_[i] = Mode::Pci;
        }
    }
}

}  // namespace kemu
