// What -drive says about a drive beyond its file: cache mode, aio engine, discard and
// zero detection, read-only, snapshot=on, locking; parsed from QEMU's names.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "block/image_lock.h"
#include "block/io/io_engine.h"
#include "system/error.h"

namespace kemu::block {

// QEMU's cache modes as (O_DIRECT, write-through, ignore flushes).
enum class CacheMode { None, Writeback, Writethrough, Unsafe, Directsync };
struct CacheFlags {
    bool direct;
    bool writethrough;
    bool ignore_flush;
};
Result<CacheMode> parse_cache_mode(std::string_view name);
CacheFlags cache_flags(CacheMode mode);

// -drive aio=: which engine runs the drive's requests; Default (no aio=) is make_engine's choice.
enum class AioMode { Default, Threads, IoUring, Native };
Result<AioMode> parse_aio_mode(std::string_view name);
// What an engine is made for: the aio= asked for, and whether the requests are O_DIRECT, which
// wait on the device and so want more worker threads than page-cache copies do.
struct EngineKind {
    AioMode aio;
    bool direct;
    auto operator<=>(const EngineKind&) const = default;
};
EngineKind engine_kind(AioMode requested, CacheMode cache);
// -drive discard=: whether guest discards reach the image (QEMU's default: ignored).
enum class DiscardMode { Ignore, Unmap };
Result<DiscardMode> parse_discard_mode(std::string_view name);
// -drive detect-zeroes=: all-zero writes become zero writes (and may unmap, with discard=unmap).
enum class DetectZeroes { Off, On, Unmap };
Result<DetectZeroes> parse_detect_zeroes(std::string_view name);

struct DriveOptions {
    std::string file;
    std::string format;  // empty: probe
    CacheMode cache = CacheMode::Writeback;
    bool read_only = false;
    bool snapshot = false;  // writes go to a temporary qcow2 overlay, deleted on close
    LockMode locking = LockMode::Auto;
    AioMode aio = AioMode::Default;
    DiscardMode discard = DiscardMode::Ignore;
    DetectZeroes detect_zeroes = DetectZeroes::Off;
    std::string temp_dir = "/var/tmp";
};

// QEMU's rules between the options: aio=native needs O_DIRECT, detect-zeroes=unmap needs
// discard=unmap.
Result<void> check_drive_options(const DriveOptions& options);

// The engine for `kind`, completing on `loop`. Without aio=: io_uring for reads and flushes,
// worker threads for writes (block/drive_options.cpp says why); workers only where the kernel
// refuses io_uring.
Result<std::unique_ptr<IoEngine>> make_engine(EngineKind kind, EventLoop& loop);

}  // namespace kemu::block
