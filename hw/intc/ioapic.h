// I/O APIC (82093AA register layout, version 0x20 as on ICH-era chipsets) with 24
// input pins. Each pin's redirection entry turns an input into an APIC bus message;
// level-triggered pins keep remote IRR set until the LAPIC's EOI comes back over the
// bus or the guest writes the vector to the EOI register (present from version 0x20).
// Inputs are logical (asserted or not): the board resolves electrical polarity.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "hw/core/device.h"
#include "hw/core/irq.h"
#include "hw/intc/apic_bus.h"
#include "monitor/irqchip_report.h"
#include "system/memory_region.h"

namespace kemu {

class Ioapic final : public Device {
  public:
    static constexpr unsigned kPins = 24;
    static constexpr uint32_t kVersion = 0x20;
    static constexpr uint64_t kMmioSize = 0x1000;

    Ioapic(std::string name, ApicBus& bus, uint8_t ioapic_id);

    MemoryRegion& mmio() { return mmio_; }
    void set_irq(unsigned pin, bool level);
    IrqLine::Sink input(unsigned pin) {
        return [this, pin](bool level) { set_irq(pin, level); };
    }
    // An EOI for `vector` from a LAPIC (or the EOI register).
    void eoi(uint8_t vector);
    uint64_t redirection(unsigned pin) const { return redirection_[pin]; }

    const char* type_name() const override { return "ioapic"; }
    void reset() override;
    void save(StateWriter& out) const override;
    Result<void> load(StateReader& in, uint32_t version) override;
    std::string describe() const override;
    // The IOAPIC part of `info pic`.
    IoapicInfo info() const;

  private:
    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        io(self.id_, self.select_, self.redirection_, self.levels_);
    }

    uint32_t read_register() const;
    void write_register(uint32_t value);
    void service(unsigned pin);
    void deliver(unsigned pin);

    ApicBus& bus_;
    MemoryRegion mmio_;
    uint8_t reset_id_;
    uint8_t id_ = 0;
    uint8_t select_ = 0;
    std::array<uint64_t, kPins> redirection_{};
    uint32_t levels_ = 0;  // asserted inputs
};

}  // namespace kemu
