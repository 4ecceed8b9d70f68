// The userspace interrupt controllers and PIT of kemu's PC: built when the
// accelerator has no in-kernel irqchip, and the monitor's view of them.
#include <algorithm>

#include "hw/i386/pc.h"
#include "hw/i386/pc_layout.h"
#include "hw/intc/apic_bus.h"
#include "hw/intc/i8259.h"
#include "hw/intc/ioapic.h"
#include "hw/intc/lapic.h"
#include "hw/timer/i8254.h"

namespace kemu {

namespace {

// PcBoard::add() lives in pc.cpp; this file appends to the same device list.
template <typename T>
T& adopt(std::vector<std::unique_ptr<Device>>& devices, std::unique_ptr<T> device) {
    T& ref = *device;
    devices.push_back(std::move(device));
    return ref;
}

}  // namespace

// Without an in-kernel irqchip (TCG, or KVM with kernel_irqchip=off) the PIC pair, the
// IOAPIC, the PIT and one LAPIC per CPU are ours; with one, KVM provides all four.
Result<void> PcBoard::build_irqchip() {
    if (services_.irq_input && services_.irq_input(pc::kIrqPit)) return ok();
    apic_bus_ = std::make_unique<ApicBus>();
    isa_irq_counts_.assign(pc::kIsaIrqs, 0);
    for (unsigned cpu = 0; cpu < std::max(config_.cpus, 1u); cpu++) {
        uint32_t apic_id = cpu < config_.apic_ids.size() ? config_.apic_ids[cpu] : cpu;
        auto& lapic = adopt(
            devices_, std::make_unique<Lapic>("apic" + std::to_string(cpu), services_.timers,
                                              *apic_bus_, apic_id, cpu == 0, config_.tsc_khz));
        apic_bus_->attach(&lapic);
        lapics_.push_back(&lapic);
    }

    pic_ = &adopt(devices_, std::make_unique<I8259Pair>("i8259"));
    KEMU_TRY_VOID(map_io(pc::kPortPic1, pic_->master_io()));
    KEMU_TRY_VOID(map_io(pc::kPortPic2, pic_->slave_io()));
    KEMU_TRY_VOID(map_io(pc::kPortElcr, pic_->elcr_io()));
    // Virtual wire: the PIC's INTR is the BSP's LINT0, and the BSP's INTA cycle asks the PIC.
    Lapic* bsp = lapics_.front();
    pic_->intr().connect([bsp](bool level) { bsp->set_lint(0, level); });
    bsp->set_extint_source([pic = pic_] { return pic->acknowledge(); });

    // The IOAPIC ID follows the LAPICs', as the MADT says (acpi_build.cpp).
    uint32_t max_apic_id = 0;
    for (Lapic* lapic : lapics_)
        max_apic_id = std::max(max_apic_id, lapic->apic_id());
    ioapic_ =
        &adopt(devices_, std::make_unique<Ioapic>("ioapic", *apic_bus_, uint8_t(max_apic_id + 1)));
    KEMU_TRY_VOID(services_.memory.map(pc::kIoapicBase, &ioapic_->mmio()));

    auto& pit = adopt(devices_, std::make_unique<I8254>("pit", services_.timers));
    pit.irq().connect(isa_irq_sink(pc::kIrqPit));
    KEMU_TRY_VOID(map_io(pc::kPortPit, pit.io()));
    KEMU_TRY_VOID(map_io(pc::kPortSpeaker, pit.port61_io()));
    return ok();
}

// ISA IRQ `irq` goes to PIC input `irq` and to its IOAPIC pin (pc_layout.h).
IrqLine::Sink PcBoard::isa_irq_sink(unsigned irq) {
    return [this, irq](bool level) {
        if (level) isa_irq_counts_[irq]++;
        pic_->set_irq(irq, level);
        ioapic_->set_irq(pc::isa_irq_to_gsi(irq), level);
    };
}

Lapic* PcBoard::lapic(unsigned cpu_index) const {
    return cpu_index < lapics_.size() ? lapics_[cpu_index] : nullptr;
}

Result<InterruptControllersInfo> PcBoard::interrupt_controllers() const {
    if (!pic_) return Error("The interrupt controllers are KVM's in-kernel irqchip.");
    return InterruptControllersInfo{pic_->master_info(), pic_->slave_info(), ioapic_->info()};
}

Result<LapicInfo> PcBoard::lapic_info(unsigned cpu_index) const {
    if (!pic_) return Error("The local APICs are KVM's in-kernel irqchip.");
    Lapic* l = lapic(cpu_index);
    if (!l) return Error("No CPU " + std::to_string(cpu_index));
    LapicInfo info = l->info();
    info.cpu = cpu_index;
    return info;
}

Result<IrqStatsInfo> PcBoard::irq_stats() const {
    if (!pic_) return Error("IRQ statistics are not available with KVM's in-kernel irqchip.");
    return IrqStatsInfo{"isa-i8259", isa_irq_counts_};
}

}  // namespace kemu
