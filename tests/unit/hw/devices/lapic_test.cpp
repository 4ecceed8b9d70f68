#include "hw/intc/lapic.h"

#include <gtest/gtest.h>

#include <vector>

#include "hw/intc/apic_bus.h"
#include "tests/unit/hw/devices/device_harness.h"

namespace kemu {
namespace {

using test::DeviceHarness;

// xAPIC register offsets used below.
constexpr uint64_t kId = 0x20, kVersion = 0x30, kTpr = 0x80, kPpr = 0xa0, kEoi = 0xb0, kLdr = 0xd0,
                   kDfr = 0xe0, kSvr = 0xf0, kIsr = 0x100, kIrr = 0x200, kEsr = 0x280,
                   kIcrLow = 0x300, kIcrHigh = 0x310, kLvtTimer = 0x320, kLvtLint0 = 0x350,
                   kInitialCount = 0x380, kCurrentCount = 0x390, kDivide = 0x3e0;

class CountingSink final : public CpuInterruptSink {
  public:
    void interrupt_pending_changed() override { calls++; }
    int calls = 0;
};

class LapicTest : public ::testing::Test {
  protected:
    LapicTest() {
        bus.attach(&cpu0);
        bus.attach(&cpu1);
        cpu0.attach_cpu(&sink0);
        cpu1.attach_cpu(&sink1);
        bus.on_eoi([this](uint8_t vector) { eois.push_back(vector); });
    }
    static void enable(Lapic& lapic, uint32_t spurious = 0xff) {
        lapic.mmio_write(kSvr, 0x100 | spurious, 4);
    }
    static uint32_t reg(Lapic& lapic, uint64_t offset) {
        return uint32_t(lapic.mmio_read(offset, 4));
    }
    static void fixed(Lapic& lapic, uint8_t vector, bool level = false) {
        ApicMessage m;
        m.vector = vector;
        m.level_triggered = level;
        lapic.receive(m);
    }
    // INTA then EOI: the vector the CPU would run.
    static int take(Lapic& lapic) {
        int vector = lapic.acknowledge_interrupt();
        lapic.mmio_write(kEoi, 0, 4);
        return vector;
    }
    static void send_ipi(Lapic& from, uint32_t dest, uint32_t low) {
        from.mmio_write(kIcrHigh, dest << 24, 4);
        from.mmio_write(kIcrLow, low, 4);
    }

