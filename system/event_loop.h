// The main thread's loop: file descriptors (chardevs, monitor sockets), timers,
// and callbacks posted from other threads. Handlers run with the machine lock
// held; the loop drops it only while it sleeps in epoll_wait (like QEMU's BQL).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "system/clock.h"
#include "system/error.h"
#include "system/unique_fd.h"

namespace kemu {

class EventLoop {
  public:
    using FdHandler = std::function<void(uint32_t epoll_events)>;

    EventLoop(std::mutex& machine_lock, TimerQueue& timers);

    // Counts the main loop in while it waits for the machine lock, so threads that take the
    // lock in a tight loop (vCPUs doing port I/O) can step aside: a plain mutex would let
    // them starve the timers.
    void set_lock_waiters(std::atomic<int>* waiters) { lock_waiters_ = waiters; }
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    Result<void> init();

    // `events` is an EPOLLIN/EPOLLOUT mask. A handler may add or remove fds (itself too).
    // An fd epoll refuses (a regular file, /dev/null) is always ready, as poll() has it: its
    // handler runs at every iteration while it watches anything.
    Result<void> add_fd(int fd, uint32_t events, FdHandler handler);
    void modify_fd(int fd, uint32_t events);
    void remove_fd(int fd);

    // Runs `fn` on the main thread under the machine lock; callable from any thread.
    void post(std::function<void()> fn);
    // Wakes the loop from epoll_wait (also what post() does).
    void notify();

    // Runs one iteration: wait up to `max_wait_ns` (or the next timer), then dispatch.
    // The caller holds the machine lock.
    void run_once(int64_t max_wait_ns);
    void run_until(const std::function<bool()>& done);
    void request_quit() {
        quit_ = true;
        notify();
    }
    bool quit_requested() const { return quit_; }

    TimerQueue& timers() { return timers_; }

  private:
    std::mutex& lock_;
    std::atomic<int>* lock_waiters_ = nullptr;
    TimerQueue& timers_;
    UniqueFd epoll_;
    UniqueFd wake_;  // eventfd
    void dispatch_always_ready();

    std::unordered_map<int, std::shared_ptr<FdHandler>> handlers_;
    std::unordered_map<int, uint32_t> always_ready_;  // fd -> the events it watches
    std::mutex posted_lock_;
    std::vector<std::function<void()>> posted_;
    bool quit_ = false;
};

}  // namespace kemu
