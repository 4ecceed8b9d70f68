// `info pci`: one block per function, in the words and layout QEMU's monitor uses,
// so scripts written against QEMU read ours.
#include <cinttypes>
#include <cstdio>
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

std::string class_description(uint32_t class_code) {
    uint16_t cls = uint16_t(class_code >> 8);
    for (const ClassName& c : kClassNames)
        if (c.class_subclass == cls) return c.name;
    char buf[16];
    std::snprintf(buf, sizeof buf, "Class %04x", cls);
    return buf;
}

// QEMU shows where a BAR is mapped; an unmapped one as all ones, with the end
// computed from that (hence the odd "[0x...fffe]" it prints).
std::string bar_line(const PciDevice& f, unsigned index) {
    const PciDevice::Bar& bar = f.bar(index);
    uint64_t address = f.bar_address(index);
    uint64_t last = address + bar.size - 1;
    char buf[128];
    if (bar.kind == BarKind::Io) {
        std::snprintf(buf, sizeof buf, "      BAR%u: I/O at 0x%04" PRIx64 " [0x%04" PRIx64 "].\n",
                      index, address, last);
    } else {
        std::snprintf(buf, sizeof buf,
                      "      BAR%u: %d bit%s memory at 0x%08" PRIx64 " [0x%08" PRIx64 "].\n", index,
                      bar.kind == BarKind::Mem64 ? 64 : 32, bar.prefetchable ? " prefetchable" : "",
                      address, last);
    }
    return buf;
}

}  // namespace

std::string PciBus::info_pci_text() const {
    std::string out;
    char buf[160];
    for (unsigned devfn = 0; devfn < functions_.size(); devfn++) {
        const PciDevice* f = function(devfn);
        if (!f) continue;
        std::snprintf(buf, sizeof buf, "  Bus %2u, device %3u, function %u:\n", 0u,
                      pci::slot_of(devfn), pci::function_of(devfn));
        out += buf;
        std::snprintf(buf, sizeof buf, "    %s: PCI device %04x:%04x\n",
                      class_description(f->class_code()).c_str(), f->vendor_id(), f->device_id());
        out += buf;
        std::snprintf(buf, sizeof buf, "      PCI subsystem %04x:%04x\n",
                      f->config_word(pci::kSubsystemVendorId), f->config_word(pci::kSubsystemId));
        out += buf;
        if (uint8_t pin = f->interrupt_pin()) {
            std::snprintf(buf, sizeof buf, "      IRQ %u, pin %c\n",
                          f->config_byte(pci::kInterruptLine), char('A' + pin - 1));
            out += buf;
        }
        for (unsigned i = 0; i <= pci::kBarCount; i++)
            if (f->bar(i).region) out += bar_line(*f, i);
        out += "      id \"" + f->id() + "\"\n";
    }
    return out;
}

}  // namespace kemu
