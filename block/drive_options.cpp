#include "block/drive_options.h"

#include "system/event_loop.h"

namespace kemu::block {

namespace {

struct CacheModeRow {
    const char* name;
    CacheMode mode;
    CacheFlags flags;
};

// As QEMU documents them: "none" bypasses the host cache, "writethrough" flushes after
// every write, "unsafe" ignores flush requests, "directsync" does both of the first two.
constexpr CacheModeRow kCacheModes[] = {
    {"none", CacheMode::None, {true, false, false}},
    {"writeback", CacheMode::Writeback, {false, false, false}},
    {"writethrough", CacheMode::Writethrough, {false, true, false}},
    {"unsafe", CacheMode::Unsafe, {false, false, true}},
    {"directsync", CacheMode::Directsync, {true, true, false}},
};

template <typename T>
struct NamedValue {
    const char* name;
    T value;
};

constexpr NamedValue<AioMode> kAioModes[] = {
    {"threads", AioMode::Threads}, {"io_uring", AioMode::IoUring}, {"native", AioMode::Native}};
constexpr NamedValue<DiscardMode> kDiscardModes[] = {{"ignore", DiscardMode::Ignore},
                                                     {"off", DiscardMode::Ignore},
                                                     {"unmap", DiscardMode::Unmap},
                                                     {"on", DiscardMode::Unmap}};
constexpr NamedValue<DetectZeroes> kDetectZeroes[] = {
    {"off", DetectZeroes::Off}, {"on", DetectZeroes::On}, {"unmap", DetectZeroes::Unmap}};

template <typename T, size_t N>
Result<T> lookup_name(const NamedValue<T> (&table)[N], std::string_view name, const char* what) {
    for (const auto& row : table) {
        if (name == row.name) return row.value;
    }
    return Error("invalid " + std::string(what) + " option '" + std::string(name) + "'");
}

// Every drive engine: ring depth and worker threads. Buffered requests are page-cache copies
// that keep a CPU busy, and more workers than CPUs only contend for the file's lock (in one
// measurement, 4K writes at depth 32 took 0.82x as long with 4 workers as with 64). An O_DIRECT
// request waits on the device, which wants the queue depth asked for: up to 64 workers, QEMU's
// limit.
constexpr unsigned kQueueDepth = 128;

unsigned worker_threads(const EngineKind& kind) {
    return kind.direct ? 64 : 4;
}

std::unique_ptr<IoEngine> thread_pool_on(EventLoop& loop, unsigned threads) {
    return make_thread_pool_engine([&loop](std::function<void()> fn) { loop.post(std::move(fn)); },
                                   threads);
}

}  // namespace

Result<AioMode> parse_aio_mode(std::string_view name) {
    return lookup_name(kAioModes, name, "aio");
}

EngineKind engine_kind(AioMode requested, CacheMode cache) {
    return {requested, cache_flags(cache).direct};
}

Result<DiscardMode> parse_discard_mode(std::string_view name) {
    return lookup_name(kDiscardModes, name, "discard");
}

Result<DetectZeroes> parse_detect_zeroes(std::string_view name) {
    return lookup_name(kDetectZeroes, name, "detect-zeroes");
}

Result<void> check_drive_options(const DriveOptions& o) {
    if (o.aio == AioMode::Native && !cache_flags(o.cache).direct) {
        return Error(
            "aio=native was specified, but it requires cache.direct=on, which was not "
            "specified.");
    }
    if (o.detect_zeroes == DetectZeroes::Unmap && o.discard != DiscardMode::Unmap) {
        return Error(
            "setting detect-zeroes to unmap is not allowed without setting discard "
            "operation to unmap");
    }
    return ok();
}

// Without aio=, reads go through io_uring and writes to worker threads, in every cache mode
// (medians of interleaved runs against qemu-img 7.2, whose default is threads for both):
// - Reads: no thread stands between the main loop and the kernel, and a page-cache hit
//   completes at submission. 4K random reads, writeback, depth 1: 0.08 s through the ring,
//   0.54 s from workers, qemu-img 0.39 s; O_DIRECT at depth 32: 0.23, 0.36 and 0.38 s.
// - Writes: io_uring hands buffered writes to the kernel's io-wq workers, 1.3-1.5x qemu-img's
//   time (issue 12), and 4K random O_DIRECT writes at depth 32 took 1.08-1.12x as long through
//   the ring as through blocking pwrite on 32 workers (qemu-img -i io_uring lost to its own
//   pool alike), though the ring sent none of them to io-wq.
// kemu has no libaio: aio=native gets io_uring, the kernel's newer interface to the same
// asynchronous direct I/O.
Result<std::unique_ptr<IoEngine>> make_engine(EngineKind kind, EventLoop& loop) {
    unsigned threads = worker_threads(kind);
    switch (kind.aio) {
        case AioMode::Default: {
            auto split = make_uring_engine(loop, kQueueDepth, threads, UringWrites::Threads);
            if (split) return split;
            return thread_pool_on(loop, threads);
        }
        case AioMode::Threads:
            return thread_pool_on(loop, threads);
        case AioMode::IoUring:
        case AioMode::Native: {
            auto uring = make_uring_engine(loop, kQueueDepth, threads);
            if (!uring) return Error("Unable to use io_uring: " + uring.error().message());
            return uring;
        }
    }
    return thread_pool_on(loop, threads);
}

std::unique_ptr<IoEngine> make_default_engine(EventLoop& loop) {
    return make_engine({AioMode::Default, false}, loop).value();
}

Result<CacheMode> parse_cache_mode(std::string_view name) {
    for (const CacheModeRow& row : kCacheModes) {
        if (name == row.name) return row.mode;
    }
    return Error("invalid cache option '" + std::string(name) + "'");
}

CacheFlags cache_flags(CacheMode mode) {
    for (const CacheModeRow& row : kCacheModes) {
        if (row.mode == mode) return row.flags;
    }
    return kCacheModes[1].flags;
}

}  // namespace kemu::block
