#include "block/block_backend.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <climits>
#include <cstring>

#include "block/image_file.h"
#include "block/open.h"
#include "block/qcow2/qcow2.h"

namespace kemu::block {

namespace {

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

bool all_zero(std::span<const uint8_t> buf) {
    return buf.empty() ||
           (buf[0] == 0 && std::memcmp(buf.data(), buf.data() + 1, buf.size() - 1) == 0);
}

}  // namespace

Result<std::unique_ptr<BlockBackend>> BlockBackend::open(const DriveOptions& o, IoEngine& engine) {
    std::unique_ptr<BlockBackend> b(new BlockBackend());
    b->engine_ = &engine;
    b->options_ = o;
    b->cache_ = o.cache;
    b->flags_ = cache_flags(o.cache);
    b->read_only_ = o.read_only;
    if (o.locking != LockMode::Off) {
        KEMU_TRY(lock, ImageLock::acquire(o.file, !o.read_only && !o.snapshot, false));
        // With snapshot=on the image is a reader's, below the unlocked temporary overlay.
        if (o.snapshot)
            b->backing_locks_.push_back({o.file, std::move(lock)});
        else
            b->lock_.emplace(std::move(lock));
    }
    bool format_probed = o.format.empty();
    if (format_probed) {
        KEMU_TRY(probed, probe_format(o.file));
        b->options_.format = probed;
    }
    KEMU_TRY(driver, open_chain(b->options_, b->flags_, format_probed));
    b->driver_ = std::move(driver);
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
