// How the CRTC turns its character-clock counter (MA) into a plane offset: shifted
// left by one in word mode and by two in doubleword mode (undoing the odd/even and
// chain-4 CPU address steering), with row-scan bits 0/1 replacing address bits 13/14
// when CR17 bits 0/1 are clear (the CGA and Hercules interlaced layouts).
#pragma once

#include <cstdint>

#include "hw/display/vga_registers.h"

namespace kemu::vga {

inline constexpr uint8_t kAddrMap13 = 0x01;       // CR17 bit 0 set: no row-scan substitution
inline constexpr uint8_t kAddrMap14 = 0x02;       // CR17 bit 1
inline constexpr uint8_t kAddrByte = 0x40;        // CR17 bit 6
inline constexpr uint8_t kAddrDoubleword = 0x80;  // CR14 bit 6
// Plain linear byte addressing (the VBE planar modes).
inline constexpr uint8_t kAddrLinear = kAddrByte | kAddrMap13 | kAddrMap14;

inline uint8_t crtc_address_mode(const VgaRegisters& r) {
    return uint8_t((r.crtc[kCrModeControl] & (kAddrByte | kAddrMap13 | kAddrMap14)) |
                   ((r.crtc[kCrUnderline] & kCr14Doubleword) ? kAddrDoubleword : 0));
}

inline bool crtc_substitutes_row_scan(uint8_t mode) {
    return (mode & (kAddrMap13 | kAddrMap14)) != (kAddrMap13 | kAddrMap14);
}

// Plane offset of character clock `ma` on row-scan line `scan`, wrapped to `wrap_mask`.
inline uint64_t crtc_address(uint64_t ma, unsigned scan, uint8_t mode, uint64_t wrap_mask) {
    uint64_t a = ma;
    if (mode & kAddrDoubleword)
        a <<= 2;
    else if (!(mode & kAddrByte))
        a <<= 1;
    if (!(mode & kAddrMap13)) a = (a & ~uint64_t(0x2000)) | (uint64_t(scan & 1) << 13);
    if (!(mode & kAddrMap14)) a = (a & ~uint64_t(0x4000)) | (uint64_t(scan & 2) << 13);
    return a & wrap_mask;
}

}  // namespace kemu::vga
