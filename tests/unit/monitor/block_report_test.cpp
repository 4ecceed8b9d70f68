// `info block`, `info blockstats` and `info snapshots` as QEMU lays them out, from the data
// the machine hands over.
#include "monitor/block_report.h"

#include <gtest/gtest.h>

#include "block/text_format.h"

namespace kemu {
namespace {

BlockDeviceInfo::Medium medium(std::string file, std::string format) {
    return {.file = std::move(file), .format = std::move(format)};
}

TEST(BlockReport, InfoBlockShowsEachDriveAndOnlyTheFieldsThatApply) {
    BlockDeviceInfo plain{.device = "d0", .medium = medium("/img/a.qcow2", "qcow2")};
    BlockDeviceInfo rich{
        .device = "d1", .attached_to = "(no virtio device yet)", .medium = medium("/b.raw", "raw")};
    rich.medium->read_only = true;
    rich.medium->cache = {.direct = true, .writethrough = true, .ignore_flush = false};
    rich.medium->detect_zeroes = block::DetectZeroes::Unmap;
    BlockDeviceInfo overlay{.device = "s", .medium = medium("/c.raw", "qcow2")};
    overlay.medium->cache.ignore_flush = true;
    overlay.medium->detect_zeroes = block::DetectZeroes::On;
    overlay.medium->snapshot = true;
    BlockDeviceInfo empty_cd{.device = "ide1-cd0", .attached_to = "/machine/ide1-cd0"};

    EXPECT_EQ(format_block_info({plain, rich, overlay, empty_cd}),
              "d0: /img/a.qcow2 (qcow2)\n"
              "    Cache mode:       writeback\n"
              "d1: /b.raw (raw, read-only)\n"
              "    Attached to:      (no virtio device yet)\n"
              "    Cache mode:       writethrough, direct\n"
              "    Detect zeroes:    unmap\n"
              "s: /c.raw (qcow2)\n"
              "    Cache mode:       writeback, ignore flushes\n"
              "    Detect zeroes:    on\n"
              "    Backing file:     /c.raw (snapshot overlay)\n"
              "ide1-cd0: [not inserted]\n"
              "    Removable device: not locked, tray closed\n");
    EXPECT_EQ(format_block_info({}), "");
}

TEST(BlockReport, BlockstatsPrintsEveryCounterUnderQemusName) {
    block::BlockStats s{.rd_bytes = 512,
                        .wr_bytes = 1024,
                        .unmap_bytes = 4096,
                        .rd_operations = 1,
                        .wr_operations = 2,
                        .unmap_operations = 3,
                        .flush_operations = 4};
    EXPECT_EQ(format_blockstats({{"d0", s}, {"d1", {}}}),
              "d0: rd_bytes=512 wr_bytes=1024 unmap_bytes=4096 rd_operations=1 wr_operations=2 "
              "unmap_operations=3 flush_operations=4\n"
              "d1: rd_bytes=0 wr_bytes=0 unmap_bytes=0 rd_operations=0 wr_operations=0 "
              "unmap_operations=0 flush_operations=0\n");
}

block::SnapshotInfo snapshot(std::string id, std::string name) {
    return {.id = std::move(id), .name = std::move(name), .date_sec = 1700000000};
}

TEST(BlockReport, SnapshotsSplitIntoLoadableAndPartial) {
    auto both = snapshot("1", "both"), only_a = snapshot("2", "only-a"),
         only_b = snapshot("2", "only-b");
    std::vector<DriveSnapshots> drives{{"a", {both, only_a}}, {"b", {both, only_b}}};
    const std::string header = block::snapshot_table_header();
    EXPECT_EQ(format_snapshots(drives), "List of snapshots present on all disks:\n" + header +
                                            block::snapshot_table_row(both) +
                                            "\nList of partial (non-loadable) snapshots on 'a':\n" +
                                            header + block::snapshot_table_row(only_a) +
                                            "\nList of partial (non-loadable) snapshots on 'b':\n" +
                                            header + block::snapshot_table_row(only_b));
}

TEST(BlockReport, SnapshotsWithNothingInCommonSayNone) {
    auto a = snapshot("1", "x"), b = snapshot("1", "y");
    EXPECT_EQ(format_snapshots(std::vector<DriveSnapshots>{{"a", {a}}, {"b", {b}}}),
              "List of snapshots present on all disks:\nNone\n"
              "\nList of partial (non-loadable) snapshots on 'a':\n" +
                  block::snapshot_table_header() + block::snapshot_table_row(a) +
                  "\nList of partial (non-loadable) snapshots on 'b':\n" +
                  block::snapshot_table_header() + block::snapshot_table_row(b));
}

TEST(BlockReport, SnapshotsEmptyOrUnavailable) {
    EXPECT_EQ(format_snapshots(std::vector<DriveSnapshots>{{"a", {}}}),
              "There is no snapshot available.\n");
    EXPECT_EQ(format_snapshots(Error("No block device can accept snapshots")),
              "No block device can accept snapshots\n");
}

}  // namespace
}  // namespace kemu
