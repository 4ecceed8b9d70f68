// Shared fixtures for the chardev tests: a running event loop, a recording
// frontend and a backend whose input the test injects.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "chardev/chardev.h"
#include "system/clock.h"
#include "system/event_loop.h"

namespace kemu::test {

class LoopFixture : public ::testing::Test {
  protected:
    void SetUp() override {
        lock_.lock();
        ASSERT_TRUE(loop_.init().ok());
    }
    void TearDown() override { lock_.unlock(); }

    // Runs the loop until `done` or two seconds pass; returns `done()`.
    bool pump_until(const std::function<bool()>& done) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (!done() && std::chrono::steady_clock::now() < deadline)
            loop_.run_once(10'000'000);
        return done();
    }
    void pump_briefly() {
        for (int i = 0; i < 5; i++)
            loop_.run_once(2'000'000);
    }

    std::mutex lock_;
    HostClock clock_;
    TimerQueue timers_{clock_};
    EventLoop loop_{lock_, timers_};
};

// Records input and events; `room` limits what it takes, like a UART FIFO.
class RecordingFrontend : public CharFrontend {
  public:
    size_t can_receive() override { return room - std::min(room, received.size()); }
    void receive(std::span<const uint8_t> data) override {
        received.append(data.begin(), data.end());
    }
    void event(CharEvent e) override { events.push_back(e); }

    size_t room = 1 << 20;
    std::string received;
    std::vector<CharEvent> events;
};

// A backend the test drives: input() plays the outside world typing.
class ScriptedChardev : public Chardev {
  public:
    explicit ScriptedChardev(std::string id) : Chardev(std::move(id)) {}
    std::string filename() const override { return "scripted"; }
    void write(std::span<const uint8_t> data) override { output.append(data.begin(), data.end()); }
    void frontend_ready() override { ready_calls++; }

    size_t input(std::string_view text) {
        return deliver(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
    }
    void open(bool state) { set_open(state); }

    std::string output;
    int ready_calls = 0;
};

inline std::span<const uint8_t> bytes(std::string_view text) {
    return std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

}  // namespace kemu::test
