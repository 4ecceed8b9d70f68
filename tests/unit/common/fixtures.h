// Test doubles shared by the unit tests of several folders: a chardev the test
// drives and reads, and a running event loop with the machine lock held.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "chardev/chardev.h"
#include "system/clock.h"
#include "system/event_loop.h"

namespace kemu::test {

// A backend that keeps what its frontend writes; input() plays the outside world typing.
class CaptureChardev : public Chardev {
  public:
    explicit CaptureChardev(std::string id = "capture") : Chardev(std::move(id)) {}
    std::string filename() const override { return "capture"; }
    void write(std::span<const uint8_t> data) override { output.append(data.begin(), data.end()); }
    void frontend_ready() override { ready_calls++; }

    // Returns how many bytes the frontend took.
    size_t input(std::string_view text) {
        return deliver(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
    }
    void open(bool state) { set_open(state); }
    // A socket client leaving and the next one arriving.
    void reopen() {
        set_open(false);
        set_open(true);
    }
    // Everything written since the last take().
    std::string take() { return std::exchange(output, std::string()); }

    std::string output;
    int ready_calls = 0;
};

// An initialised event loop whose machine lock the test holds, as device, chardev and
// block code expect of their callers. Usable as a member or, with ::testing::Test, as a
// fixture base.
class LoopFixture {
  public:
    LoopFixture() { EXPECT_TRUE(loop.init().ok()); }

    // Runs the loop until `done` or two seconds pass; returns `done()`.
    bool pump_until(const std::function<bool()>& done) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (!done() && std::chrono::steady_clock::now() < deadline)
            loop.run_once(10'000'000);
        return done();
    }
    void pump_briefly() {
        for (int i = 0; i < 5; i++)
            loop.run_once(2'000'000);
    }
    // Runs the loop until the completions the test counts in `pending` have all arrived.
    void wait(const int& pending) {
        loop.run_until([&] { return pending == 0; });
    }
    // Hands work to the loop thread, as block backends deliver their completions.
    auto deliver() {
        return [this](std::function<void()> fn) { loop.post(std::move(fn)); };
    }

    std::mutex lock;
    HostClock clock;
    TimerQueue timers{clock};
    EventLoop loop{lock, timers};
    std::unique_lock<std::mutex> held{lock};
};

}  // namespace kemu::test
