#include "tools/kemu-img/convert_copy.h"

#include <algorithm>
#include <cstring>
#include <future>
#include <memory>
#include <new>
#include <thread>

#include "block/image_file.h"
#include "block/qcow2/compress.h"
#include "tools/kemu-img/bounded_queue.h"

namespace kemu::img {

namespace {

// qemu-img's request size (IO_BUF_SIZE): data is read and written in chunks of this size.
constexpr uint64_t kChunk = 2 << 20;
// The most one block status call covers (qemu-img's BDRV_REQUEST_MAX_BYTES is close), so
// a zero or unallocated stretch becomes one write_zeroes call, aligned as the source is.
constexpr uint64_t kStatusSpan = 1ull << 30;
// Runs the reader may be ahead of the writer. qemu-img keeps 8 requests in flight; 8 here
// measured no faster than 4, which hold half the memory.
constexpr size_t kReadAhead = 4;
// Data buffers: those queued, plus one being read and one being written. They are reused,
// since fresh 2 MiB allocations would be page-faulted in again for every chunk.
constexpr size_t kBuffers = kReadAhead + 2;

bool all_zero(const uint8_t* p, size_t n) {
    return n == 0 || (p[0] == 0 && std::memcmp(p, p + 1, n - 1) == 0);
}

// End of the cluster slice that starts at `at`, clipped to `limit`.
uint64_t slice_end(uint64_t at, uint64_t cluster_size, uint64_t limit) {
    return std::min(limit, at / cluster_size * cluster_size + cluster_size);
}

// Chunk buffers are aligned for O_DIRECT (-t/-T none), which then needs no bounce buffer.
struct AlignedDelete {
    void operator()(uint8_t* p) const {
        ::operator delete[](p, std::align_val_t(block::ImageFile::kDirectAlign));
    }
};
using Buffer = std::unique_ptr<uint8_t[], AlignedDelete>;

Buffer new_buffer() {
    return Buffer(new (std::align_val_t(block::ImageFile::kDirectAlign)) uint8_t[kChunk]);
}

enum class RunKind {
    Data,       // bytes read from the source
    Zero,       // the source reads as zeroes
    Inherited,  // left unallocated: the target's backing file provides it
};

// With -c: how one cluster slice of a data run is stored.
struct ClusterPlan {
    enum class Kind { Zero, Plain, Compressed } kind = Kind::Plain;
    std::vector<uint8_t> compressed;
};

// A stretch of the target with one treatment, in target offsets.
struct Run {
    uint64_t offset = 0;
    uint64_t length = 0;
    RunKind kind = RunKind::Data;
    Buffer bytes;                       // Data: `length` bytes
    std::vector<ClusterPlan> clusters;  // Data with -c: one per cluster slice
};

using PendingRun = std::future<Result<Run>>;
using CompressJob = std::packaged_task<Result<Run>()>;

// The reader thread and, with -c, the compression workers. Runs come out in target order.
class CopyPipeline {
  public:
    CopyPipeline(const std::vector<block::BlockDriver*>& sources, const ConvertTarget& target)
        : sources_(sources), target_(target) {
        // Empty slots: a buffer is allocated the first time its slot is used.
        for (size_t i = 0; i < kBuffers; ++i)
            (void)free_buffers_.push(nullptr);
        if (target.compressed) {
            cluster_size_ = target.compressed->cluster_size();
            compression_ = target.compressed->header().compression_type;
            unsigned n = std::max(1u, std::thread::hardware_concurrency());
            for (unsigned i = 0; i < n; ++i)
                workers_.emplace_back([this] { compress_jobs(); });
        }
        reader_ = std::jthread([this] { read_all(); });
    }

    // Closing the queues stops the threads (they are joined as members are destroyed).
    ~CopyPipeline() {
        ready_.close();
        jobs_.close();
        free_buffers_.close();
    }

    // The next run, ready to write; nothing after the last one.
    std::optional<Result<Run>> next() {
        auto pending = ready_.pop();
        if (!pending) return std::nullopt;
        return pending->get();
    }

    // Hands a written run's buffer back to the reader.
    void recycle(Run& run) {
        if (run.bytes) (void)free_buffers_.push(std::move(run.bytes));
    }

  private:
    void read_all();
    Result<void> read_source(block::BlockDriver& in, uint64_t base);
    Result<Run> next_run(block::BlockDriver& in, uint64_t base, uint64_t pos);
    Result<uint64_t> status_at(block::BlockDriver& in, uint64_t base, uint64_t pos);
    RunKind classify(const block::Extent& e, block::BlockDriver& in, uint64_t pos,
                     uint64_t target_pos) const;
    void fit_to_clusters(Run& run, uint64_t source_left) const;
    void hand_over(Result<Run> run);
    void compress_jobs();
    void plan_clusters(Run& run) const;

