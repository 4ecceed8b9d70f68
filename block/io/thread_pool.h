// Worker threads for blocking I/O; joined (after draining queued jobs) on destruction.
// Workers start as jobs arrive, until there are `max_threads`: as in QEMU's pool, a queue
// of N requests keeps N blocking calls in the kernel at once (up to the limit), so an
// O_DIRECT device sees the queue depth the caller asked for.
#pragma once

#include <semaphore.h>
#include <sys/types.h>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "block/io/io_engine.h"

namespace kemu::block {

class ThreadPool {
  public:
    explicit ThreadPool(unsigned max_threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    void post(std::function<void()> job);

  private:
    void worker();

    std::mutex lock_;  // jobs_ and workers_
    // One permit per queued job. A semaphore, not a condition variable: once under load a
    // job stayed queued behind four workers asleep on a condition variable, as glibc's
    // known lost wake-up in pthread_cond_signal (sourceware bug 25847, in the 2.36 that
    // Debian 12 ships) would leave it. POSIX's, not std::counting_semaphore: libstdc++'s
    // waits by calling sched_yield a dozen times before it sleeps: 64K O_DIRECT writes at
    // depth 32 made 1.6-4x qemu-img's context switches with it, as many with sem_t.
    sem_t permits_;
    std::deque<std::function<void()>> jobs_;
    unsigned max_threads_;
    std::atomic<unsigned> idle_{0};  // workers waiting for a permit
    std::vector<std::thread> workers_;
};

// Results of worker jobs on their way to the completion thread, in batches: a worker asks
// `deliver` for a drain only when it finds none pending, so completions that pile up while
// the main loop is busy cost it one wake-up between them, not one each. A posted drain holds
// the batch (shared_ptr), so it may run after the engine is gone.
class CompletionBatch : public std::enable_shared_from_this<CompletionBatch> {
  public:
    explicit CompletionBatch(Deliver deliver) : deliver_(std::move(deliver)) {}
    // From any thread.
    void add(IoEngine::Done done, ssize_t result);

  private:
    void drain();

    Deliver deliver_;
    std::mutex lock_;
    std::vector<std::pair<IoEngine::Done, ssize_t>> pending_;
};

// Performs an fd request synchronously, looping over short transfers.
ssize_t run_request_blocking(const IoRequest& request);

}  // namespace kemu::block
