#include "monitor/pci_report.h"

#include <cinttypes>
#include <cstdio>

namespace kemu {

namespace {

// QEMU prints the end of an unmapped BAR from its all-ones address too (hence the odd
// "[0x...fffe]" it shows).
std::string region_line(const PciMemoryRegion& r) {
    uint64_t last = r.address + r.size - 1;
    char buf[128];
    if (r.type == PciMemoryRegion::Type::Io) {
        std::snprintf(buf, sizeof buf, "      BAR%u: I/O at 0x%04" PRIx64 " [0x%04" PRIx64 "].\n",
                      r.bar, r.address, last);
    } else {
        std::snprintf(buf, sizeof buf,
                      "      BAR%u: %d bit%s memory at 0x%08" PRIx64 " [0x%08" PRIx64 "].\n", r.bar,
                      r.mem_type_64 ? 64 : 32, r.prefetch ? " prefetchable" : "", r.address, last);
    }
    return buf;
}

std::string device_block(const PciDeviceInfo& d) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "  Bus %2u, device %3u, function %u:\n", d.bus, d.slot,
                  d.function);
    std::string out = buf;
    if (d.class_info.desc.empty()) {
        std::snprintf(buf, sizeof buf, "    Class %04x", d.class_info.klass);
        out += buf;
    } else {
        out += "    " + d.class_info.desc;
    }
    std::snprintf(buf, sizeof buf, ": PCI device %04x:%04x\n", d.id.vendor, d.id.device);
    out += buf;
    std::snprintf(buf, sizeof buf, "      PCI subsystem %04x:%04x\n", d.id.subsystem_vendor,
                  d.id.subsystem);
    out += buf;
    if (d.irq_pin) {
        std::snprintf(buf, sizeof buf, "      IRQ %u, pin %c\n", unsigned(d.irq.value_or(0)),
                      char('A' + d.irq_pin - 1));
        out += buf;
    }
    for (const PciMemoryRegion& r : d.regions)
        out += region_line(r);
    return out + "      id \"" + d.qdev_id + "\"\n";
}

}  // namespace

std::string format_info_pci(const std::vector<PciDeviceInfo>& devices) {
    std::string out;
    for (const PciDeviceInfo& d : devices)
        out += device_block(d);
    return out;
}

}  // namespace kemu
