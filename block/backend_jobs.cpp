// BlockBackend's exclusive operations: the drive to itself while they run (run_exclusive),
// and the jobs built on that: commit, an external snapshot (snapshot_to), resize.
#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cstdlib>

#include "block/block_backend.h"
#include "block/commit.h"
#include "block/open.h"
#include "block/qcow2/qcow2.h"

namespace kemu::block {

namespace {

bool same_file(const std::string& a, const std::string& b) {
    struct stat sa {
    }, sb{};
    return stat(a.c_str(), &sa) == 0 && stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

}  // namespace

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
        KEMU_TRY(l, ImageLock::acquire(path, true, false));
        overlay_lock.emplace(std::move(l));
    }
    KEMU_TRY(file,
             ImageFile::open(path, {.direct = flags_.direct, .no_flush = flags_.ignore_flush}));
    // Both opened before anything changes, so a failure leaves the drive as it was: the
    // overlay, and the old image again, read-only now (its metadata was just flushed).
    auto overlay = qcow2::Qcow2Driver::open(std::move(file), nullptr);
    if (!overlay) return Error("Could not open '" + path + "': " + overlay.error().message());
    OpenOptions ro;
    ro.format = driver_->format_name();
    ro.read_only = true;
    ro.direct = flags_.direct;
    ro.warnings = nullptr;
    KEMU_TRY(base, open_image(top_path_, ro));
    KEMU_TRY_VOID(driver_->close());
    (*overlay)->exchange_backing(std::move(base));
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
        KEMU_TRY(again, ImageLock::acquire(*relock, false, false));
        backing_locks_.push_back({*relock, std::move(again)});
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
