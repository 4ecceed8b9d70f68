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

// Every drive engine: ring depth, and the worker threads for driver calls (or all I/O).
constexpr unsigned kQueueDepth = 128;
constexpr unsigned kEngineThreads = 4;

std::unique_ptr<IoEngine> thread_pool_on(EventLoop& loop) {
    return make_thread_pool_engine([&loop](std::function<void()> fn) { loop.post(std::move(fn)); },
                                   kEngineThreads);
}

}  // namespace

Result<AioMode> parse_aio_mode(std::string_view name) {
    return lookup_name(kAioModes, name, "aio");
}

AioMode engine_mode(AioMode requested, CacheMode cache) {
    if (requested != AioMode::Default || cache_flags(cache).direct) return requested;
    return AioMode::Threads;
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

std::unique_ptr<IoEngine> make_default_engine(EventLoop& loop) {
    auto uring = make_uring_engine(loop, kQueueDepth, kEngineThreads);
    if (uring) return std::move(*uring);
    return thread_pool_on(loop);
}

// kemu has no libaio: aio=native gets io_uring, the kernel's newer interface to the same
// asynchronous direct I/O.
Result<std::unique_ptr<IoEngine>> make_engine(AioMode mode, EventLoop& loop) {
    switch (mode) {
        case AioMode::Default:
            return make_default_engine(loop);
        case AioMode::Threads:
            return thread_pool_on(loop);
        case AioMode::IoUring:
        case AioMode::Native: {
            auto uring = make_uring_engine(loop, kQueueDepth, kEngineThreads);
            if (!uring) return Error("Unable to use io_uring: " + uring.error().message());
            return uring;
        }
    }
    return make_default_engine(loop);
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
