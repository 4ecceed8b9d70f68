#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <thread>

#include "block/qcow2/compress.h"
#include "block/qcow2/format.h"
#include "block/raw.h"
#include "tests/unit/block/test_util.h"

namespace kemu::block {
namespace {

using test::TempDir;

constexpr uint64_t kMiB = 1 << 20;

TEST(Qcow2, FreshImageReadsZeroAndIsClean) {
    TempDir dir;
    test::create_qcow2(dir.file("a.qcow2"), 64 * kMiB);
    auto d = test::open_qcow2(dir.file("a.qcow2"), false);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->size(), 64 * kMiB);
    auto data = test::read_all(*d, 10 * kMiB, 4096);
    EXPECT_EQ(data, std::vector<uint8_t>(4096, 0));
    test::expect_clean(*d);
}

// Random writes checked against an in-memory model, across reopen.
TEST(Qcow2, RandomWritesMatchModel) {
    TempDir dir;
    const uint64_t size = 8 * kMiB;
    test::create_qcow2(dir.file("a.qcow2"), size, {.cluster_size = 4096});
    std::vector<uint8_t> model(size, 0);
    {
        auto d = test::open_qcow2(dir.file("a.qcow2"), true, nullptr, {.l2_cache_tables = 2});
        ASSERT_TRUE(d);
        std::mt19937 rng(7);
        for (int i = 0; i < 300; ++i) {
            uint64_t off = rng() % size;
            uint64_t len = std::min<uint64_t>(1 + rng() % 20000, size - off);
            auto data = test::random_bytes(len, static_cast<uint32_t>(i));
            ASSERT_TRUE(d->write(off, data).ok());
            std::memcpy(&model[off], data.data(), len);
        }
        EXPECT_EQ(test::read_all(*d, 0, size), model);
        ASSERT_TRUE(d->close().ok());
    }
    auto d = test::open_qcow2(dir.file("a.qcow2"), false);
    ASSERT_TRUE(d);
    EXPECT_EQ(test::read_all(*d, 0, size), model);
    test::expect_clean(*d);
}

TEST(Qcow2, L2CacheEvictsAndWritesBack) {
    TempDir dir;
    // 512-byte clusters: one L2 table covers 32 KiB, so 1 MiB spans 32 tables.
    test::create_qcow2(dir.file("a.qcow2"), kMiB, {.cluster_size = 512});
    auto d = test::open_qcow2(dir.file("a.qcow2"), true, nullptr, {.l2_cache_tables = 2});
    ASSERT_TRUE(d);
    for (uint64_t off = 0; off < kMiB; off += 32 * 1024) {
        std::vector<uint8_t> v(512, static_cast<uint8_t>(off >> 15));
        ASSERT_TRUE(d->write(off, v).ok());
    }
    EXPECT_LE(d->l2_cache().size(), 2u);
    uint64_t misses_before = d->l2_cache().misses();
    for (uint64_t off = 0; off < kMiB; off += 32 * 1024) {
        EXPECT_EQ(test::read_all(*d, off, 1)[0], static_cast<uint8_t>(off >> 15));
    }
    // Evicted tables were written back and are read again from disk.
    EXPECT_GE(d->l2_cache().misses() - misses_before, 30u);
    ASSERT_TRUE(d->close().ok());
    auto again = test::open_qcow2(dir.file("a.qcow2"), false);
    for (uint64_t off = 0; off < kMiB; off += 32 * 1024) {
        EXPECT_EQ(test::read_all(*again, off, 1)[0], static_cast<uint8_t>(off >> 15));
    }
    test::expect_clean(*again);
}

TEST(Qcow2, CopyOnWriteFromRawBacking) {
    TempDir dir;
    auto base_data = test::random_bytes(2 * kMiB, 1);
    ASSERT_TRUE(RawDriver::create(dir.file("base.raw"), 2 * kMiB).ok());
    {
        auto f = ImageFile::open(dir.file("base.raw"), {});
        ASSERT_TRUE(f->write(0, base_data).ok());
    }
    test::create_qcow2(dir.file("top.qcow2"), 2 * kMiB,
                       {.backing_file = "base.raw", .backing_format = "raw"});
    auto d = open_image(dir.file("top.qcow2"), {});
    ASSERT_TRUE(d.ok()) << d.error().message();
    EXPECT_EQ(test::read_all(**d, 0, 2 * kMiB), base_data);
    // A partial-cluster write must keep the rest of the cluster from the backing file.
    std::vector<uint8_t> patch(100, 0xab);
    ASSERT_TRUE((*d)->write(70000, patch).ok());
    auto expect = base_data;
    std::memcpy(&expect[70000], patch.data(), patch.size());
    EXPECT_EQ(test::read_all(**d, 0, 2 * kMiB), expect);
    auto status = (*d)->block_status(65536, 65536);
    ASSERT_TRUE(status.ok());
    EXPECT_EQ(status->depth, 0);
    auto below = (*d)->block_status(0, 65536);
    EXPECT_EQ(below->depth, 1);
    ASSERT_TRUE((*d)->close().ok());
    // The backing file is untouched.
    auto base = open_image(dir.file("base.raw"), {.format = "raw", .read_only = true});
    EXPECT_EQ(test::read_all(**base, 0, 2 * kMiB), base_data);
}

TEST(Qcow2, ZeroClustersHideBackingData) {
    TempDir dir;
    test::create_qcow2(dir.file("base.qcow2"), kMiB);
    {
        auto b = test::open_qcow2(dir.file("base.qcow2"), true);
        ASSERT_TRUE(b->write(0, std::vector<uint8_t>(kMiB, 0x5a)).ok());
        ASSERT_TRUE(b->close().ok());
    }
    test::create_qcow2(dir.file("top.qcow2"), kMiB,
                       {.backing_file = "base.qcow2", .backing_format = "qcow2"});
    auto d = open_image(dir.file("top.qcow2"), {});
    ASSERT_TRUE(d.ok());
    ASSERT_TRUE((*d)->write_zeroes(65536, 131072, true).ok());
    EXPECT_EQ(test::read_all(**d, 65536, 131072), std::vector<uint8_t>(131072, 0));
    EXPECT_EQ(test::read_all(**d, 0, 1)[0], 0x5a);
    auto st = (*d)->block_status(65536, 131072);
    EXPECT_TRUE(st->zero);
    EXPECT_TRUE(st->allocated);
    EXPECT_EQ(st->length, 131072u);
    // Discard of data clusters in an overlay also reads zero, not the backing data.
    ASSERT_TRUE((*d)->write(262144, std::vector<uint8_t>(65536, 1)).ok());
    ASSERT_TRUE((*d)->discard(262144, 65536).ok());
    EXPECT_EQ(test::read_all(**d, 262144, 16), std::vector<uint8_t>(16, 0));
    auto* q = dynamic_cast<qcow2::Qcow2Driver*>(d->get());
    ASSERT_TRUE(q->flush().ok());
    test::expect_clean(*q);
}

TEST(Qcow2, DiscardFreesClustersForReuse) {
    TempDir dir;
    auto d = test::new_qcow2(dir.file("a.qcow2"), 4 * kMiB);
    ASSERT_TRUE(d->write(0, std::vector<uint8_t>(kMiB, 7)).ok());
    ASSERT_TRUE(d->flush().ok());
    auto before = d->check(qcow2::RepairMode::None);
    ASSERT_TRUE(d->discard(0, kMiB).ok());
    ASSERT_TRUE(d->flush().ok());
    EXPECT_EQ(test::read_all(*d, 0, 8), std::vector<uint8_t>(8, 0));
    auto after = d->check(qcow2::RepairMode::None);
    EXPECT_EQ(after->allocated_clusters + 16, before->allocated_clusters);
    test::expect_clean(*d);
    // Freed clusters are handed out again instead of growing the file.
    ASSERT_TRUE(d->write(kMiB, std::vector<uint8_t>(kMiB, 9)).ok());
    ASSERT_TRUE(d->flush().ok());
    auto reused = d->check(qcow2::RepairMode::None);
    EXPECT_EQ(reused->image_end_offset, before->image_end_offset);
}

TEST(Qcow2, CompressedClustersRoundTrip) {
    for (auto type : {qcow2::CompressionType::Zlib, qcow2::CompressionType::Zstd}) {
        TempDir dir;
        auto d = test::new_qcow2(dir.file("a.qcow2"), kMiB, {.compression_type = type});
        std::vector<uint8_t> text(65536);
        for (size_t i = 0; i < text.size(); ++i)
            text[i] = "compressible "[i % 13];
        ASSERT_TRUE(d->write_compressed(131072, text).ok());
        EXPECT_EQ(test::read_all(*d, 131072, 65536), text);
        // Overwriting part of a compressed cluster decompresses it into a normal cluster.
        ASSERT_TRUE(d->write(131072 + 10, std::vector<uint8_t>(5, 'X')).ok());
        auto expect = text;
        std::memset(&expect[10], 'X', 5);
        EXPECT_EQ(test::read_all(*d, 131072, 65536), expect);
        ASSERT_TRUE(d->flush().ok());
        test::expect_clean(*d);
    }
}

// convert -c compresses on worker threads and stores on one: compress_cluster() needs no
// driver, store_compressed() packs what it made.
// Clusters that compress to 60 % do not fit two to a host cluster: packed back to back,
// eight of them take five host clusters, not eight.
TEST(Qcow2, CompressedClustersSpanHostClusters) {
    TempDir dir;
    auto d = test::new_qcow2(dir.file("s.qcow2"), 2 * kMiB);
    std::vector<std::vector<uint8_t>> clusters;
    for (uint32_t i = 0; i < 8; ++i) {
        auto c = test::random_bytes(65536 * 6 / 10, 50 + i);
        c.resize(65536, 0);
        clusters.push_back(c);
    }
    // The first write allocates the L2 table; measure from the second on.
    ASSERT_TRUE(d->write_compressed(0, clusters[0]).ok());
    // The file's length, not its allocated blocks: unused cluster tails would be holes.
    uint64_t before = std::filesystem::file_size(dir.file("s.qcow2"));
    for (uint64_t i = 1; i < clusters.size(); ++i)
        ASSERT_TRUE(d->write_compressed(i * 65536, clusters[i]).ok());
    ASSERT_TRUE(d->flush().ok());
    uint64_t grown = std::filesystem::file_size(dir.file("s.qcow2")) - before;
    EXPECT_LE(grown, 5u * 65536) << "compressed clusters not packed across host clusters";
    for (uint64_t i = 0; i < clusters.size(); ++i)
        EXPECT_EQ(test::read_all(*d, i * 65536, 65536), clusters[i]) << "cluster " << i;
    test::expect_clean(*d);
    ASSERT_TRUE(d->close().ok());
}

TEST(Qcow2, StoresClustersCompressedElsewhere) {
    TempDir dir;
    auto d = test::new_qcow2(dir.file("a.qcow2"), kMiB);
    std::vector<std::vector<uint8_t>> clusters, compressed(4);
    for (int i = 0; i < 4; ++i) {
        clusters.emplace_back(65536);
        for (size_t j = 0; j < 65536; ++j)
            clusters[i][j] = static_cast<uint8_t>("abcdefgh"[(j + i) % 8] + j / 4096);
    }
    std::vector<std::thread> workers;
    for (int i = 0; i < 4; ++i) {
        workers.emplace_back([&, i] {
            compressed[i].resize(65536);
            compressed[i].resize(
                qcow2::compress_cluster(d->header().compression_type, clusters[i], compressed[i]));
        });
    }
    for (auto& w : workers)
        w.join();
    for (int i = 0; i < 4; ++i) {
        ASSERT_FALSE(compressed[i].empty());
        ASSERT_TRUE(d->store_compressed(i * 65536, compressed[i]).ok());
    }
    for (int i = 0; i < 4; ++i)
        EXPECT_EQ(test::read_all(*d, i * 65536, 65536), clusters[i]);
    EXPECT_FALSE(d->store_compressed(4 * 65536 + 512, compressed[0]).ok());  // unaligned
    EXPECT_FALSE(d->store_compressed(4 * 65536, std::vector<uint8_t>(65536, 1)).ok());
    ASSERT_TRUE(d->flush().ok());
    test::expect_clean(*d);
}

TEST(Qcow2, SnapshotsCreateApplyDelete) {
    TempDir dir;
    auto d = test::new_qcow2(dir.file("a.qcow2"), 2 * kMiB);
    auto v1 = test::random_bytes(kMiB, 11);
    ASSERT_TRUE(d->write(0, v1).ok());
    ASSERT_TRUE(d->snapshot_create({.name = "one", .date_sec = 1}).ok());
    test::expect_clean(*d);
    auto v2 = test::random_bytes(kMiB, 12);
    ASSERT_TRUE(d->write(0, v2).ok());  // copy-on-write away from the snapshot
    EXPECT_EQ(test::read_all(*d, 0, kMiB), v2);
    ASSERT_TRUE(d->flush().ok());
    test::expect_clean(*d);
    EXPECT_FALSE(d->snapshot_create({.name = "one", .date_sec = 2}).ok());
    ASSERT_TRUE(d->snapshot_apply("one").ok());
    EXPECT_EQ(test::read_all(*d, 0, kMiB), v1);
    test::expect_clean(*d);
    ASSERT_EQ(d->snapshots().size(), 1u);
    EXPECT_EQ(d->snapshots()[0].id, "1");
    ASSERT_TRUE(d->snapshot_delete("1").ok());
    EXPECT_TRUE(d->snapshots().empty());
    EXPECT_EQ(test::read_all(*d, 0, kMiB), v1);
    test::expect_clean(*d);
}

TEST(Qcow2, ResizeGrowAndShrink) {
    TempDir dir;
    auto d = test::new_qcow2(dir.file("a.qcow2"), kMiB, {.cluster_size = 512});
    ASSERT_TRUE(d->write(kMiB - 512, std::vector<uint8_t>(512, 3)).ok());
    // Growing past the L1 table's reach relocates the L1 table.
    ASSERT_TRUE(d->truncate(64 * kMiB, false).ok());
    EXPECT_EQ(d->size(), 64 * kMiB);
    ASSERT_TRUE(d->write(63 * kMiB, std::vector<uint8_t>(512, 4)).ok());
    EXPECT_EQ(test::read_all(*d, kMiB - 512, 1)[0], 3);
    EXPECT_FALSE(d->truncate(kMiB / 2, false).ok());
    ASSERT_TRUE(d->truncate(kMiB / 2, true).ok());
    EXPECT_EQ(d->size(), kMiB / 2);
    ASSERT_TRUE(d->flush().ok());
    test::expect_clean(*d);
}

// resize --preallocation: the grown range gets host clusters but must read as zeroes even
// where those are recycled clusters still holding old data.
TEST(Qcow2, PreallocatedGrowthReadsZeroes) {
    for (uint32_t version : {2u, 3u}) {
        TempDir dir;
        test::create_qcow2(dir.file("g.qcow2"), 64 * 1024, {.version = version});
        {
            // Unreferenced garbage past the metadata, where new clusters will be placed.
            auto f = ImageFile::open(dir.file("g.qcow2"), {});
            ASSERT_TRUE(f.ok());
            auto end = f->size();
            ASSERT_TRUE(end.ok());
            ASSERT_TRUE(f->write(*end, std::vector<uint8_t>(8 * kMiB, 0xee)).ok());
        }
        auto d = test::open_qcow2(dir.file("g.qcow2"), true);
        ASSERT_TRUE(d->truncate(4 * kMiB, false).ok());
        ASSERT_TRUE(d->preallocate_growth(64 * 1024, ImageFile::Prealloc::Falloc).ok());
        EXPECT_EQ(test::read_all(*d, 64 * 1024, 4 * kMiB - 64 * 1024),
                  std::vector<uint8_t>(4 * kMiB - 64 * 1024, 0))
            << "version " << version;
        auto e = d->block_status(kMiB, kMiB);
        ASSERT_TRUE(e.ok());
        EXPECT_TRUE(e->allocated) << "version " << version;
        test::expect_clean(*d);
    }
}

TEST(Qcow2, RefcountWidthsAndOverflow) {
    for (uint32_t bits : {1u, 2u, 4u, 8u, 16u, 32u, 64u}) {
        TempDir dir;
        auto d = test::new_qcow2(dir.file("a.qcow2"), kMiB, {.refcount_bits = bits});
        ASSERT_TRUE(d->write(0, test::random_bytes(300000, bits)).ok());
        ASSERT_TRUE(d->flush().ok());
        test::expect_clean(*d);
        EXPECT_EQ(d->refcounts().max_refcount(), bits == 64 ? ~0ull : (1ull << bits) - 1);
        auto snap = d->snapshot_create({.name = "s"});
        if (bits == 1) {
            // Sharing a cluster needs a refcount of 2, which a 1-bit width cannot hold.
            EXPECT_FALSE(snap.ok());
        } else {
            EXPECT_TRUE(snap.ok()) << snap.error().message();
        }
    }
}

TEST(Qcow2, RefcountTableGrowsForLargeImages) {
    TempDir dir;
    // 512-byte clusters with 16-bit refcounts: one refcount block covers 128 KiB, and the
    // initial one-cluster table only 64 blocks (8 MiB).
    auto d = test::new_qcow2(dir.file("a.qcow2"), 32 * kMiB, {.cluster_size = 512});
    uint32_t initial_clusters = d->refcounts().table_clusters();
    auto data = test::random_bytes(12 * kMiB, 5);
    ASSERT_TRUE(d->write(0, data).ok());
    ASSERT_TRUE(d->close().ok());
    auto again = test::open_qcow2(dir.file("a.qcow2"), false);
    EXPECT_GT(again->refcounts().table_clusters(), initial_clusters);
    EXPECT_EQ(test::read_all(*again, 0, data.size()), data);
    test::expect_clean(*again);
}

TEST(Qcow2, LazyRefcountsSetDirtyBitAndRepairOnOpen) {
    TempDir dir;
    test::create_qcow2(dir.file("a.qcow2"), kMiB, {.lazy_refcounts = true});
    auto data = test::random_bytes(200000, 3);
    {
        auto d = test::open_qcow2(dir.file("a.qcow2"), true);
        ASSERT_TRUE(d->write(0, data).ok());
        EXPECT_TRUE(d->header().incompatible_features & qcow2::kIncompatDirty);
        ASSERT_TRUE(d->flush().ok());
        // Simulate a crash: the header on disk still says dirty.
        auto ro = test::open_qcow2(dir.file("a.qcow2"), false);
        EXPECT_TRUE(ro->info().dirty);
        ASSERT_TRUE(d->close().ok());
        EXPECT_FALSE(d->header().incompatible_features & qcow2::kIncompatDirty);
    }
    auto d = test::open_qcow2(dir.file("a.qcow2"), true);
    EXPECT_EQ(test::read_all(*d, 0, data.size()), data);
    test::expect_clean(*d);
}

TEST(Qcow2, Version2Images) {
    TempDir dir;
    auto d = test::new_qcow2(dir.file("a.qcow2"), kMiB, {.version = 2});
    EXPECT_EQ(d->header().version, 2u);
    ASSERT_TRUE(d->write(0, std::vector<uint8_t>(65536, 9)).ok());
    // No zero flag in v2: zeroing writes explicit zeroes.
    ASSERT_TRUE(d->write_zeroes(0, 65536, true).ok());
    EXPECT_EQ(test::read_all(*d, 0, 65536), std::vector<uint8_t>(65536, 0));
    ASSERT_TRUE(d->flush().ok());
    test::expect_clean(*d);
}

TEST(Qcow2, CheckFindsAndRepairsLeaks) {
    TempDir dir;
    test::create_qcow2(dir.file("a.qcow2"), kMiB);
    {
        auto d = test::open_qcow2(dir.file("a.qcow2"), true);
        auto leaked = d->refcounts().allocate(3);  // counted but never referenced
        ASSERT_TRUE(leaked.ok());
        ASSERT_TRUE(d->close().ok());
    }
    auto d = test::open_qcow2(dir.file("a.qcow2"), true);
    auto r = d->check(qcow2::RepairMode::None);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->leaks, 3u);
    EXPECT_EQ(r->corruptions, 0u);
    auto fixed = d->check(qcow2::RepairMode::Leaks);
    EXPECT_EQ(fixed->leaks_fixed, 3u);
    test::expect_clean(*d);
}

}  // namespace
}  // namespace kemu::block
