// The PIIX4 PM function: identity, PMBA/PMREGMISC moving the ACPI PM block,
// the SMBus host controller with nobody on the bus, and DEVACTB for firmware.
#include "hw/pci/piix4_pm_function.h"

#include <gtest/gtest.h>

#include "pci_test_util.h"
#include "system/clock.h"

namespace kemu::test {
namespace {

constexpr unsigned kDevfn = pci::devfn(1, 3);
constexpr int64_t kSecond = 1000000000;

class Piix4PmFunctionTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(h.bus.plug(isa, pci::devfn(1, 0)).ok());
        ASSERT_TRUE(h.bus.plug(pm_function, kDevfn).ok());
    }
    uint32_t timer_at(uint16_t base) { return uint32_t(h.in(uint16_t(base + 8), 4)); }

    PciHarness h;
    ManualClock clock;
    TimerQueue timers{clock};
    AcpiPm pm{"pm", timers};
    TestFunction isa{"isa", 0, false};
    Piix4PmFunction pm_function{"piix4-pm", h.io, pm};
};

TEST_F(Piix4PmFunctionTest, Identity) {
    EXPECT_EQ(h.cfg_read(kDevfn, 0x00, 4), 0x71138086u);
    EXPECT_EQ(h.cfg_read(kDevfn, 0x08, 4), 0x06800003u);
    EXPECT_EQ(h.cfg_read(kDevfn, 0x3d, 1), 1u);  // INTA#
    EXPECT_EQ(h.cfg_read(kDevfn, 0x40, 4), 0x00000001u);
    EXPECT_EQ(h.cfg_read(pci::devfn(1, 0), 0x0e, 1), 0x80u);  // 01.0 is now multi-function
    // No SMM: firmware must find its SMM setup "done" (DEVACTB.APMC_EN).
    EXPECT_EQ(h.cfg_read(kDevfn, 0x58, 4) & Piix4PmFunction::kApmcEnable,
              Piix4PmFunction::kApmcEnable);
}

TEST_F(Piix4PmFunctionTest, PmBlockAppearsWherePmbaSaysOnceEnabled) {
    clock.step(kSecond);
    EXPECT_EQ(timer_at(0xb000), 0xffffffffu);
    h.cfg_write(kDevfn, 0x40, 4, 0xffffffff);
    EXPECT_EQ(h.cfg_read(kDevfn, 0x40, 4), 0x0000ffc1u);  // 64-byte block, bit 0 reads 1
    h.cfg_write(kDevfn, 0x40, 4, 0xb000);
    EXPECT_EQ(timer_at(0xb000), 0xffffffffu);  // PMIOSE still clear
    h.cfg_write(kDevfn, 0x80, 1, 0x01);
    EXPECT_EQ(pm_function.pm_base(), 0xb000u);
    EXPECT_EQ(timer_at(0xb000), 3579545u);
    // The guest moves it: the old place goes quiet.
    h.cfg_write(kDevfn, 0x40, 4, 0x0601);
    EXPECT_EQ(timer_at(0xb000), 0xffffffffu);
    EXPECT_EQ(timer_at(0x600), 3579545u);
    h.out(0x600 + AcpiPm::kPm1Enable, 2, AcpiPm::kPwrbtnSts);
    EXPECT_EQ(h.in(0x600 + AcpiPm::kPm1Enable, 2), AcpiPm::kPwrbtnSts);
    h.cfg_write(kDevfn, 0x80, 1, 0x00);
    EXPECT_EQ(timer_at(0x600), 0xffffffffu);
    EXPECT_EQ(pm_function.pm_base(), GuestMapping::kNone);
}

TEST_F(Piix4PmFunctionTest, ProgramPmBaseAndReset) {
    clock.step(kSecond);
    pm_function.program_pm_base(0x600);
    EXPECT_EQ(h.cfg_read(kDevfn, 0x40, 4), 0x00000601u);
    EXPECT_EQ(h.cfg_read(kDevfn, 0x80, 1), 0x01u);
    EXPECT_EQ(timer_at(0x600), 3579545u);
    pm_function.reset();
    EXPECT_EQ(pm_function.pm_base(), GuestMapping::kNone);
    EXPECT_EQ(timer_at(0x600), 0xffffffffu);
}

