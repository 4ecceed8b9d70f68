#include <errno.h>
#include <unistd.h>

#include "block/io/io_engine.h"
#include "block/io/thread_pool.h"

namespace kemu::block {

ThreadPool::ThreadPool(unsigned max_threads) : max_threads_(std::max(max_threads, 1u)) {
    sem_init(&permits_, 0, 0);
}

ThreadPool::~ThreadPool() {
    // One more permit per worker: each finds the queue empty once the jobs are done.
    for (size_t i = 0; i < workers_.size(); ++i)
        sem_post(&permits_);
    for (std::thread& t : workers_)
        t.join();
    sem_destroy(&permits_);
}

void ThreadPool::post(std::function<void()> job) {
    {
        std::lock_guard<std::mutex> g(lock_);
        jobs_.push_back(std::move(job));
        if (jobs_.size() > idle_.load() && workers_.size() < max_threads_)
            workers_.emplace_back([this] { worker(); });
    }
    sem_post(&permits_);
}

void ThreadPool::worker() {
    for (;;) {
        ++idle_;
        while (sem_wait(&permits_) != 0 && errno == EINTR) {
        }
        --idle_;
        std::function<void()> job;
        {
            std::lock_guard<std::mutex> g(lock_);
            // Every job has its permit, so the queue is empty only when the destructor's
            // permits come, after the queued jobs ran: no completion is lost.
            if (jobs_.empty()) return;
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        job();
    }
}

void CompletionBatch::add(IoEngine::Done done, ssize_t result) {
    bool first;
    {
        std::lock_guard<std::mutex> g(lock_);
        first = pending_.empty();
        pending_.emplace_back(std::move(done), result);
    }
    // A batch that was not empty has a drain on its way, which has not taken it yet.
    if (first) deliver_([self = shared_from_this()] { self->drain(); });
}

void CompletionBatch::drain() {
    std::vector<std::pair<IoEngine::Done, ssize_t>> ready;
    {
        std::lock_guard<std::mutex> g(lock_);
        ready.swap(pending_);
    }
    for (auto& [done, result] : ready)
        done(result);
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
        : completions_(std::make_shared<CompletionBatch>(std::move(deliver))), pool_(threads) {}

    const char* name() const override { return "threads"; }

    void submit(const IoRequest& request, Done done) override {
        run([request] { return run_request_blocking(request); }, std::move(done));
    }

    void run(std::function<ssize_t()> work, Done done) override {
        pool_.post([this, work = std::move(work), done = std::move(done)]() mutable {
            completions_->add(std::move(done), work());
        });
    }

  private:
    std::shared_ptr<CompletionBatch> completions_;
    ThreadPool pool_;  // last: its destructor joins workers that use completions_
};

}  // namespace

std::unique_ptr<IoEngine> make_thread_pool_engine(Deliver deliver, unsigned threads) {
    return std::make_unique<ThreadPoolEngine>(std::move(deliver), threads);
}

}  // namespace kemu::block
