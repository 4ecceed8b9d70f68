// The PC's PCI side, as QEMU's i440FX machine lays it out: host bridge 00.0 with the PAM
// shadow of 0xC0000-0xFFFFF, PIIX3 ISA bridge 01.0 routing PCI interrupts to ISA IRQs, IDE
// 01.1, PIIX4 power management 01.3 and the standard VGA at 02.0 (the first free slot),
// unless -device VGA puts it elsewhere.
#include <algorithm>

#include "hw/display/vga.h"
#include "hw/i386/device_models.h"
#include "hw/i386/pc.h"
#include "hw/i386/pc_layout.h"
#include "hw/i386/pci_device_models.h"
#include "hw/ide/ata_disk.h"
#include "hw/ide/atapi_cdrom.h"
#include "hw/ide/bmdma.h"
#include "hw/ide/piix_ide.h"
#include "hw/intc/ioapic.h"
#include "hw/misc/reset_control.h"
#include "hw/pci/i440fx.h"
#include "hw/pci/pam.h"
#include "hw/pci/pci_bus.h"
#include "hw/pci/piix3.h"
#include "hw/pci/piix4_pm_function.h"
#include "ui/screendump.h"

namespace kemu {

namespace {

constexpr unsigned kSlotHostBridge = 0;
constexpr unsigned kSlotPiix = 1;
constexpr unsigned kFunctionIsa = 0;
constexpr unsigned kFunctionIde = 1;
constexpr unsigned kFunctionPm = 3;

constexpr uint16_t kIdeCommandPorts[2] = {0x1f0, 0x170};
constexpr uint16_t kIdeControlPorts[2] = {0x3f6, 0x376};
constexpr unsigned kIdeIrqs[2] = {14, 15};

}  // namespace

// Every source of an ISA IRQ gets its own input and the line carries their OR: wired-OR for
// a shared level-triggered line, and a pulse still passes through on an edge-triggered one.
IrqLine::Sink PcBoard::isa_irq_input(unsigned irq) {
    SharedIsaIrq& line = isa_irqs_[irq];
    if (!line.out) {
        line.out = pic_                  ? isa_irq_sink(irq)
                   : services_.irq_input ? services_.irq_input(irq)
                                         : nullptr;
        if (!line.out) return nullptr;
    }
    uint32_t bit = 1u << line.sources++;
    return [&line, bit](bool level) {
        bool before = line.levels != 0;
        line.levels = level ? line.levels | bit : line.levels & ~bit;
        if (before != (line.levels != 0)) line.out(line.levels != 0);
    };
}

Result<void> PcBoard::build_pci() {
    auto& pci = add(std::make_unique<PciBus>("pci.0", services_.memory, services_.io));
    pci_ = &pci;
    KEMU_TRY_VOID(map_io(pc::kPortPciConfigAddress, pci.config_address_io()));
    KEMU_TRY_VOID(map_io(pc::kPortPciConfigData, pci.config_data_io()));
    pci.set_port_cf9(&reset_control_->io());

    auto& host = add(std::make_unique<I440fx>("i440fx"));
    host_bridge_ = &host;
    KEMU_TRY_VOID(pci.plug(host, pci::devfn(kSlotHostBridge, 0)));
    if (services_.ram_host) {
        std::vector<Pam::PciRegion> rom;
        if (isa_bios_) rom.push_back({pc::kHighMemory - isa_bios_->size(), &*isa_bios_});
        KEMU_TRY(pam, Pam::create(services_.memory, services_.ram_host + Pam::kBase, rom));
        pam_ = std::move(pam);
        host.on_pam_change = [this](const I440fx::PamRegisters& r) { pam_->update(r); };
    }

    auto& piix3 = add(std::make_unique<Piix3>("piix3"));
    KEMU_TRY_VOID(pci.plug(piix3, pci::devfn(kSlotPiix, kFunctionIsa)));
    pci.set_irq_router(
        [&piix3](unsigned slot, unsigned pin, bool level) { piix3.set_pci_irq(slot, pin, level); });
    std::array<IrqLine::Sink, pc::kIsaIrqs> routed;
    for (unsigned irq = 0; irq < pc::kIsaIrqs; irq++)
        routed[irq] = isa_irq_input(irq);
    piix3.isa_irq = [routed](unsigned irq, bool level) {
        if (irq < routed.size() && routed[irq]) routed[irq](level);
    };
    piix3.pirq_changed = [this](unsigned pirq, bool level) {
        if (ioapic_) {
            ioapic_->set_irq(pc::kPirqGsiBase + pirq, level);
        } else if (services_.irq_input) {
            if (auto sink = services_.irq_input(pc::kPirqGsiBase + pirq)) sink(level);
        }
    };

    pm_function_ = &add(std::make_unique<Piix4PmFunction>("pm", services_.io, *pm_));
    KEMU_TRY_VOID(pci.plug(*pm_function_, pci::devfn(kSlotPiix, kFunctionPm)));

    KEMU_TRY_VOID(build_ide(pci));
    // QEMU's default VGA, built before the -device ones so it takes slot 2.
    bool user_vga = std::any_of(config_.devices.begin(), config_.devices.end(),
                                [](const DeviceSpec& spec) { return spec.driver == "VGA"; });
    if (user_vga) return ok();
    DeviceBuildContext context = device_build_context();
    return build_vga(DeviceSpec{"VGA", {}}, context);
}

// A direct kernel boot has no firmware to set up the chipset: RAM at 0xC0000-0xFFFFF (where
// the ACPI tables go) and the PM block where the ACPI tables say, as SeaBIOS leaves them.
void PcBoard::program_chipset_as_firmware_would() {
    constexpr uint8_t kBothSegmentsReadWrite = 0x33;
    for (unsigned r = 0; r < I440fx::kPamRegisters; r++)
        host_bridge_->config_write(I440fx::kPam0 + r, kBothSegmentsReadWrite, 1);
    pm_function_->program_pm_base(pc::kPortAcpiPm);
}

// Both channels exist, in legacy mode at the ISA ports and IRQs, whether or not drives are
// attached: SeaBIOS and ata_piix probe them and find an empty channel floating.
Result<void> PcBoard::build_ide(PciBus& pci) {
    std::array<ide::IdeChannel*, 2> channels{};
    for (unsigned c = 0; c < 2; c++) {
        channels[c] =
            &add(std::make_unique<ide::IdeChannel>("ide" + std::to_string(c), kIdeIrqs[c]));
        channels[c]->irq().connect(isa_irq_input(kIdeIrqs[c]));
        KEMU_TRY_VOID(map_io(kIdeCommandPorts[c], channels[c]->command_block()));
        KEMU_TRY_VOID(map_io(kIdeControlPorts[c], channels[c]->control_block()));
    }
    for (const BoardIdeDrive& drive : config_.ide_drives) {
        if (drive.index > 3) return Error("IDE drive " + drive.id + ": index above 3");
        ide::DriveIdentity identity =
            ide_drive_identity(drive.properties, "QM0000" + std::to_string(drive.index + 1));
        ide::IdeDevice* device;
        if (drive.cdrom) {
            auto& cd = add(std::make_unique<ide::AtapiCdrom>(drive.id, identity));
            if (drive.backend) cd.insert(drive.backend);
            device = &cd;
        } else {
            device = &add(std::make_unique<ide::AtaDisk>(drive.id, *drive.backend, identity));
        }
        channels[drive.index / 2]->attach(drive.index % 2, device);
    }
    auto& bmdma = add(
        std::make_unique<ide::Bmdma>("ide-bmdma", services_.memory, *channels[0], *channels[1]));
    auto& function = add(std::make_unique<ide::PiixIde>("piix3-ide", bmdma));
    return pci.plug(function, pci::devfn(kSlotPiix, kFunctionIde));
}

Result<void> PcBoard::screendump(const std::string& path, const std::string& format) {
    KEMU_TRY(image_format, parse_image_format(format));
    vga_->refresh();
    return write_screendump(vga_->surface(), path, image_format);
}

std::vector<PciDeviceInfo> PcBoard::pci_devices() const {
    return pci_->devices_info();
}

ide::AtapiCdrom* PcBoard::cdrom(const std::string& id) const {
    for (const auto& d : devices_)
        if (d->name() == id)
            if (auto* cd = dynamic_cast<ide::AtapiCdrom*>(d.get())) return cd;
    return nullptr;
}

}  // namespace kemu
