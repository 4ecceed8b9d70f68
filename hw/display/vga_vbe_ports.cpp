// The two ways into the DISPI registers and the stdvga MMIO BAR (BAR2), laid out as
// QEMU's docs/specs/standard-vga.rst describes it:
//   0x000-0x3FF  EDID blob (none here: reads zero, so drivers fall back to their defaults)
//   0x400-0x41F  VGA ports 0x3C0-0x3DF; a word write sends the low byte (the index) first
//   0x500-0x515  DISPI register n at 0x500 + 2n
//   0x600-0x607  QEMU extension: block size, framebuffer byte order
#include <cstring>

#include "hw/display/vga.h"
#include "system/log.h"

namespace kemu {

namespace {

constexpr uint64_t kMmioVgaPorts = 0x400;
constexpr uint64_t kMmioVgaPortsEnd = 0x420;
constexpr uint64_t kMmioDispi = 0x500;
constexpr uint64_t kMmioDispiEnd = kMmioDispi + 2 * VbeDispi::kCount;
constexpr uint64_t kMmioQextSize = 0x600;
constexpr uint64_t kMmioQextByteOrder = 0x604;
constexpr uint32_t kQextBlockSize = 8;
constexpr uint32_t kLittleEndianFramebuffer = 0x1e1e1e1e;

}  // namespace

uint64_t Vga::vbe_port_read(uint64_t offset, unsigned size) {
    uint16_t value = offset == 0 ? vbe_.index() : vbe_.read(vbe_.index());
    if (offset == 3) value >>= 8;  // high byte of the 0x1D0 data alias
    return size == 1 ? value & 0xff : value;
}

void Vga::vbe_port_write(uint64_t offset, uint64_t value, unsigned size) {
    uint16_t v = uint16_t(size == 1 ? value & 0xff : value);
    if (offset == 0) {
        vbe_.set_index(v);
    } else if (offset == 3) {
        log_guest_error("%s: byte write to the high half of DISPI data port 0x1d0", name().c_str());
    } else {
        dispi_write(vbe_.index(), v);
    }
}

void Vga::dispi_write(uint16_t index, uint16_t value) {
    switch (vbe_.write(index, value)) {
        case VbeDispi::Effect::ModeSetClear:
            std::memset(vram_.data(), 0, vram_.size());
            dirty_.mark_all();
            break;
        case VbeDispi::Effect::ModeSet:
        case VbeDispi::Effect::Disabled:
        case VbeDispi::Effect::None:
            // The renderer sees the new geometry in its frame format and redraws.
            break;
    }
}

uint64_t Vga::mmio_read(uint64_t offset, unsigned size) {
    uint64_t value = 0;
    if (offset < kMmioVgaPorts) return 0;
    if (offset < kMmioVgaPortsEnd) {
        for (unsigned i = 0; i < size; i++)
            value |= uint64_t(port_read(uint16_t(0x3c0 + offset - kMmioVgaPorts + i))) << (8 * i);
        return value;
    }
    if (offset >= kMmioDispi && offset < kMmioDispiEnd) {
        for (unsigned i = 0; i < size; i++) {
            uint64_t at = offset + i - kMmioDispi;
            uint16_t reg = vbe_.read(uint16_t(at / 2));
            value |= uint64_t((reg >> ((at & 1) * 8)) & 0xff) << (8 * i);
        }
        return value;
    }
    if (offset == kMmioQextSize && size == 4) return kQextBlockSize;
    if (offset == kMmioQextByteOrder && size == 4) return kLittleEndianFramebuffer;
    log_guest_error("%s: MMIO read of 0x%llx/%u", name().c_str(), (unsigned long long)offset, size);
    return 0;
}

void Vga::mmio_write(uint64_t offset, uint64_t value, unsigned size) {
    if (offset >= kMmioVgaPorts && offset < kMmioVgaPortsEnd) {
        for (unsigned i = 0; i < size; i++)
            port_write(uint16_t(0x3c0 + offset - kMmioVgaPorts + i), uint8_t(value >> (8 * i)));
        return;
    }
    if (offset >= kMmioDispi && offset < kMmioDispiEnd && size >= 2) {
        for (unsigned i = 0; i < size; i += 2)
            dispi_write(uint16_t((offset + i - kMmioDispi) / 2), uint16_t(value >> (8 * i)));
        return;
    }
    if (offset == kMmioQextByteOrder && size == 4) {
        if (uint32_t(value) != kLittleEndianFramebuffer)
            log_unimp("%s: big-endian framebuffer requested", name().c_str());
        return;
    }
    log_guest_error("%s: MMIO write of 0x%llx/%u ignored", name().c_str(),
                    (unsigned long long)offset, size);
}

}  // namespace kemu
