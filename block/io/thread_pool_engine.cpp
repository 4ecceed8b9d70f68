#include <errno.h>
#include <unistd.h>

#include "block/io/io_engine.h"
#include "block/io/thread_pool.h"

namespace kemu::block {

ThreadPool::ThreadPool(unsigned threads) {
    for (unsigned i = 0; i < std::max(threads, 1u); ++i) {
        workers_.emplace_back([this] { worker(); });
    }
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard<std::mutex> g(lock_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : workers_)
        t.join();
}

void ThreadPool::post(std::function<void()> job) {
    {
        std::lock_guard<std::mutex> g(lock_);
        jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
}

void ThreadPool::worker() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock<std::mutex> g(lock_);
            wake_.wait(g, [this] { return stopping_ || !jobs_.empty(); });
            // Drain queued jobs even when stopping, so no completion is lost.
            if (jobs_.empty()) return;
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        job();
    }
}

ssize_t run_request_blocking(const IoRequest& r) {
    auto* p = static_cast<uint8_t*>(r.buf);
    size_t done = 0;
    if (r.op == IoRequest::Op::Flush) return fdatasync(r.fd) == 0 ? 0 : -errno;
    while (done < r.len) {
        ssize_t n = r.op == IoRequest::Op::Read
                        ? pread(r.fd, p + done, r.len - done, static_cast<off_t>(r.offset + done))
                        : pwrite(r.fd, p + done, r.len - done, static_cast<off_t>(r.offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -errno;
        if (n == 0) return -EIO;  // past end of file
        done += static_cast<size_t>(n);
    }
    return static_cast<ssize_t>(done);
}

namespace {

class ThreadPoolEngine final : public IoEngine {
  public:
    ThreadPoolEngine(Deliver deliver, unsigned threads)
        : deliver_(std::move(deliver)), pool_(threads) {}

    const char* name() const override { return "threads"; }

    void submit(const IoRequest& request, Done done) override {
        run([request] { return run_request_blocking(request); }, std::move(done));
    }

    void run(std::function<ssize_t()> work, Done done) override {
        pool_.post([this, work = std::move(work), done = std::move(done)]() mutable {
            ssize_t r = work();
            deliver_([done = std::move(done), r] { done(r); });
        });
    }

  private:
    Deliver deliver_;
    ThreadPool pool_;  // last: its destructor joins workers that use deliver_
};

}  // namespace

std::unique_ptr<IoEngine> make_thread_pool_engine(Deliver deliver, unsigned threads) {
    return std::make_unique<ThreadPoolEngine>(std::move(deliver), threads);
}

}  // namespace kemu::block
