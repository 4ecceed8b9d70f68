#include "system/clock.h"

#include <time.h>

#include <algorithm>
#include <climits>

namespace kemu {

int64_t HostClock::now_ns() const {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

int64_t VirtualClock::now_ns() const {
    return (paused_at_ >= 0 ? paused_at_ : host_.now_ns()) - offset_;
}

void VirtualClock::pause() {
    if (paused_at_ < 0) paused_at_ = host_.now_ns();
}

void VirtualClock::resume() {
    if (paused_at_ < 0) return;
    offset_ += host_.now_ns() - paused_at_;
    paused_at_ = -1;
}

int64_t TimerQueue::next_deadline() const {
    int64_t next = INT64_MAX;
    for (const Timer* t : pending_)
        next = std::min(next, t->deadline_);
    return next;
}

void TimerQueue::add(Timer* t) {
    bool earlier = t->deadline_ < next_deadline();
    pending_.push_back(t);
    if (earlier && wakeup_) wakeup_();
}

void TimerQueue::remove(Timer* t) {
    pending_.erase(std::remove(pending_.begin(), pending_.end(), t), pending_.end());
}

void TimerQueue::run_expired() {
    // A callback may arm or cancel any timer, so pick one expired timer at a time.
    for (;;) {
        int64_t now = clock_.now_ns();
        Timer* due = nullptr;
        for (Timer* t : pending_)
            if (t->deadline_ <= now && (!due || t->deadline_ < due->deadline_)) due = t;
        if (!due) return;
        due->cancel();
        due->callback_();
    }
}

void Timer::arm(int64_t deadline_ns) {
    cancel();
    deadline_ = deadline_ns;
    pending_ = true;
    queue_.add(this);
}

void Timer::cancel() {
    if (!pending_) return;
    pending_ = false;
    queue_.remove(this);
}

}  // namespace kemu
