#include "block/block_backend.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>

#include "block/commit.h"
#include "block/image_file.h"
#include "block/open.h"
#include "block/qcow2/qcow2.h"
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

Result<void> from_errno(ssize_t r) {
    if (r >= 0) return ok();
    return Error(std::string("I/O error: ") + std::strerror(static_cast<int>(-r)));
}

// Creates the snapshot=on overlay; the file is unlinked once open so it vanishes with us.
Result<std::string> create_temp_overlay(const DriveOptions& o, const std::string& format,
                                        uint64_t size) {
    std::string templ = o.temp_dir + "/kemu-snapshot-XXXXXX";
    int fd = mkstemp(templ.data());
    if (fd < 0)
        return Error("Could not create temporary overlay: " + std::string(std::strerror(errno)));
    ::close(fd);
    char abs[PATH_MAX];
    std::string backing = realpath(o.file.c_str(), abs) ? std::string(abs) : o.file;
    qcow2::CreateOptions c;
    c.size = size;
    c.backing_file = backing;
    c.backing_format = format;
    auto r = qcow2::create(templ, c);
    if (!r) {
        ::unlink(templ.c_str());
        return r.error();
    }
    return templ;
}

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

bool same_file(const std::string& a, const std::string& b) {
    struct stat sa {
    }, sb{};
    return stat(a.c_str(), &sa) == 0 && stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

bool all_zero(std::span<const uint8_t> buf) {
    return buf.empty() ||
           (buf[0] == 0 && std::memcmp(buf.data(), buf.data() + 1, buf.size() - 1) == 0);
}

}  // namespace