TEST_F(Piix4PmFunctionTest, PmBlockOverAnotherDeviceIsHiddenNotFatal) {
    IoOps ops;
    ops.read = [](uint64_t, unsigned) { return uint64_t(0x5a); };
    MemoryRegion other = MemoryRegion::io("other", 1, std::move(ops));
    ASSERT_TRUE(h.io.map(0x608, &other).ok());
    h.cfg_write(kDevfn, 0x40, 4, 0x600);
    h.cfg_write(kDevfn, 0x80, 1, 0x01);
    EXPECT_EQ(h.in(0x608, 1), 0x5au);  // the fixed device wins its port
    EXPECT_EQ(pm_function.pm_base(), 0x600u);
}

TEST_F(Piix4PmFunctionTest, SmbusAnswersNoDevice) {
    h.cfg_write(kDevfn, 0x90, 4, 0xb100);
    EXPECT_EQ(h.cfg_read(kDevfn, 0x90, 4), 0x0000b101u);
    h.cfg_write(kDevfn, 0xd2, 1, 0x09);
    EXPECT_EQ(pm_function.smbus_base(), GuestMapping::kNone);  // PCICMD.IOSE still clear
    h.cfg_write(kDevfn, pci::kCommand, 2, pci::kCommandIo);
    ASSERT_EQ(pm_function.smbus_base(), 0xb100u);
    h.out(0xb104, 1, 0xa1);  // address: SPD EEPROM 0x50, read
    h.out(0xb103, 1, 0x00);
    EXPECT_EQ(h.in(0xb104, 1), 0xa1u);
    h.out(0xb102, 1, 0x48);  // START, byte-data protocol
    uint8_t status = uint8_t(h.in(0xb100, 1));
    EXPECT_EQ(status & Piix4Smbus::kStatusDeviceError, Piix4Smbus::kStatusDeviceError);
    EXPECT_EQ(status & 0x01, 0u);  // not busy
    EXPECT_EQ(h.in(0xb102, 1) & Piix4Smbus::kControlStart, 0u);
    h.out(0xb100, 1, 0xff);  // write 1 to clear
    EXPECT_EQ(h.in(0xb100, 1), 0u);
    h.out(0xb102, 1, Piix4Smbus::kControlKill);
    EXPECT_EQ(h.in(0xb100, 1), Piix4Smbus::kStatusFailed);
}

TEST_F(Piix4PmFunctionTest, SaveLoadRemapsThePmBlockAndKeepsTheSmbus) {
    clock.step(kSecond);
    pm_function.program_pm_base(0xb000);
    h.cfg_write(kDevfn, 0x90, 4, 0xb100);
    h.cfg_write(kDevfn, 0xd2, 1, 0x01);
    h.cfg_write(kDevfn, pci::kCommand, 2, pci::kCommandIo);
    h.out(0xb104, 1, 0xa1);
    h.out(0xb102, 1, 0x48);  // START: nobody answers
    std::vector<uint8_t> saved = saved_state(pm_function);
    // The configuration space, the 16 SMBus registers as a blob, then the host status.
    std::vector<uint8_t> smbus{0x10, 0, 0, 0, 0, 0, 0x08, 0, 0xa1};
    smbus.resize(4 + 16);
    smbus.push_back(Piix4Smbus::kStatusDeviceError);
    EXPECT_EQ(saved, concat(saved_config(pm_function), smbus));
    pm_function.reset();
    ASSERT_EQ(timer_at(0xb000), 0xffffffffu);
    StateReader r(saved);
    ASSERT_TRUE(pm_function.load(r, 1).ok());
    EXPECT_EQ(timer_at(0xb000), 3579545u);
    EXPECT_EQ(h.in(0xb104, 1), 0xa1u);
    EXPECT_EQ(h.in(0xb100, 1), Piix4Smbus::kStatusDeviceError);
    StateReader short_stream(std::span<const uint8_t>(saved).first(saved.size() - 1));
    EXPECT_FALSE(pm_function.load(short_stream, 1).ok());
    EXPECT_EQ(timer_at(0xb000), 0xffffffffu) << "a refused stream leaves the power-on state";
}

TEST_F(Piix4PmFunctionTest, LoadedSmbusStatusKeepsOnlyItsBits) {
    std::vector<uint8_t> saved = saved_state(pm_function);
    saved.back() = 0xff;
    StateReader r(saved);
    ASSERT_TRUE(pm_function.load(r, 1).ok());
    h.cfg_write(kDevfn, 0x90, 4, 0xb100);
    h.cfg_write(kDevfn, 0xd2, 1, 0x01);
    h.cfg_write(kDevfn, pci::kCommand, 2, pci::kCommandIo);
    EXPECT_EQ(h.in(0xb100, 1), 0x1eu) << "interrupt, device, bus error and failed";
}

}  // namespace
}  // namespace kemu::test
