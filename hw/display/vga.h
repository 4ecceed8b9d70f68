// The QEMU-compatible "standard VGA" (PCI 1234:1111) that SeaBIOS's vgabios-stdvga.bin
// and Linux's bochs DRM driver drive: an IBM VGA register set and 0xA0000 window over
// four planes, plus the Bochs VBE DISPI extension with a linear framebuffer. The device
// is bus-agnostic: the machine maps the regions below and places lfb() and mmio() as
// BAR0 and BAR2 of its PCI function. Not modelled: horizontal pixel panning, line
// compare (split screen), the mono underline, and beam timing beyond toggling retrace bits.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "hw/core/device.h"
#include "hw/display/vbe.h"
#include "hw/display/vga_registers.h"
#include "hw/display/vga_renderer.h"
#include "hw/display/vram_dirty_log.h"
#include "system/clock.h"
#include "system/mapped_region.h"
#include "system/memory_region.h"
#include "ui/display_surface.h"

namespace kemu {

class Vga final : public Device {
  public:
    static constexpr uint64_t kDefaultVramSize = 16 * 1024 * 1024;
    static constexpr uint16_t kPortBase = 0x3b0;  // 0x3B0-0x3DF: mono, shared and colour ports
    static constexpr uint16_t kPortCount = 0x30;
    static constexpr uint16_t kVbePortBase = 0x1ce;  // DISPI index, data, and data again at 0x1D0
    static constexpr uint16_t kVbePortCount = 4;
    static constexpr uint64_t kWindowBase = 0xa0000;
    static constexpr uint64_t kWindowSize = 0x20000;
    static constexpr uint64_t kMmioSize = 0x1000;
    static constexpr uint16_t kPciVendorId = 0x1234;
    static constexpr uint16_t kPciDeviceId = 0x1111;
    static constexpr uint32_t kPciClass = 0x030000;  // display controller, VGA-compatible

    // `vram_size` must be a power of two from 1 to 256 MiB. `clock` paces the cursor and
    // character blink; the virtual clock keeps them still while the guest is paused.
    static Result<std::unique_ptr<Vga>> create(std::string name, const Clock& clock,
                                               uint64_t vram_size = kDefaultVramSize);

    // Ports 0x3B0-0x3DF (map at kPortBase) and DISPI 0x1CE-0x1D1 (map at kVbePortBase).
    MemoryRegion& io() { return io_; }
    MemoryRegion& vbe_io() { return vbe_io_; }
    // The legacy window; map at kWindowBase above RAM (it must win over any RAM there).
    MemoryRegion& window() { return window_; }
    // BAR0 (prefetchable memory, vram_size()): VRAM as plain RAM.
    MemoryRegion& lfb() { return lfb_; }
    // BAR2 (memory, 4 KiB): VGA ports at 0x400, DISPI registers at 0x500, QEMU's
    // extended registers at 0x600.
    MemoryRegion& mmio() { return mmio_; }

    // Brings surface() up to date with what the guest drew; cheap when nothing changed.
    void refresh();
    DisplaySurface& surface() { return surface_; }
    const DisplaySurface& surface() const { return surface_; }

    uint64_t vram_size() const { return vram_.size(); }
    std::span<const uint8_t> vram() const { return {vram_.data(), vram_.size()}; }

    const char* type_name() const override { return "vga-core"; }
    void reset() override;
    // Registers, DISPI registers and all of VRAM.
    void save(StateWriter& out) const override;
    Result<void> load(StateReader& in, uint32_t version) override;
    std::string describe() const override;
    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        io(self.regs_, self.vbe_);
        io.bytes({self.vram_.data(), self.vram_.size()});
    }

  private:
    Vga(std::string name, const Clock& clock, MappedRegion vram);

    // vga_ports.cpp: the register file behind ports 0x3B0-0x3DF.
    uint8_t port_read(uint16_t port);
    void port_write(uint16_t port, uint8_t value);
    bool port_inactive(uint16_t port) const;
    uint8_t read_input_status_1();
    void write_attribute(uint8_t value);
    uint8_t read_dac_data();
    void write_dac_data(uint8_t value);
    void write_crtc(uint8_t value);

    // vga_memory.cpp: the 0xA0000 window.
    uint8_t window_read(uint32_t offset);
    void window_write(uint32_t offset, uint8_t value);
    // Window offset -> offset within the mapped range, or -1 outside GR6's memory map.
    int64_t window_address(uint32_t offset) const;
    uint8_t planar_read(uint64_t address);
    void planar_write(uint64_t address, uint8_t value);
    uint32_t write_mode_result(uint8_t value) const;

    // vga_vbe_ports.cpp: DISPI ports and the MMIO BAR.
    uint64_t vbe_port_read(uint64_t offset, unsigned size);
    void vbe_port_write(uint64_t offset, uint64_t value, unsigned size);
    void dispi_write(uint16_t index, uint16_t value);
    uint64_t mmio_read(uint64_t offset, unsigned size);
    void mmio_write(uint64_t offset, uint64_t value, unsigned size);

    const Clock& clock_;
    MappedRegion vram_;
    VgaRegisters regs_;
    VbeDispi vbe_;
    VramDirtyLog dirty_;
    DisplaySurface surface_;
    VgaRenderer renderer_;
    MemoryRegion io_;
    MemoryRegion vbe_io_;
    MemoryRegion window_;
    MemoryRegion lfb_;
    MemoryRegion mmio_;
};

}  // namespace kemu
