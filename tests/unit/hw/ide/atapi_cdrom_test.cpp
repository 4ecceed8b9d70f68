#include <gtest/gtest.h>

#include "tests/unit/hw/ide/ide_rig.h"

namespace kemu::ide::test {
namespace {

constexpr int kC = 1;                   // the CD-ROM sits on the secondary channel, as on a PC
constexpr uint32_t kIsoSectors = 1000;  // a small ISO-like image
constexpr uint8_t kReasonCoD = 0x01, kReasonIo = 0x02;

class AtapiTest : public ::testing::Test {
  protected:
    void SetUp() override {
        rig.channel[kC].attach(0, &cd);
        rig.wait_ready(kC);
    }
    void TearDown() override {
        rig.channel[kC].attach(0, nullptr);
        while (!cd.idle())
            rig.loop.run_once(10'000'000);
        if (iso) {
            EXPECT_TRUE(iso->close().ok());
        }
    }
    void insert_iso() {
        contents = pattern(kIsoSectors * 2048, 5);
        // "CD001" at sector 16 as in an ISO 9660 primary volume descriptor.
        std::memcpy(contents.data() + 16 * 2048,
                    "\x01"
                    "CD001",
                    6);
        iso = rig.image("cd.iso", contents, contents.size(), {.read_only = true});
        ASSERT_TRUE(iso);
        cd.insert(iso.get());
    }

    struct Reply {
        uint8_t status = 0;
        uint8_t error = 0;
        std::vector<uint8_t> data;
        int drq_blocks = 0;
    };
    // PACKET with `cdb` over PIO (byte count limit `limit`) or DMA into RAM at 0x10000.
    Reply packet(std::vector<uint8_t> cdb, uint16_t limit = 0xfffe, bool dma = false,
                 size_t dma_bytes = 0) {
        cdb.resize(12);
        uint16_t cmd = kCmd[kC];
        rig.outb(cmd + kFeature, dma ? 1 : 0);
        rig.outb(cmd + kLbaMid, uint8_t(limit));
        rig.outb(cmd + kLbaHigh, uint8_t(limit >> 8));
        if (dma) {
            std::vector<std::pair<uint32_t, uint32_t>> entries;
            for (size_t at = 0; at < dma_bytes; at += 0x10000)
                entries.push_back(
                    {uint32_t(0x10000 + at), uint32_t(std::min<size_t>(dma_bytes - at, 0x10000))});
            rig.prd_table(0x1000, entries);
            rig.bm_setup(kC, 0x1000, true);
        }
        rig.command(kC, 0xa0, 0xa0);
        uint8_t s = rig.wait_ready(kC);
        EXPECT_TRUE(s & kStatusDrq);
        EXPECT_EQ(rig.inb(cmd + kCount) & 3, kReasonCoD);
        rig.pio_out(kC, cdb.data(), 12);
        if (dma) rig.bm_start(kC, true);
        Reply r;
        for (;;) {
            s = rig.wait_ready(kC);
            rig.inb(cmd + kStatus);
            if (!(s & kStatusDrq)) break;
            EXPECT_EQ(rig.inb(cmd + kCount) & 3, kReasonIo);
            size_t n = rig.inb(cmd + kLbaMid) | rig.inb(cmd + kLbaHigh) << 8;
            EXPECT_LE(n, limit);
            auto part = rig.pio_in(kC, n);
            r.data.insert(r.data.end(), part.begin(), part.begin() + n);
            r.drq_blocks++;
        }
        EXPECT_EQ(rig.inb(cmd + kCount) & 3, kReasonCoD | kReasonIo);
        r.status = s;
        r.error = rig.inb(cmd + kError);
        if (dma) {
            rig.outb(rig.bm(kC, 0), 0x08);
            r.data.assign(rig.ram.begin() + 0x10000, rig.ram.begin() + 0x10000 + dma_bytes);
        }
        return r;
    }
    // REQUEST SENSE: (key, asc, ascq).
    std::tuple<int, int, int> sense() {
        Reply r = packet({0x03, 0, 0, 0, 18});
        EXPECT_EQ(r.data.size(), 18u);
        if (r.data.size() < 14) return {-1, -1, -1};
        return {r.data[2] & 0x0f, r.data[12], r.data[13]};
    }
    // A locked tray, Ultra DMA 3 and the sense of a read past the end left for the host.
    void lock_and_fail_a_read() {
        insert_iso();
        clear_attention();
        EXPECT_EQ(packet({0x1e, 0, 0, 0, 1}).status, kStatusReady);  // PREVENT MEDIUM REMOVAL
        rig.outb(kCmd[kC] + kFeature, 0x03);
        rig.outb(kCmd[kC] + kCount, 0x43);
        rig.command(kC, 0xa0, 0xef);  // SET FEATURES: transfer mode
        EXPECT_EQ(rig.wait_ready(kC) & kStatusErr, 0);
        EXPECT_TRUE(packet({0x28, 0, 0, 0, 0x03, 0xe7, 0, 0, 2}).status & kStatusErr);
    }
    // TEST UNIT READY until no unit attention is left.
    void clear_attention() {
        for (int i = 0; i < 3 && (packet({0x00}).status & kStatusErr); i++) {
        }
    }

