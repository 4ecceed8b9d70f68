// kemu's PC: creates the ISA devices and wires their ports and interrupt lines,
// in the order you read here. The machine (system/) gives it address spaces,
// timers, interrupt-controller inputs and chardevs; the board knows nothing of
// the accelerator.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "block/block_backend.h"
#include "chardev/chardev.h"
#include "hw/core/device.h"
#include "hw/core/irq.h"
#include "hw/i386/acpi_build.h"
#include "hw/i386/e820.h"
#include "hw/i386/fw_cfg_pc.h"
#include "hw/intc/apic_bus.h"
#include "monitor/irqchip_report.h"
#include "monitor/pci_report.h"
#include "system/address_space.h"
#include "system/clock.h"
#include "system/machine_config.h"
#include "system/mapped_region.h"

namespace kemu {

namespace ide {
class AtapiCdrom;
}
class AcpiPm;
struct DeviceBuildContext;
class I8042;
class InputSink;
class Pam;
class PciBus;
class PciDevice;
class Piix4PmFunction;
class ResetControl;
class Vga;
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
    // Host memory behind guest-physical 0 (RAM below 4 GiB): PAM shadows 0xC0000-0xFFFFF in it.
    uint8_t* ram_host = nullptr;
};

// An IDE drive of the PIIX3's two channels: index 0-3 is primary master, primary slave,
// secondary master, secondary slave (-hda..-hdd, -cdrom is index 2).
struct BoardIdeDrive {
    std::string id;
    unsigned index = 0;
    bool cdrom = false;
    block::BlockBackend* backend = nullptr;  // null: a CD-ROM drive with an empty tray
    int bootindex = -1;  // its place in fw_cfg "bootorder" (-device ...,bootindex=); -1: none
    // Its -device ide-hd/ide-cd and -global properties (model=, serial=, ...): the IDENTIFY
    // data (device_models.h, ide_drive_identity()).
    std::map<std::string, std::string> properties;
};

// The firmware path (docs/firmware.md): the system BIOS image, ending at 4 GiB with its last
// 128 KiB also at 0xE0000-0xFFFFF, and what fw_cfg offers it.
struct BoardFirmware {
    std::vector<uint8_t> bios;                // empty: direct kernel boot, no firmware
    std::vector<FwCfgNamedBlob> option_roms;  // -option-rom, as "genroms/<file name>"
    std::vector<FwCfgNamedBlob> user_files;   // -fw_cfg name=opt/...
    std::vector<uint8_t> vga_bios;            // the VGA's expansion ROM (vgabios-stdvga.bin)
    bool serial_console = false;              // -nographic: the BIOS's screen on COM1 too
    BootSpec boot;
    // -kernel with -bios: booted by the linuxboot option ROM (hw/i386/linux_boot_firmware.h).
    std::optional<PcFwCfgKernel> kernel;
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
    std::vector<BoardIdeDrive> ide_drives;
    // How the machine boots when there is no -kernel.
    BoardFirmware firmware;
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
    Vga* vga() const { return vga_; }
    // Where host key and mouse events go: the i8042's keyboard and mouse.
    InputSink* input_sink() const;
    // `screendump`: the VGA's screen as of now.
    Result<void> screendump(const std::string& path, const std::string& format);
    // The CD-ROM drive named `id` (its -drive id), or null.
    ide::AtapiCdrom* cdrom(const std::string& id) const;
    // `info qtree` text.
    std::string qtree_text() const;
    const std::vector<std::unique_ptr<Device>>& devices() const { return devices_; }
    // Bytes the guest has sent out of every UART and isa-debugcon: has it printed anything?
    uint64_t guest_output_bytes() const;

    // The userspace interrupt controllers, built when the accelerator has no in-kernel
    // irqchip (services.irq_input returns null): the LAPIC of a CPU, null otherwise.
    Lapic* lapic(unsigned cpu_index) const;
    bool userspace_irqchip() const { return pic_ != nullptr; }
    // `info pic`, `info lapic`, `info irq`; each an error saying why when KVM's in-kernel
    // irqchip stands in for the models.
    Result<InterruptControllersInfo> interrupt_controllers() const;
    Result<LapicInfo> lapic_info(unsigned cpu_index) const;
    Result<IrqStatsInfo> irq_stats() const;
    // `info pci`.
    std::vector<PciDeviceInfo> pci_devices() const;

  private:
    PcBoard(const BoardConfig& config, const BoardServices& services);
    template <typename T>
    T& add(std::unique_ptr<T> device) {
        T& ref = *device;
        devices_.push_back(std::move(device));
        return ref;
    }
    Result<void> map_io(uint16_t port, MemoryRegion& region);
    Result<void> build_irqchip();
    IrqLine::Sink isa_irq_sink(unsigned irq);
    IrqLine::Sink isa_irq_input(unsigned irq);
    Result<void> build_pci();
    void program_chipset_as_firmware_would();
    Result<void> build_ide(PciBus& pci);
    Result<void> build_isa_devices();
    // What the -device builders (device_models.cpp) get from the board.
    DeviceBuildContext device_build_context();
    Result<void> build_user_devices();
    AcpiConfig acpi_config() const;
    Result<void> write_acpi_tables();
    bool firmware_boot() const { return !config_.firmware.bios.empty(); }
    Result<void> map_firmware();
    Result<void> build_fw_cfg();
    void store_firmware_cmos(Mc146818Rtc& rtc);

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
    MappedRegion bios_memory_;
    std::optional<MemoryRegion> system_bios_, isa_bios_;
    ResetControl* reset_control_ = nullptr;
    Piix4PmFunction* pm_function_ = nullptr;
    PciDevice* host_bridge_ = nullptr;
    PciBus* pci_ = nullptr;
    I8042* kbc_ = nullptr;
    std::unique_ptr<Pam> pam_;
    Vga* vga_ = nullptr;
    // Each ISA IRQ is the OR of its sources (ISA devices, PCI interrupts the PIIX3 routes).
    struct SharedIsaIrq {
        IrqLine::Sink out;
        uint32_t levels = 0;
        unsigned sources = 0;
    };
    std::array<SharedIsaIrq, 16> isa_irqs_;
    bool first_boot_done_ = false;  // -boot once= applies until the first reset
};

}  // namespace kemu
