#include "hw/intc/apic_bus.h"

#include "hw/intc/lapic.h"

namespace kemu {

void ApicBus::send(const ApicMessage& message, Lapic* source) {
    auto is_target = [&](Lapic* lapic) {
        switch (message.shorthand) {
            case ApicShorthand::None:
                return lapic->matches(message);
            case ApicShorthand::Self:
                return lapic == source;
            case ApicShorthand::AllIncludingSelf:
                return true;
            case ApicShorthand::AllExcludingSelf:
                return lapic != source;
        }
        return false;
    };
    if (message.delivery == ApicDelivery::LowestPriority) {
        // One target: the lowest processor priority wins; ties go to the lowest index
        // (kemu does not model the rotating arbitration ID).
        Lapic* chosen = nullptr;
        for (Lapic* lapic : lapics_)
            if (is_target(lapic) && lapic->software_enabled() &&
                (!chosen || lapic->ppr() < chosen->ppr()))
                chosen = lapic;
        if (chosen) chosen->receive(message);
        return;
    }
    for (Lapic* lapic : lapics_)
        if (is_target(lapic)) lapic->receive(message);
}

Lapic* ApicBus::find_by_id(uint32_t apic_id) const {
    for (Lapic* lapic : lapics_)
        if (lapic->apic_id() == apic_id) return lapic;
    return nullptr;
}

}  // namespace kemu
