// Clocks and timers. Devices read time from a Clock and schedule Timers on a
// TimerQueue; the event loop fires them. Tests use ManualClock to step time.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace kemu {

class Clock {
  public:
    virtual ~Clock() = default;
    virtual int64_t now_ns() const = 0;
};

// CLOCK_MONOTONIC.
class HostClock final : public Clock {
  public:
    int64_t now_ns() const override;
};

// Guest time: host monotonic time that stands still while the VM is paused.
class VirtualClock final : public Clock {
  public:
    int64_t now_ns() const override;
    void pause();
    void resume();

  private:
    HostClock host_;
    int64_t offset_ = 0;      // subtracted from host time
    int64_t paused_at_ = -1;  // host time when paused, or -1 when running
};

class ManualClock final : public Clock {
  public:
    int64_t now_ns() const override { return now_; }
    void step(int64_t ns) { now_ += ns; }

  private:
    int64_t now_ = 0;
};

class Timer;

class TimerQueue {
  public:
    explicit TimerQueue(const Clock& clock) : clock_(clock) {}

    const Clock& clock() const { return clock_; }
    int64_t now_ns() const { return clock_.now_ns(); }
    // Earliest pending deadline, or INT64_MAX.
    int64_t next_deadline() const;
    // Fires every timer whose deadline has passed, in deadline order.
    void run_expired();
    // Called when a timer is armed earlier than the previous earliest deadline, so
    // the event loop can shorten its sleep (it may be called from a vCPU thread).
    void set_wakeup(std::function<void()> wakeup) { wakeup_ = std::move(wakeup); }

  private:
    friend class Timer;
    void add(Timer* t);
    void remove(Timer* t);

    const Clock& clock_;
    std::vector<Timer*> pending_;
    std::function<void()> wakeup_;
};

class Timer {
  public:
    Timer(TimerQueue& queue, std::function<void()> callback)
        : queue_(queue), callback_(std::move(callback)) {}
    ~Timer() { cancel(); }
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;

    // Absolute deadline on the queue's clock; re-arming moves the deadline.
    void arm(int64_t deadline_ns);
    void arm_in(int64_t delta_ns) { arm(queue_.now_ns() + delta_ns); }
    void cancel();
    bool pending() const { return pending_; }
    int64_t deadline() const { return deadline_; }

  private:
    friend class TimerQueue;
    TimerQueue& queue_;
    std::function<void()> callback_;
    int64_t deadline_ = 0;
    bool pending_ = false;
};

}  // namespace kemu
