// QEMU's firmware configuration interface (fw_cfg), as documented in QEMU's
// docs/specs/fw_cfg.rst: numbered items and named files the firmware reads through
// a selector port, a byte-wide data port and a DMA address register. SeaBIOS finds
// its memory map, CPU count, boot order, ACPI tables and option ROMs here.
//
// The x86 register layout: selector (16-bit write) at offset 0 and data (8-bit) at
// offset 1 of the control window (ports 0x510-0x511), and the DMA address register,
// eight bytes holding a big-endian guest-physical address, at port 0x514. Writing its
// low half (0x518) starts a transfer described by an FWCfgDmaAccess in guest memory.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hw/core/device.h"
#include "system/address_space.h"
#include "system/memory_region.h"

namespace kemu {

class FwCfg final : public Device {
  public:
    // Item keys every fw_cfg has; the rest are the machine's (hw/i386/fw_cfg_pc.h).
    static constexpr uint16_t kKeySignature = 0x00;
    static constexpr uint16_t kKeyId = 0x01;
    static constexpr uint16_t kKeyFileDir = 0x19;
    static constexpr uint16_t kKeyFileFirst = 0x20;
    // Bit 14 of a key once asked for write access through the data port; writes there
    // are ignored (as QEMU does since 2.4), so the bit does not change the item.
    static constexpr uint16_t kKeyWriteChannel = 0x4000;
    // Keys of architecture-specific items (0x8000-0xbfff).
    static constexpr uint16_t kKeyArchLocal = 0x8000;
    static constexpr size_t kMaxFileName = 55;  // the directory's 56-byte field holds the NUL

    // FW_CFG_ID feature bits.
    static constexpr uint32_t kIdTraditional = 1 << 0;
    static constexpr uint32_t kIdDma = 1 << 1;
    // FWCfgDmaAccess.control bits.
    static constexpr uint32_t kDmaError = 1 << 0;
    static constexpr uint32_t kDmaRead = 1 << 1;
    static constexpr uint32_t kDmaSkip = 1 << 2;
    static constexpr uint32_t kDmaSelect = 1 << 3;
    static constexpr uint32_t kDmaWrite = 1 << 4;

    // Window sizes and the offsets of the registers in them.
    static constexpr uint64_t kCtlWindowSize = 2;
    static constexpr uint64_t kSelectorOffset = 0;
    static constexpr uint64_t kDataOffset = 1;
    static constexpr uint64_t kDmaWindowSize = 8;

    // Told which bytes of a writable file the guest's DMA write replaced.
    using WriteCallback = std::function<void(uint32_t offset, uint32_t length)>;

    // `memory` is the guest-physical address space DMA descriptors and buffers live in.
    FwCfg(std::string name, AddressSpace& memory);

    const char* type_name() const override { return "fw_cfg_io"; }
    void reset() override;
    void save(StateWriter& out) const override;
    Result<void> load(StateReader& in, uint32_t version) override;
    std::string describe() const override;

    // Map ctl_region() at 0x510 and dma_region() at 0x514 of the I/O space.
    MemoryRegion& ctl_region() { return ctl_region_; }
    MemoryRegion& dma_region() { return dma_region_; }

    // A numbered item (a legacy key below 0x20 or an arch-local 0x8000+ key); replaces
    // an earlier item with the same key. Values of add_u16/u32/u64 are little-endian.
    Result<void> add_bytes(uint16_t key, std::vector<uint8_t> data);
    Result<void> add_u16(uint16_t key, uint16_t value);
    Result<void> add_u32(uint16_t key, uint32_t value);
    Result<void> add_u64(uint16_t key, uint64_t value);

    // A named file; the directory lists files sorted by name and their keys follow
    // that order, so keys are final only once every file is added (before the guest
    // runs). With `on_write` the guest may overwrite the file's bytes through DMA.
    Result<void> add_file(std::string_view name, std::vector<uint8_t> data,
                          WriteCallback on_write = nullptr);
    // The current bytes of a file (writable files change); null if there is none.
    const std::vector<uint8_t>* file(std::string_view name) const;
    // The key the directory gives `name`, or 0xffff.
    uint16_t file_key(std::string_view name) const;

  private:
    struct Item {
        std::vector<uint8_t> data;
        WriteCallback on_write;  // null: read-only
    };
    struct File {
        std::string name;
        Item item;
    };

    Item* item(uint16_t key);
    void rebuild_directory();
    void select(uint16_t key);
    uint8_t read_data_byte();

    uint64_t ctl_read(uint64_t offset, unsigned size);
    void ctl_write(uint64_t offset, uint64_t value, unsigned size);
    uint64_t dma_read(uint64_t offset, unsigned size) const;
    void dma_write(uint64_t offset, uint64_t value, unsigned size);

    // One DMA operation described by the FWCfgDmaAccess at guest address `descriptor`.
    void run_dma(uint64_t descriptor);
    // Carries out `control`; returns the control word to store back (0 or kDmaError).
    uint32_t dma_transfer(uint32_t control, uint32_t length, uint64_t address);
    bool dma_read_item(uint32_t length, uint64_t address);
    bool dma_write_item(uint32_t length, uint64_t address);

    AddressSpace& memory_;
    MemoryRegion ctl_region_;
    MemoryRegion dma_region_;
    std::map<uint16_t, Item> items_;  // numbered items, by key without kKeyWriteChannel
    std::vector<File> files_;         // sorted by name; files_[i] has key kKeyFileFirst + i

    // Item contents are configuration the machine rebuilds, except what the guest wrote
    // into writable files.
    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        io(self.key_, self.offset_, self.dma_address_high_);
        for (auto& f : self.files_)
            if (f.item.on_write) io(f.item.data);
    }

    uint16_t key_ = kKeySignature;  // the selected key, without kKeyWriteChannel
    uint32_t offset_ = 0;           // read position in the selected item
    uint32_t dma_address_high_ = 0;
};

}  // namespace kemu
