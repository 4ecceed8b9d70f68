// `info pci` data: every function the guest sees, in devfn order, as QEMU's query-pci has it.
#include <gtest/gtest.h>

#include "hw/pci/i440fx.h"
#include "hw/pci/piix3.h"
#include "hw/pci/piix4_pm_function.h"
#include "pci_test_util.h"
#include "system/clock.h"
#include "tests/unit/monitor/pci_report_sample.h"

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

    EXPECT_EQ(h.bus.devices_info(), sample_pci_devices());
}

}  // namespace
}  // namespace kemu::test