    const std::vector<block::BlockDriver*> sources_;
    const ConvertTarget target_;
    uint64_t cluster_size_ = 0;  // non-zero with -c
    block::qcow2::CompressionType compression_ = block::qcow2::CompressionType::Zlib;
    BoundedQueue<PendingRun> ready_{kReadAhead};
    BoundedQueue<CompressJob> jobs_{kReadAhead};
    BoundedQueue<Buffer> free_buffers_{kBuffers};
    // Reader thread only: the last block status answer (source offsets), and whether the
    // writer gave up.
    struct {
        uint64_t begin = 0, end = 0;
        RunKind kind = RunKind::Data;
    } status_;
    bool writer_gone_ = false;
    // Last, so the threads are joined before anything they use is destroyed.
    std::vector<std::jthread> workers_;
    std::jthread reader_;
};

void CopyPipeline::read_all() {
    uint64_t base = 0;
    for (block::BlockDriver* in : sources_) {
        auto r = read_source(*in, base);
        if (!r) {
            hand_over(r.error());
            break;
        }
        base += in->size();
    }
    jobs_.close();
    ready_.close();
}

Result<void> CopyPipeline::read_source(block::BlockDriver& in, uint64_t base) {
    status_ = {};
    uint64_t pos = 0;
    while (pos < in.size() && !writer_gone_) {
        auto run = next_run(in, base, pos);
        if (!run) return run.error();
        if (writer_gone_) break;
        pos += run->length;
        hand_over(std::move(run));
    }
    return ok();
}

Result<Run> CopyPipeline::next_run(block::BlockDriver& in, uint64_t base, uint64_t pos) {
    Run run;
    run.offset = base + pos;
    KEMU_TRY(status_end, status_at(in, base, pos));
    run.length = status_end - pos;
    run.kind = status_.kind;
    // -S 0: the target is fully allocated, so zeroes are copied as data (as qemu-img does).
    if (run.kind == RunKind::Zero && target_.sparse_size == 0) run.kind = RunKind::Data;
    if (run.kind == RunKind::Data) run.length = std::min(run.length, kChunk);
    if (cluster_size_) fit_to_clusters(run, in.size() - pos);
    if (run.kind != RunKind::Data) return run;
    auto buffer = free_buffers_.pop();
    if (!buffer) {  // the writer gave up
        writer_gone_ = true;
        return run;
    }
    run.bytes = *buffer ? std::move(*buffer) : new_buffer();
    auto r = in.read(pos, {run.bytes.get(), run.length});
    if (!r) {
        return Error("error while reading at byte " + std::to_string(run.offset) + ": " +
                     r.error().message());
    }
    return run;
}

// Where the source's current status ends; the driver is asked again only once the last
// answer is used up, since a data extent is copied in several chunks.
Result<uint64_t> CopyPipeline::status_at(block::BlockDriver& in, uint64_t base, uint64_t pos) {
    if (pos >= status_.begin && pos < status_.end) return status_.end;
    uint64_t len = std::min(kStatusSpan, in.size() - pos);
    // Zeroes are treated differently past the end of the target's backing file.
    uint64_t target_pos = base + pos;
    if (target_.backing_size && target_pos < *target_.backing_size) {
        len = std::min(len, *target_.backing_size - target_pos);
    }
    auto extent = in.block_status(pos, len);
    if (!extent) {
        return Error("error while reading block status at offset " + std::to_string(pos) + ": " +
                     extent.error().message());
    }
    status_ = {pos, pos + extent->length, classify(*extent, in, pos, target_pos)};
    return status_.end;
}

// qemu-img's rules: with a target backing file only what the source's top layer defines is
// copied, and zeroes past the end of the target's backing file need no write either.
RunKind CopyPipeline::classify(const block::Extent& e, block::BlockDriver& in, uint64_t pos,
                               uint64_t target_pos) const {
    bool from_source_backing = e.depth > 0 && in.backing() && pos < in.backing()->size();
    if (target_.has_backing && from_source_backing) return RunKind::Inherited;
    if (e.data || !e.zero) return RunKind::Data;
    bool past_target_backing = target_.backing_size && target_pos >= *target_.backing_size;
    return past_target_backing ? RunKind::Inherited : RunKind::Zero;
}

// Compressed clusters are written whole, so (as qemu-img does) a run that ends inside its
// first cluster becomes data up to the cluster's end, and longer runs end on a boundary.
void CopyPipeline::fit_to_clusters(Run& run, uint64_t source_left) const {
    uint64_t end = run.offset + run.length;
    uint64_t first_end = slice_end(run.offset, cluster_size_, UINT64_MAX);
    if (end < first_end) {
        run.length = std::min(first_end - run.offset, source_left);
        run.kind = RunKind::Data;
    } else {
        run.length = end / cluster_size_ * cluster_size_ - run.offset;
    }
}

// Queues the run for the writer; with -c, data goes through a compression worker first.
void CopyPipeline::hand_over(Result<Run> run) {
    PendingRun pending;
    if (cluster_size_ && run && run->kind == RunKind::Data) {
        CompressJob job([this, r = std::move(*run)]() mutable -> Result<Run> {
            plan_clusters(r);
            return std::move(r);
        });
        pending = job.get_future();
        if (!jobs_.push(std::move(job))) {
            writer_gone_ = true;
            return;
        }
    } else {
        std::promise<Result<Run>> done;
        done.set_value(std::move(run));
        pending = done.get_future();
    }
    if (!ready_.push(std::move(pending))) writer_gone_ = true;
}

void CopyPipeline::compress_jobs() {
    while (auto job = jobs_.pop())
        (*job)();
}

// On a worker: zero slices are left to the writer's zero handling, whole clusters that
// compress are compressed, the rest (partial slices, incompressible data) written as is.
void CopyPipeline::plan_clusters(Run& run) const {
    const uint64_t cs = cluster_size_;
    const uint64_t end = run.offset + run.length;
    for (uint64_t at = run.offset; at < end; at = slice_end(at, cs, end)) {
        uint64_t len = slice_end(at, cs, end) - at;
        const uint8_t* p = run.bytes.get() + (at - run.offset);
        ClusterPlan plan;
        if (target_.sparse_size != 0 && all_zero(p, len)) {
            plan.kind = ClusterPlan::Kind::Zero;
        } else if (len == cs) {
            plan.compressed.resize(cs);
            size_t n = block::qcow2::compress_cluster(compression_, {p, len}, plan.compressed);
            plan.compressed.resize(n);
            if (n) plan.kind = ClusterPlan::Kind::Compressed;
        }
        run.clusters.push_back(std::move(plan));
    }
}

Result<void> write_zeroes(const ConvertTarget& t, uint64_t offset, uint64_t len) {
    if (t.has_zeroes) return ok();
    return t.driver->write_zeroes(offset, len, true);
}

// Writes `buf` at `offset`, leaving out sparse_size-aligned all-zero blocks.
Result<void> write_sparse(const ConvertTarget& t, uint64_t offset, const uint8_t* buf,
                          uint64_t len) {
    if (t.sparse_size == 0) return t.driver->write(offset, {buf, len});
    const uint64_t block = t.sparse_size;
    uint64_t pos = 0;
    while (pos < len) {
        uint64_t n = std::min(len, (offset + pos) / block * block + block - offset) - pos;
        bool zero = all_zero(buf + pos, n);
        uint64_t run = n;
        // Extend the run while blocks keep the same zero/data state.
        while (pos + run < len) {
            uint64_t m = std::min(block, len - pos - run);
            if (all_zero(buf + pos + run, m) != zero) break;
            run += m;
        }
        if (zero) {
            KEMU_TRY_VOID(write_zeroes(t, offset + pos, run));
        } else {
            KEMU_TRY_VOID(t.driver->write(offset + pos, {buf + pos, run}));
        }
        pos += run;
    }
    return ok();
}

Result<void> write_clusters(const ConvertTarget& t, const Run& run) {
    const uint64_t cs = t.compressed->cluster_size();
    const uint64_t end = run.offset + run.length;
    uint64_t at = run.offset;
    for (const ClusterPlan& plan : run.clusters) {
        uint64_t len = slice_end(at, cs, end) - at;
        switch (plan.kind) {
            case ClusterPlan::Kind::Zero:
                KEMU_TRY_VOID(write_zeroes(t, at, len));
                break;
            case ClusterPlan::Kind::Compressed:
                KEMU_TRY_VOID(t.compressed->store_compressed(at, plan.compressed));
                break;
            case ClusterPlan::Kind::Plain:
                KEMU_TRY_VOID(t.driver->write(at, {run.bytes.get() + (at - run.offset), len}));
                break;
        }
        at += len;
    }
    return ok();
}

Result<void> write_run(const ConvertTarget& t, const Run& run) {
    switch (run.kind) {
        case RunKind::Inherited:
            return ok();
        case RunKind::Zero:
            return write_zeroes(t, run.offset, run.length);
        case RunKind::Data:
            if (t.compressed) return write_clusters(t, run);
            return write_sparse(t, run.offset, run.bytes.get(), run.length);
    }
    return ok();
}

}  // namespace

Result<void> copy_to_target(const std::vector<block::BlockDriver*>& sources,
                            const ConvertTarget& target, Progress& progress) {
    uint64_t total = 0;
    for (block::BlockDriver* in : sources)
        total += in->size();
    CopyPipeline pipeline(sources, target);
    while (auto run = pipeline.next()) {
        if (!*run) return run->error();
        Result<void> written = write_run(target, **run);
        if (written && target.flush_each_write) written = target.driver->flush();
        if (!written) {
            return Error("error while writing at byte " + std::to_string((*run)->offset) + ": " +
                         written.error().message());
        }
        pipeline.recycle(**run);
        progress.update(static_cast<double>((*run)->offset + (*run)->length) /
                        static_cast<double>(total));
    }
    return ok();
}

}  // namespace kemu::img
