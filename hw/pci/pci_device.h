// One PCI function: its 256-byte configuration space (PCI Local Bus Spec 3.0,
// chapter 6), BARs and INTx output. Models derive from it, describe their
// registers in the constructor (identity, write masks, BARs, defaults) and react
// to guest writes in config_written(). The PciBus maps the BARs and routes INTx.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "hw/core/device.h"
#include "hw/core/device_state.h"
#include "hw/core/irq.h"
#include "hw/pci/guest_mapping.h"
#include "hw/pci/pci_regs.h"
#include "system/memory_region.h"

namespace kemu {

class PciBus;

enum class BarKind { Io, Mem32, Mem64 };

struct PciIdentity {
    uint16_t vendor = 0;
    uint16_t device = 0;
    uint8_t revision = 0;
    uint32_t class_code = 0;  // base class << 16 | sub-class << 8 | programming interface
    uint16_t subsystem_vendor = 0;
    uint16_t subsystem = 0;
    uint8_t interrupt_pin = 0;  // 0: none, 1..4: INTA#..INTD#
};

class PciDevice : public Device {
  public:
    struct Bar {
        MemoryRegion* region = nullptr;
        BarKind kind = BarKind::Mem32;
        bool prefetchable = false;
        uint64_t size = 0;  // the decoded size: the region's, rounded up to a power of two
        std::optional<GuestMapping> mapping;  // set when the function is plugged into a bus
    };

    PciDevice(std::string name, const PciIdentity& identity);

    // Configuration access of 1, 2 or 4 bytes within the 256-byte space. Reads may be
    // overridden for registers computed on the fly (call the base for the rest).
    virtual uint32_t config_read(unsigned offset, unsigned size) const;
    // Applies the write masks, then calls config_written() and lets the bus remap BARs.
    void config_write(unsigned offset, uint32_t value, unsigned size);

    // Power-on state: the configuration space as the constructor described it, INTx low,
    // BARs unmapped. Models with more state override and call this first.
    void reset() override;
    // A function whose only state is its configuration space saves and loads just that.
    // Models with more state declare their own public state_fields, which start with this
    // one, and override both: save() with their state_fields, load() with load_fields() below.
    void save(StateWriter& out) const override { state_fields(*this, out); }
    Result<void> load(StateReader& in, uint32_t version) override {
        return load_fields(*this, in, version);
    }
    // All 256 bytes, as a length-prefixed blob (Io::bytes), as the first snapshots had them.
    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        io.bytes(self.config_);
    }

    // The function's INTx output: the model raises and lowers it; the bus owns the wiring
    // (applies COMMAND.INTx-disable and routes by slot and pin), so do not connect() it.
    IrqLine& intx() { return intx_; }
    uint8_t interrupt_pin() const { return config_[pci::kInterruptPin]; }

    uint16_t vendor_id() const { return config_word(pci::kVendorId); }
    uint16_t device_id() const { return config_word(pci::kDeviceId); }
    uint32_t class_code() const { return config_long(pci::kRevisionId) >> 8; }
    uint8_t header_type() const { return config_[pci::kHeaderType]; }
    uint16_t command() const { return config_word(pci::kCommand); }

    // BAR `index` (0..5, or pci::kRomBar), as declared by add_bar/set_rom.
    const Bar& bar(unsigned index) const { return bars_[index]; }
    // Where BAR `index` is mapped now, or GuestMapping::kNone.
    uint64_t bar_address(unsigned index) const;

    // The -device id= of a user-created function ("" for the board's), shown by `info pci`.
    const std::string& id() const { return id_; }
    void set_id(std::string id) { id_ = std::move(id); }

    PciBus* bus() const { return bus_; }
    unsigned devfn() const { return devfn_; }

    uint8_t config_byte(unsigned offset) const { return config_[offset & 0xff]; }
    uint16_t config_word(unsigned offset) const;
    uint32_t config_long(unsigned offset) const;

  protected:
    // Constructor-time description. init_* set the power-on value reset() restores.
    void init_config_byte(unsigned offset, uint8_t value);
    void init_config_word(unsigned offset, uint16_t value);
    void init_config_long(unsigned offset, uint32_t value);
    // Which bits of `size` bytes at `offset` the guest may write / clear by writing 1.
    void set_write_mask(unsigned offset, unsigned size, uint32_t mask);
    void set_write1_clear_mask(unsigned offset, unsigned size, uint32_t mask);
    // Runtime change of register contents by the model, bypassing the masks.
    void set_config_byte(unsigned offset, uint8_t value) { config_[offset & 0xff] = value; }
    void set_config_word(unsigned offset, uint16_t value);
    void set_config_long(unsigned offset, uint32_t value);

    // Declares BAR `index` decoding `region` (size rounded up to a power of two, at least
    // 4 bytes for I/O and 16 for memory, as the spec requires). A 64-bit BAR also takes
    // slot index + 1. Call before the function is plugged into a bus.
    void add_bar(unsigned index, MemoryRegion& region, BarKind kind, bool prefetchable = false);
    // The expansion ROM BAR (0x30): maps only while its enable bit and COMMAND.MEM are set.
    void set_rom(MemoryRegion& region);

    // Links a capability of `length` bytes at `offset` (>= 0x40, dword aligned) into the
    // list at 0x34 and returns `offset`; the caller fills in the body.
    uint8_t add_capability(uint8_t id, uint8_t offset, uint8_t length);

    // Called after the guest wrote `size` bytes at `offset` (already masked into the
    // configuration space). The bus refreshes BAR mappings and INTx afterwards.
    virtual void config_written(unsigned /*offset*/, unsigned /*size*/) {}

    // load() of the model `self` (this function) through Self::state_fields. Only the
    // guest-writable configuration bits come from the stream: the identity and the other
    // read-only registers stay as this build describes them. A load that succeeds remaps the
    // BARs and re-derives INTx at the bus; the model then restores what follows from its
    // fields (outputs, mappings).
    template <typename Self>
    Result<void> load_fields(Self& self, StateReader& in, uint32_t version) {
        KEMU_TRY_VOID(check_state_version(*this, version));
        std::array<uint8_t, pci::kConfigSize> before = config_;
        Self::state_fields(self, in);
        keep_read_only_config(before);
        KEMU_TRY_VOID(finish_load(*this, in));
        notify_bus();
        return ok();
    }

  private:
    friend class PciBus;

    void notify_bus();
    // Puts back the bits of `before` that the guest cannot write.
    void keep_read_only_config(const std::array<uint8_t, pci::kConfigSize>& before);
    void attach(PciBus& bus, unsigned devfn) {
        bus_ = &bus;
        devfn_ = devfn;
    }

    std::array<uint8_t, pci::kConfigSize> config_{};
    std::array<uint8_t, pci::kConfigSize> power_on_{};
    std::array<uint8_t, pci::kConfigSize> write_mask_{};
    std::array<uint8_t, pci::kConfigSize> write1_clear_mask_{};
    std::array<Bar, pci::kBarCount + 1> bars_{};
    IrqLine intx_;
    std::string id_;
    PciBus* bus_ = nullptr;
    unsigned devfn_ = 0;
};

}  // namespace kemu
