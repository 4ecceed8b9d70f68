// `info pic`, `info lapic` and `info irq` as kemu has always laid them out (QEMU's words
// where it has them), from the data the interrupt controller models hand over.
#include "monitor/irqchip_report.h"

#include <gtest/gtest.h>

namespace kemu {
namespace {

TEST(IrqchipReport, PicLinesThenTheIoapicRedirectionTable) {
    InterruptControllersInfo info;
    info.master = {.irr = 0x20,
                   .imr = 0xfe,
                   .isr = 0x01,
                   .highest_priority = 0,
                   .irq_base = 0x08,
                   .read_isr = true};
    info.slave = {.imr = 0xff,
                  .highest_priority = 3,
                  .irq_base = 0x70,
                  .elcr = 0x0c,
                  .special_fully_nested = true,
                  .auto_eoi = true,
                  .poll = true,
                  .special_mask = true};
    info.ioapic = {.version = 0x20, .id = 2, .select = 0x10, .irr = 0x100020, .pins = {}};
    info.ioapic.pins.push_back({.entry = 0x10000, .delivery_mode = "fixed", .masked = true});
    info.ioapic.pins.push_back({.entry = 0x030000000000c930,
                                .destination = 3,
                                .vector = 0x30,
                                .delivery_mode = "lowest",
                                .logical = true,
                                .level = true,
                                .remote_irr = true});
    EXPECT_EQ(format_info_pic(info),
              "pic0: irr=20 imr=fe isr=01 hprio=0 irq_base=08 rr_sel=1 elcr=00 fnm=0 aeoi=0 "
              "poll=0 smm=0\n"
              "pic1: irr=00 imr=ff isr=00 hprio=3 irq_base=70 rr_sel=0 elcr=0c fnm=1 aeoi=1 "
              "poll=1 smm=1\n"
              "ioapic0: ver=0x20 id=0x02 sel=0x10 irr=0x100020\n"
              "  pin 0  0x0000000000010000 dest=0x00 vec=0   fixed  physical edge  masked\n"
              "  pin 1  0x030000000000c930 dest=0x03 vec=48  lowest logical  level remote-irr\n");
}

LapicInfo busy_bsp() {
    LapicInfo l;
    l.cpu = 1;
    l.apic_id = 1;
    l.apic_base = 0xfee00900;
    l.mode = LapicInfo::Mode::XApic;
    l.bsp = true;
    l.lvt = {0x10000, 0x10000, 0x10000, 0x10000, 0x700, 0x10000, 0x10000};
    l.divide_config = 0xb;
    l.divide_by = 1;
    l.initial_count = 1000;
    l.current_count = 700;
    l.svr = 0x1ff;
    l.icr = 0x4500;
    l.icr2 = 0x01000000;
    l.isr = {0x90};
    l.irr = {0x31, 0x90};
    l.tpr = 0x10;
    l.dfr = 0xff;
    l.ldr = 0x01;
    l.ppr = 0x90;
    return l;
}

TEST(IrqchipReport, LapicRegistersAndVectorLists) {
    EXPECT_EQ(format_info_lapic(busy_bsp()),
              "dumping local APIC state for CPU 1\n\n"
              "APIC ID 1, base 0x00000000fee00900 (xAPIC, BSP)\n"
              "LVTCMCI  0x00010000\n"
              "LVTT     0x00010000\n"
              "LVTTHMR  0x00010000\n"
              "LVTPC    0x00010000\n"
              "LVT0     0x00000700\n"
              "LVT1     0x00010000\n"
              "LVTERR   0x00010000\n"
              "Timer    DCR=0xb (divide by 1) initial_count = 1000 current_count = 700 "
              "tsc_deadline = 0x0\n"
              "SPIV     0x000001ff APIC enabled, spurious vec 255\n"
              "ICR      0x00004500\n"
              "ICR2     0x01000000\n"
              "ESR      0x00000000\n"
              "ISR      144\n"
              "IRR      49 144\n"
              "TPR 0x10 DFR 0xff LDR 0x01 PPR 0x90\n");
}

TEST(IrqchipReport, ADisabledLapicWithNothingPending) {
    LapicInfo l = busy_bsp();
    l.mode = LapicInfo::Mode::Disabled;
    l.bsp = false;
    l.svr = 0xff;
    l.isr.clear();
    l.irr.clear();
    std::string text = format_info_lapic(l);
    EXPECT_NE(text.find("(disabled)\n"), std::string::npos) << text;
    EXPECT_NE(text.find("SPIV     0x000000ff APIC disabled, spurious vec 255\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("ISR      (none)\nIRR      (none)\n"), std::string::npos) << text;
    l.mode = LapicInfo::Mode::X2Apic;
    EXPECT_NE(format_info_lapic(l).find("(x2APIC)\n"), std::string::npos);
}

TEST(IrqchipReport, IrqListsOnlyInputsThatFired) {
    IrqStatsInfo info{"isa-i8259", {2, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 12345678901, 0}};
    EXPECT_EQ(format_info_irq(info),
              "IRQ statistics for isa-i8259:\n"
              " 0: 2\n"
              " 8: 5\n"
              "14: 12345678901\n");
}

}  // namespace
}  // namespace kemu
