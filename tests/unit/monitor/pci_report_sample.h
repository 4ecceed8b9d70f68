// The functions of a small PCI bus as `info pci` data: what
// tests/unit/hw/pci/info_pci_test.cpp reads from a bus it builds, and what
// tests/unit/monitor/pci_report_test.cpp formats into QEMU's text.
#pragma once

#include <vector>

#include "monitor/pci_report.h"

namespace kemu::test {

inline std::vector<PciDeviceInfo> sample_pci_devices() {
    using Region = PciMemoryRegion;
    return {
        {.slot = 0,
         .function = 0,
         .class_info = {"Host bridge", 0x0600},
         .id = {0x8086, 0x1237, 0, 0}},
        {.slot = 1,
         .function = 0,
         .class_info = {"ISA bridge", 0x0601},
         .id = {0x8086, 0x7000, 0, 0}},
        {.slot = 1,
         .function = 3,
         .class_info = {"Bridge", 0x0680},
         .id = {0x8086, 0x7113, 0, 0},
         .irq = 9,
         .irq_pin = 1},
        // A NIC with an I/O BAR, a 32-bit and a 64-bit prefetchable memory BAR, and an
        // expansion ROM the guest has not mapped.
        {.slot = 3,
         .function = 0,
         .class_info = {"Ethernet controller", 0x0200},
         .id = {0x1234, 0x5678, 0x1af4, 0x1100},
         .irq = 11,
         .irq_pin = 1,
         .qdev_id = "net0",
         .regions = {{0, Region::Type::Io, 0xc040, 0x10, false, false},
                     {1, Region::Type::Memory, 0xfebf1000, 0x1000, false, false},
                     {2, Region::Type::Memory, 0x800000000, 0x100000, true, true},
                     {6, Region::Type::Memory, ~0ull, 0x10000, false, false}}},
    };
}

}  // namespace kemu::test
