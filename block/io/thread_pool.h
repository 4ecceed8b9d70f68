// Worker threads for blocking I/O; joined (after draining queued jobs) on destruction.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "block/io/io_engine.h"

namespace kemu::block {

class ThreadPool {
  public:
    explicit ThreadPool(unsigned threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    void post(std::function<void()> job);

  private:
    void worker();

    std::mutex lock_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> jobs_;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

// Performs an fd request synchronously, looping over short transfers.
ssize_t run_request_blocking(const IoRequest& request);

}  // namespace kemu::block
