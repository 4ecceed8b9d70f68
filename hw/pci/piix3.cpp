#include "hw/pci/piix3.h"

#include "system/log.h"

namespace kemu {

namespace {

constexpr PciIdentity kIdentity{.vendor = 0x8086, .device = 0x7000, .class_code = 0x060100};
constexpr uint8_t kRouteWritable = 0x8f;  // IRQROUTEN# and the IRQ number
constexpr uint8_t kRouteIrqMask = 0x0f;
// IRQs a PIRQ may be steered to; 0-2, 8 and 13 are reserved (82371SB PIRQRC bits 3:0).
constexpr uint16_t kRoutableIrqs = 0xdef8;

}  // namespace

Piix3::Piix3(std::string name) : PciDevice(std::move(name), kIdentity) {
    // PCICMD: I/O, memory and bus master are always on for the bridge to ISA.
    init_config_word(pci::kCommand, pci::kCommandIo | pci::kCommandMemory | pci::kCommandBusMaster);
    set_write_mask(pci::kCommand, 2, 0);
    init_config_word(pci::kStatus, pci::kStatusFastBackToBack | pci::kStatusDevselMedium);
    for (unsigned i = 0; i < kPirqs; i++) {
        init_config_byte(kPirqRouteControl + i, kRouteDisabled);
        set_write_mask(kPirqRouteControl + i, 1, kRouteWritable);
    }
}

void Piix3::reset() {
    PciDevice::reset();
    update_outputs();
}

std::optional<unsigned> Piix3::pirq_route(unsigned pirq) const {
    uint8_t value = config_byte(kPirqRouteControl + pirq % kPirqs);
    unsigned irq = value & kRouteIrqMask;
    if ((value & kRouteDisabled) || !(kRoutableIrqs & (1u << irq))) return std::nullopt;
    return irq;
}

void Piix3::set_pci_irq(unsigned slot, unsigned pin, bool level) {
    if (slot >= pci::kSlots || pin < 1 || pin > pci::kIntxPins) return;
    uint32_t& sources = pirq_sources_[pirq_of(slot, pin)];
    sources = level ? (sources | 1u << slot) : (sources & ~(1u << slot));
    update_outputs();
}

void Piix3::config_written(unsigned offset, unsigned size) {
    for (unsigned i = 0; i < kPirqs; i++) {
        unsigned reg = kPirqRouteControl + i;
        if (reg < offset || reg >= offset + size) continue;
        uint8_t value = config_byte(reg);
        if (!(value & kRouteDisabled) && !pirq_route(i))
            log_guest_error("%s: PIRQ%c routed to reserved IRQ %u; left unrouted", name().c_str(),
                            'A' + i, value & kRouteIrqMask);
    }
    // Rerouting a PIRQ that is high moves the level: the old IRQ drops, the new one rises.
    update_outputs();
}

void Piix3::update_outputs() {
    uint16_t levels = 0;
    for (unsigned p = 0; p < kPirqs; p++) {
        bool high = pirq_level(p);
        if (high != reported_pirq_[p]) {
            reported_pirq_[p] = high;
            if (pirq_changed) pirq_changed(p, high);
        }
        std::optional<unsigned> irq = pirq_route(p);
        if (high && irq) levels |= uint16_t(1u << *irq);
    }
    uint16_t changed = levels ^ isa_levels_;
    isa_levels_ = levels;
    for (unsigned irq = 0; changed; irq++, changed >>= 1)
        if ((changed & 1) && isa_irq) isa_irq(irq, (levels >> irq) & 1);
}

Result<void> Piix3::load(StateReader& in, uint32_t version) {
    KEMU_TRY_VOID(load_fields(*this, in, version));
    update_outputs();
    return ok();
}

std::string Piix3::describe() const {
    std::string out;
    for (unsigned p = 0; p < kPirqs; p++) {
        std::optional<unsigned> irq = pirq_route(p);
        out += std::string(p ? " " : "") + "pirq" + char('a' + p) + "=" +
               (irq ? std::to_string(*irq) : std::string("off")) + (pirq_level(p) ? "(high)" : "");
    }
    return out;
}

}  // namespace kemu
