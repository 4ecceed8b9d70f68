#include "hw/display/vga.h"

#include <bit>

#include "hw/core/device_state.h"
#include "system/log.h"

namespace kemu {

namespace {

// The VGA blinks the cursor every 16 frames and blinking text every 32 (IBM VGA
// technical reference); at the 70 Hz of the text modes that is these half periods.
constexpr int64_t kCursorHalfPeriodNs = 16 * 1'000'000'000LL / 70;
constexpr int64_t kTextBlinkHalfPeriodNs = 32 * 1'000'000'000LL / 70;

constexpr uint64_t kMinVram = 1 << 20;
constexpr uint64_t kMaxVram = 256 << 20;

}  // namespace

Result<std::unique_ptr<Vga>> Vga::create(std::string name, const Clock& clock, uint64_t vram_size) {
    if (vram_size < kMinVram || vram_size > kMaxVram || !std::has_single_bit(vram_size))
        return Error("VGA memory must be a power of two from 1 to 256 MiB");
    MappedRegion vram = MappedRegion::anonymous(vram_size);
    if (!vram.valid())
        return Error("cannot allocate " + std::to_string(vram_size >> 20) + " MiB of VGA memory");
    return std::unique_ptr<Vga>(new Vga(std::move(name), clock, std::move(vram)));
}

Vga::Vga(std::string name, const Clock& clock, MappedRegion vram)
    : Device(std::move(name)),
      clock_(clock),
      vram_(std::move(vram)),
      vbe_(vram_.size()),
      dirty_(vram_.size()),
      surface_(640, 480),
      io_(MemoryRegion::io(
          this->name() + ".ports", kPortCount,
          IoOps{
              .read = [this](uint64_t offset,
                             unsigned) { return port_read(uint16_t(kPortBase + offset)); },
              .write = [this](
                           uint64_t offset, uint64_t value,
                           unsigned) { port_write(uint16_t(kPortBase + offset), uint8_t(value)); },
              // A word out to an index port writes the index, then the data port.
              .valid = {1, 2, true},
              .impl = {1, 1, false},
          })),
      vbe_io_(MemoryRegion::io(
          this->name() + ".dispi", kVbePortCount,
          IoOps{
              .read = [this](uint64_t offset,
                             unsigned size) { return vbe_port_read(offset, size); },
              .write = [this](uint64_t offset, uint64_t value,
                              unsigned size) { vbe_port_write(offset, value, size); },
              .valid = {1, 4, true},
              .impl = {1, 2, true},
          })),
      window_(MemoryRegion::io(
          this->name() + ".window", kWindowSize,
          IoOps{
              .read = [this](uint64_t offset, unsigned) { return window_read(uint32_t(offset)); },
              .write = [this](uint64_t offset, uint64_t value,
                              unsigned) { window_write(uint32_t(offset), uint8_t(value)); },
              .valid = {1, 8, true},
              .impl = {1, 1, false},
          })),
      lfb_(MemoryRegion::ram(this->name() + ".vram", vram_.data(), vram_.size())),
      mmio_(MemoryRegion::io(
          this->name() + ".mmio", kMmioSize,
          IoOps{
              .read = [this](uint64_t offset, unsigned size) { return mmio_read(offset, size); },
              .write = [this](uint64_t offset, uint64_t value,
                              unsigned size) { mmio_write(offset, value, size); },
              .valid = {1, 4, false},
              .impl = {1, 4, false},
          })) {
    reset();
}

void Vga::reset() {
    regs_ = VgaRegisters{};
    vbe_.reset();
    renderer_.invalidate();
}

void Vga::refresh() {
    int64_t now = clock_.now_ns();
    VgaRenderInput in{
        .regs = regs_,
        .vbe = vbe_,
        .vram = vram(),
        .dirty = dirty_,
        .cursor_visible_phase = (now / kCursorHalfPeriodNs) % 2 == 0,
        .blink_visible_phase = (now / kTextBlinkHalfPeriodNs) % 2 == 0,
    };
    renderer_.render(in, surface_);
    dirty_.clear();
}

std::string Vga::describe() const {
    return "vram " + std::to_string(vram_.size() >> 20) + " MiB, ports 0x3b0-0x3df and " +
           "0x1ce-0x1d1, window 0xa0000-0xbffff";
}

void Vga::save(StateWriter& out) const {
    state_fields(*this, out);
}

Result<void> Vga::load(StateReader& in, uint32_t version) {
    KEMU_TRY_VOID(check_state_version(*this, version));
    state_fields(*this, in);
    regs_.dac.component %= 3;
    vbe_.clamp_loaded_state();
    renderer_.invalidate();
    return finish_load(*this, in);
}

}  // namespace kemu