Result<AioMode> parse_aio_mode(std::string_view name) {
    return lookup_name(kAioModes, name, "aio");
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

// kemu has no libaio: aio=native gets io_uring, the kernel's newer interface to the same
// asynchronous direct I/O.
Result<std::unique_ptr<IoEngine>> make_engine(AioMode mode, EventLoop& loop) {
    constexpr unsigned kQueueDepth = 128, kThreads = 4;
    switch (mode) {
        case AioMode::Default:
            return make_default_engine(loop);
        case AioMode::Threads:
            return make_thread_pool_engine(
                [&loop](std::function<void()> fn) { loop.post(std::move(fn)); }, kThreads);
        case AioMode::IoUring:
        case AioMode::Native: {
            auto uring = make_uring_engine(loop, kQueueDepth, kThreads);
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

Result<std::unique_ptr<BlockBackend>> BlockBackend::open(const DriveOptions& o, IoEngine& engine) {
    std::unique_ptr<BlockBackend> b(new BlockBackend());
    b->engine_ = &engine;
    b->options_ = o;
    b->cache_ = o.cache;
    b->flags_ = cache_flags(o.cache);
    b->read_only_ = o.read_only;
    if (o.locking != LockMode::Off) {
        auto lock = ImageLock::acquire(o.file, !o.read_only && !o.snapshot, false);
        if (!lock) return lock.error();
        // With snapshot=on the image is a reader's, below the unlocked temporary overlay.
        if (o.snapshot)
            b->backing_locks_.push_back({o.file, std::move(*lock)});
        else
            b->lock_.emplace(std::move(*lock));
    }
    bool format_probed = o.format.empty();
    if (format_probed) {
        auto probed = probe_format(o.file);
        if (!probed) return probed.error();
        b->options_.format = *probed;
    }
    auto driver = open_chain(b->options_, b->flags_, format_probed);
    if (!driver) return driver.error();
    b->driver_ = std::move(*driver);
    b->top_path_ = o.file;
    b->size_ = b->driver_->size();
    return b;
}

Result<std::unique_ptr<BlockDriver>> BlockBackend::open_chain(const DriveOptions& o,
                                                              CacheFlags flags,
                                                              bool format_probed) {
    OpenOptions open_options;
    open_options.format = o.format;
    open_options.format_probed = format_probed;
    open_options.read_only = o.read_only || o.snapshot;
    open_options.direct = flags.direct;
    open_options.no_flush = flags.ignore_flush;
    auto base = open_image(o.file, open_options);
    if (!base || !o.snapshot) return base;
    uint64_t size = (*base)->size();
    base->reset();
    auto overlay = create_temp_overlay(o, o.format, size);
    if (!overlay) return overlay.error();
    OpenOptions ov;
    ov.format = "qcow2";
    ov.read_only = o.read_only;
    // The overlay dies with the process: syncing it would protect nothing (QEMU too opens
    // its temporary overlays with cache.no-flush).
    ov.no_flush = true;
    auto opened = open_image(*overlay, ov);
    ::unlink(overlay->c_str());
    return opened;
}

ImageInfo BlockBackend::info() {
    std::lock_guard<std::mutex> g(driver_lock_);
    return driver_->info();
}

bool BlockBackend::has_backing() {
    std::lock_guard<std::mutex> g(driver_lock_);
    return driver_->backing() != nullptr;
}

bool BlockBackend::supports_snapshots() {
    std::lock_guard<std::mutex> g(driver_lock_);
    return driver_->supports_snapshots();
}

BlockBackend::~BlockBackend() {
    if (driver_) (void)close();
}

Result<void> BlockBackend::close() {
    std::lock_guard<std::mutex> g(driver_lock_);
    return driver_->close();
}

bool BlockBackend::try_direct(IoRequest::Op op, uint64_t offset, void* buf, size_t len,
                              Callback& done) {
    bool write = op == IoRequest::Op::Write;
    // A flush or exclusive operation waiting for the direct requests in flight stops new
    // ones, or a busy drive could starve it.
    if ((write && flags_.writethrough) || direct_blocked()) return false;
    if (!direct_aligned(offset, len, buf)) return false;
    std::optional<BlockDriver::HostRange> range;
    if (driver_->concurrent_safe()) {
        range = driver_->map_direct(offset, len, write);
    } else {
        // Never wait here: if a driver call is running, let the request queue behind it.
        std::unique_lock<std::mutex> g(driver_lock_, std::try_to_lock);
        if (!g) return false;
        range = driver_->map_direct(offset, len, write);
    }
    if (!range) return false;
    ++direct_in_flight_;
    submit_direct(op, *range, buf, len, std::move(done));
    return true;
}

bool BlockBackend::direct_aligned(uint64_t offset, size_t len, const void* buf) const {
    constexpr uint64_t mask = ImageFile::kDirectAlign - 1;
    return !flags_.direct ||
           !((offset & mask) || (len & mask) || (reinterpret_cast<uintptr_t>(buf) & mask));
}

void BlockBackend::submit_direct(IoRequest::Op op, BlockDriver::HostRange range, void* buf,
                                 size_t len, Callback done) {
    ++direct_requests_;
    IoRequest r{op, range.fd, buf, len, range.offset};
    engine_->submit(r, [this, done = std::move(done)](ssize_t res) {
        done(from_errno(res));
        finish_direct();
    });
}

void BlockBackend::finish_direct() {
    --direct_in_flight_;
    if (direct_in_flight_ != 0 || waiting_for_direct_.empty()) return;
    std::vector<std::function<void()>> waiting;
    waiting.swap(waiting_for_direct_);
    for (auto& start : waiting)
        start();
}

void BlockBackend::after_direct_requests(std::function<void()> start) {
    if (direct_in_flight_ == 0) return start();
    waiting_for_direct_.push_back(std::move(start));
}

void BlockBackend::map_then_submit(IoRequest::Op op, uint64_t offset, void* buf, size_t len,
                                   Callback done) {
    // The driver thread maps the range (loading metadata into the cache, allocating on a
    // write) and the data goes through the engine like any direct request. Transferring
    // the data with the driver lock held would make every request queue behind it, and
    // under load the direct path would never get the lock back. Counted as direct from
    // now on, so a flush cannot recycle the clusters between the mapping and the transfer.
    ++direct_in_flight_;
    bool write = op == IoRequest::Op::Write;
    auto range = std::make_shared<std::optional<BlockDriver::HostRange>>();
    bool aligned = direct_aligned(offset, len, buf);
    run_on_driver(
        [this, write, offset, buf, len, range, aligned]() -> Result<void> {
            if (aligned) *range = driver_->map_direct(offset, len, write);
            if (*range) return ok();
            auto* bytes = static_cast<uint8_t*>(buf);
            return write ? driver_->write(offset, {bytes, len})
                         : driver_->read(offset, {bytes, len});
        },
        [this, op, buf, len, range, done = std::move(done)](Result<void> r) mutable {
            if (!r || !*range) {
                done(std::move(r));
                finish_direct();
                return;
            }
            submit_direct(op, **range, buf, len, std::move(done));
        });
}

void BlockBackend::run_on_driver(std::function<Result<void>()> op, Callback done) {
    // The error text travels beside the integer result the engine understands.
    auto error = std::make_shared<std::optional<Error>>();
    bool serialise = !driver_->concurrent_safe();
    engine_->run(
        [this, op = std::move(op), error, serialise]() -> ssize_t {
            std::unique_lock<std::mutex> g(driver_lock_, std::defer_lock);
            if (serialise) g.lock();
            Result<void> r = op();
            if (r) return 0;
            *error = r.error();
            return -EIO;
        },
        [error, done = std::move(done)](ssize_t) {
            if (*error)
                done(**error);
            else
                done(ok());
        });
}

void BlockBackend::read(uint64_t offset, std::span<uint8_t> buf, Callback done) {
    if (exclusive_running_) return hold([=, this] { read(offset, buf, done); });
    if (offset > size_ || buf.size() > size_ - offset) return done(Error("Request out of range"));
    stats_.rd_operations++;
    stats_.rd_bytes += buf.size();
    if (try_direct(IoRequest::Op::Read, offset, buf.data(), buf.size(), done)) return;
    if (!direct_blocked()) {
        return map_then_submit(IoRequest::Op::Read, offset, buf.data(), buf.size(),
                               std::move(done));
    }
    run_on_driver([this, offset, buf] { return driver_->read(offset, buf); }, std::move(done));
}

void BlockBackend::write(uint64_t offset, std::span<const uint8_t> buf, Callback done) {
    if (exclusive_running_) return hold([=, this] { write(offset, buf, done); });
    if (read_only_) return done(Error("Image is read-only"));
    if (offset > size_ || buf.size() > size_ - offset) return done(Error("Request out of range"));
    stats_.wr_operations++;
    stats_.wr_bytes += buf.size();
    if (options_.detect_zeroes != DetectZeroes::Off && all_zero(buf)) {
        return zero_range(offset, buf.size(), options_.detect_zeroes == DetectZeroes::Unmap,
                          std::move(done));
    }
    if (try_direct(IoRequest::Op::Write, offset, const_cast<uint8_t*>(buf.data()), buf.size(),
                   done)) {
        return;
    }
    bool writethrough = flags_.writethrough;
    if (!writethrough && !direct_blocked()) {
        return map_then_submit(IoRequest::Op::Write, offset, const_cast<uint8_t*>(buf.data()),
                               buf.size(), std::move(done));
    }
    run_on_driver(
        [this, offset, buf, writethrough]() -> Result<void> {
            KEMU_TRY_VOID(driver_->write(offset, buf));
            return writethrough ? driver_->flush() : ok();
        },
        std::move(done));
}

void BlockBackend::write_zeroes(uint64_t offset, uint64_t len, bool may_unmap, Callback done) {
    if (exclusive_running_) return hold([=, this] { write_zeroes(offset, len, may_unmap, done); });
    if (read_only_) return done(Error("Image is read-only"));
    zero_range(offset, len, may_unmap, std::move(done));
}

void BlockBackend::zero_range(uint64_t offset, uint64_t len, bool may_unmap, Callback done) {
    may_unmap = may_unmap && options_.discard == DiscardMode::Unmap;
    bool writethrough = flags_.writethrough;
    run_on_driver(
        [this, offset, len, may_unmap, writethrough]() -> Result<void> {
            KEMU_TRY_VOID(driver_->write_zeroes(offset, len, may_unmap));
            return writethrough ? driver_->flush() : ok();
        },
        std::move(done));
}

void BlockBackend::discard(uint64_t offset, uint64_t len, Callback done) {
    if (exclusive_running_) return hold([=, this] { discard(offset, len, done); });
    if (read_only_) return done(Error("Image is read-only"));
    stats_.unmap_operations++;
    stats_.unmap_bytes += len;
    if (options_.discard == DiscardMode::Ignore) return done(ok());
    run_on_driver([this, offset, len] { return driver_->discard(offset, len); }, std::move(done));
}

void BlockBackend::flush(Callback done) {
    if (exclusive_running_) return hold([=, this] { flush(done); });
    stats_.flush_operations++;
    if (flags_.ignore_flush || read_only_) return done(ok());
    after_direct_requests([this, done = std::move(done)]() mutable { run_flush(std::move(done)); });
}

void BlockBackend::run_flush(Callback done) {
    run_on_driver([this] { return driver_->flush(); }, std::move(done));
}

}  // namespace kemu::block

namespace kemu::block {

void BlockBackend::run_exclusive(std::function<Result<void>(BlockDriver&)> op, Callback done) {
    // Counted from now, not from when it starts: requests arriving from now on are held
    // until it is done, so they neither starve it nor overtake it.
    ++exclusive_running_;
    after_direct_requests([this, op = std::move(op), done = std::move(done)]() mutable {
        run_on_driver([this, op = std::move(op)] { return op(*driver_); },
                      [this, done = std::move(done)](Result<void> r) {
                          --exclusive_running_;
                          done(std::move(r));
                          release_held();
                      });
    });
}

void BlockBackend::hold(std::function<void()> request) {
    held_.push_back(std::move(request));
}

void BlockBackend::release_held() {
    // In arrival order; a request may meet a new exclusive operation and be held again.
    std::vector<std::function<void()>> held;
    held.swap(held_);
    for (auto& request : held)
        request();
}

void BlockBackend::snapshot_to(const std::string& path, Callback done) {
    if (read_only_) return done(Error("Device is read-only"));
    if (options_.snapshot) return done(Error("not supported on a snapshot=on drive"));
    run_exclusive([this, path](BlockDriver&) { return snapshot_to_locked(path); }, std::move(done));
}

Result<void> BlockBackend::snapshot_to_locked(const std::string& path) {
    // Everything written so far must be in the image that stops being written.
    KEMU_TRY_VOID(driver_->flush());
    qcow2::CreateOptions c;
    c.size = driver_->size();
    // Absolute: a name relative to our working directory would be read relative to the
    // overlay's directory.
    char resolved[PATH_MAX];
    c.backing_file = realpath(top_path_.c_str(), resolved) ? resolved : top_path_;
    c.backing_format = driver_->format_name();
    KEMU_TRY_VOID(qcow2::create(path, c));
    std::optional<ImageLock> overlay_lock;
    if (options_.locking != LockMode::Off) {
        auto l = ImageLock::acquire(path, true, false);
        if (!l) return l.error();
        overlay_lock.emplace(std::move(*l));
    }
    auto file = ImageFile::open(path, {.direct = flags_.direct, .no_flush = flags_.ignore_flush});
    if (!file) return file.error();
    // Both opened before anything changes, so a failure leaves the drive as it was: the
    // overlay, and the old image again, read-only now (its metadata was just flushed).
    auto overlay = qcow2::Qcow2Driver::open(std::move(*file), nullptr);
    if (!overlay) return Error("Could not open '" + path + "': " + overlay.error().message());
    OpenOptions ro;
    ro.format = driver_->format_name();
    ro.read_only = true;
    ro.direct = flags_.direct;
    ro.warnings = nullptr;
    auto base = open_image(top_path_, ro);
    if (!base) return base.error();
    KEMU_TRY_VOID(driver_->close());
    (*overlay)->exchange_backing(std::move(*base));
    driver_ = std::move(*overlay);
    // The old image is only read from now on: a reader's lock, as QEMU's would be. Our own
    // writer lock would conflict with it, so it goes first.
    if (lock_) {
        lock_.reset();
        auto reader = ImageLock::acquire(top_path_, false, false);
        if (reader) backing_locks_.push_back({top_path_, std::move(*reader)});
    }
    if (overlay_lock) lock_.emplace(std::move(*overlay_lock));
    top_path_ = path;
    return ok();
}

void BlockBackend::resize(uint64_t new_size, Callback done) {
    if (read_only_) return done(Error("Device is read-only"));
    run_exclusive([new_size](BlockDriver& d) { return d.truncate(new_size, true); },
                  [this, done = std::move(done)](Result<void> r) {
                      // Before the held requests are let go, so they meet the new size.
                      size_ = driver_->size();
                      done(std::move(r));
                  });
}

void BlockBackend::commit(Callback done) {
    if (read_only_) return done(Error("Device is read-only"));
    run_exclusive([this](BlockDriver&) { return commit_locked(); }, std::move(done));
}

Result<void> BlockBackend::commit_locked() {
    if (!driver_->backing()) return Error("Operation not supported");
    ImageInfo top = driver_->info();
    std::string base_path = resolve_backing_path(top.filename, top.backing_file);
    // Our own reader lock on the base (snapshot=on, snapshot_to) would refuse the writer
    // lock below: OFD locks of one process conflict like anyone's.
    std::optional<std::string> relock;
    auto own = std::find_if(backing_locks_.begin(), backing_locks_.end(),
                            [&](const HeldLock& h) { return same_file(h.path, base_path); });
    if (own != backing_locks_.end()) {
        relock = own->path;
        backing_locks_.erase(own);
    }
    auto restore_lock = [&]() -> Result<void> {
        if (!relock) return ok();
        auto again = ImageLock::acquire(*relock, false, false);
        if (!again) return again.error();
        backing_locks_.push_back({*relock, std::move(*again)});
        return ok();
    };
    std::optional<ImageLock> base_lock;
    if (options_.locking != LockMode::Off) {
        auto l = ImageLock::acquire(base_path, true, false);
        if (!l) {
            KEMU_TRY_VOID(restore_lock());
            return l.error();
        }
        base_lock.emplace(std::move(*l));
    }
    OpenOptions rw;
    rw.format = top.backing_format;
    rw.direct = flags_.direct;
    rw.no_flush = flags_.ignore_flush;
    rw.warnings = nullptr;
    auto base = open_image(base_path, rw);
    Result<void> r = base ? commit_into(*driver_, 1, **base) : Result<void>(base.error());
    if (base) {
        Result<void> closed = (*base)->close();
        if (r) r = closed;
    }
    // Only once the base holds the data may the top layer drop it.
    if (r) r = driver_->make_empty();
    if (r) {
        OpenOptions ro = rw;
        ro.read_only = true;
        auto fresh = open_image(base_path, ro);
        if (fresh)
            driver_->exchange_backing(std::move(*fresh));
        else
            r = fresh.error();
    }
    base_lock.reset();
    Result<void> relocked = restore_lock();
    return r ? relocked : r;
}

}  // namespace kemu::block