    DeviceHarness h;
    ApicBus bus;
    // A 1 GHz TSC, so TSC values are nanoseconds.
    Lapic cpu0{"apic0", h.timers, bus, 0, true, 1'000'000};
    Lapic cpu1{"apic1", h.timers, bus, 1, false, 1'000'000};
    CountingSink sink0, sink1;
    std::vector<uint8_t> eois;
};

TEST_F(LapicTest, PowerOnState) {
    EXPECT_EQ(cpu0.apic_base(), 0xfee00900u);  // enabled, BSP
    EXPECT_EQ(cpu1.apic_base(), 0xfee00800u);
    EXPECT_EQ(reg(cpu1, kId), 1u << 24);
    EXPECT_EQ(reg(cpu0, kVersion), 0x00060014u);
    EXPECT_EQ(reg(cpu0, kSvr), 0xffu);
    EXPECT_EQ(reg(cpu0, kDfr), 0xffffffffu);
    EXPECT_EQ(reg(cpu0, kLvtLint0), 0x700u);  // virtual wire on the BSP
    EXPECT_EQ(reg(cpu1, kLvtLint0), 0x10000u);
    EXPECT_FALSE(cpu0.has_interrupt());
}

TEST_F(LapicTest, TprHoldsOffLowerPriorityClasses) {
    enable(cpu0);
    int before = sink0.calls;
    fixed(cpu0, 0x55);
    EXPECT_GT(sink0.calls, before);
    EXPECT_TRUE(cpu0.has_interrupt());
    cpu0.mmio_write(kTpr, 0x50, 4);
    EXPECT_FALSE(cpu0.has_interrupt());  // same class as the TPR
    EXPECT_EQ(reg(cpu0, kPpr), 0x50u);
    cpu0.mmio_write(kTpr, 0x4f, 4);
    EXPECT_TRUE(cpu0.has_interrupt());
    EXPECT_EQ(cpu0.acknowledge_interrupt(), 0x55);
    EXPECT_EQ(reg(cpu0, kPpr), 0x50u);  // the in-service class wins over TPR 0x4f
}

TEST_F(LapicTest, InServiceNestingAndEoi) {
    enable(cpu0);
    fixed(cpu0, 0x40);
    EXPECT_EQ(cpu0.acknowledge_interrupt(), 0x40);
    fixed(cpu0, 0x45);
    EXPECT_FALSE(cpu0.has_interrupt());  // same class as the one in service
    fixed(cpu0, 0x80);
    EXPECT_TRUE(cpu0.has_interrupt());
    EXPECT_EQ(cpu0.acknowledge_interrupt(), 0x80);
    EXPECT_EQ(reg(cpu0, kIsr + 0x40), 1u);       // vector 0x80 is bit 0 of ISR word 4
    EXPECT_EQ(reg(cpu0, kIsr + 0x20), 1u << 0);  // vector 0x40 in word 2
    cpu0.mmio_write(kEoi, 0, 4);
    EXPECT_EQ(reg(cpu0, kIsr + 0x40), 0u);
    EXPECT_FALSE(cpu0.has_interrupt());
    cpu0.mmio_write(kEoi, 0, 4);
    EXPECT_TRUE(cpu0.has_interrupt());
    EXPECT_EQ(cpu0.acknowledge_interrupt(), 0x45);
    EXPECT_TRUE(eois.empty());  // edge-triggered vectors do not go back to the IOAPIC
}

TEST_F(LapicTest, EoiOfLevelVectorIsBroadcast) {
    enable(cpu0);
    fixed(cpu0, 0x61, true);
    EXPECT_EQ(reg(cpu0, 0x180 + 0x30), 1u << 1);  // TMR word 3, bit 1
    EXPECT_EQ(cpu0.acknowledge_interrupt(), 0x61);
    cpu0.mmio_write(kEoi, 0, 4);
    ASSERT_EQ(eois.size(), 1u);
    EXPECT_EQ(eois[0], 0x61);
}

TEST_F(LapicTest, IllegalVectorSetsErrorStatus) {
    enable(cpu0);
    fixed(cpu0, 0x05);
    EXPECT_FALSE(cpu0.has_interrupt());
    cpu0.mmio_write(kEsr, 0, 4);  // latch the errors seen so far
    EXPECT_EQ(reg(cpu0, kEsr), 0x40u);
    send_ipi(cpu0, 1, 0x4003);
    cpu0.mmio_write(kEsr, 0, 4);
    EXPECT_EQ(reg(cpu0, kEsr), 0x20u);
    cpu0.mmio_write(0x40, 1, 4);  // no register there
    cpu0.mmio_write(kEsr, 0, 4);
    EXPECT_EQ(reg(cpu0, kEsr), 0x80u);
    cpu0.mmio_write(kPpr, 1, 4);  // read-only: ignored without an error
    cpu0.mmio_write(kEsr, 0, 4);
    EXPECT_EQ(reg(cpu0, kEsr), 0u);
}

TEST_F(LapicTest, OneShotTimerFiresOnceAtItsDeadline) {
    enable(cpu0);
    cpu0.mmio_write(kDivide, 0xb, 4);  // divide by 1: one tick per ns
    cpu0.mmio_write(kLvtTimer, 0x30, 4);
    cpu0.mmio_write(kInitialCount, 1000, 4);
    h.step(400);
    EXPECT_EQ(reg(cpu0, kCurrentCount), 600u);
    h.step(599);
    EXPECT_FALSE(cpu0.has_interrupt());
    h.step(1);
    EXPECT_TRUE(cpu0.has_interrupt());
    EXPECT_EQ(cpu0.acknowledge_interrupt(), 0x30);
    cpu0.mmio_write(kEoi, 0, 4);
    EXPECT_EQ(reg(cpu0, kCurrentCount), 0u);
    h.step(10'000);
    EXPECT_FALSE(cpu0.has_interrupt());
}

TEST_F(LapicTest, PeriodicTimerReloads) {
    enable(cpu0);
    cpu0.mmio_write(kDivide, 0x0, 4);  // divide by 2
    cpu0.mmio_write(kLvtTimer, 0x20031, 4);
    cpu0.mmio_write(kInitialCount, 500, 4);  // 1000 ns period
    h.step(250);
    EXPECT_EQ(reg(cpu0, kCurrentCount), 375u);
    int fired = 0;
    for (int i = 0; i < 35; i++) {
        h.step(100);
        if (cpu0.has_interrupt()) {
            EXPECT_EQ(cpu0.acknowledge_interrupt(), 0x31);
            cpu0.mmio_write(kEoi, 0, 4);
            fired++;
        }
    }
    EXPECT_EQ(fired, 3);  // at 1000, 2000 and 3000 ns
}

TEST_F(LapicTest, MaskedTimerDoesNotInterrupt) {
    enable(cpu0);
    cpu0.mmio_write(kDivide, 0xb, 4);
    cpu0.mmio_write(kLvtTimer, 0x10030, 4);
    cpu0.mmio_write(kInitialCount, 100, 4);
    h.step(1000);
    EXPECT_FALSE(cpu0.has_interrupt());
}

TEST_F(LapicTest, TscDeadlineTimer) {
    enable(cpu0);
    // Outside TSC-deadline mode the MSR ignores writes.
    EXPECT_TRUE(cpu0.write_msr(Lapic::kMsrTscDeadline, 100));
    EXPECT_EQ(cpu0.read_msr(Lapic::kMsrTscDeadline), 0u);
    cpu0.mmio_write(kLvtTimer, 0x40032, 4);
    EXPECT_TRUE(cpu0.write_msr(Lapic::kMsrTscDeadline, 5000));
    EXPECT_EQ(cpu0.tsc_deadline(), 5000u);
    h.step(4999);
    EXPECT_FALSE(cpu0.has_interrupt());
    h.step(1);
    EXPECT_EQ(cpu0.tsc_now(), 5000u);
    EXPECT_TRUE(cpu0.has_interrupt());
    EXPECT_EQ(cpu0.acknowledge_interrupt(), 0x32);
    EXPECT_EQ(cpu0.tsc_deadline(), 0u);  // a fired deadline disarms
}

TEST_F(LapicTest, TscFollowsTheConfiguredFrequency) {
    Lapic slow("apic-slow", h.timers, bus, 7, false, 2'500'000);  // 2.5 GHz
    h.step(1'000'000);
    EXPECT_EQ(slow.tsc_now(), 2'500'000u);
    // Exactly ns * kHz / 10^6, rounded down, at an odd frequency and past 2^64 / kHz ns.
    Lapic odd("apic-odd", h.timers, bus, 8, false, 2'893'417);
    for (int64_t step :
         {int64_t(999'999), int64_t(1), int64_t(123'456'789'013), int64_t(7'000'000'000'000'001)}) {
        h.step(step);
        const int64_t ns = h.timers.now_ns();
        EXPECT_EQ(odd.tsc_now(), uint64_t((unsigned __int128)ns * 2'893'417 / 1'000'000)) << ns;
    }
}

TEST_F(LapicTest, FixedIpiAndShorthands) {
    enable(cpu0);
    enable(cpu1);
    send_ipi(cpu0, 1, 0x4041);  // fixed, physical, to APIC 1
    EXPECT_TRUE(cpu1.has_interrupt());
    EXPECT_FALSE(cpu0.has_interrupt());
    EXPECT_EQ(take(cpu1), 0x41);
    send_ipi(cpu0, 0, 0xc4042);  // all excluding self
    EXPECT_FALSE(cpu0.has_interrupt());
    EXPECT_EQ(take(cpu1), 0x42);
    send_ipi(cpu0, 0, 0x44043);  // self
    EXPECT_EQ(take(cpu0), 0x43);
    send_ipi(cpu1, 0, 0x84044);  // all including self
    EXPECT_EQ(take(cpu0), 0x44);
    EXPECT_EQ(take(cpu1), 0x44);
    EXPECT_EQ(reg(cpu0, kIcrLow) & 0x1000, 0u);  // delivery status idle
}

TEST_F(LapicTest, LogicalFlatAndClusterDestinations) {
    enable(cpu0);
    enable(cpu1);
    cpu0.mmio_write(kLdr, 0x01000000, 4);
    cpu1.mmio_write(kLdr, 0x02000000, 4);
    send_ipi(cpu0, 0x02, 0x4851);  // logical flat, bit 1
    EXPECT_FALSE(cpu0.has_interrupt());
    EXPECT_EQ(take(cpu1), 0x51);
    // Cluster model: cluster 1, members 1 and 2.
    for (Lapic* l : {&cpu0, &cpu1})
        l->mmio_write(kDfr, 0x0fffffff, 4);
    cpu0.mmio_write(kLdr, 0x11000000, 4);
    cpu1.mmio_write(kLdr, 0x12000000, 4);
    send_ipi(cpu0, 0x13, 0x4852);
    EXPECT_EQ(take(cpu0), 0x52);
    EXPECT_EQ(take(cpu1), 0x52);
    send_ipi(cpu0, 0x23, 0x4853);  // another cluster
    EXPECT_FALSE(cpu0.has_interrupt());
    EXPECT_FALSE(cpu1.has_interrupt());
}

TEST_F(LapicTest, LowestPriorityPicksTheLowerTpr) {
    enable(cpu0);
    enable(cpu1);
    cpu0.mmio_write(kLdr, 0x01000000, 4);
    cpu1.mmio_write(kLdr, 0x02000000, 4);
    cpu0.mmio_write(kTpr, 0x20, 4);
    send_ipi(cpu0, 0x03, 0x4961);  // lowest priority, logical, to both
    EXPECT_FALSE(cpu0.has_interrupt());
    EXPECT_TRUE(cpu1.has_interrupt());
}

TEST_F(LapicTest, InitSipiAndNmi) {
    enable(cpu0);
    enable(cpu1);
    cpu1.mmio_write(kTpr, 0x30, 4);
    send_ipi(cpu0, 1, 0x4500);  // INIT assert
    EXPECT_TRUE(cpu1.take_init());
    EXPECT_FALSE(cpu1.take_init());       // consumed
    EXPECT_EQ(reg(cpu1, kTpr), 0u);       // INIT reset the registers
    EXPECT_EQ(reg(cpu1, kId), 1u << 24);  // but not the ID
    send_ipi(cpu0, 1, 0x8500);            // INIT level de-assert
    EXPECT_FALSE(cpu1.take_init());
    send_ipi(cpu0, 1, 0x4608);  // SIPI, vector 8
    EXPECT_EQ(cpu1.take_sipi(), std::optional<uint8_t>(8));
    EXPECT_EQ(cpu1.take_sipi(), std::nullopt);
    int before = sink1.calls;
    send_ipi(cpu0, 1, 0x4400);  // NMI
    EXPECT_GT(sink1.calls, before);
    EXPECT_TRUE(cpu1.take_nmi());
    EXPECT_FALSE(cpu1.take_nmi());
}

TEST_F(LapicTest, X2apicMsrInterface) {
    enable(cpu0);
    enable(cpu1);
    EXPECT_EQ(cpu0.read_msr(0x802), std::nullopt);                   // not in x2APIC mode yet
    EXPECT_FALSE(cpu0.write_msr(0x1b, 0xfee00000 | 0x100 | 0x400));  // EXTD without EN
    ASSERT_TRUE(cpu0.write_msr(0x1b, 0xfee00000 | 0x100 | 0xc00));
    ASSERT_TRUE(cpu1.write_msr(0x1b, 0xfee00000 | 0xc00));
    EXPECT_TRUE(cpu0.x2apic_mode());
    EXPECT_EQ(cpu1.read_msr(0x802), 1u);
    EXPECT_EQ(cpu1.read_msr(0x80d), (0u << 16) | (1u << 1));  // derived logical ID
    EXPECT_EQ(cpu0.read_msr(0x80e), std::nullopt);            // no DFR in x2APIC mode
    EXPECT_FALSE(cpu0.write_msr(0x802, 5));                   // ID is read-only
    EXPECT_FALSE(cpu0.write_msr(0x80b, 1));                   // EOI takes only 0
    EXPECT_EQ(cpu0.read_msr(0x80b), std::nullopt);            // and is write-only
    EXPECT_TRUE(cpu0.write_msr(0x830, (uint64_t(1) << 32) | 0x4071));
    EXPECT_EQ(cpu1.acknowledge_interrupt(), 0x71);
    EXPECT_EQ(cpu0.read_msr(0x830), (uint64_t(1) << 32) | 0x4071);
    EXPECT_TRUE(cpu0.write_msr(0x83f, 0x72));  // self IPI
    EXPECT_EQ(cpu0.acknowledge_interrupt(), 0x72);
    EXPECT_TRUE(cpu0.write_msr(0x80b, 0));
    EXPECT_TRUE(cpu0.write_msr(0x808, 0x20));
    EXPECT_EQ(cpu0.read_msr(0x808), 0x20u);
    // The xAPIC page is off, and x2APIC -> xAPIC needs a pass through disabled.
    EXPECT_EQ(cpu0.mmio_read(kTpr, 4), 0u);
    EXPECT_FALSE(cpu0.write_msr(0x1b, 0xfee00000 | 0x100 | 0x800));
    EXPECT_TRUE(cpu0.write_msr(0x1b, 0xfee00000 | 0x100));
    EXPECT_TRUE(cpu0.write_msr(0x1b, 0xfee00000 | 0x100 | 0x800));
    EXPECT_EQ(reg(cpu0, kTpr), 0u);  // disabling reset the registers
}

TEST_F(LapicTest, ApicBaseRejectsReservedBitsAndMoves) {
    EXPECT_FALSE(cpu0.write_msr(0x1b, 0xfee00000 | 0x900 | 0x1));
    EXPECT_TRUE(cpu0.write_msr(0x1b, 0xfed00000 | 0x900));
    EXPECT_EQ(cpu0.apic_base(), 0xfed00900u);
    EXPECT_EQ(cpu0.read_msr(0x1b), 0xfed00900u);
}

TEST_F(LapicTest, SoftwareDisabledApicDropsFixedAndMasksLvts) {
    // Power-on SVR has the APIC software-disabled.
    fixed(cpu1, 0x50);
    EXPECT_FALSE(cpu1.has_interrupt());
    cpu1.mmio_write(kLvtTimer, 0x30, 4);
    EXPECT_EQ(reg(cpu1, kLvtTimer), 0x10030u);  // the mask stays set
    enable(cpu1, 0xef);
    EXPECT_EQ(cpu1.acknowledge_interrupt(), 0xef);  // nothing pending: the spurious vector
    fixed(cpu1, 0x50);
    cpu1.mmio_write(kTpr, 0xf0, 4);  // raised between INTR and INTA
    EXPECT_EQ(cpu1.acknowledge_interrupt(), 0xef);
    EXPECT_EQ(reg(cpu1, kIrr + 0x20), 1u << 16);  // still pending
    cpu1.mmio_write(kSvr, 0xef, 4);
    EXPECT_EQ(reg(cpu1, kLvtLint0) & 0x10000, 0x10000u);
}

TEST_F(LapicTest, ExtIntFromPicThroughLint0) {
    int pic_acks = 0;
    cpu0.set_extint_source([&] {
        pic_acks++;
        return 0x30;
    });
    cpu0.set_lint(0, true);
    EXPECT_TRUE(cpu0.has_interrupt());  // virtual wire works with the APIC software-disabled
    EXPECT_EQ(cpu0.acknowledge_interrupt(), 0x30);
    EXPECT_EQ(pic_acks, 1);
    cpu0.mmio_write(kSvr, 0x1ff, 4);
    cpu0.mmio_write(kLvtLint0, 0x10700, 4);  // masked
    EXPECT_FALSE(cpu0.has_interrupt());
    // Globally disabled: LINT0 is the INTR pin whatever the LVT says.
    ASSERT_TRUE(cpu0.write_msr(0x1b, 0xfee00100));
    EXPECT_TRUE(cpu0.has_interrupt());
    EXPECT_EQ(cpu0.acknowledge_interrupt(), 0x30);
    cpu0.set_lint(0, false);
    EXPECT_FALSE(cpu0.has_interrupt());
}

TEST_F(LapicTest, Lint1DeliversNmi) {
    cpu0.set_lint(1, true);
    EXPECT_TRUE(cpu0.take_nmi());
    cpu0.set_lint(1, true);
    EXPECT_FALSE(cpu0.take_nmi());  // edge only
}

TEST_F(LapicTest, StateRoundTrips) {
    enable(cpu0);
    cpu0.mmio_write(kDivide, 0xb, 4);
    cpu0.mmio_write(kLvtTimer, 0x20030, 4);
    cpu0.mmio_write(kInitialCount, 1000, 4);
    fixed(cpu0, 0x90);
    EXPECT_EQ(cpu0.acknowledge_interrupt(), 0x90);
    h.step(300);
    Lapic copy("copy", h.timers, bus, 5, false, 1'000'000);
    test::copy_state(cpu0, copy);
    EXPECT_EQ(copy.info(), cpu0.info());
    EXPECT_EQ(reg(copy, kCurrentCount), 700u);
    cpu0.mmio_write(kEoi, 0, 4);
    copy.mmio_write(kEoi, 0, 4);
    h.step(700);
    EXPECT_TRUE(copy.has_interrupt());  // the restored timer runs on
}

}  // namespace
}  // namespace kemu
