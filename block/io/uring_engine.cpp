#include <errno.h>
#include <liburing.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>

#include "block/io/io_engine.h"
#include "block/io/thread_pool.h"
#include "system/event_loop.h"
#include "system/unique_fd.h"

namespace kemu::block {

namespace {

// One in-flight fd request; resubmitted from where it stopped after a short transfer.
struct Pending {
    IoRequest request;
    IoEngine::Done done;
    size_t transferred = 0;
};

// Completions are reaped by the main loop itself: the ring signals an eventfd the loop
// polls, and the handler runs the callbacks directly. No thread sits between the kernel
// and the callback, so a request that the page cache completes at submission costs one
// system call and no context switch.
class UringEngine final : public IoEngine {
  public:
    UringEngine(EventLoop& loop, unsigned threads, UringWrites writes)
        : loop_(loop),
          writes_(writes),
          completions_(std::make_shared<CompletionBatch>(
              [&loop](std::function<void()> fn) { loop.post(std::move(fn)); })),
          pool_(threads) {}

    ~UringEngine() override {
        if (!ready_) return;  // init() failed: no ring to tear down
        loop_.remove_fd(completion_fd_.get());
        // The buffers of requests still in flight belong to callers that are going away
        // too; push any still queued and wait for the kernel to be done with them, without
        // calling back.
        io_uring_submit(&ring_);
        while (in_flight_ > 0) {
            io_uring_cqe* cqe = nullptr;
            if (io_uring_wait_cqe(&ring_, &cqe) < 0) break;
            delete static_cast<Pending*>(io_uring_cqe_get_data(cqe));
            io_uring_cqe_seen(&ring_, cqe);
            --in_flight_;
        }
        io_uring_queue_exit(&ring_);
    }

    Result<void> init(unsigned depth) {
        int r = io_uring_queue_init(depth, &ring_, 0);
        if (r < 0) return Error(std::string("io_uring unavailable: ") + std::strerror(-r));
        completion_fd_ = UniqueFd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
        if (!completion_fd_.valid() ||
            io_uring_register_eventfd(&ring_, completion_fd_.get()) < 0) {
            io_uring_queue_exit(&ring_);
            return Error("io_uring unavailable: cannot register a completion eventfd");
        }
        auto added = loop_.add_fd(completion_fd_.get(), EPOLLIN, [this](uint32_t) { reap(); });
        if (!added) {
            io_uring_queue_exit(&ring_);
            return added.error();
        }
        ready_ = true;
        return ok();
    }

    const char* name() const override {
        return writes_ == UringWrites::Threads ? "io_uring+threads" : "io_uring";
    }

    void submit(const IoRequest& request, Done done) override {
        if (request.op == IoRequest::Op::Write && writes_ == UringWrites::Threads) {
            return run([request] { return run_request_blocking(request); }, std::move(done));
        }
        auto* p = new Pending{request, std::move(done)};
        ++in_flight_;
        std::lock_guard<std::mutex> g(lock_);
        queue_locked(p);
        if (!reaping_) io_uring_submit(&ring_);
    }

    void run(std::function<ssize_t()> work, Done done) override {
        pool_.post([this, work = std::move(work), done = std::move(done)]() mutable {
            completions_->add(std::move(done), work());
        });
    }

  private:
    io_uring_sqe* get_sqe_locked() {
        io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
        while (!sqe) {
            // Submission queue full: push what we have and retry.
            io_uring_submit(&ring_);
            sqe = io_uring_get_sqe(&ring_);
        }
        return sqe;
    }

    void queue_locked(Pending* p) {
        io_uring_sqe* sqe = get_sqe_locked();
        const IoRequest& r = p->request;
        auto* buf = static_cast<uint8_t*>(r.buf) + p->transferred;
        unsigned len = static_cast<unsigned>(r.len - p->transferred);
        uint64_t off = r.offset + p->transferred;
        switch (r.op) {
            case IoRequest::Op::Read:
                io_uring_prep_read(sqe, r.fd, buf, len, off);
                break;
            case IoRequest::Op::Write:
                io_uring_prep_write(sqe, r.fd, buf, len, off);
                break;
            case IoRequest::Op::Flush:
                io_uring_prep_fsync(sqe, r.fd, IORING_FSYNC_DATASYNC);
                break;
        }
        io_uring_sqe_set_data(sqe, p);
    }

    // On the main loop, with the machine lock held like every callback. The requests the
    // callbacks submit go to the kernel together at the end, in one system call.
    void reap() {
        uint64_t signals = 0;
        (void)!read(completion_fd_.get(), &signals, sizeof signals);
        set_reaping(true);
        io_uring_cqe* cqe = nullptr;
        while (io_uring_peek_cqe(&ring_, &cqe) == 0) {
            auto* p = static_cast<Pending*>(io_uring_cqe_get_data(cqe));
            int res = cqe->res;
            io_uring_cqe_seen(&ring_, cqe);
            finish(p, res);
        }
        set_reaping(false);
        std::lock_guard<std::mutex> g(lock_);
        io_uring_submit(&ring_);
    }

    void set_reaping(bool reaping) {
        std::lock_guard<std::mutex> g(lock_);
        reaping_ = reaping;
    }

    void finish(Pending* p, int res) {
        bool data_op = p->request.op != IoRequest::Op::Flush;
        if (res == -EAGAIN || res == -EINTR ||
            (data_op && res > 0 && p->transferred + res < p->request.len)) {
            if (res > 0) p->transferred += static_cast<size_t>(res);
            std::lock_guard<std::mutex> g(lock_);
            queue_locked(p);
            return;
        }
        ssize_t result = res < 0 ? res : static_cast<ssize_t>(p->transferred + res);
        if (data_op && res == 0 && p->request.len != 0) result = -EIO;  // past end of file
        Done done = std::move(p->done);
        delete p;
        --in_flight_;
        done(result);
    }

    EventLoop& loop_;
    UringWrites writes_;
    std::mutex lock_;       // submission side of the ring
    bool reaping_ = false;  // submissions wait for the end of reap()
    io_uring ring_{};
    UniqueFd completion_fd_;
    std::atomic<unsigned> in_flight_{0};
    bool ready_ = false;
    std::shared_ptr<CompletionBatch> completions_;
    ThreadPool pool_;  // last: its destructor joins workers that use completions_
};

}  // namespace

Result<std::unique_ptr<IoEngine>> make_uring_engine(EventLoop& loop, unsigned queue_depth,
                                                    unsigned threads, UringWrites writes) {
    auto engine = std::make_unique<UringEngine>(loop, threads, writes);
    KEMU_TRY_VOID(engine->init(queue_depth));
    return std::unique_ptr<IoEngine>(std::move(engine));
}

}  // namespace kemu::block
