#include <gtest/gtest.h>

#include "tests/unit/hw/ide/ide_rig.h"

namespace kemu::ide::test {
namespace {

constexpr uint8_t kBmActive = 0x01, kBmError = 0x02, kBmInterrupt = 0x04;
constexpr uint32_t kTable = 0x1000;

class BmdmaTest : public ::testing::Test {
  protected:
    void SetUp() override {
        contents = pattern(1 << 20, 3);
        backend = rig.image("disk.raw", contents, 4 << 20);
        ASSERT_TRUE(backend);
        disk = std::make_unique<AtaDisk>("ide0-hd0", *backend, DriveIdentity{.serial = "KM-0002"});
        rig.channel[0].attach(0, disk.get());
        rig.wait_ready();
    }
    void TearDown() override {
        rig.channel[0].attach(0, nullptr);
        while (!disk->idle())
            rig.loop.run_once(10'000'000);
        EXPECT_TRUE(backend->close().ok());
    }
    std::vector<uint8_t> expected(uint32_t lba, uint32_t sectors) const {
        return {contents.begin() + lba * 512, contents.begin() + (lba + sectors) * 512};
    }
    std::vector<uint8_t> ram(uint32_t addr, size_t len) const {
        return {rig.ram.begin() + addr, rig.ram.begin() + addr + len};
    }
    // READ DMA of `sectors` at `lba`: command first, engine start after, as Linux does.
    uint8_t read_dma(uint32_t lba, uint8_t sectors) {
        rig.bm_setup(0, kTable, true);
        rig.set_lba28(0, lba, sectors);
        rig.outb(kCmd[0] + kCommand, 0xc8);
        rig.bm_start(0, true);
        return rig.wait_ready();
    }
    uint8_t bm_status() { return rig.inb(rig.bm(0, 2)); }

