#include <errno.h>
#include <liburing.h>

#include <cstring>
#include <mutex>
#include <thread>

#include "block/io/io_engine.h"
#include "block/io/thread_pool.h"

namespace kemu::block {

namespace {

// One in-flight fd request; resubmitted from where it stopped after a short transfer.
struct Pending {
    IoRequest request;
    IoEngine::Done done;
    size_t transferred = 0;
};

class UringEngine final : public IoEngine {
  public:
    UringEngine(Deliver deliver, unsigned threads) : deliver_(std::move(deliver)), pool_(threads) {}

    ~UringEngine() override {
        if (!reaper_.joinable()) return;  // init() failed: no ring to tear down
        {
            std::lock_guard<std::mutex> g(lock_);
            io_uring_sqe* sqe = get_sqe_locked();
            io_uring_prep_nop(sqe);
            io_uring_sqe_set_data(sqe, nullptr);  // null user data: the stop marker
            io_uring_submit(&ring_);
        }
        reaper_.join();
        io_uring_queue_exit(&ring_);
    }

    Result<void> init(unsigned depth) {
        int r = io_uring_queue_init(depth, &ring_, 0);
        if (r < 0) return Error(std::string("io_uring unavailable: ") + std::strerror(-r));
        reaper_ = std::thread([this] { reap(); });
        return ok();
    }

    const char* name() const override { return "io_uring"; }

    void submit(const IoRequest& request, Done done) override {
        auto* p = new Pending{request, std::move(done)};
        std::lock_guard<std::mutex> g(lock_);
        queue_locked(p);
        io_uring_submit(&ring_);
    }

    void run(std::function<ssize_t()> work, Done done) override {
        pool_.post([this, work = std::move(work), done = std::move(done)]() mutable {
            ssize_t r = work();
            deliver_([done = std::move(done), r] { done(r); });
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

    void reap() {
        for (;;) {
            io_uring_cqe* cqe = nullptr;
            int r = io_uring_wait_cqe(&ring_, &cqe);
            if (r == -EINTR) continue;
            if (r < 0) return;
            auto* p = static_cast<Pending*>(io_uring_cqe_get_data(cqe));
            int res = cqe->res;
            io_uring_cqe_seen(&ring_, cqe);
            if (!p) return;  // stop marker; everything submitted before it has completed
            finish(p, res);
        }
    }

    void finish(Pending* p, int res) {
        bool data_op = p->request.op != IoRequest::Op::Flush;
        if (res == -EAGAIN || res == -EINTR ||
            (data_op && res > 0 && p->transferred + res < p->request.len)) {
            if (res > 0) p->transferred += static_cast<size_t>(res);
            std::lock_guard<std::mutex> g(lock_);
            queue_locked(p);
            io_uring_submit(&ring_);
            return;
        }
        ssize_t result = res < 0 ? res : static_cast<ssize_t>(p->transferred + res);
        if (data_op && res == 0 && p->request.len != 0) result = -EIO;  // past end of file
        Done done = std::move(p->done);
        delete p;
        deliver_([done = std::move(done), result] { done(result); });
    }

    Deliver deliver_;
    std::mutex lock_;  // submission side of the ring
    io_uring ring_{};
    std::thread reaper_;
    ThreadPool pool_;
};

}  // namespace

Result<std::unique_ptr<IoEngine>> make_uring_engine(Deliver deliver, unsigned queue_depth,
                                                    unsigned threads) {
    auto engine = std::make_unique<UringEngine>(std::move(deliver), threads);
    auto r = engine->init(queue_depth);
    if (!r) return r.error();
    return std::unique_ptr<IoEngine>(std::move(engine));
}

std::unique_ptr<IoEngine> make_default_engine(Deliver deliver) {
    constexpr unsigned kQueueDepth = 128;
    constexpr unsigned kThreads = 4;
    auto uring = make_uring_engine(deliver, kQueueDepth, kThreads);
    if (uring) return std::move(*uring);
    return make_thread_pool_engine(std::move(deliver), kThreads);
}

}  // namespace kemu::block
