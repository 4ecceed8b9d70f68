// The Intel 82371SB (PIIX3) PCI-to-ISA bridge, function 01.0: identity and the PIRQ
// route control registers PIRQRC[A:D] (82371SB datasheet, section 2.2, registers
// 60h-63h) that steer the four PCI interrupt lines onto ISA IRQs. The bus reports
// INTx of every slot; the PCI wiring of the PC rotates the pins from slot to slot
// (INTA# of slot s is PIRQ (s + pin - 1) mod 4), and each PIRQ is the OR of what drives it.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "hw/pci/pci_device.h"

namespace kemu {

class Piix3 final : public PciDevice {
  public:
    static constexpr uint8_t kPirqRouteControl = 0x60;  // PIRQRCA..PIRQRCD at 0x60..0x63
    static constexpr unsigned kPirqs = 4;
    static constexpr uint8_t kRouteDisabled = 0x80;  // IRQROUTEN# (bit 7): 1 = not routed

    explicit Piix3(std::string name);

    const char* type_name() const override { return "PIIX3"; }
    void reset() override;
    void save(StateWriter& out) const override { state_fields(*this, out); }
    Result<void> load(StateReader& in, uint32_t version) override;
    std::string describe() const override;
    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        PciDevice::state_fields(self, io);
        io(self.pirq_sources_);
    }

    // PciBus::set_irq_router target: the OR level of `pin` (1..4) of slot `slot`.
    void set_pci_irq(unsigned slot, unsigned pin, bool level);
    static unsigned pirq_of(unsigned slot, unsigned pin) { return (slot + pin - 1) % kPirqs; }

    bool pirq_level(unsigned pirq) const { return pirq_sources_[pirq % kPirqs] != 0; }
    // The ISA IRQ PIRQ `pirq` is steered to, or none (disabled or a reserved IRQ number).
    std::optional<unsigned> pirq_route(unsigned pirq) const;

    // Outputs the board connects: the level this bridge drives on ISA IRQ `irq` (the OR of
    // the PIRQs routed there; the board ORs it with ISA devices sharing the IRQ), and every
    // change of PIRQ `pirq` itself (IOAPIC inputs 16-19 on QEMU's PC).
    std::function<void(unsigned irq, bool level)> isa_irq;
    std::function<void(unsigned pirq, bool level)> pirq_changed;

  protected:
    void config_written(unsigned offset, unsigned size) override;

  private:
    void update_outputs();

    std::array<uint32_t, kPirqs> pirq_sources_{};  // bit s: slot s drives this PIRQ
    std::array<bool, kPirqs> reported_pirq_{};
    uint16_t isa_levels_ = 0;  // bit n: this bridge drives ISA IRQ n high
};

}  // namespace kemu
