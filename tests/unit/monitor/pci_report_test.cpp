// `info pci` as QEMU lays it out, from the data the PCI code hands over.
#include "monitor/pci_report.h"

#include <gtest/gtest.h>

#include "pci_report_sample.h"

namespace kemu {
namespace {

TEST(PciReport, OneBlockPerFunctionInQemuWords) {
    EXPECT_EQ(format_info_pci(test::sample_pci_devices()),
              "  Bus  0, device   0, function 0:\n"
              "    Host bridge: PCI device 8086:1237\n"
              "      PCI subsystem 0000:0000\n"
              "      id \"\"\n"
              "  Bus  0, device   1, function 0:\n"
              "    ISA bridge: PCI device 8086:7000\n"
              "      PCI subsystem 0000:0000\n"
              "      id \"\"\n"
              "  Bus  0, device   1, function 3:\n"
              "    Bridge: PCI device 8086:7113\n"
              "      PCI subsystem 0000:0000\n"
              "      IRQ 9, pin A\n"
              "      id \"\"\n"
              "  Bus  0, device   3, function 0:\n"
              "    Ethernet controller: PCI device 1234:5678\n"
              "      PCI subsystem 1af4:1100\n"
              "      IRQ 11, pin A\n"
              "      BAR0: I/O at 0xc040 [0xc04f].\n"
              "      BAR1: 32 bit memory at 0xfebf1000 [0xfebf1fff].\n"
              "      BAR2: 64 bit prefetchable memory at 0x800000000 [0x8000fffff].\n"
              "      BAR6: 32 bit memory at 0xffffffffffffffff [0x0000fffe].\n"
              "      id \"net0\"\n");
}

TEST(PciReport, AClassWithoutANameShowsItsNumberAndPinDIsD) {
    PciDeviceInfo d{.slot = 31,
                    .function = 7,
                    .class_info = {"", 0x0c99},
                    .id = {0xabcd, 0x0001, 0, 0},
                    .irq = 255,
                    .irq_pin = 4,
                    .qdev_id = "x"};
    EXPECT_EQ(format_info_pci({d}),
              "  Bus  0, device  31, function 7:\n"
              "    Class 0c99: PCI device abcd:0001\n"
              "      PCI subsystem 0000:0000\n"
              "      IRQ 255, pin D\n"
              "      id \"x\"\n");
    EXPECT_EQ(format_info_pci({}), "");
}

}  // namespace
}  // namespace kemu