    IdeRig rig;
    AtapiCdrom cd{"ide1-cd0", DriveIdentity{.serial = "KC-0001"}};
    std::vector<uint8_t> contents;
    std::unique_ptr<block::BlockBackend> iso;
};

TEST_F(AtapiTest, SignatureAndIdentifyPacketDevice) {
    EXPECT_EQ(rig.inb(kCmd[kC] + kLbaMid), 0x14);
    EXPECT_EQ(rig.inb(kCmd[kC] + kLbaHigh), 0xeb);
    // IDENTIFY DEVICE aborts, leaving the signature for the host to see.
    rig.command(kC, 0xa0, 0xec);
    EXPECT_TRUE(rig.wait_ready(kC) & kStatusErr);
    EXPECT_EQ(rig.inb(kCmd[kC] + kLbaMid), 0x14);
    EXPECT_EQ(rig.inb(kCmd[kC] + kLbaHigh), 0xeb);
    rig.command(kC, 0xa0, 0xa1);
    EXPECT_TRUE(rig.wait_ready(kC) & kStatusDrq);
    auto bytes = rig.pio_in(kC, 512);
    EXPECT_EQ(bytes[0] | bytes[1] << 8, 0x85c0);
    std::string model;
    for (int i = 54; i < 66; i += 2) {
        model += char(bytes[i + 1]);
        model += char(bytes[i]);
    }
    EXPECT_EQ(model, "KEMU DVD-ROM");
    EXPECT_EQ(rig.inb(kCmd[kC] + kStatus) & (kStatusDrq | kStatusBsy), 0);
}

TEST_F(AtapiTest, Inquiry) {
    Reply r = packet({0x12, 0, 0, 0, 36});
    ASSERT_EQ(r.status & kStatusErr, 0);
    ASSERT_EQ(r.data.size(), 36u);
    EXPECT_EQ(r.data[0], 0x05);
    EXPECT_EQ(r.data[1], 0x80);
    EXPECT_EQ(std::string(r.data.begin() + 8, r.data.begin() + 12), "KEMU");
    EXPECT_EQ(std::string(r.data.begin() + 16, r.data.begin() + 28), "KEMU DVD-ROM");
    // The allocation length cuts the reply.
    EXPECT_EQ(packet({0x12, 0, 0, 0, 5}).data.size(), 5u);
}

TEST_F(AtapiTest, EmptyTrayIsNotReady) {
    Reply r = packet({0x00});
    EXPECT_EQ(r.status, kStatusReady | kStatusErr);
    EXPECT_EQ(r.error >> 4, 0x02);
    EXPECT_EQ(sense(), std::make_tuple(0x02, 0x3a, 0x01));
    // REQUEST SENSE consumed it.
    EXPECT_EQ(sense(), std::make_tuple(0, 0, 0));
    EXPECT_TRUE(packet({0x25}).status & kStatusErr);  // READ CAPACITY
    EXPECT_EQ(sense(), std::make_tuple(0x02, 0x3a, 0x01));
}

TEST_F(AtapiTest, InsertRaisesUnitAttentionThenReads) {
    insert_iso();
    Reply r = packet({0x00});
    EXPECT_TRUE(r.status & kStatusErr);
    EXPECT_EQ(r.error >> 4, 0x06);
    EXPECT_EQ(sense(), std::make_tuple(0x06, 0x28, 0x00));
    EXPECT_EQ(packet({0x00}).status, kStatusReady);

    r = packet({0x25});
    ASSERT_EQ(r.data.size(), 8u);
    EXPECT_EQ(mmc::be32(r.data, 0), kIsoSectors - 1);
    EXPECT_EQ(mmc::be32(r.data, 4), 2048u);
}

TEST_F(AtapiTest, Read10InPioBlocksOfTheByteCountLimit) {
    insert_iso();
    clear_attention();
    // Sectors 16-18 with a 0x1000 byte limit: DRQ blocks of 4 KiB or less.
    Reply r = packet({0x28, 0, 0, 0, 0, 16, 0, 0, 3}, 0x1000);
    ASSERT_EQ(r.status, kStatusReady);
    EXPECT_EQ(r.data,
              std::vector<uint8_t>(contents.begin() + 16 * 2048, contents.begin() + 19 * 2048));
    EXPECT_EQ(std::string(r.data.begin() + 1, r.data.begin() + 6), "CD001");
    EXPECT_GE(r.drq_blocks, 2);
    // READ(12) across more than one internal chunk.
    r = packet({0xa8, 0, 0, 0, 0, 100, 0, 0, 0, 40});
    EXPECT_EQ(r.data,
              std::vector<uint8_t>(contents.begin() + 100 * 2048, contents.begin() + 140 * 2048));
}

TEST_F(AtapiTest, ReadPastTheEndIsIllegal) {
    insert_iso();
    clear_attention();
    Reply r = packet({0x28, 0, 0, 0, 0x03, 0xe7, 0, 0, 2});  // LBA 999, 2 sectors
    EXPECT_TRUE(r.status & kStatusErr);
    EXPECT_EQ(sense(), std::make_tuple(0x05, 0x21, 0x00));
}

TEST_F(AtapiTest, Read10OverDma) {
    insert_iso();
    clear_attention();
    Reply r = packet({0x28, 0, 0, 0, 0, 16, 0, 0, 35}, 0xfffe, true, 35 * 2048);
    EXPECT_EQ(r.status, kStatusReady);
    EXPECT_EQ(r.drq_blocks, 0);
    EXPECT_EQ(r.data,
              std::vector<uint8_t>(contents.begin() + 16 * 2048, contents.begin() + 51 * 2048));
    EXPECT_TRUE(rig.inb(rig.bm(kC, 2)) & 0x04);
}

TEST_F(AtapiTest, ReadTocFormats) {
    insert_iso();
    clear_attention();
    Reply r = packet({0x43, 0, 0, 0, 0, 0, 0, 0, 100});
    ASSERT_EQ(r.data.size(), 20u);
    EXPECT_EQ(mmc::be16(r.data, 0), 18);
    EXPECT_EQ(r.data[2], 1);
    EXPECT_EQ(r.data[3], 1);
    EXPECT_EQ(r.data[6], 1);              // track 1
    EXPECT_EQ(mmc::be32(r.data, 8), 0u);  // at LBA 0
    EXPECT_EQ(r.data[14], 0xaa);          // lead-out
    EXPECT_EQ(mmc::be32(r.data, 16), kIsoSectors);
    r = packet({0x43, 0x02, 0, 0, 0, 0, 0, 0, 100});  // MSF
    EXPECT_EQ(r.data[9], 0);                          // 00:02:00
    EXPECT_EQ(r.data[10], 2);
    uint32_t frames = kIsoSectors + 150;
    EXPECT_EQ(r.data[17], frames / 4500);
    EXPECT_EQ(r.data[18], frames / 75 % 60);
    EXPECT_EQ(r.data[19], frames % 75);
    r = packet({0x43, 0, 1, 0, 0, 0, 0, 0, 100});  // session info
    EXPECT_EQ(r.data.size(), 12u);
    r = packet({0x43, 0x02, 2, 0, 0, 0, 0, 0, 100});  // full TOC
    EXPECT_EQ(r.data.size(), 4u + 4 * 11);
    EXPECT_EQ(r.data[4 + 3], 0xa0);
    EXPECT_TRUE(packet({0x43, 0, 5}).status & kStatusErr);
}

TEST_F(AtapiTest, ModeSenseConfigurationAndEvents) {
    Reply r = packet({0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 100});
    ASSERT_EQ(r.status & kStatusErr, 0);
    EXPECT_EQ(r.data[8], 0x2a);
    EXPECT_EQ(mmc::be16(r.data, 0), r.data.size() - 2);
    EXPECT_TRUE(packet({0x5a, 0, 0x05, 0, 0, 0, 0, 0, 100}).status & kStatusErr);

    r = packet({0x46, 0, 0, 0, 0, 0, 0, 0, 200});
    EXPECT_EQ(mmc::be16(r.data, 6), 0);  // no medium: no current profile
    insert_iso();
    // GET EVENT STATUS NOTIFICATION reports the new medium once; unit attention does not stop it.
    r = packet({0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8});
    ASSERT_EQ(r.data.size(), 8u);
    EXPECT_EQ(r.data[4] & 0x0f, 2);  // new media
    EXPECT_EQ(r.data[5], 0x02);      // present, tray closed
    r = packet({0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8});
    EXPECT_EQ(r.data[4] & 0x0f, 0);
    r = packet({0x46, 0, 0, 0, 0, 0, 0, 0, 200});
    EXPECT_EQ(mmc::be16(r.data, 6), 0x0008);  // CD-ROM profile for a small disc
    clear_attention();
    EXPECT_EQ(packet({0x51, 0, 0, 0, 0, 0, 0, 0, 34}).data.size(), 34u);
    EXPECT_EQ(packet({0x52, 1, 0, 0, 0, 1, 0, 0, 36}).data.size(), 36u);
    EXPECT_EQ(packet({0xbd, 0, 0, 0, 0, 0, 0, 0, 8}).data.size(), 8u);
    EXPECT_EQ(packet({0xbb}).status, kStatusReady);
    EXPECT_TRUE(packet({0xff}).status & kStatusErr);
    EXPECT_EQ(sense(), std::make_tuple(0x05, 0x20, 0x00));
}

TEST_F(AtapiTest, EjectBetweenTwoChunksEndsTheRead) {
    insert_iso();
    clear_attention();
    std::vector<uint8_t> cdb = {0x28, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0, 0};
    rig.outb(kCmd[kC] + kFeature, 0);
    rig.outb(kCmd[kC] + kLbaMid, 0x00);
    rig.outb(kCmd[kC] + kLbaHigh, 0x80);  // 32 KiB blocks
    rig.command(kC, 0xa0, 0xa0);
    rig.wait_ready(kC);
    rig.pio_out(kC, cdb.data(), 12);
    ASSERT_TRUE(rig.wait_ready(kC) & kStatusDrq);
    ASSERT_TRUE(cd.eject(false).ok());
    // The chunk already read still arrives; the next one finds no medium.
    for (int block = 0; block < 2; block++) {
        ASSERT_TRUE(rig.wait_ready(kC) & kStatusDrq);
        rig.pio_in(kC, 0x8000);
    }
    EXPECT_EQ(rig.wait_ready(kC), kStatusReady | kStatusErr);
    EXPECT_EQ(sense(), std::make_tuple(0x02, 0x3a, 0x02));
}

TEST_F(AtapiTest, LockAndAttentionSurviveSaveLoad) {
    lock_and_fail_a_read();
    // The machine reattaches the medium (which raises a unit attention), then loads the state
    // saved without one.
    AtapiCdrom copy("copy", DriveIdentity{.serial = "KC-0001"});
    copy.insert(iso.get());
    kemu::test::copy_state(cd, copy);
    rig.channel[kC].attach(0, &copy);
    rig.wait_ready(kC);
    rig.command(kC, 0xa0, 0xa1);  // IDENTIFY PACKET DEVICE
    EXPECT_TRUE(rig.wait_ready(kC) & kStatusDrq);
    auto id = rig.pio_in(kC, 512);
    EXPECT_EQ(id[88 * 2 + 1], 0x08) << "Ultra DMA 3 still selected";
    EXPECT_EQ(sense(), std::make_tuple(0x05, 0x21, 0x00)) << "the failed read's sense";
    Reply events = packet({0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8});
    ASSERT_EQ(events.data.size(), 8u);
    EXPECT_EQ(events.data[4] & 0x0f, 2) << "the new-media event is still to be reported";
    EXPECT_TRUE(copy.locked());
    EXPECT_FALSE(copy.eject(false).ok());
    EXPECT_EQ(packet({0x00}).status, kStatusReady);
    copy.reset();  // a hardware reset releases the lock
    EXPECT_FALSE(copy.locked());
    rig.channel[kC].attach(0, &cd);
}

// Snapshots taken by earlier builds must still load: tray open, locked, unit attention, media
// event, sense key, ASC, ASCQ, multiword and Ultra DMA mode, a byte each.
TEST_F(AtapiTest, SavedStateKeepsItsByteFormat) {
    lock_and_fail_a_read();
    StateWriter w;
    cd.save(w);
    EXPECT_EQ(w.data(), (std::vector<uint8_t>{0, 1, 0, 2, 0x05, 0x21, 0x00, 0xff, 0x03}));
}

TEST_F(AtapiTest, LoadedStateIsMaskedAndShortStreamsRefused) {
    insert_iso();
    clear_attention();
    // Media event 7 and sense key 0xf5 do not exist; multiword DMA 3 is beyond the drive.
    std::vector<uint8_t> odd{0, 0, 0, 0x07, 0xf5, 0x21, 0x00, 0x03, 0xff};
    StateReader in(odd);
    ASSERT_TRUE(cd.load(in, 1).ok());
    EXPECT_EQ(sense(), std::make_tuple(0x05, 0x21, 0x00));
    Reply events = packet({0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8});
    ASSERT_EQ(events.data.size(), 8u);
    EXPECT_EQ(events.data[4] & 0x0f, 3);
    rig.command(kC, 0xa0, 0xa1);
    EXPECT_TRUE(rig.wait_ready(kC) & kStatusDrq);
    auto id = rig.pio_in(kC, 512);
    EXPECT_EQ(id[63 * 2 + 1], 0) << "no multiword DMA mode selected";

    std::vector<uint8_t> locked_then_cut{0, 1, 0};
    StateReader short_stream(locked_then_cut);
    EXPECT_FALSE(cd.load(short_stream, 1).ok());
    EXPECT_FALSE(cd.locked()) << "never half loaded";
}

TEST_F(AtapiTest, EjectHonoursTheLock) {
    insert_iso();
    clear_attention();
    EXPECT_EQ(packet({0x1e, 0, 0, 0, 1}).status, kStatusReady);  // prevent removal
    EXPECT_FALSE(cd.eject(false).ok());
    Reply r = packet({0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8});
    EXPECT_EQ(r.data[4] & 0x0f, 1);  // eject request passed to the guest
    EXPECT_TRUE(packet({0x1b, 0, 0, 0, 0x02}).status & kStatusErr);  // guest eject refused
    EXPECT_EQ(sense(), std::make_tuple(0x05, 0x53, 0x02));
    EXPECT_TRUE(cd.eject(true).ok());
    EXPECT_EQ(cd.medium(), nullptr);
    EXPECT_TRUE(packet({0x00}).status & kStatusErr);
    EXPECT_EQ(sense(), std::make_tuple(0x02, 0x3a, 0x02));  // tray open
    cd.insert(iso.get());
    EXPECT_TRUE(packet({0x00}).status & kStatusErr);
    EXPECT_EQ(sense(), std::make_tuple(0x06, 0x28, 0x00));
    EXPECT_EQ(packet({0x00}).status, kStatusReady);
    // Guest eject without the lock opens the tray, load closes it.
    EXPECT_EQ(packet({0x1b, 0, 0, 0, 0x02}).status, kStatusReady);
    EXPECT_TRUE(cd.tray_open());
    EXPECT_EQ(packet({0x1b, 0, 0, 0, 0x03}).status, kStatusReady);
    EXPECT_EQ(packet({0x00}).status, kStatusReady);
}

}  // namespace
}  // namespace kemu::ide::test
