#include <gtest/gtest.h>

#include "tests/unit/hw/ide/ide_rig.h"

namespace kemu::ide::test {
namespace {

constexpr uint64_t kDiskSize = 8 << 20;  // 16384 sectors
constexpr uint64_t kDiskSectors = kDiskSize / 512;

class AtaDiskTest : public ::testing::Test {
  protected:
    void attach(block::DriveOptions o = {}, uint64_t size = kDiskSize,
                DriveIdentity identity = {.serial = "KM-0001"}) {
        contents = pattern(1 << 20);
        backend = rig.image("disk.raw", contents, size, o);
        ASSERT_TRUE(backend);
        disk = std::make_unique<AtaDisk>("ide0-hd0", *backend, identity);
        rig.channel[0].attach(0, disk.get());
        rig.wait_ready();
    }
    void TearDown() override {
        if (disk) {
            rig.channel[0].attach(0, nullptr);
            while (!disk->idle())
                rig.loop.run_once(10'000'000);
        }
        if (backend) {
            EXPECT_TRUE(backend->close().ok());
        }
    }
    std::vector<uint16_t> identify() {
        rig.command(0, 0xa0, 0xec);
        EXPECT_EQ(rig.wait_ready() & (kStatusDrq | kStatusErr), kStatusDrq);
        auto bytes = rig.pio_in(0, 512);
        std::vector<uint16_t> words(256);
        std::memcpy(words.data(), bytes.data(), 512);
        return words;
    }
    static std::string ata_string(const std::vector<uint16_t>& w, unsigned first, unsigned n) {
        std::string s;
        for (unsigned i = first; i < first + n; i++) {
            s += char(w[i] >> 8);
            s += char(w[i] & 0xff);
        }
        return s;
    }
    // Block size 8, multiword DMA 2, write cache off, 4 heads of 32 sectors, standby: every
    // saved setting away from its power-on value.
    void change_settings() {
        rig.outb(kCmd[0] + kCount, 8);
        rig.command(0, 0xa0, 0xc6);  // SET MULTIPLE MODE
        rig.wait_ready();
        set_feature(0x03, 0x22);  // transfer mode: multiword DMA 2
        set_feature(0x82);        // write cache off
        rig.outb(kCmd[0] + kCount, 32);
        rig.command(0, 0xa3, 0x91);  // INITIALIZE DEVICE PARAMETERS: heads - 1 in the device
        rig.wait_ready();
        rig.command(0, 0xa0, 0xe0);  // STANDBY IMMEDIATE
        rig.wait_ready();
    }
    void set_feature(uint8_t feature, uint8_t count = 0) {
        rig.outb(kCmd[0] + kFeature, feature);
        rig.outb(kCmd[0] + kCount, count);
        rig.command(0, 0xa0, 0xef);
        EXPECT_EQ(rig.wait_ready() & kStatusErr, 0);
    }
    // Reads `sectors` of PIO data-in, counting the DRQ blocks by their interrupts.
    std::vector<uint8_t> pio_read_blocks(unsigned sectors, unsigned block, int* interrupts) {
        std::vector<uint8_t> out;
        *interrupts = 0;
        for (unsigned done = 0; done < sectors; done += block) {
            rig.wait_ready();
            if (rig.irq0.level()) ++*interrupts;
            EXPECT_TRUE(rig.inb(kCmd[0] + kStatus) & kStatusDrq);  // also acknowledges
            auto part = rig.pio_in(0, 512 * std::min(block, sectors - done));
            out.insert(out.end(), part.begin(), part.end());
        }
        return out;
    }

