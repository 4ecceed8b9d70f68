// A drive as the machine sees it: one image chain plus cache mode, read-only and snapshot
// policy, image locking, and asynchronous requests whose callbacks run on the main event
// loop. Exclusive operations (commit, snapshot_to, resize) are in block/backend_jobs.cpp.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "block/block_driver.h"
#include "block/drive_options.h"
#include "block/image_lock.h"
#include "block/io/io_engine.h"

namespace kemu::block {

// Requests accepted by a backend (`info blockstats`); counted on submission.
struct BlockStats {
    uint64_t rd_bytes = 0, wr_bytes = 0, unmap_bytes = 0;
    uint64_t rd_operations = 0, wr_operations = 0, unmap_operations = 0, flush_operations = 0;
};

class BlockBackend {
  public:
    using Callback = std::function<void(Result<void>)>;

    static Result<std::unique_ptr<BlockBackend>> open(const DriveOptions& options,
                                                      IoEngine& engine);
    ~BlockBackend();

    uint64_t size() const { return size_; }
    bool read_only() const { return read_only_; }
    CacheMode cache_mode() const { return cache_; }
    // The driver's report, taken under the driver lock: from the main thread, while a driver
    // call may be running on an I/O thread.
    ImageInfo info();
    // Whether the top image links to a backing image (commit has something to do).
    bool has_backing();
    bool supports_snapshots();
    // Requests that bypassed the driver (statistics and tests).
    uint64_t direct_requests() const { return direct_requests_; }
    const BlockStats& stats() const { return stats_; }

    // Call with the machine lock held (callbacks run under it too). The buffer must stay
    // valid until the callback runs.
    void read(uint64_t offset, std::span<uint8_t> buf, Callback done);
    void write(uint64_t offset, std::span<const uint8_t> buf, Callback done);
    void write_zeroes(uint64_t offset, uint64_t len, bool may_unmap, Callback done);
    void discard(uint64_t offset, uint64_t len, Callback done);
    void flush(Callback done);

    // Runs `op` with the drive to itself: it starts once no direct request is in flight,
    // and requests made after this call start after it finishes (snapshots, commit).
    void run_exclusive(std::function<Result<void>(BlockDriver&)> op, Callback done);
    // Copies what the top layer defines into its backing image, then empties the top layer,
    // as the monitor's `commit`. With snapshot=on this is how the temporary overlay's writes
    // reach the image. "Operation not supported" without a backing image.
    void commit(Callback done);
    // Puts a new qcow2 overlay at `path` on top of the drive's image, which becomes its
    // read-only backing file (the monitor's `snapshot_blkdev`): an external snapshot.
    void snapshot_to(const std::string& path, Callback done);
    // Grows or shrinks the disk (the monitor's `block_resize`); requests made after the call
    // see the new size.
    void resize(uint64_t new_size, Callback done);

    // Writes back metadata; no request may be in flight.
    Result<void> close();

  private:
    BlockBackend() = default;
    // Runs a driver call on the engine, serialised unless the driver is concurrency-safe.
    void run_on_driver(std::function<Result<void>()> op, Callback done);
    // Guest I/O that can skip the driver (raw, or allocated qcow2 clusters whose mapping is
    // cached): true when submitted straight to the engine.
    bool try_direct(IoRequest::Op op, uint64_t offset, void* buf, size_t len, Callback& done);
    // O_DIRECT's alignment rules hold for the request (always true without O_DIRECT).
    bool direct_aligned(uint64_t offset, size_t len, const void* buf) const;
    // Sends a mapped request to the engine; the caller has counted it in direct_in_flight_.
    void submit_direct(IoRequest::Op op, BlockDriver::HostRange range, void* buf, size_t len,
                       Callback done);
    void finish_direct();
    // A request the direct path refused: the driver maps (or allocates) it, then it goes to
    // the engine; or the driver does all of it when the range is not one host range.
    void map_then_submit(IoRequest::Op op, uint64_t offset, void* buf, size_t len, Callback done);
    // Requests must stay off the direct path: a flush or an exclusive operation is waiting
    // for the direct requests in flight, or an exclusive operation runs.
    bool direct_blocked() const { return !waiting_for_direct_.empty() || exclusive_running_; }
    // Runs `start` once no direct request is in flight.
    void after_direct_requests(std::function<void()> start);
    Result<void> commit_locked();
    Result<void> snapshot_to_locked(const std::string& path);
    // Requests that arrive while an exclusive operation waits or runs start after it.
    void hold(std::function<void()> request);
    void release_held();
    void run_flush(Callback done);
    // write_zeroes after the checks; also where detect-zeroes sends all-zero writes.
    void zero_range(uint64_t offset, uint64_t len, bool may_unmap, Callback done);

    // The image chain the options describe; with snapshot=on, over a new temporary overlay.
    // `format_probed`: o.format was guessed (a probed raw image guards its block 0).
    static Result<std::unique_ptr<BlockDriver>> open_chain(const DriveOptions& o, CacheFlags flags,
                                                           bool format_probed);

    std::unique_ptr<BlockDriver> driver_;
    IoEngine* engine_ = nullptr;
    std::optional<ImageLock> lock_;  // on the top image
    // Reader locks on images below the top one (snapshot=on, snapshot_to).
    struct HeldLock {
        std::string path;
        ImageLock lock;
    };
    std::vector<HeldLock> backing_locks_;
    std::string top_path_;
    std::mutex driver_lock_;  // serialises non-concurrent drivers across engine threads
    // Direct requests in flight, and flushes waiting for them: a flush may let the driver
    // recycle clusters it unmapped, which must not happen under a request still using one.
    unsigned direct_in_flight_ = 0;
    uint64_t direct_requests_ = 0;
    BlockStats stats_;
    std::vector<std::function<void()>> waiting_for_direct_;
    unsigned exclusive_running_ = 0;
    std::vector<std::function<void()>> held_;
    DriveOptions options_;
    CacheMode cache_ = CacheMode::Writeback;
    CacheFlags flags_{};
    uint64_t size_ = 0;
    bool read_only_ = false;
};

}  // namespace kemu::block
