#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "block/block_backend.h"
#include "block/io/thread_pool.h"
#include "block/raw.h"
#include "system/clock.h"
#include "system/event_loop.h"
#include "tests/unit/block/test_util.h"
#include "tests/unit/common/fixtures.h"

namespace kemu::block {
namespace {

using kemu::test::LoopFixture;
using test::TempDir;

void exercise_engine(IoEngine& engine, LoopFixture& f, const std::string& path) {
    auto file = ImageFile::open(path, {.create = true});
    ASSERT_TRUE(file.ok());
    auto out = test::random_bytes(1 << 16, 21);
    std::vector<uint8_t> in(out.size());
    int pending = 1;
    ssize_t result = 0;
    std::thread::id completion_thread;
    engine.submit({IoRequest::Op::Write, file->fd(), out.data(), out.size(), 4096}, [&](ssize_t r) {
        result = r;
        completion_thread = std::this_thread::get_id();
        --pending;
    });
    f.wait(pending);
    EXPECT_EQ(result, static_cast<ssize_t>(out.size()));
    // Completions run on the loop's thread, not an I/O thread.
    EXPECT_TRUE(completion_thread == std::this_thread::get_id());
    pending = 2;
    engine.submit({IoRequest::Op::Flush, file->fd(), nullptr, 0, 0}, [&](ssize_t) { --pending; });
    engine.submit({IoRequest::Op::Read, file->fd(), in.data(), in.size(), 4096}, [&](ssize_t r) {
        result = r;
        --pending;
    });
    f.wait(pending);
    EXPECT_EQ(in, out);
    pending = 1;
    engine.submit({IoRequest::Op::Read, file->fd(), in.data(), in.size(), 1 << 30}, [&](ssize_t r) {
        result = r;
        --pending;
    });
    f.wait(pending);
    EXPECT_LT(result, 0);  // reading past EOF is an error, not a silent short read
}

// A new qcow2 image `name` in `dir`, opened as a drive with default options.
Result<std::unique_ptr<BlockBackend>> new_qcow2_drive(TempDir& dir, IoEngine& engine,
                                                      const std::string& name, uint64_t size) {
    test::create_qcow2(dir.file(name), size);
    return BlockBackend::open({.file = dir.file(name)}, engine);
}

// A scratch folder, a main loop and the default engine: what most drive tests start from.
struct DriveTest : ::testing::Test {
    TempDir dir;
    LoopFixture f;
    std::unique_ptr<IoEngine> engine = make_default_engine(f.loop);
};

TEST(IoEngine, ThreadPool) {
    TempDir dir;
    LoopFixture f;
    auto engine = make_thread_pool_engine(f.deliver(), 2);
    exercise_engine(*engine, f, dir.file("t"));
}

// Jobs that wait for each other: `jobs` of them run at once only if the pool starts that many
// workers. Returns the most that ran at the same time.
unsigned most_at_once(ThreadPool& pool, unsigned jobs) {
    std::mutex m;
    std::condition_variable cv;
    unsigned running = 0, most = 0, finished = 0;
    for (unsigned i = 0; i < jobs; ++i) {
        pool.post([&] {
            std::unique_lock<std::mutex> g(m);
            most = std::max(most, ++running);
            cv.notify_all();
            cv.wait_for(g, std::chrono::milliseconds(200), [&] { return running == jobs; });
            --running;
            ++finished;
            cv.notify_all();
        });
    }
    std::unique_lock<std::mutex> g(m);
    cv.wait(g, [&] { return finished == jobs; });
    return most;
}

// Workers start as jobs queue up, to the pool's limit and no further.
TEST(IoEngine, ThreadPoolGrowsToItsLimit) {
    ThreadPool wide(16);
    EXPECT_EQ(most_at_once(wide, 12), 12u);
    ThreadPool narrow(3);
    EXPECT_EQ(most_at_once(narrow, 8), 3u);
}

// Completions that pile up before the main loop drains them cost it one wake-up, and run in
// the order they finished.
TEST(IoEngine, CompletionsThatPileUpShareOneWakeUp) {
    std::vector<std::function<void()>> wakeups;
    auto batch = std::make_shared<CompletionBatch>(
        [&](std::function<void()> fn) { wakeups.push_back(std::move(fn)); });
    std::vector<ssize_t> results;
    for (ssize_t r = 0; r < 5; ++r)
        batch->add([&](ssize_t v) { results.push_back(v); }, r);
    ASSERT_EQ(wakeups.size(), 1u);
    wakeups[0]();
    EXPECT_EQ(results, (std::vector<ssize_t>{0, 1, 2, 3, 4}));
    batch->add([&](ssize_t v) { results.push_back(v); }, 7);
    ASSERT_EQ(wakeups.size(), 2u);  // drained: the next completion wakes the loop again
    wakeups[1]();
    EXPECT_EQ(results.back(), 7);
}

TEST(IoEngine, Uring) {
    TempDir dir;
    LoopFixture f;
    auto engine = make_uring_engine(f.loop, 32, 2);
    if (!engine) GTEST_SKIP() << engine.error().message();
    EXPECT_STREQ((*engine)->name(), "io_uring");
    exercise_engine(**engine, f, dir.file("u"));
}

TEST(CacheModes, ParseAndFlags) {
    EXPECT_TRUE(cache_flags(*parse_cache_mode("none")).direct);
    EXPECT_FALSE(cache_flags(*parse_cache_mode("none")).writethrough);
    EXPECT_TRUE(cache_flags(*parse_cache_mode("directsync")).direct);
    EXPECT_TRUE(cache_flags(*parse_cache_mode("directsync")).writethrough);
    EXPECT_TRUE(cache_flags(*parse_cache_mode("writethrough")).writethrough);
    EXPECT_TRUE(cache_flags(*parse_cache_mode("unsafe")).ignore_flush);
    EXPECT_FALSE(cache_flags(*parse_cache_mode("writeback")).direct);
    EXPECT_FALSE(parse_cache_mode("fast").ok());
}

// An engine serves one aio= and either buffered or O_DIRECT requests; without aio= it reads
// through io_uring and writes on workers (only workers where the kernel refuses io_uring).
TEST(CacheModes, EngineKindIsTheAioModeAndWhetherRequestsAreDirect) {
    for (CacheMode buffered : {CacheMode::Writeback, CacheMode::Writethrough, CacheMode::Unsafe})
        EXPECT_EQ(engine_kind(AioMode::Default, buffered), (EngineKind{AioMode::Default, false}));
    for (CacheMode direct : {CacheMode::None, CacheMode::Directsync})
        EXPECT_EQ(engine_kind(AioMode::Default, direct), (EngineKind{AioMode::Default, true}));
    EXPECT_EQ(engine_kind(AioMode::Native, CacheMode::None), (EngineKind{AioMode::Native, true}));
    LoopFixture f;
    auto engine = make_engine(engine_kind(AioMode::Default, CacheMode::Writeback), f.loop);
    ASSERT_TRUE(engine.ok()) << engine.error().message();
    std::string name = (*engine)->name();
    EXPECT_TRUE(name == "io_uring+threads" || name == "threads") << name;
    auto threads = make_engine(engine_kind(AioMode::Threads, CacheMode::None), f.loop);
    ASSERT_TRUE(threads.ok());
    EXPECT_STREQ((*threads)->name(), "threads");
}

class BackendTest : public ::testing::TestWithParam<const char*> {};

TEST_P(BackendTest, AsyncReadWriteFlushAcrossCacheModes) {
    TempDir dir;
    LoopFixture f;
    auto engine = make_default_engine(f.loop);
    test::create_qcow2(dir.file("a.qcow2"), 4 << 20);
    DriveOptions o;
    o.file = dir.file("a.qcow2");
    o.cache = *parse_cache_mode(GetParam());
    auto b = BlockBackend::open(o, *engine);
    if (!b && cache_flags(o.cache).direct) GTEST_SKIP() << b.error().message();
    ASSERT_TRUE(b.ok()) << b.error().message();
    auto data = test::random_bytes(3 << 16, 31);
    std::vector<uint8_t> back(data.size());
    int pending = 3;
    std::vector<bool> oks;
    auto done = [&](Result<void> r) {
        oks.push_back(r.ok());
        --pending;
    };
    (*b)->write(65536, data, done);
    (*b)->flush(done);
    (*b)->write_zeroes(1 << 20, 65536, true, done);
    f.wait(pending);
    pending = 1;
    (*b)->read(65536, back, done);
    f.wait(pending);
    EXPECT_EQ(oks, std::vector<bool>(4, true));
    EXPECT_EQ(back, data);
    ASSERT_TRUE((*b)->close().ok());
}

INSTANTIATE_TEST_SUITE_P(Modes, BackendTest,
                         ::testing::Values("none", "writeback", "writethrough", "unsafe",
                                           "directsync"));

TEST_F(DriveTest, AllocatedQcow2ClustersBypassTheDriver) {
    auto b = new_qcow2_drive(dir, *engine, "a.qcow2", 4 << 20);
    ASSERT_TRUE(b.ok()) << b.error().message();
    auto first = test::random_bytes(65536, 41), second = test::random_bytes(65536, 42);
    std::vector<uint8_t> back(65536);
    int pending = 1;
    auto done = [&](Result<void> r) {
        EXPECT_TRUE(r.ok());
        --pending;
    };
    (*b)->write(131072, first, done);  // allocates: must go through the driver
    f.wait(pending);
    EXPECT_EQ((*b)->direct_requests(), 0u);
    pending = 2;
    (*b)->write(131072, second, done);  // in place: straight to the engine
    (*b)->flush(done);                  // waits for the direct write
    f.wait(pending);
    pending = 1;
    (*b)->read(131072, back, done);
    f.wait(pending);
    EXPECT_EQ(back, second);
    EXPECT_GE((*b)->direct_requests(), 1u);
    pending = 1;
    (*b)->read(1 << 20, back, done);  // unallocated: the driver supplies zeroes
    f.wait(pending);
    EXPECT_EQ(back, std::vector<uint8_t>(65536, 0));
    ASSERT_TRUE((*b)->close().ok());
    auto d = test::open_qcow2(dir.file("a.qcow2"), false);
    EXPECT_EQ(test::read_all(*d, 131072, 65536), second);
    test::expect_clean(*d);
}

// Many reads in flight on a cold cache, mixed with allocating writes: reads that cannot map
// their range from the cache while a driver call runs are mapped by the driver and then
// read through the engine; every byte must still be right.
TEST(Backend, ConcurrentReadsBesideAllocatingWrites) {
    TempDir dir;
    constexpr uint64_t kCluster = 65536, kClusters = 32;
    test::create_qcow2(dir.file("c.qcow2"), 16 << 20);
    std::vector<std::vector<uint8_t>> data;
    {
        auto d = test::open_qcow2(dir.file("c.qcow2"), true);
        for (uint64_t i = 0; i < kClusters; ++i) {
            data.push_back(test::random_bytes(kCluster, 100 + static_cast<uint32_t>(i)));
            ASSERT_TRUE(d->write(i * kCluster, data.back()).ok());
        }
        ASSERT_TRUE(d->close().ok());
    }
    LoopFixture f;
    auto engine = make_default_engine(f.loop);
    auto b = BlockBackend::open({.file = dir.file("c.qcow2")}, *engine);
    ASSERT_TRUE(b.ok());
    std::vector<std::vector<uint8_t>> back(kClusters * 4, std::vector<uint8_t>(kCluster));
    auto fresh = test::random_bytes(kCluster, 7);
    int pending = 0;
    auto done = [&](Result<void> r) {
        EXPECT_TRUE(r.ok());
        --pending;
    };
    for (uint64_t round = 0; round < 4; ++round) {
        for (uint64_t i = 0; i < kClusters; ++i) {
            ++pending;
            (*b)->read(i * kCluster, back[round * kClusters + i], done);
            if (i % 8 == 0) {
                ++pending;
                (*b)->write((kClusters + round * kClusters + i) * kCluster, fresh, done);
            }
        }
    }
    f.wait(pending);
    for (uint64_t k = 0; k < back.size(); ++k)
        ASSERT_EQ(back[k], data[k % kClusters]) << "read " << k;
    EXPECT_GE((*b)->direct_requests(), 1u);
    ASSERT_TRUE((*b)->close().ok());
    auto d = test::open_qcow2(dir.file("c.qcow2"), false);
    EXPECT_EQ(test::read_all(*d, (kClusters + 8) * kCluster, kCluster), fresh);
    test::expect_clean(*d);
}

TEST_F(DriveTest, RawPassthroughAndReadOnly) {
    ASSERT_TRUE(RawDriver::create(dir.file("a.raw"), 1 << 20).ok());
    DriveOptions o{.file = dir.file("a.raw"), .format = "raw", .read_only = true};
    auto b = BlockBackend::open(o, *engine);
    ASSERT_TRUE(b.ok());
    int pending = 1;
    bool write_ok = true;
    std::vector<uint8_t> buf(4096, 1);
    (*b)->write(0, buf, [&](Result<void> r) {
        write_ok = r.ok();
        --pending;
    });
    f.wait(pending);
    EXPECT_FALSE(write_ok);
    pending = 1;
    (*b)->read(0, buf, [&](Result<void> r) {
        EXPECT_TRUE(r.ok());
        --pending;
    });
    f.wait(pending);
    EXPECT_EQ(buf, std::vector<uint8_t>(4096, 0));
    EXPECT_EQ((*b)->direct_requests(), 1u);  // raw reads go straight to the engine
}

TEST_F(DriveTest, StatsCountAcceptedRequests) {
    ASSERT_TRUE(RawDriver::create(dir.file("s.raw"), 1 << 20).ok());
    auto b = BlockBackend::open({.file = dir.file("s.raw"), .format = "raw"}, *engine);
    ASSERT_TRUE(b.ok());
    std::vector<uint8_t> buf(8192, 7);
    int pending = 4;
    auto done = [&](Result<void> r) {
        EXPECT_TRUE(r.ok());
        --pending;
    };
    (*b)->write(0, buf, done);
    (*b)->read(4096, std::span<uint8_t>(buf).first(4096), done);
    (*b)->discard(0, 4096, done);
    (*b)->flush(done);
    f.wait(pending);
    int refused = 1;
    (*b)->read(1 << 20, buf, [&](Result<void> r) {
        EXPECT_FALSE(r.ok());
        --refused;
    });
    f.wait(refused);
    const BlockStats& s = (*b)->stats();
    EXPECT_EQ(s.wr_operations, 1u);
    EXPECT_EQ(s.wr_bytes, 8192u);
    EXPECT_EQ(s.rd_operations, 1u);  // the out-of-range read is not counted
    EXPECT_EQ(s.rd_bytes, 4096u);
    EXPECT_EQ(s.unmap_operations, 1u);
    EXPECT_EQ(s.unmap_bytes, 4096u);
    EXPECT_EQ(s.flush_operations, 1u);
}

// A 1 MiB raw image a.raw, opened with snapshot=on (the overlay in `dir` too).
Result<std::unique_ptr<BlockBackend>> open_snapshot_mode_drive(TempDir& dir, IoEngine& engine) {
    auto created = RawDriver::create(dir.file("a.raw"), 1 << 20);
    if (!created) return created.error();
    DriveOptions o{.file = dir.file("a.raw"), .format = "raw", .snapshot = true};
    o.temp_dir = dir.file("");
    return BlockBackend::open(o, engine);
}

TEST_F(DriveTest, SnapshotModeLeavesImageUntouched) {
    auto b = open_snapshot_mode_drive(dir, *engine);
    ASSERT_TRUE(b.ok()) << b.error().message();
    std::vector<uint8_t> buf(4096, 0x77), back(4096);
    int pending = 2;
    auto done = [&](Result<void> r) {
        EXPECT_TRUE(r.ok());
        --pending;
    };
    (*b)->write(8192, buf, done);
    (*b)->flush(done);
    f.wait(pending);
    pending = 1;
    (*b)->read(8192, back, done);
    f.wait(pending);
    EXPECT_EQ(back, buf);
    ASSERT_TRUE((*b)->close().ok());
    auto raw = open_image(dir.file("a.raw"), {.format = "raw", .read_only = true});
    EXPECT_EQ(test::read_all(**raw, 8192, 4096), std::vector<uint8_t>(4096, 0));
}

// Runs one backend call to completion and returns its result.
Result<void> complete(LoopFixture& f, const std::function<void(BlockBackend::Callback)>& call) {
    int pending = 1;
    Result<void> result = ok();
    call([&](Result<void> r) {
        result = std::move(r);
        --pending;
    });
    f.wait(pending);
    return result;
}

TEST_F(DriveTest, SnapshotModeCommitWritesTheImage) {
    auto b = open_snapshot_mode_drive(dir, *engine);
    ASSERT_TRUE(b.ok()) << b.error().message();
    auto data = test::random_bytes(8192, 5), later = test::random_bytes(4096, 6);
    std::vector<uint8_t> back(8192);
    ASSERT_TRUE(complete(f, [&](auto done) { (*b)->write(65536, data, done); }).ok());
    ASSERT_TRUE(complete(f, [&](auto done) { (*b)->commit(done); }).ok());
    // The drive still reads what the guest wrote, now from the image under the overlay.
    ASSERT_TRUE(complete(f, [&](auto done) { (*b)->read(65536, back, done); }).ok());
    EXPECT_EQ(back, data);
    // Writes after the commit go to the overlay again, not to the image.
    ASSERT_TRUE(complete(f, [&](auto done) { (*b)->write(0, later, done); }).ok());
    ASSERT_TRUE((*b)->close().ok());
    b->reset();
    auto raw = open_image(dir.file("a.raw"), {.format = "raw", .read_only = true});
    EXPECT_EQ(test::read_all(**raw, 65536, 8192), data);
    EXPECT_EQ(test::read_all(**raw, 0, 4096), std::vector<uint8_t>(4096, 0));
}

TEST_F(DriveTest, CommitIntoQcow2BackingEmptiesTheOverlay) {
    test::create_qcow2(dir.file("base.qcow2"), 4 << 20);
    auto old_data = test::random_bytes(65536, 8);
    {
        auto base = test::open_qcow2(dir.file("base.qcow2"), true);
        ASSERT_TRUE(base->write(0, old_data).ok());
        ASSERT_TRUE(base->close().ok());
    }
    qcow2::CreateOptions c;
    c.backing_file = "base.qcow2";
    c.backing_format = "qcow2";
    test::create_qcow2(dir.file("top.qcow2"), 4 << 20, c);
    auto b = BlockBackend::open({.file = dir.file("top.qcow2")}, *engine);
    ASSERT_TRUE(b.ok()) << b.error().message();
    // Read the base first, so the backing instance caches the L2 table the commit changes.
    std::vector<uint8_t> back(65536);
    ASSERT_TRUE(complete(f, [&](auto done) { (*b)->read(0, back, done); }).ok());
    EXPECT_EQ(back, old_data);
    auto top_data = test::random_bytes(65536, 9), far = test::random_bytes(65536, 10);
    ASSERT_TRUE(complete(f, [&](auto done) { (*b)->write(0, top_data, done); }).ok());
    ASSERT_TRUE(complete(f, [&](auto done) { (*b)->write(3 << 20, far, done); }).ok());
    ASSERT_TRUE(complete(f, [&](auto done) { (*b)->commit(done); }).ok());
    ASSERT_TRUE(complete(f, [&](auto done) { (*b)->read(0, back, done); }).ok());
    EXPECT_EQ(back, top_data);
    ASSERT_TRUE(complete(f, [&](auto done) { (*b)->read(3 << 20, back, done); }).ok());
    EXPECT_EQ(back, far);
    ASSERT_TRUE((*b)->close().ok());
    b->reset();
    auto top = test::open_qcow2(dir.file("top.qcow2"), false);
    auto status = top->block_status(0, 4 << 20);
    ASSERT_TRUE(status.ok());
    EXPECT_FALSE(status->allocated);  // emptied: everything comes from the base now
    test::expect_clean(*top);
    auto base = test::open_qcow2(dir.file("base.qcow2"), false);
    EXPECT_EQ(test::read_all(*base, 0, 65536), top_data);
    EXPECT_EQ(test::read_all(*base, 3 << 20, 65536), far);
    test::expect_clean(*base);
}

TEST_F(DriveTest, ResizeTakesEffectForLaterRequests) {
    auto b = new_qcow2_drive(dir, *engine, "r.qcow2", 1 << 20);
    ASSERT_TRUE(b.ok()) << b.error().message();
    auto data = test::random_bytes(4096, 4);
    std::vector<uint8_t> back(4096);
    // Submitted right behind the resize: held until it is done, then within the new size.
    int pending = 2;
    std::vector<Result<void>> results;
    auto done = [&](Result<void> r) {
        results.push_back(std::move(r));
        --pending;
    };
    (*b)->resize(4 << 20, done);
    (*b)->write(3 << 20, data, done);
    f.wait(pending);
    for (auto& r : results)
        EXPECT_TRUE(r.ok()) << (r ? "" : r.error().message());
    EXPECT_EQ((*b)->size(), 4u << 20);
    ASSERT_TRUE(complete(f, [&](auto cb) { (*b)->read(3 << 20, back, cb); }).ok());
    EXPECT_EQ(back, data);
    ASSERT_TRUE(complete(f, [&](auto cb) { (*b)->resize(2 << 20, cb); }).ok());
    EXPECT_FALSE(complete(f, [&](auto cb) { (*b)->read(3 << 20, back, cb); }).ok());
    ASSERT_TRUE((*b)->close().ok());
    b->reset();
    auto d = test::open_qcow2(dir.file("r.qcow2"), false);
    EXPECT_EQ(d->size(), 2u << 20);
    test::expect_clean(*d);
}

TEST_F(DriveTest, SnapshotToPutsAnOverlayOnTop) {
    auto b = new_qcow2_drive(dir, *engine, "base.qcow2", 2 << 20);
    ASSERT_TRUE(b.ok()) << b.error().message();
    auto before = test::random_bytes(65536, 21), after = test::random_bytes(65536, 22);
    std::vector<uint8_t> back(65536);
    ASSERT_TRUE(complete(f, [&](auto cb) { (*b)->write(0, before, cb); }).ok());
    ASSERT_TRUE(complete(f, [&](auto cb) { (*b)->snapshot_to(dir.file("over.qcow2"), cb); }).ok());
    ASSERT_TRUE(complete(f, [&](auto cb) { (*b)->write(0, after, cb); }).ok());
    ASSERT_TRUE(complete(f, [&](auto cb) { (*b)->read(0, back, cb); }).ok());
    EXPECT_EQ(back, after);
    // The old image is a reader's now: another reader may open it, a writer may not.
    DriveOptions reader{.file = dir.file("base.qcow2"), .read_only = true};
    EXPECT_TRUE(BlockBackend::open(reader, *engine).ok());
    EXPECT_FALSE(BlockBackend::open({.file = dir.file("base.qcow2")}, *engine).ok());
    EXPECT_FALSE(BlockBackend::open({.file = dir.file("over.qcow2")}, *engine).ok());
    // Back into the base, as `commit` after `snapshot_blkdev` does in QEMU.
    ASSERT_TRUE(complete(f, [&](auto cb) { (*b)->commit(cb); }).ok());
    ASSERT_TRUE((*b)->close().ok());
    b->reset();
    auto base = test::open_qcow2(dir.file("base.qcow2"), false);
    EXPECT_EQ(test::read_all(*base, 0, 65536), after);
    test::expect_clean(*base);
    auto over = test::open_qcow2(dir.file("over.qcow2"), false);
    EXPECT_FALSE(over->block_status(0, 2 << 20)->allocated);
    test::expect_clean(*over);
    EXPECT_EQ(over->info().backing_file, dir.file("base.qcow2"));
}

TEST_F(DriveTest, CommitWithoutBackingIsNotSupported) {
    auto b = new_qcow2_drive(dir, *engine, "a.qcow2", 1 << 20);
    ASSERT_TRUE(b.ok()) << b.error().message();
    auto r = complete(f, [&](auto done) { (*b)->commit(done); });
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message(), "Operation not supported");
}

TEST_F(DriveTest, ExclusiveOperationsWaitForDirectRequests) {
    auto b = new_qcow2_drive(dir, *engine, "a.qcow2", 1 << 20);
    ASSERT_TRUE(b.ok()) << b.error().message();
    auto first = test::random_bytes(65536, 11), second = test::random_bytes(65536, 12);
    ASSERT_TRUE(complete(f, [&](auto done) { (*b)->write(0, first, done); }).ok());
    // Submitted in one go: the in-place write is direct and in flight when the snapshot is
    // requested; the snapshot must see it, and the write after it must not reach it.
    int pending = 3;
    std::vector<Result<void>> results;
    auto done = [&](Result<void> r) {
        results.push_back(std::move(r));
        --pending;
    };
    (*b)->write(0, second, done);
    (*b)->run_exclusive(
        [](BlockDriver& d) { return d.snapshot_create({.name = "snap", .date_sec = 1}); }, done);
    (*b)->write(0, first, done);
    f.wait(pending);
    for (auto& r : results)
        EXPECT_TRUE(r.ok());
    auto r = complete(f, [&](auto cb) {
        (*b)->run_exclusive([](BlockDriver& d) { return d.snapshot_apply("snap"); }, cb);
    });
    ASSERT_TRUE(r.ok()) << r.error().message();
    std::vector<uint8_t> back(65536);
    ASSERT_TRUE(complete(f, [&](auto cb) { (*b)->read(0, back, cb); }).ok());
    EXPECT_EQ(back, second);
    ASSERT_TRUE((*b)->close().ok());
    b->reset();
    test::expect_clean(*test::open_qcow2(dir.file("a.qcow2"), false));
}

// A fully written 64 KiB cluster at 0; returns the backend opened with `o` (file set here).
std::unique_ptr<BlockBackend> open_with_data(TempDir& dir, LoopFixture& f, IoEngine& engine,
                                             DriveOptions o) {
    test::create_qcow2(dir.file("d.qcow2"), 1 << 20);
    o.file = dir.file("d.qcow2");
    auto b = BlockBackend::open(o, engine);
    EXPECT_TRUE(b.ok());
    auto data = test::random_bytes(65536, 3);
    EXPECT_TRUE(complete(f, [&](auto done) { (*b)->write(0, data, done); }).ok());
    return std::move(*b);
}

bool cluster_allocated(TempDir& dir) {
    auto d = test::open_qcow2(dir.file("d.qcow2"), false);
    auto e = d->block_status(0, 65536);
    EXPECT_TRUE(e.ok());
    return e->allocated && e->host_offset.has_value();
}

TEST(Backend, DiscardsAreIgnoredUnlessDiscardUnmap) {
    for (DiscardMode mode : {DiscardMode::Ignore, DiscardMode::Unmap}) {
        TempDir dir;
        LoopFixture f;
        auto engine = make_default_engine(f.loop);
        auto b = open_with_data(dir, f, *engine, {.discard = mode});
        ASSERT_TRUE(complete(f, [&](auto done) { b->discard(0, 65536, done); }).ok());
        EXPECT_EQ(b->stats().unmap_operations, 1u);  // counted either way, as QEMU does
        ASSERT_TRUE(b->close().ok());
        b.reset();
        EXPECT_EQ(cluster_allocated(dir), mode == DiscardMode::Ignore);
    }
}

TEST(Backend, DetectZeroesTurnsZeroWritesIntoZeroClusters) {
    for (DetectZeroes mode : {DetectZeroes::Off, DetectZeroes::Unmap}) {
        TempDir dir;
        LoopFixture f;
        auto engine = make_default_engine(f.loop);
        auto b =
            open_with_data(dir, f, *engine, {.discard = DiscardMode::Unmap, .detect_zeroes = mode});
        std::vector<uint8_t> zeroes(65536, 0), back(65536, 1);
        ASSERT_TRUE(complete(f, [&](auto done) { b->write(0, zeroes, done); }).ok());
        ASSERT_TRUE(complete(f, [&](auto done) { b->read(0, back, done); }).ok());
        EXPECT_EQ(back, zeroes);
        ASSERT_TRUE(b->close().ok());
        b.reset();
        // Off: the zeroes are data in the old cluster; unmap: the cluster is released.
        EXPECT_EQ(cluster_allocated(dir), mode == DetectZeroes::Off);
    }
}

TEST(Backend, EnginesForEveryAioModeBufferedOrDirect) {
    TempDir dir;
    LoopFixture f;
    for (bool direct : {false, true}) {
        for (AioMode mode : {AioMode::Default, AioMode::Threads, AioMode::IoUring}) {
            auto engine = make_engine({mode, direct}, f.loop);
            if (!engine && mode == AioMode::IoUring) GTEST_SKIP() << engine.error().message();
            ASSERT_TRUE(engine.ok()) << engine.error().message();
            exercise_engine(**engine, f, dir.file("e"));
        }
    }
}

TEST_F(DriveTest, ProbedRawDrivesGuardBlockZero) {
    ASSERT_TRUE(RawDriver::create(dir.file("p.raw"), 1 << 20).ok());
    std::vector<uint8_t> header(4096, 0);
    const uint8_t magic[] = {'Q', 'F', 'I', 0xfb, 0, 0, 0, 3};
    std::copy(std::begin(magic), std::end(magic), header.begin());
    for (const char* format : {"", "raw"}) {
        auto b = BlockBackend::open({.file = dir.file("p.raw"), .format = format}, *engine);
        ASSERT_TRUE(b.ok()) << b.error().message();
        auto r = complete(f, [&](auto done) { (*b)->write(0, header, done); });
        if (*format) {
            EXPECT_TRUE(r.ok());  // an explicit format=raw lifts the guard
        } else {
            ASSERT_FALSE(r.ok());
            EXPECT_NE(r.error().message().find("Operation not permitted"), std::string::npos);
        }
        ASSERT_TRUE((*b)->close().ok());
    }
}

TEST_F(DriveTest, LockingRefusesSecondWriter) {
    test::create_qcow2(dir.file("a.qcow2"), 1 << 20);
    DriveOptions o{.file = dir.file("a.qcow2")};
    auto first = BlockBackend::open(o, *engine);
    ASSERT_TRUE(first.ok());
    auto second = BlockBackend::open(o, *engine);
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.error().message().find("Failed to get \"write\" lock"), std::string::npos);
    DriveOptions reader{.file = dir.file("a.qcow2"), .read_only = true};
    EXPECT_FALSE(BlockBackend::open(reader, *engine).ok());
    DriveOptions unlocked{.file = dir.file("a.qcow2"), .read_only = true, .locking = LockMode::Off};
    EXPECT_TRUE(BlockBackend::open(unlocked, *engine).ok());
    first->reset();
    EXPECT_TRUE(BlockBackend::open(o, *engine).ok());
}

}  // namespace
}  // namespace kemu::block
