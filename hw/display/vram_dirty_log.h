// Which 4 KiB pages of VRAM the CPU wrote through the VGA's I/O paths (the 0xA0000
// window and banked VBE access), with the planes each write reached, so a refresh
// redraws only the scan lines over changed pages and notices font (plane 2) changes.
// Writes through the RAM-mapped linear framebuffer bypass it; the VBE renderer
// compares against its last frame instead.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace kemu {

class VramDirtyLog {
  public:
    static constexpr unsigned kPageShift = 12;
    static constexpr uint8_t kAllPlanes = 0x0f;

    explicit VramDirtyLog(uint64_t vram_size) : pages_(vram_size >> kPageShift) {}

    void mark(uint64_t vram_offset, uint8_t planes) {
        uint64_t page = vram_offset >> kPageShift;
        if (page < pages_.size()) pages_[page] |= planes;
    }
    // Whether a write reaching any of `planes` touched VRAM bytes [first, last].
    bool any(uint64_t first, uint64_t last, uint8_t planes = kAllPlanes) const {
        uint64_t end = std::min<uint64_t>((last >> kPageShift) + 1, pages_.size());
        for (uint64_t p = first >> kPageShift; p < end; p++)
            if (pages_[p] & planes) return true;
        return false;
    }
    void mark_all() { std::fill(pages_.begin(), pages_.end(), kAllPlanes); }
    void clear() { std::fill(pages_.begin(), pages_.end(), 0); }

  private:
    std::vector<uint8_t> pages_;
};

}  // namespace kemu
