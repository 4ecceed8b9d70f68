// The 0xA0000-0xBFFFF window. VRAM keeps the four planes interleaved: byte n of plane
// p is VRAM byte 4n + p, so one 32-bit load fetches the four latches. CPU addresses
// reach the planes as the card's memory mode says:
//   chain-4 (SR4 bit 3): address bits 0-1 pick the plane, the rest address it, which
//     is why mode 13h uses every fourth byte of each plane;
//   odd/even (SR4 bit 2 clear for writes, GR5 bit 4 for reads): bit 0 picks plane 0/1
//     (or 2/3 by GR4 bit 1 for reads), the even address addresses it;
//   otherwise the map mask (writes) or read map select (reads) pick planes.
// The CRTC's word and doubleword address modes undo the same shifts when it displays.
// In a VBE mode deeper than 4 bpp the window is a 64 KiB bank of linear VRAM.
#include <bit>
#include <cstring>

#include "hw/display/vga.h"
#include "system/log.h"

namespace kemu {

using namespace vga;

namespace {

struct MemoryMap {
    uint32_t base;
    uint32_t size;
};
// GR6 bits 2-3, as offsets into the 128 KiB window.
constexpr MemoryMap kMemoryMaps[4] = {
    {0x00000, 0x20000},  // A0000-BFFFF
    {0x00000, 0x10000},  // A0000-AFFFF
    {0x10000, 0x08000},  // B0000-B7FFF
    {0x18000, 0x08000},  // B8000-BFFFF
};

// Each bit of a 4-bit plane mask widened to a byte lane of a 32-bit latch word.
constexpr uint32_t expand_planes(uint8_t mask) {
    return ((mask & 1) ? 0x000000ffu : 0) | ((mask & 2) ? 0x0000ff00u : 0) |
           ((mask & 4) ? 0x00ff0000u : 0) | ((mask & 8) ? 0xff000000u : 0);
}

// Each plane of the IBM VGA is 64 KiB; only VBE's planar modes reach further.
constexpr uint64_t kPlaneMask = 0xffff;

constexpr uint32_t replicate(uint8_t byte) {
    return byte * 0x01010101u;
}

}  // namespace

int64_t Vga::window_address(uint32_t offset) const {
    const MemoryMap& map = kMemoryMaps[(regs_.gc[kGrMisc] >> 2) & 3];
    if (offset < map.base || offset >= map.base + map.size) return -1;
    return offset - map.base;
}

uint8_t Vga::window_read(uint32_t offset) {
    int64_t address = window_address(offset);
    if (address < 0) return 0xff;  // nothing drives the bus outside the selected map
    if (vbe_.enabled() && vbe_.bpp() > 4) {
        uint64_t at = vbe_.bank_offset() + uint64_t(address);
        return at < vram_.size() ? vram_.data()[at] : 0xff;
    }
    uint64_t plane_base = vbe_.enabled() ? vbe_.bank_offset() : 0;
    return planar_read(plane_base + uint64_t(address));
}

void Vga::window_write(uint32_t offset, uint8_t value) {
    int64_t address = window_address(offset);
    if (address < 0) return;
    if (vbe_.enabled() && vbe_.bpp() > 4) {
        uint64_t at = vbe_.bank_offset() + uint64_t(address);
        if (at >= vram_.size()) return;
        vram_.data()[at] = value;
        dirty_.mark(at, VramDirtyLog::kAllPlanes);
        return;
    }
    uint64_t plane_base = vbe_.enabled() ? vbe_.bank_offset() : 0;
    planar_write(plane_base + uint64_t(address), value);
}

uint8_t Vga::planar_read(uint64_t address) {
    const VgaRegisters& r = regs_;
    unsigned plane;
    if (r.seq[kSrMemoryMode] & kSr4Chain4) {
        plane = address & 3;
        address &= ~uint64_t(3);
    } else if (r.gc[kGrMode] & kGr5OddEvenReads) {
        plane = (r.gc[kGrReadMap] & 2) | (address & 1);
        address &= ~uint64_t(1);
    } else {
        plane = r.gc[kGrReadMap] & 3;
    }
    if (!vbe_.enabled()) address &= kPlaneMask;
    if (address * 4 + 3 >= vram_.size()) return 0xff;
    std::memcpy(&regs_.latch, vram_.data() + address * 4, 4);
    if (!(r.gc[kGrMode] & kGr5ReadMode1)) return uint8_t(regs_.latch >> (plane * 8));
    // Read mode 1: a bit is set where every plane not excluded by Color Don't Care
    // matches the Color Compare colour.
    uint32_t care = expand_planes(r.gc[kGrColorDontCare]);
    uint32_t differ = (regs_.latch ^ expand_planes(r.gc[kGrColorCompare])) & care;
    uint8_t mismatch = uint8_t(differ | (differ >> 8) | (differ >> 16) | (differ >> 24));
    return uint8_t(~mismatch);
}

uint32_t Vga::write_mode_result(uint8_t value) const {
    const VgaRegisters& r = regs_;
    uint8_t rotated = std::rotr(value, r.gc[kGrRotate] & 7);
    uint8_t bit_mask = r.gc[kGrBitMask];
    uint32_t data;
    switch (r.gc[kGrMode] & 3) {
        case 0: {
            uint32_t from_set_reset = expand_planes(r.gc[kGrEnableSetReset]);
            data = (replicate(rotated) & ~from_set_reset) |
                   (expand_planes(r.gc[kGrSetReset]) & from_set_reset);
            break;
        }
        case 1:
            return r.latch;
        case 2:
            data = expand_planes(value);
            break;
        default:  // 3: the rotated byte masks the bit mask; set/reset supplies the colour
            bit_mask &= rotated;
            data = expand_planes(r.gc[kGrSetReset]);
            break;
    }
    switch ((r.gc[kGrRotate] >> 3) & 3) {
        case 1:
            data &= r.latch;
            break;
        case 2:
            data |= r.latch;
            break;
        case 3:
            data ^= r.latch;
            break;
    }
    uint32_t from_data = replicate(bit_mask);
    return (data & from_data) | (r.latch & ~from_data);
}

void Vga::planar_write(uint64_t address, uint8_t value) {
    const VgaRegisters& r = regs_;
    uint8_t planes = r.seq[kSrMapMask] & 0x0f;
    if (r.seq[kSrMemoryMode] & kSr4Chain4) {
        planes &= uint8_t(1u << (address & 3));
        address &= ~uint64_t(3);
    } else if (!(r.seq[kSrMemoryMode] & kSr4SequentialWrites)) {
        planes &= (address & 1) ? 0x0a : 0x05;
        address &= ~uint64_t(1);
    }
    if (!vbe_.enabled()) address &= kPlaneMask;
    if (!planes || address * 4 + 3 >= vram_.size()) return;
    uint8_t* word = vram_.data() + address * 4;
    uint32_t old_value;
    std::memcpy(&old_value, word, 4);
    uint32_t lanes = expand_planes(planes);
    uint32_t new_value = (old_value & ~lanes) | (write_mode_result(value) & lanes);
    std::memcpy(word, &new_value, 4);
    dirty_.mark(address * 4, planes);
}

}  // namespace kemu
