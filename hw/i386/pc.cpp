#include "hw/i386/pc.h"

#include "hw/acpi/piix4_pm.h"
#include "hw/char/debugcon.h"
#include "hw/char/serial_16550.h"
#include "hw/i386/acpi_build.h"
#include "hw/i386/device_models.h"
#include "hw/i386/pc_layout.h"
#include "hw/input/i8042.h"
#include "hw/intc/ioapic.h"
#include "hw/misc/port80.h"
#include "hw/misc/reset_control.h"
#include "hw/pci/pam.h"
#include "hw/pci/pci_address.h"
#include "hw/pci/pci_bus.h"
#include "hw/pci/pci_device.h"
#include "hw/pci/piix4_pm_function.h"
#include "hw/timer/mc146818_rtc.h"
#include "system/keyval.h"
#include "system/log.h"

#include <ctime>

namespace kemu {

namespace {

// CMOS bytes that tell firmware and old guests how much RAM there is.
void store_memory_sizes(Mc146818Rtc& rtc, const PcRamLayout& ram) {
    uint64_t ext_kib = std::min<uint64_t>((ram.below_4g - pc::kHighMemory) / 1024, 0xffff);
    uint64_t above_16m = ram.below_4g > (16u << 20)
                             ? std::min<uint64_t>((ram.below_4g - (16u << 20)) >> 16, 0xffff)
                             : 0;
    uint64_t above_4g = ram.above_4g >> 16;
    const std::pair<uint8_t, uint8_t> bytes[] = {
        {0x15, 640 & 0xff},
        {0x16, 640 >> 8},
        {0x17, uint8_t(ext_kib)},
        {0x18, uint8_t(ext_kib >> 8)},
        {0x30, uint8_t(ext_kib)},
        {0x31, uint8_t(ext_kib >> 8)},
        {0x34, uint8_t(above_16m)},
        {0x35, uint8_t(above_16m >> 8)},
        {0x5b, uint8_t(above_4g)},
        {0x5c, uint8_t(above_4g >> 8)},
        {0x5d, uint8_t(above_4g >> 16)},
    };
    for (auto [index, value] : bytes)
        rtc.set_cmos(index, value);
}

}  // namespace

PcBoard::PcBoard(const BoardConfig& config, const BoardServices& services)
    : config_(config), services_(services) {}
PcBoard::~PcBoard() = default;

Result<void> PcBoard::map_io(uint16_t port, MemoryRegion& region) {
    return services_.io.map(port, &region);
}

Result<std::unique_ptr<PcBoard>> PcBoard::create(const BoardConfig& config,
                                                 const BoardServices& services) {
    std::unique_ptr<PcBoard> board(new PcBoard(config, services));
    {
        AddressSpace::UpdateBatch batch(services.memory);
        KEMU_TRY_VOID(board->map_firmware());
        KEMU_TRY_VOID(board->build_isa_devices());
        KEMU_TRY_VOID(board->build_pci());
        KEMU_TRY_VOID(board->build_fw_cfg());
        KEMU_TRY_VOID(board->build_user_devices());
    }
    KEMU_TRY_VOID(board->reset());
    return board;
}

Result<void> PcBoard::build_isa_devices() {
    KEMU_TRY_VOID(build_irqchip());
    auto irq = [this](unsigned irq_number) { return isa_irq_input(irq_number); };

    for (size_t i = 0; i < config_.serials.size(); i++) {
        auto& uart =
            add(std::make_unique<Serial16550>("serial" + std::to_string(i), config_.serials[i],
                                              services_.timers, pc::kPortCom[i], pc::kIrqCom[i]));
        uart.irq().connect(irq(pc::kIrqCom[i]));
        KEMU_TRY_VOID(map_io(pc::kPortCom[i], uart.io()));
    }

    auto& post = add(std::make_unique<Port80>("port80"));
    KEMU_TRY_VOID(map_io(pc::kPortPost, post.io()));

    // A20 stays enabled: guests we boot never depend on the 1 MiB wrap-around.
    auto& kbc = add(std::make_unique<I8042>("i8042", services_.request_reset, [](bool enabled) {
        if (!enabled) log_unimp("i8042: A20 gate disabled by the guest; kemu keeps A20 enabled");
    }));
    kbc_ = &kbc;
    kbc.keyboard_irq().connect(irq(pc::kIrqKeyboard));
    kbc.mouse_irq().connect(irq(pc::kIrqMouse));
    KEMU_TRY_VOID(map_io(pc::kPortI8042Data, kbc.data_io()));
    KEMU_TRY_VOID(map_io(pc::kPortI8042Cmd, kbc.command_io()));

    rtc_ = &add(std::make_unique<Mc146818Rtc>("rtc", services_.timers,
                                              [] { return int64_t(std::time(nullptr)); }));
    rtc_->irq().connect(irq(pc::kIrqRtc));
    KEMU_TRY_VOID(map_io(pc::kPortRtc, rtc_->io()));
    store_memory_sizes(*rtc_, config_.ram);

    pm_ = &add(std::make_unique<AcpiPm>("piix4-pm", services_.timers));
    pm_->on_poweroff = services_.request_poweroff;
    pm_->sci().connect(irq(pc::kIrqSci));
    KEMU_TRY_VOID(map_io(pc::kPortAcpiGpe0, pm_->gpe_region()));

    // 0xCF9 sits inside the PCI configuration address register: the PCI bus passes its
    // byte accesses on (pc_pci.cpp).
    reset_control_ = &add(std::make_unique<ResetControl>("reset-control"));
    reset_control_->on_reset = services_.request_reset;
    return ok();
}

DeviceBuildContext PcBoard::device_build_context() {
    auto irq_input = [this](unsigned line) -> IrqLine::Sink {
        if (line < pc::kIsaIrqs) return isa_irq_input(line);
        if (!pic_) return services_.irq_input ? services_.irq_input(line) : nullptr;
        return ioapic_->input(line);
    };
    return DeviceBuildContext{
        services_,
        irq_input,
        [this](std::unique_ptr<Device> device) -> Device& { return add(std::move(device)); },
        pci_,
        &config_.firmware.vga_bios,
        [this](Vga& vga) { vga_ = &vga; },
    };
}

// -device: each model's builder comes from the table in device_models.cpp.
Result<void> PcBoard::build_user_devices() {
    DeviceBuildContext context = device_build_context();
    for (const DeviceSpec& spec : config_.devices)
        KEMU_TRY_VOID(build_user_device(spec, context));
    return ok();
}

AcpiConfig PcBoard::acpi_config() const {
    AcpiConfig acpi;
    acpi.cpu_count = config_.cpus;
    acpi.apic_ids = config_.apic_ids;
    acpi.pci_window_start = config_.ram.below_4g;
    for (size_t i = 0; i < config_.serials.size(); i++)
        acpi.serial_ports.push_back({pc::kPortCom[i], uint8_t(pc::kIrqCom[i])});
    return acpi;
}

Result<void> PcBoard::write_acpi_tables() {
    auto tables = build_acpi_tables(acpi_config());
    if (!tables) return tables.error();
    if (services_.memory.write_bytes(tables->base, tables->blob, true) != MemTxResult::Ok)
        return Error("ACPI tables do not fit in guest RAM");
    return ok();
}

// The devices' own remapping (BARs, PAM) lands as one memory map change; the ACPI tables
// are written after it, into the map it leaves.
Result<void> PcBoard::reset() {
    {
        AddressSpace::UpdateBatch batch(services_.memory);
        for (auto& d : devices_)
            d->reset();
        if (!firmware_boot()) program_chipset_as_firmware_would();
    }
    if (rtc_) {
        store_memory_sizes(*rtc_, config_.ram);
        store_firmware_cmos(*rtc_);
    }
    if (config_.acpi && !firmware_boot()) KEMU_TRY_VOID(write_acpi_tables());
    return ok();
}

uint64_t PcBoard::guest_output_bytes() const {
    uint64_t total = 0;
    for (const auto& d : devices_) {
        if (auto* uart = dynamic_cast<const Serial16550*>(d.get()))
            total += uart->bytes_transmitted();
        if (auto* con = dynamic_cast<const Debugcon*>(d.get())) total += con->bytes_transmitted();
    }
    return total;
}

InputSink* PcBoard::input_sink() const {
    return kbc_;
}

void PcBoard::power_button() {
    if (pm_) pm_->power_button();
}

namespace {

// One device of `info qtree`, its describe() lines indented below it (after `first`).
std::string qtree_device(const Device& d, const std::string& indent, std::string first = "") {
    std::string out = indent + "dev: " + d.type_name() + ", id \"" + d.name() + "\"\n";
    std::string desc = first.empty() ? d.describe() : first + "\n" + d.describe();
    size_t start = 0;
    while (start < desc.size()) {
        size_t nl = desc.find('\n', start);
        std::string line =
            desc.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
        if (!line.empty()) out += indent + "  " + line + "\n";
        if (nl == std::string::npos) break;
        start = nl + 1;
    }
    return out;
}

}  // namespace

// As QEMU nests them, each device where its model's bus (device_models.cpp) puts it: the
// system bus, pci.0 below the host bridge in address order, the ISA bus below the PIIX3 and
// the IDE drives below their channel of piix3-ide. The parts of a model come after the PCI
// functions.
std::string PcBoard::qtree_text() const {
    // The PCI functions and the bus itself are printed in place, the rest by their bus.
    auto on_bus = [this](std::string_view bus, const std::string& indent) {
        std::string out;
        for (const auto& d : devices_) {
            if (d.get() == static_cast<const Device*>(pci_) ||
                dynamic_cast<const PciDevice*>(d.get()))
                continue;
            const DeviceModel* model = model_of(*d);
            if ((model && model->bus ? model->bus : "System") == bus)
                out += qtree_device(*d, indent);
        }
        return out;
    };
    auto ide_channel = [this](unsigned channel) {
        std::string out = "        bus: ide." + std::to_string(channel) + "\n          type IDE\n";
        for (const BoardIdeDrive& drive : config_.ide_drives)
            for (const auto& d : devices_)
                if (drive.index / 2 == channel && d->name() == drive.id)
                    out += qtree_device(*d, "          ");
        return out;
    };
    std::string pci;
    for (unsigned devfn = 0; devfn < pci::kSlots * pci::kFunctions; devfn++) {
        const PciDevice* f = pci_->occupant(devfn);
        if (!f) continue;
        pci += qtree_device(*f, "      ", "addr = " + pci::format_address(devfn));
        if (std::string_view(f->type_name()) == "PIIX3")
            pci += "        bus: isa.0\n          type ISA\n" + on_bus("ISA", "          ");
        if (std::string_view(f->type_name()) == "piix3-ide") pci += ide_channel(0) + ide_channel(1);
    }
    return "bus: main-system-bus\n  type System\n" + on_bus("System", "  ") +
           qtree_device(*pci_, "  ") + "    bus: pci.0\n      type PCI\n" + pci +
           on_bus("PCI", "      ");
}

}  // namespace kemu
