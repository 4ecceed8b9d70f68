// The Bochs VBE "DISPI" interface: a 16-bit index/data register pair (ports 0x1CE/0x1CF,
// or offset 0x500 of the stdvga MMIO BAR) that sets linear framebuffer modes the VGA
// register file cannot describe. Register semantics only; hw/display/vga.cpp applies the
// effects (clearing VRAM, steering the 0xA0000 window) and the renderer reads geometry().
#pragma once

#include <cstdint>

#include "hw/core/state_io.h"
#include "system/error.h"

namespace kemu {

class VbeDispi {
  public:
    enum Index : uint16_t {
        kId = 0,
        kXres = 1,
        kYres = 2,
        kBpp = 3,
        kEnable = 4,
        kBank = 5,
        kVirtWidth = 6,
        kVirtHeight = 7,
        kXOffset = 8,
        kYOffset = 9,
        kVideoMemory64k = 10,
        kCount = 11,
    };
    static constexpr uint16_t kIdFirst = 0xb0c0;
    static constexpr uint16_t kIdLatest = 0xb0c5;
    static constexpr uint16_t kEnabled = 0x01;
    static constexpr uint16_t kGetCaps = 0x02;
    static constexpr uint16_t kDac8Bit = 0x20;
    static constexpr uint16_t kLfbEnabled = 0x40;
    static constexpr uint16_t kNoClearMem = 0x80;
    // What GETCAPS reports and the largest mode accepted (QEMU's limits; VRAM size is the
    // real bound, checked when the mode is enabled).
    static constexpr uint16_t kMaxXres = 16000;
    static constexpr uint16_t kMaxYres = 12000;
    static constexpr uint16_t kMaxBpp = 32;
    static constexpr uint32_t kBankSize = 64 * 1024;

    // What a register write asks of the VGA.
    enum class Effect { None, ModeSet, ModeSetClear, Disabled };

    // The enabled mode as the renderer needs it. For 4 bpp (VGA planar) the line and start
    // are in plane bytes, otherwise in VRAM bytes.
    struct Geometry {
        unsigned xres = 0;
        unsigned yres = 0;
        unsigned bpp = 0;
        uint64_t line_bytes = 0;
        uint64_t start = 0;
        bool operator==(const Geometry&) const = default;
    };

    explicit VbeDispi(uint64_t vram_size);

    void reset();
    uint16_t index() const { return index_; }
    void set_index(uint16_t index) { index_ = index; }
    uint16_t read(uint16_t index) const;
    Effect write(uint16_t index, uint16_t value);

    bool enabled() const { return regs_[kEnable] & kEnabled; }
    bool dac_8bit() const { return regs_[kEnable] & kDac8Bit; }
    unsigned bpp() const { return regs_[kBpp]; }
    // Start of the 64 KiB window onto VRAM that 0xA0000 shows in a banked mode.
    uint64_t bank_offset() const { return uint64_t(regs_[kBank]) * kBankSize; }
    Geometry geometry() const;

    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        io(self.index_, self.regs_);
    }
    // After a load: a stream is not a guest, so re-check what write() would have refused.
    void clamp_loaded_state();

  private:
    static bool valid_bpp(uint16_t bpp);
    // Bytes per scan line for `width` pixels at the current depth (plane bytes at 4 bpp).
    uint64_t line_bytes_for(unsigned width) const;
    Effect write_enable(uint16_t value);
    // Recomputes VIRT_HEIGHT's ceiling and pulls the offsets back inside VRAM.
    void fix_virtual_size();

    uint64_t vram_size_;
    uint16_t index_ = 0;
    uint16_t regs_[kCount] = {};
};

}  // namespace kemu
