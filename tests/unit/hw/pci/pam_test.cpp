// The i440FX PAM registers and the Pam mapper: every attribute of every segment,
// and SeaBIOS's shadowing sequence (copy into RAM, then make it read-only).
#include "hw/pci/pam.h"

#include <gtest/gtest.h>

#include <vector>

#include "hw/pci/i440fx.h"
#include "pci_test_util.h"

namespace kemu::test {
namespace {

constexpr uint8_t kRam = 0xaa;
constexpr uint8_t kBios = 0xb1;

class PamTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(h.memory.map(0, &ram_region).ok());
        auto created = Pam::create(h.memory, ram.data() + Pam::kBase, {{0xe0000, &bios_region}});
        ASSERT_TRUE(created.ok()) << created.error().message();
        pam = std::move(*created);
        ASSERT_TRUE(h.bus.plug(host, 0).ok());
        host.on_pam_change = [this](const I440fx::PamRegisters& regs) {
            pam->update(regs);
            pam_reports++;
        };
    }
    void set_pam(unsigned reg, uint8_t value) { h.cfg_write(0, I440fx::kPam0 + reg, 1, value); }
    uint8_t read(uint64_t addr) { return uint8_t(h.peek(addr, 1)); }
    void write(uint64_t addr, uint8_t v) { (void)h.memory.write(addr, 1, v); }

    PciHarness h;
    std::vector<uint8_t> ram = std::vector<uint8_t>(0x100000, kRam);
    MemoryRegion ram_region = MemoryRegion::ram("ram", ram.data(), ram.size());
    std::vector<uint8_t> bios = std::vector<uint8_t>(0x20000, kBios);
    MemoryRegion bios_region = MemoryRegion::rom("isa-bios", bios.data(), bios.size());
    std::unique_ptr<Pam> pam;
    I440fx host{"i440fx"};
    int pam_reports = 0;
};

TEST_F(PamTest, PowerOnSendsEverythingToPci) {
    EXPECT_EQ(read(0xffff0), kBios);
    EXPECT_EQ(read(0xe0000), kBios);
    EXPECT_EQ(read(0xc0000), 0xff);  // no option ROM there: master abort
    EXPECT_EQ(read(0xdffff), 0xff);
    EXPECT_EQ(read(0xbffff), kRam);  // below the PAM range: untouched
    write(0xf0000, 0x11);
    write(0xc0000, 0x11);
    EXPECT_EQ(ram[0xf0000], kRam);
    EXPECT_EQ(ram[0xc0000], kRam);
    EXPECT_EQ(bios[0x10000], kBios);
}

TEST_F(PamTest, ReadOnlyModeReadsRamAndDropsWrites) {
    set_pam(0, 0x10);
    EXPECT_EQ(pam->mode(0), Pam::Mode::ReadRam);
    EXPECT_EQ(read(0xf1234), kRam);
    write(0xf1234, 0x11);
    EXPECT_EQ(ram[0xf1234], kRam);
    EXPECT_EQ(read(0xeffff), kBios);  // PAM6 still at 0
}

TEST_F(PamTest, WriteOnlyModeWritesRamAndReadsPci) {
    set_pam(0, 0x20);
    EXPECT_EQ(pam->mode(0), Pam::Mode::WriteRam);
    write(0xf0010, 0x42);
    (void)h.memory.write(0xf0020, 4, 0x01020304);
    EXPECT_EQ(ram[0xf0010], 0x42);
    EXPECT_EQ(ram[0xf0021], 0x03);
    EXPECT_EQ(read(0xf0010), kBios);
    set_pam(1, 0x02);  // 0xC0000: nothing on the PCI side
    write(0xc0001, 0x42);
    EXPECT_EQ(ram[0xc0001], 0x42);
    EXPECT_EQ(read(0xc0001), 0xff);
}

TEST_F(PamTest, ReadWriteModeIsPlainRam) {
    set_pam(0, 0x30);
    write(0xf8000, 0x42);
    EXPECT_EQ(ram[0xf8000], 0x42);
    EXPECT_EQ(read(0xf8000), 0x42);
    ASSERT_NE(h.memory.host_pointer(0xf8000, 1), nullptr);  // direct-mapped for the CPU
}

// Each nibble of PAM1-PAM6 owns exactly one 16 KiB segment, low nibble first.
TEST_F(PamTest, EverySegmentFollowsItsOwnNibble) {
    for (unsigned seg = 1; seg < Pam::kSegments; seg++) {
        uint64_t base = 0xc0000 + (seg - 1) * 0x4000;
        unsigned reg = 1 + (seg - 1) / 2;
        uint8_t value = (seg - 1) % 2 ? 0x30 : 0x03;
        set_pam(reg, value);
        for (unsigned other = 0; other < Pam::kSegments; other++)
            EXPECT_EQ(pam->mode(other), other == seg ? Pam::Mode::ReadWriteRam : Pam::Mode::Pci)
                << "segment " << seg << " other " << other;
        EXPECT_EQ(Pam::segment_of(base), seg);
        EXPECT_EQ(Pam::segment_of(base + 0x3fff), seg);
        write(base, 0x60);
        write(base + 0x3fff, 0x61);
        EXPECT_EQ(read(base), 0x60);
        EXPECT_EQ(read(base + 0x3fff), 0x61);
        set_pam(reg, 0);
        EXPECT_NE(read(base), 0x60);
    }
    EXPECT_EQ(Pam::segment_of(0xf0000), 0u);
    EXPECT_FALSE(Pam::segment_of(0xbffff).has_value());
}

