// `info pci` text, compared line by line with QEMU's wording.
#include <gtest/gtest.h>

#include "hw/pci/i440fx.h"
#include "hw/pci/piix3.h"
#include "hw/pci/piix4_pm_function.h"
#include "pci_test_util.h"
#include "system/clock.h"

namespace kemu::test {
namespace {

TEST(InfoPciTest, ListsFunctionsInDevfnOrderAsQemuDoes) {
    PciHarness h;
    ManualClock clock;
    TimerQueue timers{clock};
    AcpiPm pm{"pm", timers};
    I440fx host{"i440fx"};
    Piix3 isa{"piix3"};
    Piix4PmFunction pm_function{"piix4-pm", h.io, pm};
    TestFunction nic{"nic"};
    nic.set_id("net0");
    ASSERT_TRUE(h.bus.plug(pm_function, pci::devfn(1, 3)).ok());
    ASSERT_TRUE(h.bus.plug(nic, pci::devfn(3, 0)).ok());
    ASSERT_TRUE(h.bus.plug(isa, pci::devfn(1, 0)).ok());
    ASSERT_TRUE(h.bus.plug(host, pci::devfn(0, 0)).ok());
    h.cfg_write(pci::devfn(1, 3), pci::kInterruptLine, 1, 9);
    unsigned d = pci::devfn(3, 0);
    h.cfg_write(d, 0x10, 4, 0xc040);
    h.cfg_write(d, 0x14, 4, 0xfebf1000);
    h.cfg_write(d, 0x18, 4, 0x00000000);
    h.cfg_write(d, 0x1c, 4, 0x00000008);
    h.cfg_write(d, pci::kInterruptLine, 1, 11);
    h.cfg_write(d, pci::kCommand, 2, pci::kCommandIo | pci::kCommandMemory);

    EXPECT_EQ(h.bus.info_pci_text(),
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

}  // namespace
}  // namespace kemu::test
