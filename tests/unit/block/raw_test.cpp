#include <gtest/gtest.h>

#include "block/raw.h"
#include "tests/unit/block/test_util.h"

namespace kemu::block {
namespace {

using test::TempDir;

TEST(Raw, ReadWriteAndBounds) {
    TempDir dir;
    ASSERT_TRUE(RawDriver::create(dir.file("a.raw"), 1 << 20, false).ok());
    auto d = open_image(dir.file("a.raw"), {.format = "raw"});
    ASSERT_TRUE(d.ok());
    auto data = test::random_bytes(5000, 4);
    ASSERT_TRUE((*d)->write(12345, data).ok());
    EXPECT_EQ(test::read_all(**d, 12345, 5000), data);
    std::vector<uint8_t> buf(16);
    EXPECT_FALSE((*d)->read((1 << 20) - 8, buf).ok());
}

TEST(Raw, SparseFilesReportHoles) {
    TempDir dir;
    ASSERT_TRUE(RawDriver::create(dir.file("a.raw"), 4 << 20, false).ok());
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
    ASSERT_TRUE(RawDriver::create(dir.file("a.raw"), 1 << 20, false).ok());
    EXPECT_EQ(*probe_format(dir.file("a.qcow2")), "qcow2");
    EXPECT_EQ(*probe_format(dir.file("a.raw")), "raw");
    EXPECT_FALSE(probe_format(dir.file("missing")).ok());
}

TEST(DirectIo, UnalignedAccessUsesBounceBuffers) {
    TempDir dir;
    ASSERT_TRUE(RawDriver::create(dir.file("a.raw"), 1 << 20, false).ok());
    auto d = open_image(dir.file("a.raw"), {.format = "raw", .direct = true});
    if (!d) GTEST_SKIP() << "O_DIRECT unsupported here: " << d.error().message();
    auto data = test::random_bytes(777, 8);
    ASSERT_TRUE((*d)->write(1001, data).ok());
    EXPECT_EQ(test::read_all(**d, 1001, 777), data);
}

}  // namespace
}  // namespace kemu::block
