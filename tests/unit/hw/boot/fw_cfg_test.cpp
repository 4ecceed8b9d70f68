#include "hw/nvram/fw_cfg.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/hw/boot/firmware_reads.h"
#include "tests/unit/hw/boot/guest_ram.h"
#include "tests/unit/hw/devices/device_harness.h"

namespace kemu {
namespace {

constexpr uint16_t kSelector = 0x510, kData = 0x511, kDmaHigh = 0x514, kDmaLow = 0x518;
constexpr uint64_t kDescriptor = 0x1000, kBuffer = 0x2000;
constexpr uint64_t kRamSize = 0x10000;

std::vector<uint8_t> bytes(std::string_view s) {
    return {s.begin(), s.end()};
}

uint32_t be32(const std::vector<uint8_t>& b, size_t at) {
    return uint32_t(b[at]) << 24 | uint32_t(b[at + 1]) << 16 | uint32_t(b[at + 2]) << 8 | b[at + 3];
}

class FwCfgTest : public ::testing::Test {
  protected:
    FwCfgTest() {
        h.map(kSelector, fw.ctl_region());
        h.map(kDmaHigh, fw.dma_region());
    }

    std::vector<uint8_t> read_port(uint16_t key, size_t n) {
        return test::read_fw_cfg_item(h, key, n);
    }

    // Writes an FWCfgDmaAccess (big-endian fields) and starts it the way SeaBIOS does:
    // one 32-bit write of the big-endian address to the low half. Returns the control
    // word the device stored back.
    uint32_t dma(uint32_t control, uint32_t length, uint64_t address,
                 uint64_t descriptor = kDescriptor) {
        uint8_t* d = ram.at(descriptor);
        for (int i = 0; i < 4; i++) {
            d[i] = uint8_t(control >> (24 - 8 * i));
            d[4 + i] = uint8_t(length >> (24 - 8 * i));
        }
        for (int i = 0; i < 8; i++)
            d[8 + i] = uint8_t(address >> (56 - 8 * i));
        h.outl(kDmaLow, __builtin_bswap32(uint32_t(descriptor)));
        return __builtin_bswap32(ram.u32(descriptor));
    }