    IdeRig rig;
    std::vector<uint8_t> contents;
    std::unique_ptr<block::BlockBackend> backend;
    std::unique_ptr<AtaDisk> disk;
};

// -device ide-hd,model=,ver=,serial=,wwn=,rotation_rate=: longer strings are cut to the field.
TEST_F(AtaDiskTest, IdentityPropertiesFillIdentify) {
    attach({}, kDiskSize,
           {.serial = "S123456789012345678901234",
            .model = "Model XYZ",
            .version = "v1234567890",
            .wwn = 0x5000c50015ea71acull,
            .rotation_rate = 1});
    auto w = identify();
    EXPECT_EQ(ata_string(w, 27, 20), "Model XYZ" + std::string(31, ' '));
    EXPECT_EQ(ata_string(w, 10, 10), "S1234567890123456789");
    EXPECT_EQ(ata_string(w, 23, 4), "v1234567");
    EXPECT_EQ(w[108], 0x5000);
    EXPECT_EQ(w[109], 0xc500);
    EXPECT_EQ(w[110], 0x15ea);
    EXPECT_EQ(w[111], 0x71ac);
    EXPECT_EQ(w[84], 0x4100);  // WWN supported
    EXPECT_EQ(w[87], 0x4100);
    EXPECT_EQ(w[217], 1) << "a non-rotating medium, as Linux reads it for an SSD";
}

TEST_F(AtaDiskTest, IdentifyDescribesTheDisk) {
    attach();
    auto w = identify();
    EXPECT_EQ(ata_string(w, 27, 20), "KEMU HARDDISK                           ");
    EXPECT_EQ(ata_string(w, 10, 10), "KM-0001             ");
    EXPECT_EQ(w[0], 0x0040);
    EXPECT_EQ(w[1], kDiskSectors / (16 * 63));
    EXPECT_EQ(w[3], 16);
    EXPECT_EQ(w[6], 63);
    EXPECT_EQ(w[60] | uint32_t(w[61]) << 16, kDiskSectors);
    EXPECT_EQ(w[100] | uint64_t(w[101]) << 16 | uint64_t(w[102]) << 32, kDiskSectors);
    EXPECT_TRUE(w[49] & 0x0200);  // LBA
    EXPECT_TRUE(w[83] & 0x0400);  // 48-bit
    EXPECT_TRUE(w[83] & 0x3000);  // FLUSH CACHE (EXT)
    EXPECT_EQ(w[63] & 0x07, 0x07);
    EXPECT_EQ(w[88] & 0x3f, 0x3f);  // UDMA 0-5
    EXPECT_TRUE(w[82] & 0x0020);    // write cache supported
    EXPECT_TRUE(w[85] & 0x0020);    // and enabled under cache=writeback
    uint8_t sum = 0;
    for (uint16_t v : w)
        sum = uint8_t(sum + (v & 0xff) + (v >> 8));
    EXPECT_EQ(sum, 0);
    EXPECT_EQ(w[255] & 0xff, 0xa5);
    EXPECT_EQ(rig.inb(kCmd[0] + kStatus) & (kStatusDrq | kStatusBsy), 0);
}

TEST_F(AtaDiskTest, WriteCacheFollowsCacheModeAndSetFeatures) {
    attach({.cache = block::CacheMode::Writethrough});
    EXPECT_FALSE(identify()[85] & 0x0020);
    rig.outb(kCmd[0] + kFeature, 0x02);
    rig.command(0, 0xa0, 0xef);
    EXPECT_EQ(rig.wait_ready() & kStatusErr, 0);
    EXPECT_TRUE(disk->write_cache_enabled());
    EXPECT_TRUE(identify()[85] & 0x0020);
    // An unknown subcommand aborts.
    rig.outb(kCmd[0] + kFeature, 0x77);
    rig.command(0, 0xa0, 0xef);
    EXPECT_TRUE(rig.wait_ready() & kStatusErr);
    EXPECT_EQ(rig.inb(kCmd[0] + kError), kErrorAbrt);
}

TEST_F(AtaDiskTest, PioReadSingleAndMultipleSectors) {
    attach();
    rig.set_lba28(0, 5, 1);
    rig.outb(kCmd[0] + kCommand, 0x20);
    int interrupts = 0;
    auto one = pio_read_blocks(1, 1, &interrupts);
    EXPECT_EQ(one, std::vector<uint8_t>(contents.begin() + 5 * 512, contents.begin() + 6 * 512));
    EXPECT_EQ(interrupts, 1);
    EXPECT_EQ(rig.inb(kCmd[0] + kStatus), kStatusReady);

    rig.set_lba28(0, 100, 3);
    rig.outb(kCmd[0] + kCommand, 0x20);
    auto three = pio_read_blocks(3, 1, &interrupts);
    EXPECT_EQ(three,
              std::vector<uint8_t>(contents.begin() + 100 * 512, contents.begin() + 103 * 512));
    EXPECT_EQ(interrupts, 3);  // one per sector
}

TEST_F(AtaDiskTest, MultipleModeStartsAtTheMaximumOf16) {
    attach();
    auto w = identify();
    EXPECT_EQ(w[47], 0x8010);  // READ/WRITE MULTIPLE: at most 16 sectors per block
    EXPECT_EQ(w[59], 0x0110);  // current setting valid: 16
    rig.set_lba28(0, 0, 20);
    rig.outb(kCmd[0] + kCommand, 0xc4);
    int interrupts = 0;
    auto data = pio_read_blocks(20, 16, &interrupts);
    EXPECT_EQ(data, std::vector<uint8_t>(contents.begin(), contents.begin() + 20 * 512));
    EXPECT_EQ(interrupts, 2);        // blocks of 16 and 4 sectors
    rig.outb(kCmd[0] + kCount, 32);  // above the maximum: aborted, the setting stays
    rig.command(0, 0xa0, 0xc6);
    EXPECT_TRUE(rig.wait_ready() & kStatusErr);
    EXPECT_EQ(identify()[59], 0x0110);
}

TEST_F(AtaDiskTest, ReadMultipleUsesTheBlockSizeAndNeedsSetMultiple) {
    attach();
    rig.outb(kCmd[0] + kCount, 0);  // SET MULTIPLE MODE 0 disables READ/WRITE MULTIPLE
    rig.command(0, 0xa0, 0xc6);
    EXPECT_EQ(rig.wait_ready() & kStatusErr, 0);
    EXPECT_EQ(identify()[59], 0);
    rig.set_lba28(0, 0, 8);
    rig.outb(kCmd[0] + kCommand, 0xc4);
    EXPECT_TRUE(rig.wait_ready() & kStatusErr);  // multiple mode disabled
    rig.outb(kCmd[0] + kCount, 3);               // not a power of two
    rig.command(0, 0xa0, 0xc6);
    EXPECT_TRUE(rig.wait_ready() & kStatusErr);
    rig.outb(kCmd[0] + kCount, 4);
    rig.command(0, 0xa0, 0xc6);
    EXPECT_EQ(rig.wait_ready() & kStatusErr, 0);
    EXPECT_EQ(identify()[59], 0x0104);

    rig.set_lba28(0, 10, 10);
    rig.outb(kCmd[0] + kCommand, 0xc4);
    int interrupts = 0;
    auto data = pio_read_blocks(10, 4, &interrupts);
    EXPECT_EQ(data, std::vector<uint8_t>(contents.begin() + 10 * 512, contents.begin() + 20 * 512));
    EXPECT_EQ(interrupts, 3);  // blocks of 4, 4 and 2 sectors
}

TEST_F(AtaDiskTest, PioWriteReachesTheImage) {
    attach();
    auto data = pattern(4 * 512, 7);
    rig.set_lba28(0, 40, 4);
    rig.outb(kCmd[0] + kCommand, 0x30);
    for (int s = 0; s < 4; s++) {
        uint8_t status = rig.wait_ready();
        ASSERT_TRUE(status & kStatusDrq) << s;
        // The first block is asked for without an interrupt, each later one with one.
        EXPECT_EQ(rig.irq0.level(), s > 0) << s;
        rig.inb(kCmd[0] + kStatus);
        rig.pio_out(0, data.data() + 512 * s, 512);
    }
    EXPECT_EQ(rig.wait_ready(), kStatusReady);
    EXPECT_TRUE(rig.irq0.level());
    EXPECT_EQ(rig.file_bytes("disk.raw", 40 * 512, data.size()), data);
}

TEST_F(AtaDiskTest, WriteMultipleWith32BitAccesses) {
    attach();
    rig.outb(kCmd[0] + kCount, 2);
    rig.command(0, 0xa0, 0xc6);
    rig.wait_ready();
    auto data = pattern(4 * 512, 9);
    rig.set_lba28(0, 200, 4);
    rig.outb(kCmd[0] + kCommand, 0xc5);
    for (int block = 0; block < 2; block++) {
        ASSERT_TRUE(rig.wait_ready() & kStatusDrq);
        rig.inb(kCmd[0] + kStatus);
        for (int i = 0; i < 1024; i += 4) {
            uint32_t v;
            std::memcpy(&v, data.data() + 1024 * block + i, 4);
            rig.outl(kCmd[0], v);
        }
    }
    EXPECT_EQ(rig.wait_ready(), kStatusReady);
    EXPECT_EQ(rig.file_bytes("disk.raw", 200 * 512, data.size()), data);
}

TEST_F(AtaDiskTest, Lba48ReadBeyondTheLba28Limit) {
    uint64_t high_lba = (1ull << 28) + 5;
    attach({}, (high_lba + 16) * 512);  // sparse
    auto data = pattern(2 * 512, 11);
    int fd = ::open(rig.dir.file("disk.raw").c_str(), O_WRONLY | O_CLOEXEC);
    ASSERT_EQ(::pwrite(fd, data.data(), data.size(), off_t(high_lba * 512)), ssize_t(data.size()));
    ::close(fd);

    auto w = identify();
    EXPECT_EQ(w[60] | uint32_t(w[61]) << 16, (1u << 28) - 1);
    EXPECT_EQ(w[100] | uint64_t(w[101]) << 16 | uint64_t(w[102]) << 32, high_lba + 16);

    rig.set_lba48(0, high_lba, 2);
    rig.outb(kCmd[0] + kCommand, 0x24);
    int interrupts = 0;
    EXPECT_EQ(pio_read_blocks(2, 1, &interrupts), data);

    rig.command(0, 0x40, 0x27);  // READ NATIVE MAX ADDRESS EXT
    rig.wait_ready();
    rig.outb(kCtl[0], 0x80);  // HOB: the high bytes
    uint64_t high = rig.inb(kCmd[0] + kLbaLow) | rig.inb(kCmd[0] + kLbaMid) << 8 |
                    rig.inb(kCmd[0] + kLbaHigh) << 16;
    rig.outb(kCtl[0], 0x00);
    uint64_t low = rig.inb(kCmd[0] + kLbaLow) | rig.inb(kCmd[0] + kLbaMid) << 8 |
                   rig.inb(kCmd[0] + kLbaHigh) << 16;
    EXPECT_EQ(high << 24 | low, high_lba + 15);
}

TEST_F(AtaDiskTest, Lba48WriteThenRead) {
    attach();
    auto data = pattern(3 * 512, 13);
    rig.set_lba48(0, 16000, 3);
    rig.outb(kCmd[0] + kCommand, 0x34);
    for (int s = 0; s < 3; s++) {
        ASSERT_TRUE(rig.wait_ready() & kStatusDrq);
        rig.pio_out(0, data.data() + 512 * s, 512);
    }
    EXPECT_EQ(rig.wait_ready(), kStatusReady);
    rig.set_lba48(0, 16000, 3);
    rig.outb(kCmd[0] + kCommand, 0x24);
    int interrupts = 0;
    EXPECT_EQ(pio_read_blocks(3, 1, &interrupts), data);
}

TEST_F(AtaDiskTest, AccessesPastTheEndFailWithIdnf) {
    attach();
    rig.set_lba28(0, kDiskSectors - 1, 2);
    rig.outb(kCmd[0] + kCommand, 0x20);
    EXPECT_EQ(rig.wait_ready(), kStatusReady | kStatusErr);
    EXPECT_EQ(rig.inb(kCmd[0] + kError), kErrorIdnf);
    rig.set_lba48(0, 1ull << 40, 1);
    rig.outb(kCmd[0] + kCommand, 0x35);  // WRITE DMA EXT
    EXPECT_EQ(rig.wait_ready(), kStatusReady | kStatusErr);
    EXPECT_EQ(rig.inb(kCmd[0] + kError), kErrorIdnf);
    // The last sector itself is fine.
    rig.set_lba28(0, kDiskSectors - 1, 1);
    rig.outb(kCmd[0] + kCommand, 0x40);  // READ VERIFY
    EXPECT_EQ(rig.wait_ready(), kStatusReady);
}

TEST_F(AtaDiskTest, ChsAddressing) {
    attach();
    // Cylinder 1, head 2, sector 3 with the default 16 heads x 63 sectors translation.
    uint32_t lba = (1 * 16 + 2) * 63 + 3 - 1;
    rig.outb(kCmd[0] + kCount, 1);
    rig.outb(kCmd[0] + kLbaLow, 3);
    rig.outb(kCmd[0] + kLbaMid, 1);
    rig.outb(kCmd[0] + kLbaHigh, 0);
    rig.command(0, 0xa2, 0x20);
    int interrupts = 0;
    EXPECT_EQ(
        pio_read_blocks(1, 1, &interrupts),
        std::vector<uint8_t>(contents.begin() + lba * 512, contents.begin() + lba * 512 + 512));
    // Sector 0 does not exist in CHS.
    rig.outb(kCmd[0] + kLbaLow, 0);
    rig.command(0, 0xa2, 0x20);
    EXPECT_EQ(rig.wait_ready(), kStatusReady | kStatusErr);
    EXPECT_EQ(rig.inb(kCmd[0] + kError), kErrorIdnf);
}

TEST_F(AtaDiskTest, FlushAndPowerCommandsComplete) {
    attach();
    rig.irq0.clear_count();
    for (uint8_t cmd : {0xe7, 0xea, 0xe1, 0xe0}) {
        rig.command(0, 0xa0, cmd);
        EXPECT_EQ(rig.wait_ready(), kStatusReady) << int(cmd);
        rig.inb(kCmd[0] + kStatus);
    }
    EXPECT_EQ(rig.irq0.raises(), 4);
    rig.command(0, 0xa0, 0xe5);  // CHECK POWER MODE after STANDBY IMMEDIATE
    rig.wait_ready();
    EXPECT_EQ(rig.inb(kCmd[0] + kCount), 0x00);
    EXPECT_GE(backend->stats().flush_operations, 2u);
}

TEST_F(AtaDiskTest, SoftResetDuringAReadDropsItsCompletion) {
    attach();
    rig.set_lba28(0, 0, 16);
    rig.outb(kCmd[0] + kCommand, 0x20);  // the backend read is now in flight
    EXPECT_FALSE(disk->idle());
    rig.outb(kCtl[0], 0x04);
    rig.outb(kCtl[0], 0x00);
    // Busy until the abandoned request is over, then the signature, and no data phase.
    EXPECT_EQ(rig.wait_ready(), kStatusReady);
    EXPECT_TRUE(disk->idle());
    EXPECT_EQ(rig.inb(kCmd[0] + kLbaLow), 1);
    EXPECT_EQ(rig.inb(kCmd[0] + kError), 0x01);
    EXPECT_FALSE(rig.irq0.level());
    // The disk takes new commands.
    rig.set_lba28(0, 2, 1);
    rig.outb(kCmd[0] + kCommand, 0x20);
    int interrupts = 0;
    EXPECT_EQ(pio_read_blocks(1, 1, &interrupts),
              std::vector<uint8_t>(contents.begin() + 1024, contents.begin() + 1536));
}

TEST_F(AtaDiskTest, SettingsSurviveSaveLoadAndHardwareReset) {
    attach();
    change_settings();
    AtaDisk copy("copy", *backend, DriveIdentity{.serial = "KM-0001"});
    kemu::test::copy_state(*disk, copy);
    rig.channel[0].attach(0, &copy);
    rig.wait_ready();
    auto w = identify();
    EXPECT_EQ(w[59], 0x0108);
    EXPECT_EQ(w[63] & 0x0700, 0x0400);
    EXPECT_EQ(w[88] & 0xff00, 0);
    EXPECT_FALSE(w[85] & 0x0020) << "write cache stays off";
    EXPECT_EQ(w[54], 128);  // current CHS: 16384 sectors / (4 heads * 32 sectors)
    EXPECT_EQ(w[55], 4);
    EXPECT_EQ(w[56], 32);
    rig.command(0, 0xa0, 0xe5);  // CHECK POWER MODE: still in standby
    rig.wait_ready();
    EXPECT_EQ(rig.inb(kCmd[0] + kCount), 0x00);
    copy.reset();  // power-on defaults: multiple mode 16, UDMA 5
    rig.wait_ready();
    w = identify();
    EXPECT_EQ(w[59], 0x0110);
    EXPECT_EQ(w[88] & 0xff00, 0x2000);
    rig.channel[0].attach(0, disk.get());
}

// Snapshots taken by earlier builds must still load: the stream is write cache, multiword and
// Ultra DMA mode, block size, power mode (a byte each), then the current cylinders, heads and
// sectors per track (32 bits each, little-endian).
TEST_F(AtaDiskTest, SavedSettingsKeepTheirByteFormat) {
    attach();
    change_settings();
    StateWriter w;
    disk->save(w);
    EXPECT_EQ(w.data(), (std::vector<uint8_t>{0x00, 0x02, 0xff, 0x08, 0x00, 0x80, 0, 0, 0, 0x04, 0,
                                              0, 0, 0x20, 0, 0, 0}));
}

TEST_F(AtaDiskTest, ImpossibleLoadedSettingsAreTamedAndShortStreamsRefused) {
    attach();
    // Block size 3, Ultra DMA 9, zero heads and sectors per track.
    std::vector<uint8_t> odd{0x01, 0xff, 0x09, 0x03, 0xff, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    StateReader in(odd);
    ASSERT_TRUE(disk->load(in, 1).ok());
    rig.wait_ready();
    auto w = identify();
    EXPECT_EQ(w[59], 0) << "READ/WRITE MULTIPLE disabled";
    EXPECT_EQ(w[88] & 0xff00, 0) << "no Ultra DMA mode selected";
    EXPECT_EQ(w[55], 1);
    EXPECT_EQ(w[56], 1);

    change_settings();
    StateReader newer(odd);
    EXPECT_FALSE(disk->load(newer, 2).ok()) << "a newer version is refused";
    EXPECT_EQ(identify()[59], 0x0108) << "before anything is read";
    odd.pop_back();
    StateReader short_stream(odd);
    EXPECT_FALSE(disk->load(short_stream, 1).ok());
    rig.wait_ready();
    EXPECT_EQ(identify()[59], 0x0110) << "a refused stream leaves the power-on settings";
}

TEST_F(AtaDiskTest, UnknownCommandsAndReadOnlyWritesAbort) {
    attach({.read_only = true});
    for (uint8_t cmd : {0x00, 0xa0, 0xa1, 0x08, 0xb0}) {
        rig.command(0, 0xa0, cmd);
        EXPECT_EQ(rig.wait_ready(), kStatusReady | kStatusErr) << int(cmd);
        EXPECT_EQ(rig.inb(kCmd[0] + kError), kErrorAbrt);
    }
    rig.set_lba28(0, 0, 1);
    rig.outb(kCmd[0] + kCommand, 0x30);
    EXPECT_EQ(rig.wait_ready(), kStatusReady | kStatusErr);
}

}  // namespace
}  // namespace kemu::ide::test
