// kemu's PC: creates the ISA devices and wires their ports and interrupt lines,
// in the order you read here. The machine (system/) gives it address spaces,
// timers, interrupt-controller inputs and chardevs; the board knows nothing of
// the accelerator.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "chardev/chardev.h"
#include "hw/core/device.h"
#include "hw/core/irq.h"
#include "hw/i386/e820.h"
#include "hw/intc/apic_bus.h"
#include "system/address_space.h"
#include "system/clock.h"
#include "system/machine_config.h"

namespace kemu {

class AcpiPm;
class I8259Pair;
class Ioapic;
class Lapic;
class Mc146818Rtc;

struct BoardServices {
    AddressSpace& memory;
    AddressSpace& io;
    TimerQueue& timers;
    // Input `gsi` of the interrupt controllers (null: not connected).
    std::function<IrqLine::Sink(unsigned gsi)> irq_input;
    std::function<Chardev*(const std::string& id)> find_chardev;
    std::function<void()> request_reset;
    std::function<void()> request_poweroff;
    std::function<void(int status)> request_exit;
};

struct BoardConfig {
    unsigned cpus = 1;
    std::vector<uint32_t> apic_ids;  // of every CPU, in index order
    PcRamLayout ram;
    std::vector<Chardev*> serials;  // COM1.. in order; null entries are ports without a backend
    std::vector<DeviceSpec> devices;
    bool acpi = true;
    // TSC rate of the vCPUs, for the userspace LAPICs' TSC-deadline timer.
    uint64_t tsc_khz = 1'000'000;
};

class PcBoard {
  public:
    static Result<std::unique_ptr<PcBoard>> create(const BoardConfig& config,
                                                   const BoardServices& services);
    ~PcBoard();

    // system_reset: every device to its power-on state and the firmware tables rewritten.
    Result<void> reset();
    // The ACPI power button (system_powerdown).
    void power_button();
    // `info qtree` text.
    std::string qtree_text() const;
    const std::vector<std::unique_ptr<Device>>& devices() const { return devices_; }
    // Bytes the guest has sent out of every UART and isa-debugcon: has it printed anything?
    uint64_t guest_output_bytes() const;

    // The userspace interrupt controllers, built when the accelerator has no in-kernel
    // irqchip (services.irq_input returns null): the LAPIC of a CPU, null otherwise.
    Lapic* lapic(unsigned cpu_index) const;
    bool userspace_irqchip() const { return pic_ != nullptr; }
    // `info pic`, `info lapic`, `info irq`.
    std::string pic_text() const;
    std::string lapic_text(unsigned cpu_index) const;
    std::string irq_text() const;

  private:
    PcBoard(const BoardConfig& config, const BoardServices& services)
        : config_(config), services_(services) {}
    template <typename T>
    T& add(std::unique_ptr<T> device);
    Result<void> map_io(uint16_t port, MemoryRegion& region);
    Result<void> build_irqchip();
    IrqLine::Sink isa_irq_sink(unsigned irq);
    Result<void> build_isa_devices();
    Result<void> build_user_devices();
    Result<void> write_acpi_tables();

    BoardConfig config_;
    BoardServices services_;
    std::vector<std::unique_ptr<Device>> devices_;
    AcpiPm* pm_ = nullptr;
    Mc146818Rtc* rtc_ = nullptr;
    std::unique_ptr<ApicBus> apic_bus_;
    I8259Pair* pic_ = nullptr;
    Ioapic* ioapic_ = nullptr;
    std::vector<Lapic*> lapics_;
    std::vector<uint64_t> isa_irq_counts_;  // rising edges per ISA IRQ, for `info irq`
};

}  // namespace kemu
