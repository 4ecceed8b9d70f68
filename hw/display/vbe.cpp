#include "hw/display/vbe.h"

#include <algorithm>

#include "system/log.h"

namespace kemu {

VbeDispi::VbeDispi(uint64_t vram_size) : vram_size_(vram_size) {
    reset();
}

void VbeDispi::reset() {
    index_ = 0;
    std::fill(std::begin(regs_), std::end(regs_), 0);
    regs_[kId] = kIdLatest;
    regs_[kBpp] = 8;
    regs_[kVideoMemory64k] = uint16_t(std::min<uint64_t>(vram_size_ / kBankSize, 0xffff));
}

bool VbeDispi::valid_bpp(uint16_t bpp) {
    return bpp == 4 || bpp == 8 || bpp == 15 || bpp == 16 || bpp == 24 || bpp == 32;
}

uint64_t VbeDispi::line_bytes_for(unsigned width) const {
    unsigned bpp = regs_[kBpp];
    if (bpp == 4) return width / 8;  // one byte of each plane holds 8 pixels
    return uint64_t(width) * ((bpp + 7) / 8);
}

uint16_t VbeDispi::read(uint16_t index) const {
    if (index >= kCount) {
        log_guest_error("vbe: read of unknown DISPI register 0x%x", index);
        return 0;
    }
    if (regs_[kEnable] & kGetCaps) {
        if (index == kXres) return kMaxXres;
        if (index == kYres) return kMaxYres;
        if (index == kBpp) return kMaxBpp;
    }
    return regs_[index];
}

VbeDispi::Effect VbeDispi::write(uint16_t index, uint16_t value) {
    switch (index) {
        case kId:
            if (value >= kIdFirst && value <= kIdLatest)
                regs_[kId] = value;
            else
                log_guest_error("vbe: unsupported interface id 0x%x", value);
            return Effect::None;
        case kXres:
        case kYres:
            if (value > (index == kXres ? kMaxXres : kMaxYres)) {
                log_guest_error("vbe: resolution %u too large", value);
                return Effect::None;
            }
            regs_[index] = value;
            break;
        case kBpp:
            if (value == 0) value = 8;  // the Bochs interface documents 0 as 8 bpp
            if (!valid_bpp(value)) {
                log_guest_error("vbe: unsupported depth %u bpp", value);
                return Effect::None;
            }
            regs_[kBpp] = value;
            break;
        case kEnable:
            return write_enable(value);
        case kBank: {
            uint64_t banks = std::max<uint64_t>(vram_size_ / kBankSize, 1);
            if (value >= banks) log_guest_error("vbe: bank %u beyond VRAM", value);
            regs_[kBank] = uint16_t(value % banks);
            return Effect::None;
        }
        case kVirtWidth:
        case kVirtHeight:
        case kXOffset:
        case kYOffset:
            regs_[index] = value;
            break;
        case kVideoMemory64k:
            log_guest_error("vbe: write to read-only VIDEO_MEMORY_64K");
            return Effect::None;
        default:
            log_guest_error("vbe: write of unknown DISPI register 0x%x", index);
            return Effect::None;
    }
    if (!enabled()) return Effect::None;
    fix_virtual_size();
    return Effect::ModeSet;
}

VbeDispi::Effect VbeDispi::write_enable(uint16_t value) {
    constexpr uint16_t kKept = kEnabled | kGetCaps | kDac8Bit | kLfbEnabled | kNoClearMem;
    bool was_enabled = enabled();
    uint16_t old_value = regs_[kEnable];
    if (!(value & kEnabled)) {
        regs_[kEnable] = value & kKept;
        return was_enabled ? Effect::Disabled : Effect::None;
    }
    unsigned xres = regs_[kXres], yres = regs_[kYres];
    if (xres == 0 || yres == 0 || line_bytes_for(xres) * yres > vram_size_ ||
        (regs_[kBpp] == 4 && xres % 8)) {
        log_guest_error("vbe: cannot enable %ux%ux%u with %llu KiB of VRAM", xres, yres,
                        regs_[kBpp], (unsigned long long)(vram_size_ / 1024));
        regs_[kEnable] = uint16_t(value & kKept & ~kEnabled);
        return was_enabled ? Effect::Disabled : Effect::None;
    }
    regs_[kEnable] = value & kKept;
    if (was_enabled) return old_value == regs_[kEnable] ? Effect::None : Effect::ModeSet;
    // Enabling starts from an unscrolled screen whose virtual size is the visible one.
    regs_[kVirtWidth] = uint16_t(xres);
    regs_[kXOffset] = 0;
    regs_[kYOffset] = 0;
    regs_[kBank] = 0;
    regs_[kVirtHeight] = 0;
    fix_virtual_size();
    return (value & kNoClearMem) ? Effect::ModeSet : Effect::ModeSetClear;
}

void VbeDispi::fix_virtual_size() {
    unsigned xres = regs_[kXres];
    if (regs_[kVirtWidth] < xres) regs_[kVirtWidth] = uint16_t(xres);
    uint64_t line = std::max<uint64_t>(line_bytes_for(regs_[kVirtWidth]), 1);
    // At 4 bpp each plane holds a quarter of VRAM.
    uint64_t usable = regs_[kBpp] == 4 ? vram_size_ / 4 : vram_size_;
    uint64_t max_lines = std::min<uint64_t>(usable / line, 0xffff);
    if (regs_[kVirtHeight] == 0 || regs_[kVirtHeight] > max_lines ||
        regs_[kVirtHeight] < regs_[kYres])
        regs_[kVirtHeight] = uint16_t(max_lines);
    if (regs_[kXOffset] + xres > regs_[kVirtWidth])
        regs_[kXOffset] = uint16_t(regs_[kVirtWidth] - xres);
    if (uint64_t(regs_[kYOffset]) + regs_[kYres] > max_lines)
        regs_[kYOffset] = uint16_t(max_lines > regs_[kYres] ? max_lines - regs_[kYres] : 0);
}

VbeDispi::Geometry VbeDispi::geometry() const {
    Geometry g;
    g.xres = regs_[kXres];
    g.yres = regs_[kYres];
    g.bpp = regs_[kBpp];
    g.line_bytes = line_bytes_for(regs_[kVirtWidth]);
    g.start = uint64_t(regs_[kYOffset]) * g.line_bytes + line_bytes_for(regs_[kXOffset]);
    return g;
}

void VbeDispi::clamp_loaded_state() {
    regs_[kVideoMemory64k] = uint16_t(std::min<uint64_t>(vram_size_ / kBankSize, 0xffff));
    if (!valid_bpp(regs_[kBpp])) regs_[kBpp] = 8;
    if (regs_[kXres] > kMaxXres || regs_[kYres] > kMaxYres ||
        line_bytes_for(regs_[kXres]) * regs_[kYres] > vram_size_)
        regs_[kEnable] &= uint16_t(~kEnabled);
    fix_virtual_size();
}

}  // namespace kemu
