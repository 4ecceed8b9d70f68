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
#include "system/address_space.h"
#include "system/clock.h"
#include "system/machine_config.h"

namespace kemu {

class AcpiPm;
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

  private:
    PcBoard(const BoardConfig& config, const BoardServices& services)
        : config_(config), services_(services) {}
    template <typename T>
    T& add(std::unique_ptr<T> device);
    Result<void> map_io(uint16_t port, MemoryRegion& region);
    Result<void> build_isa_devices();
    Result<void> build_user_devices();
    Result<void> write_acpi_tables();

    BoardConfig config_;
    BoardServices services_;
    std::vector<std::unique_ptr<Device>> devices_;
    AcpiPm* pm_ = nullptr;
    Mc146818Rtc* rtc_ = nullptr;
};

}  // namespace kemu
