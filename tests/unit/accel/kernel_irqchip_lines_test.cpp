// The board's interrupt lines as an in-kernel irqchip (KVM_IRQ_LINE) sees them: a
// recording sink stands in for the accelerator's irqchip_input(), so no /dev/kvm is
// needed. The device programming follows the guest programs serial_irq.c and rtc.c.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "hw/i386/pc.h"
#include "hw/i386/pc_layout.h"
#include "tests/unit/hw/devices/device_harness.h"

namespace kemu {
namespace {

using test::DeviceHarness;

// Every KVM_IRQ_LINE the board would issue, in order: (gsi, level).
class RecordingIrqchip {
  public:
    IrqLine::Sink input(unsigned gsi) {
        return [this, gsi](bool level) { calls.push_back({gsi, level}); };
    }
    int raises(unsigned gsi) const {
        int n = 0;
        for (const auto& [g, level] : calls)
            n += g == gsi && level;
        return n;
    }
    bool level(unsigned gsi) const {
        bool l = false;
        for (const auto& [g, level] : calls)
            if (g == gsi) l = level;
        return l;
    }
    std::vector<std::pair<unsigned, bool>> calls;
};

class KernelIrqchipLinesTest : public ::testing::Test {
  protected:
    void SetUp() override {
        BoardConfig config;
        config.ram.below_4g = 16u << 20;
        config.serials = {nullptr};
        config.acpi = false;
        BoardServices services{memory,
                               h.io,
                               h.timers,
                               [this](unsigned gsi) {
                                   requested.push_back(gsi);
                                   return irqchip.input(gsi);
                               },
                               nullptr,
                               nullptr,
                               nullptr,
                               nullptr};
        auto created = PcBoard::create(config, services);
        ASSERT_TRUE(created.ok());
        board = std::move(*created);
    }
    uint8_t cmos_read(uint8_t reg) {
        h.outb(0x70, reg);
        return h.inb(0x71);
    }
    void cmos_write(uint8_t reg, uint8_t value) {
        h.outb(0x70, reg);
        h.outb(0x71, value);
    }

    DeviceHarness h;
    AddressSpace memory{"memory", uint64_t(1) << 32};
    RecordingIrqchip irqchip;
    std::vector<unsigned> requested;
    std::unique_ptr<PcBoard> board;
};

constexpr uint16_t kCom1 = 0x3f8;
constexpr unsigned kCom1Gsi = 4, kRtcGsi = 8;

TEST_F(KernelIrqchipLinesTest, NoUserspaceControllersAndEveryIsaDeviceWired) {
    EXPECT_FALSE(board->userspace_irqchip());
    EXPECT_EQ(board->lapic(0), nullptr);
    // The PIT is the kernel's: nothing of ours answers its ports.
    EXPECT_EQ(h.io.flat_view().lookup(0x40), nullptr);
    for (unsigned gsi : {kCom1Gsi, 1u, 12u, kRtcGsi, unsigned(pc::kIrqSci)})
        EXPECT_NE(std::find(requested.begin(), requested.end(), gsi), requested.end())
            << "no line asked for GSI " << gsi;
}

// serial_irq.c: loopback with OUT2, THRE then RDA interrupts on ISA IRQ 4.
TEST_F(KernelIrqchipLinesTest, UartInLoopbackRaisesAndLowersIrq4) {
    h.outb(kCom1 + 4, 0x10 | 0x08 | 0x03);  // LOOP | OUT2 | DTR | RTS
    EXPECT_EQ(h.inb(kCom1 + 2) & 0x0f, 0x01);
    h.outb(kCom1 + 1, 0x02);  // THRE interrupt enable
    EXPECT_EQ(irqchip.raises(kCom1Gsi), 1);
    EXPECT_TRUE(irqchip.level(kCom1Gsi));
    EXPECT_EQ(h.inb(kCom1 + 2) & 0x0f, 0x02);  // reading IIR acknowledges THRE
    EXPECT_FALSE(irqchip.level(kCom1Gsi));
    h.outb(kCom1 + 1, 0x01);  // RDA only
    for (uint8_t byte : {uint8_t('k'), uint8_t(0x00), uint8_t(0xff)}) {
        int before = irqchip.raises(kCom1Gsi);
        h.outb(kCom1, byte);
        h.step(1'000'000);  // well past one character time
        EXPECT_EQ(irqchip.raises(kCom1Gsi), before + 1) << "no RDA edge for " << int(byte);
        EXPECT_EQ(h.inb(kCom1 + 2) & 0x0f, 0x04);
        EXPECT_EQ(h.inb(kCom1), byte);
        EXPECT_FALSE(irqchip.level(kCom1Gsi)) << "reading RBR must lower IRQ 4";
    }
}

// rtc.c: the periodic interrupt at 16 Hz; each read of register C lowers IRQ 8 and
// the next period raises it again, one edge per period.
TEST_F(KernelIrqchipLinesTest, RtcPeriodicInterruptTogglesIrq8) {
    cmos_read(0x0c);
    cmos_write(0x0a, 0x20 | 12);
    cmos_write(0x0b, cmos_read(0x0b) | 0x40);
    h.step(70'000'000);
    ASSERT_TRUE(irqchip.level(kRtcGsi));
    EXPECT_EQ(cmos_read(0x0c) & 0xc0, 0xc0);  // IRQF | PF
    EXPECT_FALSE(irqchip.level(kRtcGsi));
    int before = irqchip.raises(kRtcGsi);
    for (int period = 0; period < 8; period++) {
        h.step(62'500'000);
        EXPECT_TRUE(irqchip.level(kRtcGsi));
        cmos_read(0x0c);
    }
    EXPECT_EQ(irqchip.raises(kRtcGsi), before + 8);
}

}  // namespace
}  // namespace kemu
