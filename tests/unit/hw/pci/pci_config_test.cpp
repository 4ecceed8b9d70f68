// Configuration mechanism #1, absent functions, multi-function slots and the
// configuration-space rules every function shares (masks, W1C, capabilities, reset).
#include <gtest/gtest.h>

#include "pci_test_util.h"

namespace kemu::test {
namespace {

class PciConfigTest : public ::testing::Test {
  protected:
    PciHarness h;
    TestFunction f{"nic"};
};

TEST_F(PciConfigTest, ReadsIdentityThroughMechanism1) {
    ASSERT_TRUE(h.bus.plug(f, pci::devfn(3, 0)).ok());
    EXPECT_EQ(h.cfg_read(pci::devfn(3, 0), 0x00, 4), 0x56781234u);
    EXPECT_EQ(h.cfg_read(pci::devfn(3, 0), 0x08, 4), 0x02000001u);
    EXPECT_EQ(h.cfg_read(pci::devfn(3, 0), 0x2c, 4), 0x11001af4u);
    EXPECT_EQ(h.cfg_read(pci::devfn(3, 0), 0x3d, 1), 1u);
    // Narrow reads at every data port lane.
    EXPECT_EQ(h.cfg_read(pci::devfn(3, 0), 0x01, 1), 0x12u);
    EXPECT_EQ(h.cfg_read(pci::devfn(3, 0), 0x02, 2), 0x5678u);
    EXPECT_EQ(h.cfg_read(pci::devfn(3, 0), 0x03, 1), 0x56u);
}

TEST_F(PciConfigTest, AbsentFunctionsReadAllOnesAndIgnoreWrites) {
    ASSERT_TRUE(h.bus.plug(f, pci::devfn(3, 0)).ok());
    EXPECT_EQ(h.cfg_read(pci::devfn(4, 0), 0x00, 4), 0xffffffffu);
    EXPECT_EQ(h.cfg_read(pci::devfn(3, 1), 0x00, 2), 0xffffu);
    EXPECT_EQ(h.cfg_read(pci::devfn(31, 7), 0x0e, 1), 0xffu);
    h.cfg_write(pci::devfn(4, 0), 0x04, 2, 0x7);
    EXPECT_EQ(h.bus.config_read(pci::devfn(4, 0), 0x04, 2), 0xffffu);
    // Bus 1 does not exist: nothing answers even for devfn 3.0.
    h.out(kConfigAddress, 4, 0x80010000u | pci::devfn(3, 0) << 8);
    EXPECT_EQ(h.in(kConfigData, 4), 0xffffffffu);
}

TEST_F(PciConfigTest, DataPortIgnoredWhileConfigSpaceDisabled) {
    ASSERT_TRUE(h.bus.plug(f, pci::devfn(0, 0)).ok());
    h.out(kConfigAddress, 4, 0x0000003c);  // interrupt line of 00.0, enable bit clear
    EXPECT_EQ(h.in(kConfigData, 4), 0xffffffffu);
    h.out(kConfigData, 1, 0x0b);
    EXPECT_EQ(h.bus.config_read(0, 0x3c, 1), 0x00u);
    h.out(kConfigAddress, 4, config_address(0, 0x3c));
    h.out(kConfigData, 1, 0x0b);
    EXPECT_EQ(h.bus.config_read(0, 0x3c, 1), 0x0bu);
}

TEST_F(PciConfigTest, ConfigAddressLatchesOnlyDwordAccesses) {
    h.out(kConfigAddress, 4, 0xffffffff);
    EXPECT_EQ(h.in(kConfigAddress, 4), 0x80fffffcu);  // reserved bits read as zero
    h.out(kConfigAddress, 4, 0x80000800);
    h.out(kConfigAddress, 1, 0x00);
    h.out(kConfigAddress + 2, 2, 0x1234);
    h.out(kConfigAddress + 3, 1, 0x01);  // Linux's mechanism #2 probe
    EXPECT_EQ(h.in(kConfigAddress, 4), 0x80000800u);
    // Narrow reads of 0xcf8 are not the register either.
    EXPECT_EQ(h.in(kConfigAddress, 1), 0xffu);
    EXPECT_EQ(h.in(kConfigAddress, 2), 0xffffu);
}

TEST_F(PciConfigTest, ByteAt0xcf9GoesToTheResetControlRegister) {
    std::vector<uint8_t> written;
    IoOps ops;
    ops.read = [](uint64_t, unsigned) { return uint64_t(0x06); };
    ops.write = [&](uint64_t, uint64_t v, unsigned) { written.push_back(uint8_t(v)); };
    MemoryRegion rcr = MemoryRegion::io("rcr", 1, std::move(ops));
    h.bus.set_port_cf9(&rcr);
    h.out(0xcf9, 1, 0x04);
    EXPECT_EQ(h.in(0xcf9, 1), 0x06u);
    // A dword at 0xcf8 carries a devfn byte that must never reach the reset register.
    h.out(kConfigAddress, 4, config_address(pci::devfn(0, 4), 0));
    ASSERT_EQ(written.size(), 1u);
    EXPECT_EQ(written[0], 0x04);
}

TEST_F(PciConfigTest, DataPortWritesOfEverySize) {
    ASSERT_TRUE(h.bus.plug(f, pci::devfn(3, 0)).ok());
    unsigned d = pci::devfn(3, 0);
    h.cfg_write(d, 0x3c, 1, 0x0b);
    EXPECT_EQ(h.cfg_read(d, 0x3c, 1), 0x0bu);
    h.cfg_write(d, 0x04, 2, 0x0403);
    EXPECT_EQ(h.cfg_read(d, 0x04, 2), 0x0403u);
    h.cfg_write(d, 0x3c, 4, 0xffffff0a);  // pin, min_gnt, max_lat are read-only
    EXPECT_EQ(h.cfg_read(d, 0x3c, 4), 0x0000010au);
    EXPECT_GE(f.writes_seen, 3);
}

TEST_F(PciConfigTest, ReadOnlyAndWriteOneToClearBits) {
    ASSERT_TRUE(h.bus.plug(f, pci::devfn(3, 0)).ok());
    unsigned d = pci::devfn(3, 0);
    h.cfg_write(d, 0x00, 4, 0);
    EXPECT_EQ(h.cfg_read(d, 0x00, 4), 0x56781234u);
    f.signal_master_abort();
    EXPECT_EQ(h.cfg_read(d, 0x06, 2) & 0x2000, 0x2000u);
    h.cfg_write(d, 0x06, 2, 0x0000);  // writing 0 leaves it
    EXPECT_EQ(h.cfg_read(d, 0x06, 2) & 0x2000, 0x2000u);
    h.cfg_write(d, 0x06, 2, 0x2000);  // writing 1 clears it
    EXPECT_EQ(h.cfg_read(d, 0x06, 2) & 0x2000, 0u);
    // STATUS.Interrupt follows the function's INTx.
    f.intx().raise();
    EXPECT_EQ(h.cfg_read(d, 0x06, 1) & 0x08, 0x08u);
    f.intx().lower();
    EXPECT_EQ(h.cfg_read(d, 0x06, 1) & 0x08, 0u);
}

TEST_F(PciConfigTest, MultiFunctionBitAndFunctionZeroRule) {
    TestFunction second{"second"}, third{"third"};
    ASSERT_TRUE(h.bus.plug(second, pci::devfn(5, 2)).ok());
    // Without function 0 the slot is empty to enumeration.
    EXPECT_EQ(h.cfg_read(pci::devfn(5, 2), 0x00, 4), 0xffffffffu);
    ASSERT_TRUE(h.bus.plug(f, pci::devfn(5, 0)).ok());
    EXPECT_EQ(h.cfg_read(pci::devfn(5, 0), 0x0e, 1), 0x80u);
    EXPECT_EQ(h.cfg_read(pci::devfn(5, 2), 0x0e, 1), 0x00u);
    EXPECT_EQ(h.cfg_read(pci::devfn(5, 2), 0x00, 4), 0x56781234u);
    // A single-function slot keeps the bit clear, and reset keeps the bit where set.
    ASSERT_TRUE(h.bus.plug(third, pci::devfn(6, 0)).ok());
    EXPECT_EQ(h.cfg_read(pci::devfn(6, 0), 0x0e, 1), 0x00u);
    f.reset();
    EXPECT_EQ(h.cfg_read(pci::devfn(5, 0), 0x0e, 1), 0x80u);
}

TEST_F(PciConfigTest, PlugRejectsTakenAndInvalidDevfn) {
    TestFunction other{"other"};
    ASSERT_TRUE(h.bus.plug(f, pci::devfn(3, 0)).ok());
    EXPECT_FALSE(h.bus.plug(other, pci::devfn(3, 0)).ok());
    EXPECT_FALSE(h.bus.plug(other, 256).ok());
    EXPECT_FALSE(h.bus.plug(f, pci::devfn(4, 0)).ok());  // already on the bus
}

TEST_F(PciConfigTest, CapabilityListLinksNewestFirst) {
    EXPECT_EQ(f.add_test_capability(0x05, 0x50), 0x50);
    EXPECT_EQ(f.add_test_capability(0x09, 0x40), 0x40);
    ASSERT_TRUE(h.bus.plug(f, pci::devfn(3, 0)).ok());
    unsigned d = pci::devfn(3, 0);
    EXPECT_EQ(h.cfg_read(d, 0x06, 2) & 0x10, 0x10u);
    EXPECT_EQ(h.cfg_read(d, 0x34, 1), 0x40u);
    EXPECT_EQ(h.cfg_read(d, 0x40, 2), 0x5009u);  // id 9, next 0x50
    EXPECT_EQ(h.cfg_read(d, 0x50, 2), 0x0005u);  // id 5, end of list
}

TEST_F(PciConfigTest, ResetRestoresPowerOnConfiguration) {
    ASSERT_TRUE(h.bus.plug(f, pci::devfn(3, 0)).ok());
    unsigned d = pci::devfn(3, 0);
    h.cfg_write(d, 0x3c, 1, 0x0b);
    h.cfg_write(d, 0x10, 4, 0xc000);
    h.cfg_write(d, 0x04, 2, 0x0001);
    EXPECT_EQ(f.bar_address(0), 0xc000u);
    f.reset();
    EXPECT_EQ(h.cfg_read(d, 0x3c, 1), 0x00u);
    EXPECT_EQ(h.cfg_read(d, 0x10, 4), 0x00000001u);  // the I/O space indicator stays
    EXPECT_EQ(h.cfg_read(d, 0x04, 2), 0x0000u);
    EXPECT_EQ(f.bar_address(0), GuestMapping::kNone);
}

TEST_F(PciConfigTest, SaveLoadRestoresRegistersAndMappings) {
    ASSERT_TRUE(h.bus.plug(f, pci::devfn(3, 0)).ok());
    unsigned d = pci::devfn(3, 0);
    h.cfg_write(d, 0x10, 4, 0xc040);
    h.cfg_write(d, 0x04, 2, 0x0001);
    h.cfg_write(d, 0x3c, 1, 0x0a);
    std::vector<uint8_t> saved = saved_state(f);
    EXPECT_EQ(saved, saved_config(f)) << "the configuration space and nothing else";
    EXPECT_EQ(std::vector<uint8_t>(saved.begin() + 4, saved.begin() + 8),
              (std::vector<uint8_t>{0x34, 0x12, 0x78, 0x56}));
    f.reset();
    ASSERT_EQ(f.bar_address(0), GuestMapping::kNone);
    StateReader r(saved);
    ASSERT_TRUE(f.load(r, 1).ok());
    EXPECT_EQ(h.cfg_read(d, 0x3c, 1), 0x0au);
    EXPECT_EQ(f.bar_address(0), 0xc040u);
    EXPECT_EQ(h.in(0xc041, 1), TestFunction::kIoTag + 1u);
    // A truncated stream is an error, not a crash, and leaves the power-on state.
    StateReader short_stream(std::span<const uint8_t>(saved.data(), 10));
    EXPECT_FALSE(f.load(short_stream, 1).ok());
    EXPECT_EQ(h.cfg_read(d, 0x3c, 1), 0x00u);
    EXPECT_EQ(f.bar_address(0), GuestMapping::kNone);
}

// Only what the guest could have written comes from a stream: the identity, read-only bits
// and bits the guest can only clear stay as this build has them.
TEST_F(PciConfigTest, LoadTakesOnlyGuestWritableBits) {
    ASSERT_TRUE(h.bus.plug(f, pci::devfn(3, 0)).ok());
    unsigned d = pci::devfn(3, 0);
    std::vector<uint8_t> saved = saved_state(f);
    saved[4 + 0x00] = 0xee;  // vendor ID
    saved[4 + 0x10] = 0xc1;  // BAR0: I/O indicator and address bits
    saved[4 + 0x11] = 0xc0;  //
    saved[4 + 0x3c] = 0x05;  // interrupt line
    saved[4 + 0x3d] = 0x04;  // interrupt pin
    StateReader r(saved);
    ASSERT_TRUE(f.load(r, 1).ok());
    EXPECT_EQ(h.cfg_read(d, 0x00, 2), 0x1234u);
    EXPECT_EQ(h.cfg_read(d, 0x10, 4), 0xc0c1u);
    EXPECT_EQ(h.cfg_read(d, 0x3c, 1), 0x05u);
    EXPECT_EQ(h.cfg_read(d, 0x3d, 1), 0x01u);
    StateReader newer(saved);
    EXPECT_FALSE(f.load(newer, 2).ok());
}

// The host bridge keeps CONFIG_ADDRESS (0xcf8) as 32 bits.
TEST_F(PciConfigTest, BusSavesTheConfigurationAddress) {
    h.out(kConfigAddress, 4, 0x80001804);
    std::vector<uint8_t> saved = saved_state(h.bus);
    EXPECT_EQ(saved, (std::vector<uint8_t>{0x04, 0x18, 0x00, 0x80}));
    PciHarness other;
    StateReader r(saved);
    ASSERT_TRUE(other.bus.load(r, 1).ok());
    EXPECT_EQ(other.in(kConfigAddress, 4), 0x80001804u);
    std::vector<uint8_t> reserved_bits{0xff, 0xff, 0xff, 0xff};
    StateReader odd(reserved_bits);
    ASSERT_TRUE(other.bus.load(odd, 1).ok());
    EXPECT_EQ(other.in(kConfigAddress, 4), 0x80fffffcu) << "reserved bits read as zero";
    StateReader short_stream(std::span<const uint8_t>(reserved_bits).first(3));
    EXPECT_FALSE(other.bus.load(short_stream, 1).ok());
    EXPECT_EQ(other.in(kConfigAddress, 4), 0u);
}

}  // namespace
}  // namespace kemu::test