    test::DeviceHarness h;
    test::GuestRam ram{kRamSize};
    FwCfg fw{"fw_cfg", ram.mem()};
};

TEST_F(FwCfgTest, SignatureAndFeatureBits) {
    EXPECT_EQ(read_port(FwCfg::kKeySignature, 4), bytes("QEMU"));
    std::vector<uint8_t> id = read_port(FwCfg::kKeyId, 4);
    EXPECT_EQ(id, (std::vector<uint8_t>{0x03, 0, 0, 0}));  // traditional + DMA, little-endian
}

TEST_F(FwCfgTest, DmaRegisterReadsQemuCfgInAddressOrder) {
    uint32_t high = h.inl(kDmaHigh), low = h.inl(kDmaLow);
    std::string text;
    for (uint32_t half : {high, low})
        for (int i = 0; i < 4; i++)
            text += char(half >> (8 * i));
    EXPECT_EQ(text, "QEMU CFG");
    uint64_t whole = 0;
    ASSERT_EQ(h.io.read(kDmaHigh, 8, &whole), MemTxResult::Ok);
    EXPECT_EQ(__builtin_bswap64(whole), 0x51454d5520434647ull);
}

TEST_F(FwCfgTest, NumberedItemReadsThenZerosPastTheEnd) {
    ASSERT_TRUE(fw.add_u32(0x05, 0x11223344).ok());
    EXPECT_EQ(read_port(0x05, 6), (std::vector<uint8_t>{0x44, 0x33, 0x22, 0x11, 0, 0}));
    EXPECT_EQ(read_port(0x3ff, 2), (std::vector<uint8_t>{0, 0}));  // no such item
}

TEST_F(FwCfgTest, SelectingResetsTheOffset) {
    ASSERT_TRUE(fw.add_bytes(0x0e, bytes("abc")).ok());
    EXPECT_EQ(read_port(0x0e, 2), bytes("ab"));
    EXPECT_EQ(read_port(0x0e, 3), bytes("abc"));
    // The write-channel bit selects the same item; data-port writes change nothing.
    h.outw(kSelector, 0x0e | FwCfg::kKeyWriteChannel);
    h.outb(kData, 'X');
    EXPECT_EQ(h.inb(kData), 'a');
}

TEST_F(FwCfgTest, DeviceKeysAndFileRangeAreNotForAddBytes) {
    EXPECT_FALSE(fw.add_bytes(FwCfg::kKeySignature, {1}).ok());
    EXPECT_FALSE(fw.add_bytes(FwCfg::kKeyFileDir, {1}).ok());
    EXPECT_FALSE(fw.add_bytes(FwCfg::kKeyFileFirst, {1}).ok());
    EXPECT_FALSE(fw.add_bytes(0x4005, {1}).ok());
    EXPECT_TRUE(fw.add_bytes(FwCfg::kKeyArchLocal + 2, {1}).ok());
}

TEST_F(FwCfgTest, DirectoryIsSortedByNameWithBigEndianFields) {
    ASSERT_TRUE(fw.add_file("etc/zz", bytes("last")).ok());
    ASSERT_TRUE(fw.add_file("bootorder", bytes("x")).ok());
    ASSERT_TRUE(fw.add_file("etc/e820", std::vector<uint8_t>(40)).ok());
    std::vector<uint8_t> dir = read_port(FwCfg::kKeyFileDir, 4 + 3 * 64);
    EXPECT_EQ(be32(dir, 0), 3u);
    const char* names[] = {"bootorder", "etc/e820", "etc/zz"};
    const uint32_t sizes[] = {1, 40, 4};
    for (int i = 0; i < 3; i++) {
        size_t e = 4 + 64 * i;
        EXPECT_EQ(be32(dir, e), sizes[i]);
        EXPECT_EQ(dir[e + 4] << 8 | dir[e + 5], FwCfg::kKeyFileFirst + i);
        EXPECT_EQ(std::string(reinterpret_cast<const char*>(&dir[e + 8])), names[i]);
        EXPECT_EQ(dir[e + 63], 0);
    }
    EXPECT_EQ(fw.file_key("etc/zz"), FwCfg::kKeyFileFirst + 2);
    EXPECT_EQ(read_port(fw.file_key("etc/zz"), 5), (std::vector<uint8_t>{'l', 'a', 's', 't', 0}));
}

TEST_F(FwCfgTest, FileNamesMustFitAndBeUnique) {
    EXPECT_TRUE(fw.add_file(std::string(55, 'a'), {}).ok());
    EXPECT_FALSE(fw.add_file(std::string(56, 'b'), {}).ok());
    EXPECT_FALSE(fw.add_file("", {}).ok());
    EXPECT_TRUE(fw.add_file("opt/x", {}).ok());
    EXPECT_FALSE(fw.add_file("opt/x", {}).ok());
}

TEST_F(FwCfgTest, DmaSelectAndReadFillsThePastTheEndPartWithZeros) {
    ASSERT_TRUE(fw.add_file("etc/data", bytes("hello")).ok());
    std::fill_n(ram.at(kBuffer), 8, 0xee);
    uint32_t control =
        uint32_t(fw.file_key("etc/data")) << 16 | FwCfg::kDmaSelect | FwCfg::kDmaRead;
    EXPECT_EQ(dma(control, 8, kBuffer), 0u);
    EXPECT_EQ(ram.range(kBuffer, 8), (std::vector<uint8_t>{'h', 'e', 'l', 'l', 'o', 0, 0, 0}));
}

TEST_F(FwCfgTest, DmaSkipThenReadAndPortReadContinue) {
    ASSERT_TRUE(fw.add_bytes(0x11, bytes("0123456789")).ok());
    h.outw(kSelector, 0x11);
    EXPECT_EQ(dma(FwCfg::kDmaSkip, 3, 0), 0u);
    EXPECT_EQ(dma(FwCfg::kDmaRead, 2, kBuffer), 0u);
    EXPECT_EQ(ram.range(kBuffer, 2), bytes("34"));
    EXPECT_EQ(h.inb(kData), '5');  // DMA and the data port share the offset
    EXPECT_EQ(dma(FwCfg::kDmaSkip, 1000, 0), 0u);
    EXPECT_EQ(h.inb(kData), 0);
}

TEST_F(FwCfgTest, DmaWithA64BitAddressWrittenInTwoHalves) {
    ASSERT_TRUE(fw.add_bytes(0x11, bytes("ab")).ok());
    // High half zero, low half the descriptor: the same as the one-write form.
    uint8_t* d = ram.at(kDescriptor);
    const uint8_t desc[16] = {
        0, 0x11, 0, FwCfg::kDmaSelect | FwCfg::kDmaRead, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0x20, 0x00};
    std::copy(desc, desc + 16, d);
    h.outl(kDmaHigh, 0);
    h.outl(kDmaLow, __builtin_bswap32(uint32_t(kDescriptor)));
    EXPECT_EQ(ram.u32(kDescriptor), 0u);
    EXPECT_EQ(ram.range(kBuffer, 2), bytes("ab"));
}

TEST_F(FwCfgTest, DmaIntoMissingMemorySetsTheErrorBit) {
    ASSERT_TRUE(fw.add_bytes(0x11, bytes("abcd")).ok());
    uint32_t control = 0x11u << 16 | FwCfg::kDmaSelect | FwCfg::kDmaRead;
    EXPECT_EQ(dma(control, 4, kRamSize + 0x1000), FwCfg::kDmaError);
    // A buffer that starts in RAM and runs past its end fails too, after the item's bytes.
    EXPECT_EQ(dma(control, 64, kRamSize - 8), FwCfg::kDmaError);
    // A huge length over RAM stops at the end of RAM instead of allocating or looping on.
    EXPECT_EQ(dma(control, 0xffffffff, kBuffer), FwCfg::kDmaError);
}

TEST_F(FwCfgTest, DescriptorOutsideRamIsIgnored) {
    ASSERT_TRUE(fw.add_bytes(0x11, bytes("abcd")).ok());
    h.outl(kDmaHigh, __builtin_bswap32(0x10));  // descriptor above 64 GiB: not RAM
    h.outl(kDmaLow, 0);
    h.outw(kSelector, 0x11);
    EXPECT_EQ(h.inb(kData), 'a');  // nothing happened, and the device still works
}

TEST_F(FwCfgTest, DmaWriteReachesWritableFilesOnly) {
    uint32_t seen_offset = 0, seen_length = 0;
    ASSERT_TRUE(fw.add_file("etc/rw", std::vector<uint8_t>(4), [&](uint32_t o, uint32_t l) {
                      seen_offset = o;
                      seen_length = l;
                  }).ok());
    ASSERT_TRUE(fw.add_file("etc/ro", bytes("keep")).ok());
    std::copy_n("WXYZ", 4, ram.at(kBuffer));
    uint32_t rw = uint32_t(fw.file_key("etc/rw")) << 16 | FwCfg::kDmaSelect;
    uint32_t ro = uint32_t(fw.file_key("etc/ro")) << 16 | FwCfg::kDmaSelect;

    EXPECT_EQ(dma(rw | FwCfg::kDmaSkip, 1, 0), 0u);
    EXPECT_EQ(dma(FwCfg::kDmaWrite, 2, kBuffer), 0u);
    EXPECT_EQ(*fw.file("etc/rw"), (std::vector<uint8_t>{0, 'W', 'X', 0}));
    EXPECT_EQ(seen_offset, 1u);
    EXPECT_EQ(seen_length, 2u);

    // Past the end (the item cannot grow): dropped whole.
    EXPECT_EQ(dma(rw | FwCfg::kDmaWrite, 5, kBuffer), FwCfg::kDmaError);
    EXPECT_EQ(*fw.file("etc/rw"), (std::vector<uint8_t>{0, 'W', 'X', 0}));
    EXPECT_EQ(dma(ro | FwCfg::kDmaWrite, 4, kBuffer), FwCfg::kDmaError);
    EXPECT_EQ(*fw.file("etc/ro"), bytes("keep"));
    // From memory that is not there.
    EXPECT_EQ(dma(rw | FwCfg::kDmaWrite, 4, kRamSize + 0x100), FwCfg::kDmaError);
}

TEST_F(FwCfgTest, OddAccessWidthsAreIgnored) {
    ASSERT_TRUE(fw.add_bytes(0x11, bytes("ab")).ok());
    h.outw(kSelector, 0x11);
    h.outb(kSelector, 0x05);  // not a selector write
    EXPECT_EQ(h.inb(kData), 'a');
    h.outw(kDmaLow, 0x1234);  // DMA register takes 32- and 64-bit writes only
    EXPECT_EQ(h.inb(kData), 'b');
}

TEST_F(FwCfgTest, ResetSelectsTheSignatureAndStateRoundTrips) {
    uint32_t writes = 0;
    ASSERT_TRUE(
        fw.add_file("etc/rw", std::vector<uint8_t>(2), [&](uint32_t, uint32_t) { writes++; }).ok());
    ASSERT_TRUE(fw.add_bytes(0x11, bytes("abc")).ok());
    std::copy_n("hi", 2, ram.at(kBuffer));
    uint32_t rw = uint32_t(fw.file_key("etc/rw")) << 16 | FwCfg::kDmaSelect | FwCfg::kDmaWrite;
    EXPECT_EQ(dma(rw, 2, kBuffer), 0u);
    h.outw(kSelector, 0x11);
    EXPECT_EQ(h.inb(kData), 'a');

    FwCfg copy("fw_cfg", ram.mem());
    ASSERT_TRUE(copy.add_file("etc/rw", std::vector<uint8_t>(2), [](uint32_t, uint32_t) {}).ok());
    ASSERT_TRUE(copy.add_bytes(0x11, bytes("abc")).ok());
    test::copy_state(fw, copy);
    EXPECT_EQ(*copy.file("etc/rw"), bytes("hi"));
    h.io.unmap(&fw.ctl_region());
    h.map(kSelector, copy.ctl_region());
    EXPECT_EQ(h.inb(kData), 'b');  // same item, same offset

    copy.reset();
    EXPECT_EQ(h.inb(kData), 'Q');
}

// A writable file's length is the machine's: state for another length, or cut short, is
// refused, and the device is left at power-on state rather than half loaded.
TEST_F(FwCfgTest, StateOfAnotherFileLengthOrCutShortIsRefused) {
    ASSERT_TRUE(fw.add_file("etc/rw", std::vector<uint8_t>(2), [](uint32_t, uint32_t) {}).ok());
    h.outw(kSelector, FwCfg::kKeyId);
    StateWriter w;
    fw.save(w);

    FwCfg longer("fw_cfg", ram.mem());
    ASSERT_TRUE(longer.add_file("etc/rw", bytes("xyz"), [](uint32_t, uint32_t) {}).ok());
    StateReader r(w.data());
    EXPECT_FALSE(longer.load(r, fw.state_version()).ok());
    EXPECT_EQ(*longer.file("etc/rw"), bytes("xyz"));

    FwCfg same("fw_cfg", ram.mem());
    ASSERT_TRUE(same.add_file("etc/rw", std::vector<uint8_t>(2), [](uint32_t, uint32_t) {}).ok());
    std::span<const uint8_t> all(w.data());
    StateReader cut(all.first(all.size() - 1));
    h.io.unmap(&fw.ctl_region());
    h.map(kSelector, same.ctl_region());
    EXPECT_FALSE(same.load(cut, fw.state_version()).ok());
    EXPECT_EQ(h.inb(kData), 'Q');  // the signature, not the saved selection
    StateReader whole(all);
    EXPECT_TRUE(same.load(whole, fw.state_version()).ok());
    EXPECT_EQ(h.inb(kData), FwCfg::kIdTraditional | FwCfg::kIdDma);
    EXPECT_FALSE(same.load(whole, fw.state_version() + 1).ok());
}

}  // namespace
}  // namespace kemu
