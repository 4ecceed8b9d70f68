// The APIC bus (the system bus of P6 and later, where APIC messages travel):
// interprocessor interrupts from a LAPIC's ICR and IOAPIC redirection messages
// are routed by destination to every matching LAPIC, and EOIs of level-triggered
// vectors are broadcast back to the IOAPIC (Intel SDM vol. 3, chapter 11).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace kemu {

class Lapic;

enum class ApicDelivery : uint8_t {
    Fixed = 0,
    LowestPriority = 1,
    Smi = 2,
    Nmi = 4,
    Init = 5,
    StartUp = 6,
    ExtInt = 7,
};

enum class ApicShorthand : uint8_t {
    None = 0,
    Self = 1,
    AllIncludingSelf = 2,
    AllExcludingSelf = 3
};

struct ApicMessage {
    uint8_t vector = 0;
    ApicDelivery delivery = ApicDelivery::Fixed;
    bool logical = false;  // destination mode
    bool level_triggered = false;
    bool assert = true;  // level bit of the ICR (INIT level de-assert has it clear)
    ApicShorthand shorthand = ApicShorthand::None;
    // xAPIC: 8 bits (0xff broadcasts); x2APIC: 32 bits (0xffffffff broadcasts).
    uint32_t destination = 0;
};

class ApicBus {
  public:
    void attach(Lapic* lapic) { lapics_.push_back(lapic); }
    const std::vector<Lapic*>& lapics() const { return lapics_; }
    // The IOAPIC's EOI input: called with the vector of each EOI to a level-triggered vector.
    void on_eoi(std::function<void(uint8_t vector)> listener) {
        eoi_listener_ = std::move(listener);
    }

    // `source` is the sending LAPIC (for shorthands), null for the IOAPIC.
    void send(const ApicMessage& message, Lapic* source);
    void broadcast_eoi(uint8_t vector) {
        if (eoi_listener_) eoi_listener_(vector);
    }
    Lapic* find_by_id(uint32_t apic_id) const;

  private:
    std::vector<Lapic*> lapics_;
    std::function<void(uint8_t)> eoi_listener_;
};

}  // namespace kemu