TEST_F(PamTest, SeaBiosShadowsItselfAndMakesTheCopyReadOnly) {
    // As SeaBIOS's make_bios_writable: dwords at 0x58 and 0x5c, all segments read/write.
    uint32_t dram_timing = h.cfg_read(0, 0x58, 4) & 0xff;
    h.cfg_write(0, 0x58, 4, dram_timing | 0x33333000);
    h.cfg_write(0, 0x5c, 4, 0x33333333);
    EXPECT_EQ(h.cfg_read(0, 0x59, 1), 0x30u);
    for (unsigned seg = 0; seg < Pam::kSegments; seg++)
        EXPECT_EQ(pam->mode(seg), Pam::Mode::ReadWriteRam) << seg;
    // The copy of the BIOS from its 4 GiB alias.
    std::vector<uint8_t> image(0x20000);
    for (size_t i = 0; i < image.size(); i++)
        image[i] = uint8_t(i * 7);
    ASSERT_EQ(h.memory.write_bytes(0xe0000, image), MemTxResult::Ok);
    // make_bios_readonly: read from RAM, writes to PCI.
    h.cfg_write(0, 0x58, 4, dram_timing | 0x11111000);
    h.cfg_write(0, 0x5c, 4, 0x11111111);
    std::vector<uint8_t> back(0x20000);
    ASSERT_EQ(h.memory.read_bytes(0xe0000, back), MemTxResult::Ok);
    EXPECT_EQ(back, image);
    write(0xf0000, uint8_t(~image[0x10000]));
    EXPECT_EQ(read(0xf0000), image[0x10000]);
    EXPECT_EQ(bios[0], kBios);
}

TEST_F(PamTest, I440fxRegistersMasksAndCallback) {
    EXPECT_EQ(h.cfg_read(0, 0x00, 4), 0x12378086u);
    EXPECT_EQ(h.cfg_read(0, 0x08, 4), 0x06000002u);
    int before = pam_reports;
    h.cfg_write(0, 0x59, 1, 0xff);
    EXPECT_EQ(h.cfg_read(0, 0x59, 1), 0x30u);  // PAM0 low nibble is reserved
    h.cfg_write(0, 0x5a, 1, 0xff);
    EXPECT_EQ(h.cfg_read(0, 0x5a, 1), 0x33u);
    EXPECT_EQ(pam_reports, before + 2);
    h.cfg_write(0, 0x5a, 1, 0xff);  // no change, no report
    EXPECT_EQ(pam_reports, before + 2);
    host.reset();
    EXPECT_EQ(h.cfg_read(0, 0x5a, 1), 0x00u);
    EXPECT_EQ(pam->mode(0), Pam::Mode::Pci);
    EXPECT_EQ(read(0xf0000), kBios);
}

TEST_F(PamTest, SmramIsStoredAndLocks) {
    EXPECT_EQ(h.cfg_read(0, 0x72, 1), 0x02u);
    h.cfg_write(0, 0x72, 1, 0x4a);  // D_OPEN | G_SMRAME, as SeaBIOS writes it
    EXPECT_EQ(h.cfg_read(0, 0x72, 1), 0x4au);
    h.cfg_write(0, 0x72, 1, 0x5a);  // D_LCK: D_OPEN drops
    EXPECT_EQ(h.cfg_read(0, 0x72, 1), 0x1au);
    h.cfg_write(0, 0x72, 1, 0x62);  // locked: only D_CLS changes
    EXPECT_EQ(h.cfg_read(0, 0x72, 1), 0x3au);
    host.reset();
    EXPECT_EQ(h.cfg_read(0, 0x72, 1), 0x02u);
}

TEST_F(PamTest, SaveLoadReappliesPamAndTheSmramLock) {
    set_pam(0, 0x30);
    h.cfg_write(0, 0x72, 1, 0x5a);  // D_LCK
    std::vector<uint8_t> saved = saved_state(host);
    EXPECT_EQ(saved, saved_config(host)) << "the configuration space and nothing else";
    EXPECT_EQ(saved[4 + I440fx::kPam0], 0x30);
    EXPECT_EQ(saved[4 + I440fx::kSmram], 0x1a);
    host.reset();
    ASSERT_EQ(pam->mode(0), Pam::Mode::Pci);
    StateReader r(saved);
    ASSERT_TRUE(host.load(r, 1).ok());
    EXPECT_EQ(pam->mode(0), Pam::Mode::ReadWriteRam);
    h.cfg_write(0, 0x72, 1, 0x62);  // still locked: only D_CLS changes
    EXPECT_EQ(h.cfg_read(0, 0x72, 1), 0x3au);
    StateReader short_stream(std::span<const uint8_t>(saved).first(saved.size() - 1));
    EXPECT_FALSE(host.load(short_stream, 1).ok());
    EXPECT_EQ(pam->mode(0), Pam::Mode::Pci) << "a refused stream leaves the power-on state";
}

TEST(PamCreateTest, RejectsRegionsOutsideTheWindow) {
    AddressSpace memory{"memory", 1ull << 32};
    std::vector<uint8_t> ram(0x100000), rom(0x20000);
    MemoryRegion rom_region = MemoryRegion::rom("rom", rom.data(), rom.size());
    EXPECT_FALSE(Pam::create(memory, ram.data() + Pam::kBase, {{0xf0000, &rom_region}}).ok());
}

}  // namespace
}  // namespace kemu::test
