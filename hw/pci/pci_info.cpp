// `info pci` as data: every function the guest can see, its class named as QEMU's PCI
// code names it (monitor/pci_report.cpp lays it out as QEMU's monitor does).
#include <string>

#include "hw/pci/pci_bus.h"

namespace kemu {

namespace {

// Base class and sub-class names as the PCI code and ID tables spell them.
struct ClassName {
    uint16_t class_subclass;
    const char* name;
};

constexpr ClassName kClassNames[] = {
    {0x0100, "SCSI controller"},
    {0x0101, "IDE controller"},
    {0x0106, "SATA controller"},
    {0x0180, "Storage controller"},
    {0x0200, "Ethernet controller"},
    {0x0280, "Network controller"},
    {0x0300, "VGA controller"},
    {0x0302, "3D controller"},
    {0x0380, "Display controller"},
    {0x0401, "Audio controller"},
    {0x0403, "Audio controller"},
    {0x0480, "Multimedia controller"},
    {0x0500, "RAM controller"},
    {0x0580, "Memory controller"},
    {0x0600, "Host bridge"},
    {0x0601, "ISA bridge"},
    {0x0604, "PCI bridge"},
    {0x0680, "Bridge"},
    {0x0700, "Serial port"},
    {0x0701, "Parallel port"},
    {0x0880, "System peripheral"},
    {0x0c03, "USB controller"},
    {0x0c05, "SMBus"},
    {0x0c80, "Serial bus controller"},
};

// Empty for a class without a name: the monitor shows the number instead.
std::string class_description(uint32_t class_code) {
    uint16_t cls = uint16_t(class_code >> 8);
    for (const ClassName& c : kClassNames)
        if (c.class_subclass == cls) return c.name;
    return {};
}

PciMemoryRegion region_info(const PciDevice& f, unsigned index) {
    const PciDevice::Bar& bar = f.bar(index);
    return PciMemoryRegion{
        .bar = index,
        .type = bar.kind == BarKind::Io ? PciMemoryRegion::Type::Io : PciMemoryRegion::Type::Memory,
        .address = f.bar_address(index),
        .size = bar.size,
        .prefetch = bar.prefetchable,
        .mem_type_64 = bar.kind == BarKind::Mem64,
    };
}

PciDeviceInfo device_info(const PciDevice& f, unsigned devfn) {
    PciDeviceInfo info;
    info.slot = pci::slot_of(devfn);
    info.function = pci::function_of(devfn);
    info.class_info = {class_description(f.class_code()), uint16_t(f.class_code() >> 8)};
    info.id = {f.vendor_id(), f.device_id(), f.config_word(pci::kSubsystemVendorId),
               f.config_word(pci::kSubsystemId)};
    info.irq_pin = f.interrupt_pin();
    if (info.irq_pin) info.irq = f.config_byte(pci::kInterruptLine);
    info.qdev_id = f.id();
    for (unsigned i = 0; i <= pci::kBarCount; i++)
        if (f.bar(i).region) info.regions.push_back(region_info(f, i));
    return info;
}

}  // namespace

std::vector<PciDeviceInfo> PciBus::devices_info() const {
    std::vector<PciDeviceInfo> out;
    for (unsigned devfn = 0; devfn < functions_.size(); devfn++)
        if (const PciDevice* f = function(devfn)) out.push_back(device_info(*f, devfn));
    return out;
}

}  // namespace kemu
