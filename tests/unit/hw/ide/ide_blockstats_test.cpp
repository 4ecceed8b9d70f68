// `info blockstats` after guest-driven I/O: PIO READ SECTORS on the primary master,
// WRITE SECTORS and FLUSH CACHE on the slave, each counted on its own drive's backend and
// printed in QEMU's words.
#include <gtest/gtest.h>

#include "monitor/block_report.h"
#include "tests/unit/hw/ide/ide_rig.h"

namespace kemu::ide::test {
namespace {

constexpr uint64_t kDiskSize = 1 << 20;

TEST(IdeBlockstats, GuestReadsAndWritesCountOnTheirOwnDrive) {
    IdeRig rig;
    auto master_image = rig.image("master.raw", pattern(4096), kDiskSize);
    auto slave_image = rig.image("slave.raw", {}, kDiskSize);
    ASSERT_TRUE(master_image && slave_image);
    AtaDisk master("ide0-hd0", *master_image, DriveIdentity{.serial = "QM00001"});
    AtaDisk slave("ide0-hd1", *slave_image, DriveIdentity{.serial = "QM00002"});
    rig.channel[0].attach(0, &master);
    rig.channel[0].attach(1, &slave);
    rig.wait_ready();

    rig.set_lba28(0, 2, 2, 0);
    rig.outb(kCmd[0] + kCommand, 0x20);  // READ SECTORS: two DRQ blocks
    for (int block = 0; block < 2; block++) {
        EXPECT_TRUE(rig.wait_ready() & kStatusDrq);
        rig.pio_in(0, 512);
    }
    std::vector<uint8_t> sector(512, 0x5a);
    rig.set_lba28(0, 7, 1, 1);
    rig.outb(kCmd[0] + kCommand, 0x30);  // WRITE SECTORS
    EXPECT_TRUE(rig.wait_ready() & kStatusDrq);
    rig.pio_out(0, sector.data(), sector.size());
    EXPECT_EQ(rig.wait_ready() & (kStatusErr | kStatusDrq), 0);
    rig.command(0, 0xb0, 0xe7);  // FLUSH CACHE on the slave
    EXPECT_EQ(rig.wait_ready() & kStatusErr, 0);
    EXPECT_EQ(rig.file_bytes("slave.raw", 7 * 512, 512), sector) << "the write reached the image";

    EXPECT_EQ(format_blockstats(
                  {{"ide0-hd0", master_image->stats()}, {"ide0-hd1", slave_image->stats()}}),
              "ide0-hd0: rd_bytes=1024 wr_bytes=0 unmap_bytes=0 rd_operations=1 wr_operations=0 "
              "unmap_operations=0 flush_operations=0\n"
              "ide0-hd1: rd_bytes=0 wr_bytes=512 unmap_bytes=0 rd_operations=0 wr_operations=1 "
              "unmap_operations=0 flush_operations=1\n");

    rig.channel[0].attach(0, nullptr);
    rig.channel[0].attach(1, nullptr);
    while (!master.idle() || !slave.idle())
        rig.loop.run_once(10'000'000);
    EXPECT_TRUE(master_image->close().ok());
    EXPECT_TRUE(slave_image->close().ok());
}

}  // namespace
}  // namespace kemu::ide::test
