// pc-testdev: QEMU's ISA test device for kvm-unit-tests. Its map is fixed (the tests
// hard-code it), so the addresses live here rather than in pc_layout.h:
//   0xe0-0xe3    a 32-bit scratch register; any access width at any byte offset
//   0xe4         write a guest-physical address: that RAM page is unmapped from the
//                host and mapped again, so KVM must fault it back in
//   0xe8-0xeb    the same scratch register, reached one byte at a time (wider
//                accesses are split by the bus), to test how I/O gets split
//   0x2000-0x2017  byte write to 0x2000+n sets interrupt line n to (value != 0)
//   0xff000000   64 KiB of MMIO scratch memory (memory bus), for MMIO emulation tests
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "hw/core/device.h"
#include "hw/core/irq.h"
#include "system/address_space.h"
#include "system/memory_region.h"

namespace kemu {

class PcTestdev final : public Device {
  public:
    static constexpr uint16_t kPortData = 0xe0;
    static constexpr uint16_t kPortFlushPage = 0xe4;
    static constexpr uint16_t kPortDataBytes = 0xe8;
    static constexpr uint16_t kPortIrqLines = 0x2000;
    static constexpr unsigned kIrqLines = 24;  // one per IOAPIC input
    static constexpr uint64_t kIomemBase = 0xff000000;
    static constexpr uint64_t kIomemSize = 0x10000;

    // `guest_memory` is where flush-page requests look for RAM; null ignores them.
    PcTestdev(std::string name, AddressSpace* guest_memory);

    MemoryRegion& data_io() { return data_io_; }
    MemoryRegion& flush_page_io() { return flush_page_io_; }
    MemoryRegion& data_bytes_io() { return data_bytes_io_; }
    MemoryRegion& irq_lines_io() { return irq_lines_io_; }
    MemoryRegion& iomem() { return iomem_; }
    // Line n is what the guest drives through port 0x2000 + n; the board wires it to GSI n.
    IrqLine& irq(unsigned line) { return irqs_.at(line); }
    uint32_t data() const { return data_; }

    const char* type_name() const override { return "pc-testdev"; }
    void reset() override;
    void save(StateWriter& out) const override;
    Result<void> load(StateReader& in, uint32_t version) override;
    std::string describe() const override;

  private:
    uint64_t read_data(uint64_t offset, unsigned size) const;
    void write_data(uint64_t offset, uint64_t value, unsigned size);
    void flush_page(uint64_t guest_address);
    uint64_t read_iomem(uint64_t offset, unsigned size) const;
    void write_iomem(uint64_t offset, uint64_t value, unsigned size);

    // The saved state; the IRQ lines travel as a bitmap of their levels.
    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io, uint32_t& irq_levels) {
        io(self.data_, irq_levels, self.iomem_bytes_);
    }

    AddressSpace* guest_memory_;
    uint32_t data_ = 0;
    std::vector<uint8_t> iomem_bytes_;
    std::array<IrqLine, kIrqLines> irqs_;
    MemoryRegion data_io_;
    MemoryRegion flush_page_io_;
    MemoryRegion data_bytes_io_;
    MemoryRegion irq_lines_io_;
    MemoryRegion iomem_;
};

}  // namespace kemu
