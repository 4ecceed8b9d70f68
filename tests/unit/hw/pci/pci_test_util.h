// Shared pieces of the PCI tests: a bus on its own memory and I/O AddressSpaces with
// mechanism #1 helpers, and a test function with one BAR of each kind and a ROM.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "hw/pci/pci_bus.h"
#include "hw/pci/pci_device.h"
#include "system/address_space.h"

namespace kemu::test {

inline constexpr uint16_t kConfigAddress = 0xcf8;
inline constexpr uint16_t kConfigData = 0xcfc;

inline uint32_t config_address(unsigned devfn, unsigned reg) {
    return 0x80000000u | devfn << 8 | (reg & 0xfc);
}

// The saved state of `device`.
inline std::vector<uint8_t> saved_state(const Device& device) {
    StateWriter w;
    device.save(w);
    return w.data();
}

// The stream every function's state starts with (snapshots of earlier builds hold it so):
// the 256 bytes of its configuration space as they are, after their 32-bit length.
inline std::vector<uint8_t> saved_config(const PciDevice& function) {
    std::vector<uint8_t> out{0x00, 0x01, 0x00, 0x00};
    for (unsigned i = 0; i < pci::kConfigSize; i++)
        out.push_back(function.config_byte(i));
    return out;
}

inline std::vector<uint8_t> concat(std::vector<uint8_t> a, const std::vector<uint8_t>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

class PciHarness {
  public:
    AddressSpace memory{"memory", 1ull << 52};
    AddressSpace io{"io", 0x10000};
    PciBus bus{"pci.0", memory, io};

    PciHarness() {
        EXPECT_TRUE(io.map(kConfigAddress, &bus.config_address_io()).ok());
        EXPECT_TRUE(io.map(kConfigData, &bus.config_data_io()).ok());
    }

    uint64_t in(uint16_t port, unsigned size) {
        uint64_t v = 0;
        (void)io.read(port, size, &v);
        return v;
    }
    void out(uint16_t port, unsigned size, uint64_t v) { (void)io.write(port, size, v); }
    uint64_t peek(uint64_t addr, unsigned size) {
        uint64_t v = 0;
        (void)memory.read(addr, size, &v);
        return v;
    }

    // Mechanism #1, as firmware does it: a dword to 0xcf8, then the data port byte(s).
    uint32_t cfg_read(unsigned devfn, unsigned reg, unsigned size) {
        out(kConfigAddress, 4, config_address(devfn, reg));
        return uint32_t(in(uint16_t(kConfigData + (reg & 3)), size));
    }
    void cfg_write(unsigned devfn, unsigned reg, unsigned size, uint32_t value) {
        out(kConfigAddress, 4, config_address(devfn, reg));
        out(uint16_t(kConfigData + (reg & 3)), size, value);
    }
};

// Vendor 1234:5678, Ethernet class. BAR0: 16 bytes of I/O, BAR1: 4 KiB of memory,
// BAR2/3: 1 MiB 64-bit prefetchable, ROM: 64 KiB. Each I/O region reads as a tag
// byte plus the offset, so a test sees which region answered and where.
class TestFunction final : public PciDevice {
  public:
    static constexpr uint8_t kIoTag = 0x10, kMmioTag = 0x20, kMem64Tag = 0x40;

    explicit TestFunction(std::string name, uint8_t pin = 1, bool with_bars = true)
        : PciDevice(std::move(name), PciIdentity{.vendor = 0x1234,
                                                 .device = 0x5678,
                                                 .revision = 0x01,
                                                 .class_code = 0x020000,
                                                 .subsystem_vendor = 0x1af4,
                                                 .subsystem = 0x1100,
                                                 .interrupt_pin = pin}),
          io_(tagged("test-io", 16, kIoTag)),
          mmio_(tagged("test-mmio", 0x1000, kMmioTag)),
          mem64_(tagged("test-mem64", 0x100000, kMem64Tag)),
          rom_bytes_(0x10000, 0x55),
          rom_(MemoryRegion::rom("test-rom", rom_bytes_.data(), rom_bytes_.size())) {
        if (!with_bars) return;
        add_bar(0, io_, BarKind::Io);
        add_bar(1, mmio_, BarKind::Mem32);
        add_bar(2, mem64_, BarKind::Mem64, true);
        set_rom(rom_);
    }

    const char* type_name() const override { return "test-function"; }

    // What a device model does when an error happens on the bus.
    void signal_master_abort() {
        set_config_word(pci::kStatus, config_word(pci::kStatus) | 0x2000);
    }
    uint8_t add_test_capability(uint8_t id, uint8_t offset) {
        return add_capability(id, offset, 8);
    }

    int writes_seen = 0;

  protected:
    void config_written(unsigned, unsigned) override { writes_seen++; }

  private:
    static MemoryRegion tagged(const char* name, uint64_t size, uint8_t tag) {
        IoOps ops;
        ops.read = [tag](uint64_t offset, unsigned) { return uint64_t(tag) + offset; };
        ops.write = [](uint64_t, uint64_t, unsigned) {};
        ops.impl = {1, 1, true};
        return MemoryRegion::io(name, size, std::move(ops));
    }

    MemoryRegion io_, mmio_, mem64_;
    std::vector<uint8_t> rom_bytes_;
    MemoryRegion rom_;
};

}  // namespace kemu::test
