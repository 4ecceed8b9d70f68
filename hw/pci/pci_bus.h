// PCI bus 0 behind a host bridge: functions by devfn, configuration mechanism #1
// (I/O ports 0xcf8 and 0xcfc-0xcff, PCI Local Bus Spec 3.0 section 3.2.2.3.2),
// BAR mapping into the memory and I/O AddressSpaces, and INTx collection per slot
// and pin. The bus is a Device because the configuration address register is
// state of the host bridge that reset clears and snapshots keep.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "hw/core/device.h"
#include "hw/pci/pci_device.h"
#include "hw/pci/pci_regs.h"
#include "monitor/pci_report.h"
#include "system/address_space.h"
#include "system/memory_region.h"

namespace kemu {

class PciBus final : public Device {
  public:
    // Level of (slot, pin 1..4): the OR of every function of the slot that drives that pin.
    using IrqRouter = std::function<void(unsigned slot, unsigned pin, bool level)>;

    PciBus(std::string name, AddressSpace& memory, AddressSpace& io);

    const char* type_name() const override { return "i440FX-pcihost"; }
    void reset() override;
    void save(StateWriter& out) const override;
    Result<void> load(StateReader& in, uint32_t version) override;
    std::string describe() const override;
    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        io(self.config_address_);
    }

    // Adds `function` at `devfn` (slot << 3 | function). Declare BARs before plugging.
    // Sets the multi-function bit of function 0 once its slot holds more than one function.
    Result<void> plug(PciDevice& function, unsigned devfn);
    // The function at `devfn` if the guest can see it (function 0 of its slot present).
    PciDevice* function(unsigned devfn) const;
    // The function plugged at `devfn`, whether the guest can see it or not.
    PciDevice* occupant(unsigned devfn) const {
        return devfn < functions_.size() ? functions_[devfn] : nullptr;
    }
    // The first slot whose function 0 is free: where a device without addr= goes.
    std::optional<unsigned> first_free_slot() const;

    // 4 bytes at 0xcf8: the configuration address register latches only 4-byte accesses
    // at 0xcf8; other accesses are not claimed, except a byte at 0xcf9 (below).
    MemoryRegion& config_address_io() { return address_io_; }
    // 4 bytes at 0xcfc: data for the function and register the address selects.
    MemoryRegion& config_data_io() { return data_io_; }
    // 0xcf9 is the PIIX Reset Control register inside the 0xcf8 dword: byte accesses
    // there go to `region` (offset 0), so the board maps only config_address_io().
    void set_port_cf9(MemoryRegion* region) { port_cf9_ = region; }

    // Configuration access as the data port does it, for firmware-less setup and tests.
    // Absent functions read all ones and ignore writes.
    uint32_t config_read(unsigned devfn, unsigned offset, unsigned size) const;
    void config_write(unsigned devfn, unsigned offset, uint32_t value, unsigned size);

    // Who receives INTx levels (the PIIX3 PIRQ router); called on every change.
    void set_irq_router(IrqRouter router) { router_ = std::move(router); }
    bool intx_level(unsigned slot, unsigned pin) const;

    // `info pci`: the functions the guest can see, in devfn order.
    std::vector<PciDeviceInfo> devices_info() const;

  private:
    friend class PciDevice;

    // A function's configuration changed (guest write, reset, load): remap its BARs,
    // retry failed mappings of the others, re-evaluate its INTx.
    void function_changed(PciDevice& function);
    void update_bars(PciDevice& function);
    void update_intx(PciDevice& function);
    // The address BAR `index` should be mapped at now, or GuestMapping::kNone.
    uint64_t decode_bar(const PciDevice& function, unsigned index) const;
    AddressSpace& space_for(BarKind kind) const { return kind == BarKind::Io ? io_ : memory_; }

    uint64_t address_read(uint64_t offset, unsigned size);
    void address_write(uint64_t offset, uint64_t value, unsigned size);
    uint64_t data_read(uint64_t offset, unsigned size) const;
    void data_write(uint64_t offset, uint64_t value, unsigned size);
    // The function and register CONFIG_ADDRESS selects for data port byte `offset`.
    bool decode_address(uint64_t offset, unsigned* devfn, unsigned* reg) const;

    AddressSpace& memory_;
    AddressSpace& io_;
    MemoryRegion address_io_;
    MemoryRegion data_io_;
    MemoryRegion* port_cf9_ = nullptr;
    uint32_t config_address_ = 0;
    std::array<PciDevice*, pci::kSlots * pci::kFunctions> functions_{};
    std::array<bool, pci::kSlots * pci::kFunctions> intx_asserted_{};
    // Per slot and pin: bit f set while function f asserts it.
    std::array<std::array<uint8_t, pci::kIntxPins>, pci::kSlots> pin_sources_{};
    IrqRouter router_;
};

}  // namespace kemu
