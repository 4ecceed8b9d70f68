#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "block/raw.h"
#include "tests/unit/block/test_util.h"

namespace kemu::block {
namespace {

using test::TempDir;

TEST(Raw, ReadWriteAndBounds) {
    TempDir dir;
    ASSERT_TRUE(RawDriver::create(dir.file("a.raw"), 1 << 20).ok());
    auto d = open_image(dir.file("a.raw"), {.format = "raw"});
    ASSERT_TRUE(d.ok());
    auto data = test::random_bytes(5000, 4);
    ASSERT_TRUE((*d)->write(12345, data).ok());
    EXPECT_EQ(test::read_all(**d, 12345, 5000), data);
    std::vector<uint8_t> buf(16);
    EXPECT_FALSE((*d)->read((1 << 20) - 8, buf).ok());
}

// FIEMAP: how many bytes of the file are allocated, and how many of those are unwritten
// (reserved by fallocate, reading as zeroes without having been written).
struct Allocation {
    uint64_t allocated = 0, unwritten = 0;
};

Allocation allocation_of(const std::string& path) {
    Allocation a;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    constexpr unsigned kExtents = 256;
    std::vector<uint8_t> buf(sizeof(fiemap) + kExtents * sizeof(fiemap_extent));
    auto* map = reinterpret_cast<fiemap*>(buf.data());
    map->fm_length = FIEMAP_MAX_OFFSET;
    map->fm_flags = FIEMAP_FLAG_SYNC;
    map->fm_extent_count = kExtents;
    EXPECT_EQ(ioctl(fd, FS_IOC_FIEMAP, map), 0);
    for (unsigned i = 0; i < map->fm_mapped_extents; ++i) {
        a.allocated += map->fm_extents[i].fe_length;
        if (map->fm_extents[i].fe_flags & FIEMAP_EXTENT_UNWRITTEN)
            a.unwritten += map->fm_extents[i].fe_length;
    }
    ::close(fd);
    return a;
}

TEST(Raw, PreallocationFallocReservesAndFullWrites) {
    TempDir dir;
    constexpr uint64_t kSize = 4 << 20;
    ASSERT_TRUE(RawDriver::create(dir.file("off.raw"), kSize).ok());
    ASSERT_TRUE(RawDriver::create(dir.file("falloc.raw"), kSize, ImageFile::Prealloc::Falloc).ok());
    ASSERT_TRUE(RawDriver::create(dir.file("full.raw"), kSize, ImageFile::Prealloc::Full).ok());
    EXPECT_EQ(allocation_of(dir.file("off.raw")).allocated, 0u);
    Allocation falloc = allocation_of(dir.file("falloc.raw"));
    Allocation full = allocation_of(dir.file("full.raw"));
    EXPECT_GE(falloc.allocated, kSize);
    EXPECT_GE(full.allocated, kSize);
    if (falloc.unwritten == 0) GTEST_SKIP() << "this filesystem does not report unwritten extents";
    EXPECT_EQ(full.unwritten, 0u) << "preallocation=full left blocks unwritten, like falloc";
    auto d = open_image(dir.file("full.raw"), {.format = "raw", .read_only = true});
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(test::read_all(**d, 0, kSize), std::vector<uint8_t>(kSize, 0));
}

TEST(Raw, SparseFilesReportHoles) {
    TempDir dir;
    ASSERT_TRUE(RawDriver::create(dir.file("a.raw"), 4 << 20).ok());
    auto d = open_image(dir.file("a.raw"), {.format = "raw"});
    ASSERT_TRUE((*d)->write(1 << 20, std::vector<uint8_t>(65536, 1)).ok());
    auto hole = (*d)->block_status(0, 4 << 20);
    ASSERT_TRUE(hole.ok());
    EXPECT_FALSE(hole->data);
    EXPECT_TRUE(hole->zero);
    EXPECT_EQ(hole->length, 1u << 20);
    auto data = (*d)->block_status(1 << 20, 3 << 20);
    EXPECT_TRUE(data->data);
    EXPECT_EQ(data->host_offset, 1u << 20);
    ASSERT_TRUE((*d)->discard(1 << 20, 65536).ok());
    EXPECT_EQ(test::read_all(**d, 1 << 20, 65536), std::vector<uint8_t>(65536, 0));
}

TEST(Raw, SizeRoundsUpToSectors) {
    TempDir dir;
    {
        auto f = ImageFile::open(dir.file("odd.raw"), {.create = true});
        ASSERT_TRUE(f->write(0, std::vector<uint8_t>(1000, 5)).ok());
    }
    auto d = open_image(dir.file("odd.raw"), {.format = "raw", .read_only = true});
    EXPECT_EQ((*d)->size(), 1024u);
    auto tail = test::read_all(**d, 996, 28);
    EXPECT_EQ(tail[3], 5);
    EXPECT_EQ(tail[4], 0);
}

TEST(Probe, DetectsFormats) {
    TempDir dir;
    test::create_qcow2(dir.file("a.qcow2"), 1 << 20);
    ASSERT_TRUE(RawDriver::create(dir.file("a.raw"), 1 << 20).ok());
    EXPECT_EQ(*probe_format(dir.file("a.qcow2")), "qcow2");
    EXPECT_EQ(*probe_format(dir.file("a.raw")), "raw");
    EXPECT_FALSE(probe_format(dir.file("missing")).ok());
}

// A qcow2 v3 header's first bytes: what a probed raw image must never get in block 0.
std::vector<uint8_t> qcow2_magic() {
    return {'Q', 'F', 'I', 0xfb, 0, 0, 0, 3};
}

std::unique_ptr<BlockDriver> open_probed(const std::string& path) {
    auto d = open_image(path, {.warnings = nullptr});
    EXPECT_TRUE(d.ok()) << (d ? "" : d.error().message());
    return d ? std::move(*d) : nullptr;
}

TEST(ProbedRaw, RefusesWritesThatMakeBlock0ProbeAsQcow2) {
    TempDir dir;
    ASSERT_TRUE(RawDriver::create(dir.file("a.raw"), 1 << 20).ok());
    auto original = std::vector<uint8_t>(4096, 0xab);
    ASSERT_TRUE(open_probed(dir.file("a.raw"))->write(0, original).ok());
    auto d = open_probed(dir.file("a.raw"));

    auto header = qcow2_magic();
    header.resize(512, 0);
    auto whole = d->write(0, header);
    ASSERT_FALSE(whole.ok());
    EXPECT_EQ(whole.error().message(), "Operation not permitted");
    // A write that completes the magic with bytes already on disk is refused as well.
    ASSERT_TRUE(d->write(1, std::vector<uint8_t>{'F', 'I', 0xfb}).ok());
    EXPECT_FALSE(d->write(0, std::vector<uint8_t>{'Q'}).ok());
    // A long write is checked on its block-0 part.
    auto spanning = qcow2_magic();
    spanning.resize(8192, 0xcd);
    EXPECT_FALSE(d->write(0, spanning).ok());

    auto expected = original;
    expected[1] = 'F';
    expected[2] = 'I';
    expected[3] = 0xfb;
    EXPECT_EQ(test::read_all(*d, 0, 4096), expected);
    EXPECT_EQ(*probe_format(dir.file("a.raw")), "raw");
}

TEST(ProbedRaw, HarmlessBlock0WritesWork) {
    TempDir dir;
    ASSERT_TRUE(RawDriver::create(dir.file("a.raw"), 1 << 20).ok());
    auto d = open_probed(dir.file("a.raw"));
    auto boot = std::vector<uint8_t>(512, 0x55);
    ASSERT_TRUE(d->write(0, boot).ok());
    auto across = std::vector<uint8_t>(1000, 0x66);
    ASSERT_TRUE(d->write(300, across).ok());
    ASSERT_TRUE(d->write_zeroes(0, 64, false).ok());
    auto expected = boot;
    std::fill(expected.begin(), expected.begin() + 64, 0);
    std::fill(expected.begin() + 300, expected.end(), 0x66);
    EXPECT_EQ(test::read_all(*d, 0, 512), expected);
    // The guard only concerns block 0: the magic anywhere else is plain data.
    EXPECT_TRUE(d->write(512, qcow2_magic()).ok());
}

TEST(ProbedRaw, WritesToBlock0BypassTheDirectPath) {
    TempDir dir;
    ASSERT_TRUE(RawDriver::create(dir.file("a.raw"), 1 << 20).ok());
    auto probed = open_probed(dir.file("a.raw"));
    EXPECT_FALSE(probed->map_direct(0, 4096, true).has_value());
    EXPECT_TRUE(probed->map_direct(0, 4096, false).has_value());
    EXPECT_TRUE(probed->map_direct(4096, 4096, true).has_value());
    // A caller that probed by itself passes the format with format_probed set.
    auto told = open_image(dir.file("a.raw"), {.format = "raw", .format_probed = true});
    EXPECT_FALSE((*told)->write(0, qcow2_magic()).ok());
}

TEST(ProbedRaw, ExplicitRawFormatIsNotRestricted) {
    TempDir dir;
    ASSERT_TRUE(RawDriver::create(dir.file("a.raw"), 1 << 20).ok());
    auto d = open_image(dir.file("a.raw"), {.format = "raw"});
    ASSERT_TRUE(d.ok());
    EXPECT_TRUE((*d)->map_direct(0, 4096, true).has_value());
    ASSERT_TRUE((*d)->write(0, qcow2_magic()).ok());
    EXPECT_EQ(*probe_format(dir.file("a.raw")), "qcow2");
}

TEST(DirectIo, UnalignedAccessUsesBounceBuffers) {
    TempDir dir;
    ASSERT_TRUE(RawDriver::create(dir.file("a.raw"), 1 << 20).ok());
    auto d = open_image(dir.file("a.raw"), {.format = "raw", .direct = true});
    if (!d) GTEST_SKIP() << "O_DIRECT unsupported here: " << d.error().message();
    auto data = test::random_bytes(777, 8);
    ASSERT_TRUE((*d)->write(1001, data).ok());
    EXPECT_EQ(test::read_all(**d, 1001, 777), data);
}

}  // namespace
}  // namespace kemu::block