    IdeRig rig;
    std::vector<uint8_t> contents;
    std::unique_ptr<block::BlockBackend> backend;
    std::unique_ptr<AtaDisk> disk;
};

TEST_F(BmdmaTest, ReadDmaScattersThroughThePrdTable) {
    rig.prd_table(kTable, {{0x10000, 1024}, {0x20000, 3 * 512}});
    EXPECT_EQ(read_dma(7, 5), kStatusReady);
    EXPECT_EQ(ram(0x10000, 1024), expected(7, 2));
    EXPECT_EQ(ram(0x20000, 1536), expected(9, 3));
    // The table ran out exactly: interrupt set, engine idle, no error.
    EXPECT_EQ(bm_status() & 0x07, kBmInterrupt);
    EXPECT_TRUE(rig.irq0.level());
    // Write-1-to-clear.
    rig.outb(rig.bm(0, 2), kBmInterrupt);
    EXPECT_EQ(bm_status() & 0x07, 0);
}

TEST_F(BmdmaTest, EngineStartedBeforeTheCommandAlsoWorks) {
    rig.prd_table(kTable, {{0x30000, 512}});
    rig.bm_setup(0, kTable, true);
    rig.bm_start(0, true);
    EXPECT_EQ(bm_status() & kBmActive, kBmActive);
    rig.set_lba28(0, 1, 1);
    rig.outb(kCmd[0] + kCommand, 0xc8);
    EXPECT_EQ(rig.wait_ready(), kStatusReady);
    EXPECT_EQ(ram(0x30000, 512), expected(1, 1));
}

TEST_F(BmdmaTest, WriteDmaGathersFromMemory) {
    auto data = pattern(4 * 512, 17);
    std::memcpy(rig.ram.data() + 0x40000, data.data(), 2048);
    rig.prd_table(kTable, {{0x40000, 512}, {0x40200, 1536}});
    rig.bm_setup(0, kTable, false);
    rig.set_lba48(0, 300, 4);
    rig.outb(kCmd[0] + kCommand, 0x35);  // WRITE DMA EXT
    rig.bm_start(0, false);
    EXPECT_EQ(rig.wait_ready(), kStatusReady);
    EXPECT_EQ(bm_status() & 0x07, kBmInterrupt);
    rig.outb(rig.bm(0, 0), 0);
    EXPECT_EQ(rig.file_bytes("disk.raw", 300 * 512, data.size()), data);
}

TEST_F(BmdmaTest, LargeTransfersSpanSeveralChunks) {
    // 600 sectors (more than one internal chunk) into 64 KiB entries (byte count 0).
    rig.prd_table(kTable, {{0x10000, 0},
                           {0x20000, 0},
                           {0x30000, 0},
                           {0x40000, 0},
                           {0x50000, 600 * 512 - 4 * 0x10000}});
    rig.bm_setup(0, kTable, true);
    rig.set_lba48(0, 20, 600);
    rig.outb(kCmd[0] + kCommand, 0x25);
    rig.bm_start(0, true);
    EXPECT_EQ(rig.wait_ready(), kStatusReady);
    EXPECT_EQ(ram(0x10000, 600 * 512), expected(20, 600));
    EXPECT_EQ(bm_status() & 0x07, kBmInterrupt);
}

TEST_F(BmdmaTest, TableLargerThanTheTransferLeavesTheEngineActive) {
    rig.prd_table(kTable, {{0x10000, 8192}});
    EXPECT_EQ(read_dma(0, 2), kStatusReady);
    EXPECT_EQ(bm_status() & 0x07, kBmInterrupt | kBmActive);
    rig.outb(rig.bm(0, 0), 0x08);  // stop
    EXPECT_EQ(bm_status() & kBmActive, 0);
}

TEST_F(BmdmaTest, BufferOutsideRamEndsWithAnError) {
    rig.prd_table(kTable, {{0xf0000000u, 1024}});
    EXPECT_EQ(read_dma(0, 2), kStatusReady | kStatusErr);
    EXPECT_EQ(rig.inb(kCmd[0] + kError), kErrorAbrt);
    EXPECT_EQ(bm_status() & 0x07, kBmError | kBmInterrupt);
}

TEST_F(BmdmaTest, TableOutsideRamEndsWithAnError) {
    rig.outl(rig.bm(0, 4), 0xfff00000u);
    rig.outb(rig.bm(0, 0), 0x08);
    rig.set_lba28(0, 0, 1);
    rig.outb(kCmd[0] + kCommand, 0xc8);
    rig.bm_start(0, true);
    EXPECT_EQ(rig.wait_ready(), kStatusReady | kStatusErr);
    EXPECT_EQ(bm_status() & (kBmError | kBmActive), kBmError);
}

TEST_F(BmdmaTest, TableShorterThanTheTransferEndsWithAnError) {
    rig.prd_table(kTable, {{0x10000, 512}});
    EXPECT_EQ(read_dma(0, 4), kStatusReady | kStatusErr);
    EXPECT_EQ(bm_status() & (kBmError | kBmActive), kBmError);
    EXPECT_EQ(ram(0x10000, 512), expected(0, 1));
}

TEST_F(BmdmaTest, TableEndingAtAChunkBoundaryEndsWithAnError) {
    // Exactly 256 sectors of buffers for a 300-sector command: the second internal chunk
    // finds the engine idle and fails instead of waiting for it forever.
    rig.prd_table(kTable, {{0x10000, 0}, {0x20000, 0}});
    rig.bm_setup(0, kTable, true);
    rig.set_lba48(0, 0, 300);
    rig.outb(kCmd[0] + kCommand, 0x25);
    rig.bm_start(0, true);
    EXPECT_EQ(rig.wait_ready(), kStatusReady | kStatusErr);
    EXPECT_EQ(bm_status() & (kBmError | kBmActive | kBmInterrupt), kBmError | kBmInterrupt);
    EXPECT_EQ(ram(0x10000, 256 * 512), expected(0, 256));
}

TEST_F(BmdmaTest, TableWithoutEndOfTableStopsAtItsLimit) {
    // Every entry moves 2 bytes and none ends the table: the walk gives up after one 64 KiB
    // table's worth of entries instead of reading memory forever.
    for (uint32_t i = 0; i < 0x10000 / 8; i++)
        rig.prd_table(kTable + 8 * i, {{0x80000, 2}}, false);
    std::memset(rig.ram.data() + kTable + 0x10000, 0, 0x100);  // zeros after: 64 KiB entries
    EXPECT_EQ(read_dma(0, 255), kStatusReady | kStatusErr);
    EXPECT_EQ(bm_status() & (kBmError | kBmActive), kBmError);
}

TEST_F(BmdmaTest, DirectionMismatchIsAnError) {
    rig.prd_table(kTable, {{0x10000, 512}});
    rig.bm_setup(0, kTable, false);  // engine reads memory, but the drive sends data
    rig.set_lba28(0, 0, 1);
    rig.outb(kCmd[0] + kCommand, 0xc8);
    rig.bm_start(0, false);
    EXPECT_EQ(rig.wait_ready(), kStatusReady | kStatusErr);
    EXPECT_TRUE(bm_status() & kBmError);
}

TEST_F(BmdmaTest, StartOnAChannelWithoutDrivesFails) {
    rig.prd_table(kTable, {{0x10000, 512}});
    rig.bm_setup(1, kTable, true);
    rig.bm_start(1, true);
    EXPECT_EQ(rig.inb(rig.bm(1, 2)) & (kBmError | kBmActive), kBmError);
}

TEST_F(BmdmaTest, RegistersReadBackAndSurviveSaveLoad) {
    rig.outl(rig.bm(0, 4), 0x12345677);
    EXPECT_EQ(rig.inl(rig.bm(0, 4)), 0x12345674u);  // dword aligned
    rig.outb(rig.bm(0, 2), 0x60);                   // drive DMA capable bits
    EXPECT_EQ(bm_status(), 0x60);
    rig.outb(rig.bm(0, 0), 0x08);  // direction: to memory, engine stopped
    // Snapshots taken by earlier builds must still load: per channel the command and status
    // bytes, then the PRD table pointer.
    StateWriter w;
    rig.bmdma.save(w);
    EXPECT_EQ(w.data(),
              (std::vector<uint8_t>{0x08, 0x60, 0x74, 0x56, 0x34, 0x12, 0, 0, 0, 0, 0, 0}));
    IdeChannel a("a", 14), b("b", 15);
    Bmdma copy("bmdma2", rig.memory, a, b);
    kemu::test::copy_state(rig.bmdma, copy);
    AddressSpace io2{"io2", 0x10000};
    ASSERT_TRUE(io2.map(kBmBase, &copy.io()).ok());
    uint64_t v = 0;
    (void)io2.read(kBmBase + 4, 4, &v);
    EXPECT_EQ(v, 0x12345674u);
    (void)io2.read(kBmBase + 2, 1, &v);
    EXPECT_EQ(v, 0x60u);
    (void)io2.read(kBmBase, 1, &v);
    EXPECT_EQ(v, 0x08u);
    StateReader short_stream(std::span<const uint8_t>(w.data()).first(11));
    EXPECT_FALSE(copy.load(short_stream, 1).ok());
    (void)io2.read(kBmBase + 4, 4, &v);
    EXPECT_EQ(v, 0u) << "a refused stream leaves the power-on state";
}

}  // namespace
}  // namespace kemu::ide::test
