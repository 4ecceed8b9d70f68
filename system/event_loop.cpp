#include "system/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <memory>

namespace kemu {

EventLoop::EventLoop(std::mutex& machine_lock, TimerQueue& timers)
    : lock_(machine_lock), timers_(timers) {}

EventLoop::~EventLoop() {
    timers_.set_wakeup(nullptr);
}

Result<void> EventLoop::init() {
    epoll_.reset(epoll_create1(EPOLL_CLOEXEC));
    wake_.reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!epoll_.valid() || !wake_.valid())
        return Error(std::string("cannot create event loop: ") + std::strerror(errno));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = wake_.get();
    if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wake_.get(), &ev) < 0)
        return Error(std::string("cannot create event loop: ") + std::strerror(errno));
    timers_.set_wakeup([this] { notify(); });
    return ok();
}

Result<void> EventLoop::add_fd(int fd, uint32_t events, FdHandler handler) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) < 0) {
        if (errno != EPERM) return Error(std::string("cannot watch fd: ") + std::strerror(errno));
        always_ready_[fd] = events;  // a regular file or /dev/null: epoll has no use for it
    }
    handlers_[fd] = std::make_shared<FdHandler>(std::move(handler));
    return ok();
}

void EventLoop::modify_fd(int fd, uint32_t events) {
    if (auto it = always_ready_.find(fd); it != always_ready_.end()) {
        it->second = events;
        return;
    }
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev);
}

void EventLoop::remove_fd(int fd) {
    if (!handlers_.erase(fd)) return;
    if (!always_ready_.erase(fd)) epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

void EventLoop::post(std::function<void()> fn) {
    {
        std::lock_guard<std::mutex> g(posted_lock_);
        posted_.push_back(std::move(fn));
    }
    notify();
}

void EventLoop::notify() {
    uint64_t one = 1;
    ssize_t n = write(wake_.get(), &one, sizeof one);
    (void)n;  // EAGAIN means a wake-up is already pending
}

void EventLoop::run_once(int64_t max_wait_ns) {
    // A negative max_wait_ns means no limit: only the next timer bounds the wait then.
    int64_t wait_ns = max_wait_ns;
    int64_t deadline = timers_.next_deadline();
    if (deadline != INT64_MAX) {
        int64_t until_timer = std::max<int64_t>(0, deadline - timers_.now_ns());
        wait_ns = wait_ns < 0 ? until_timer : std::min(wait_ns, until_timer);
    }
    // Round up so a timer 0.5 ms away does not spin.
    int timeout_ms =
        wait_ns < 0 ? -1 : int(std::min<int64_t>((wait_ns + 999999) / 1000000, INT_MAX));
    for (const auto& [fd, watched] : always_ready_)
        if (watched) timeout_ms = 0;  // one of them has something to do now

    epoll_event events[32];
    lock_.unlock();
    int n = epoll_wait(epoll_.get(), events, 32, timeout_ms);
    if (lock_waiters_) lock_waiters_->fetch_add(1);
    lock_.lock();
    if (lock_waiters_) lock_waiters_->fetch_sub(1);

    for (int i = 0; i < n; i++) {
        int fd = events[i].data.fd;
        if (fd == wake_.get()) {
            uint64_t v;
            ssize_t r = read(wake_.get(), &v, sizeof v);
            (void)r;
            continue;
        }
        auto it = handlers_.find(fd);
        if (it == handlers_.end()) continue;
        std::shared_ptr<FdHandler> h = it->second;  // survives remove_fd() inside the handler
        (*h)(events[i].events);
    }
    dispatch_always_ready();
    std::vector<std::function<void()>> posted;
    {
        std::lock_guard<std::mutex> g(posted_lock_);
        posted.swap(posted_);
    }
    for (auto& fn : posted)
        fn();
    timers_.run_expired();
}

// As poll() reports them: readable and writable whenever they are watched for it.
void EventLoop::dispatch_always_ready() {
    if (always_ready_.empty()) return;
    std::vector<std::pair<int, uint32_t>> ready(always_ready_.begin(), always_ready_.end());
    for (const auto& [fd, watched] : ready) {
        auto it = handlers_.find(fd);
        if (!watched || it == handlers_.end()) continue;
        std::shared_ptr<FdHandler> h = it->second;  // survives remove_fd() inside the handler
        (*h)(watched & (EPOLLIN | EPOLLOUT));
    }
}

void EventLoop::run_until(const std::function<bool()>& done) {
    while (!quit_ && !done())
        run_once(-1);
}

}  // namespace kemu
