#include <gtest/gtest.h>

#include "tests/unit/hw/ide/ide_rig.h"

namespace kemu::ide::test {
namespace {

class ChannelTest : public ::testing::Test {
  protected:
    void attach_disk() {
        backend = rig.image("disk.raw", pattern(4096), 1 << 20);
        ASSERT_TRUE(backend);
        disk = std::make_unique<AtaDisk>("ide0-hd0", *backend, DriveIdentity{.serial = "KM-0003"});
        rig.channel[0].attach(0, disk.get());
        rig.wait_ready();
    }
    void TearDown() override {
        rig.channel[0].attach(0, nullptr);
        rig.channel[0].attach(1, nullptr);
        while ((disk && !disk->idle()) || !cd.idle())
            rig.loop.run_once(10'000'000);
        if (backend) {
            EXPECT_TRUE(backend->close().ok());
        }
    }
    void select(unsigned unit) { rig.outb(kCmd[0] + kDevice, uint8_t(0xa0 | unit << 4)); }
    std::pair<int, int> signature() {
        return {rig.inb(kCmd[0] + kLbaMid), rig.inb(kCmd[0] + kLbaHigh)};
    }

    IdeRig rig;
    std::unique_ptr<block::BlockBackend> backend;
    std::unique_ptr<AtaDisk> disk;
    AtapiCdrom cd{"ide1-cd0", DriveIdentity{.serial = "KC-0002"}};
};

TEST_F(ChannelTest, EmptyChannelReadsZero) {
    rig.outb(kCmd[1] + kCount, 0x55);
    EXPECT_EQ(rig.inb(kCmd[1] + kCount), 0);
    EXPECT_EQ(rig.inb(kCmd[1] + kStatus), 0);
    EXPECT_EQ(rig.inb(kCtl[1]), 0);
}

TEST_F(ChannelTest, SoftResetLoadsEachDevicesSignature) {
    attach_disk();
    rig.channel[0].attach(1, &cd);
    select(1);
    rig.outb(kCmd[0] + kLbaMid, 0x77);
    rig.outb(kCtl[0], 0x04);  // SRST
    EXPECT_EQ(rig.inb(kCtl[0]), kStatusBsy);
    rig.outb(kCtl[0], 0x00);
    rig.wait_ready();
    // Reset selects device 0.
    EXPECT_EQ(rig.inb(kCmd[0] + kDevice) & kDeviceDev, 0);
    EXPECT_EQ(signature(), std::make_pair(0x00, 0x00));
    EXPECT_EQ(rig.inb(kCmd[0] + kStatus), kStatusReady);
    EXPECT_EQ(rig.inb(kCmd[0] + kError), 0x01);
    EXPECT_EQ(rig.inb(kCmd[0] + kCount), 1);
    select(1);
    EXPECT_EQ(signature(), std::make_pair(0x14, 0xeb));
    EXPECT_EQ(rig.inb(kCmd[0] + kStatus), 0);  // ATAPI leaves DRDY clear after reset
}

TEST_F(ChannelTest, MissingSlaveReadsStatusZero) {
    attach_disk();
    select(1);
    EXPECT_EQ(rig.inb(kCmd[0] + kStatus), 0);
    EXPECT_EQ(rig.inb(kCtl[0]), 0);
    // Commands to it are ignored: no interrupt, nothing busy.
    rig.outb(kCmd[0] + kCommand, 0xec);
    EXPECT_FALSE(rig.irq0.level());
    select(0);
    EXPECT_EQ(rig.inb(kCmd[0] + kStatus), kStatusReady);
}

// What Linux's ata_sff_softreset reads for device 1 (ata_devchk, then ata_sff_dev_classify):
// the test pattern does not read back, and error, signature and status are all 00h, which it
// classifies as "no device" without logging "found unknown device".
TEST_F(ChannelTest, MissingSlaveLooksAbsentToProbes) {
    attach_disk();
    rig.outb(kCtl[0], 0x04);  // SRST, as ata_bus_softreset does
    rig.outb(kCtl[0], 0x00);
    rig.wait_ready();
    select(1);
    EXPECT_EQ(rig.inb(kCmd[0] + kDevice) & kDeviceDev, kDeviceDev) << "the select bit reads back";
    rig.outb(kCmd[0] + kCount, 0x55);
    rig.outb(kCmd[0] + kLbaLow, 0xaa);
    EXPECT_EQ(rig.inb(kCmd[0] + kCount), 0);
    EXPECT_EQ(rig.inb(kCmd[0] + kLbaLow), 0);
    EXPECT_EQ(rig.inb(kCmd[0] + kError), 0);
    EXPECT_EQ(signature(), std::make_pair(0, 0));
    rig.outb(kCtl[0], 0x80);  // HOB
    EXPECT_EQ(rig.inb(kCmd[0] + kLbaMid), 0);
    rig.outb(kCtl[0], 0x00);
    EXPECT_EQ(rig.inb(kCmd[0] + kStatus), 0);
    EXPECT_EQ(rig.inb(kCtl[0]), 0);
    // The master still answers with its own registers and the pattern written meanwhile.
    select(0);
    EXPECT_EQ(rig.inb(kCmd[0] + kCount), 0x55);
    EXPECT_EQ(rig.inb(kCmd[0] + kError), 0x01);  // diagnostic: passed, slave absent
    EXPECT_EQ(rig.inb(kCmd[0] + kStatus), kStatusReady);
}

TEST_F(ChannelTest, InterruptsFollowNienSelectionAndStatusReads) {
    attach_disk();
    rig.command(0, 0xa0, 0xe7);  // FLUSH CACHE
    rig.wait_ready();
    EXPECT_TRUE(rig.irq0.level());
    EXPECT_EQ(rig.inb(kCtl[0]), kStatusReady);  // alternate status keeps it pending
    EXPECT_TRUE(rig.irq0.level());
    rig.outb(kCtl[0], 0x02);  // nIEN masks it
    EXPECT_FALSE(rig.irq0.level());
    rig.outb(kCtl[0], 0x00);
    EXPECT_TRUE(rig.irq0.level());
    select(1);  // the other (absent) device does not drive INTRQ
    EXPECT_FALSE(rig.irq0.level());
    select(0);
    EXPECT_TRUE(rig.irq0.level());
    rig.inb(kCmd[0] + kStatus);
    EXPECT_FALSE(rig.irq0.level());
    // With nIEN set the command still completes, silently.
    rig.outb(kCtl[0], 0x02);
    rig.command(0, 0xa0, 0xe7);
    rig.wait_ready();
    EXPECT_FALSE(rig.irq0.level());
}

TEST_F(ChannelTest, HobReadsThePreviousRegisterWrite) {
    attach_disk();
    rig.outb(kCmd[0] + kLbaLow, 0x11);
    rig.outb(kCmd[0] + kLbaLow, 0x22);
    EXPECT_EQ(rig.inb(kCmd[0] + kLbaLow), 0x22);
    rig.outb(kCtl[0], 0x80);
    EXPECT_EQ(rig.inb(kCmd[0] + kLbaLow), 0x11);
    rig.outb(kCmd[0] + kCount, 5);  // any command block write clears HOB
    EXPECT_EQ(rig.inb(kCmd[0] + kLbaLow), 0x22);
}

TEST_F(ChannelTest, DataPortWithoutTransferAndCommandsWhileBusy) {
    attach_disk();
    EXPECT_EQ(rig.inw(kCmd[0]), 0xffff);
    rig.outw(kCmd[0], 0x1234);  // ignored
    // IDENTIFY leaves DRQ set; a second command meanwhile is ignored.
    rig.command(0, 0xa0, 0xec);
    EXPECT_TRUE(rig.wait_ready() & kStatusDrq);
    rig.outb(kCmd[0] + kCommand, 0xe7);
    EXPECT_EQ(rig.pio_in(0, 512).size(), 512u);
    EXPECT_EQ(rig.inb(kCmd[0] + kStatus), kStatusReady);
}

TEST_F(ChannelTest, ExecuteDeviceDiagnostic) {
    attach_disk();
    rig.outb(kCmd[0] + kLbaMid, 0x42);
    rig.command(0, 0xa0, 0x90);
    rig.wait_ready();
    EXPECT_TRUE(rig.irq0.level());
    EXPECT_EQ(rig.inb(kCmd[0] + kError), 0x01);
    EXPECT_EQ(signature(), std::make_pair(0x00, 0x00));
}

TEST_F(ChannelTest, StateSurvivesSaveLoad) {
    attach_disk();
    rig.outb(kCmd[0] + kLbaHigh, 0x5a);
    rig.command(0, 0xa0, 0xe5);  // CHECK POWER MODE: its interrupt stays pending
    rig.wait_ready();
    rig.outb(kCtl[0], 0x02);  // nIEN
    EXPECT_FALSE(rig.irq0.level());
    // Snapshots taken by earlier builds must still load: each device's task file (features,
    // count, LBA low/mid/high, their HOB copies, device, error, status), the two pending
    // interrupts, then the device control register.
    StateWriter w;
    rig.channel[0].save(w);
    EXPECT_EQ(w.data(),
              (std::vector<uint8_t>{0x00, 0xff, 0x01, 0x00, 0x5a, 0,    0,    0,    0,   0,
                                    0xa0, 0x00, 0x50, 0x00, 0x00, 0x00, 0x00, 0x5a, 0,   0,
                                    0,    0,    0,    0xa0, 0x00, 0x00, 1,    0,    0x02}));

    IdeChannel copy("copy", 14);
    kemu::test::IrqRecorder irq(copy.irq());
    copy.attach(0, &cd);
    kemu::test::copy_state(rig.channel[0], copy);
    EXPECT_EQ(copy.task_file(0).lba_high, 0x5a);
    EXPECT_EQ(copy.task_file(1).lba_high, 0x5a);
    EXPECT_FALSE(irq.level()) << "nIEN holds the pending interrupt back";
    kemu::test::PortBus bus;
    ASSERT_TRUE(bus.io.map(kCmd[0], &copy.command_block()).ok());
    ASSERT_TRUE(bus.io.map(kCtl[0], &copy.control_block()).ok());
    bus.outb(kCtl[0], 0x00);
    EXPECT_TRUE(irq.level()) << "the pending interrupt reaches the line";
    EXPECT_EQ(bus.inb(kCmd[0] + kLbaHigh), 0x5a);
    EXPECT_EQ(bus.inb(kCmd[0] + kStatus), kStatusReady);
    EXPECT_FALSE(irq.level()) << "reading the status acknowledges it";

    StateReader short_stream(std::span<const uint8_t>(w.data()).first(w.data().size() - 1));
    EXPECT_FALSE(copy.load(short_stream, 1).ok());
    copy.attach(0, nullptr);
}

}  // namespace
}  // namespace kemu::ide::test
