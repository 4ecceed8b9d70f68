#include "ui/input.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace kemu {
namespace {

// Records what reaches the machine side, as text, in order.
class RecordingSink final : public InputSink {
  public:
    void key(uint16_t code, bool down) override {
        events.push_back((down ? "down " : "up ") + std::to_string(code));
    }
    void relative_motion(const PointerMotion& m) override {
        events.push_back("move " + std::to_string(m.dx) + "," + std::to_string(m.dy) + "," +
                         std::to_string(m.dz) + " b" + std::to_string(m.buttons));
    }
    void set_led_listener(LedListener l) override { listener = std::move(l); }

    std::vector<std::string> events;
    LedListener listener;
};

// Stands in for EventLoop::post: functions wait until the test runs them.
class PostedQueue {
  public:
    InputRouter::RunLocked run_locked() {
        return [this](std::function<void()> fn) { pending.push_back(std::move(fn)); };
    }
    void run_all() {
        std::vector<std::function<void()>> now = std::move(pending);
        pending.clear();
        for (auto& fn : now)
            fn();
    }
    std::vector<std::function<void()>> pending;
};

using Events = std::vector<std::string>;

// A router posting through `queue`, with `sink` attached as the machine's input.
class RoutedToASink : public ::testing::Test {
  protected:
    RoutedToASink() { router.set_sink(&sink); }

    PostedQueue queue;
    InputRouter router{queue.run_locked()};
    RecordingSink sink;
};

TEST_F(RoutedToASink, DeliversOnlyThroughRunLockedAndInOrder) {
    router.key(KEY_A, true);
    router.relative_motion({.dx = 3, .dy = -2, .dz = 1, .buttons = kButtonLeft});
    router.key(KEY_A, false);
    EXPECT_TRUE(sink.events.empty()) << "nothing reaches the sink outside run_locked";
    queue.run_all();
    EXPECT_EQ(sink.events, (Events{"down 30", "move 3,-2,1 b1", "up 30"}));
}

TEST(InputRouter, DropsUnknownKeysAndEventsWithoutASink) {
    PostedQueue queue;
    InputRouter router(queue.run_locked());
    router.key(KEY_RESERVED, true);
    router.key(KEY_CNT, true);
    EXPECT_TRUE(queue.pending.empty());
    router.key(KEY_B, true);
    queue.run_all();  // no sink yet: nothing to crash into
    RecordingSink sink;
    router.set_sink(&sink);
    router.key(KEY_B, false);
    queue.run_all();
    EXPECT_EQ(sink.events, Events{"up 48"});
}

TEST_F(RoutedToASink, AbsolutePositionsBecomeRelativeMotion) {
    router.absolute_position({.x = 100, .y = 50});
    router.absolute_position({.x = 110, .y = 45, .buttons = kButtonRight});
    router.absolute_position({.x = 110, .y = 45, .dz = -1});
    queue.run_all();
    EXPECT_EQ(sink.events, (Events{"move 0,0,0 b0", "move 10,-5,0 b2", "move 0,0,-1 b0"}));
}

TEST_F(RoutedToASink, ReleaseAllKeysReleasesOnlyKeysStillDown) {
    router.key(KEY_LEFTCTRL, true);
    router.key(KEY_LEFTALT, true);
    router.key(KEY_F2, true);
    router.key(KEY_F2, false);
    router.release_all_keys();
    queue.run_all();
    EXPECT_EQ(sink.events, (Events{"down 29", "down 56", "down 60", "up 60", "up 29", "up 56"}));
    sink.events.clear();
    router.release_all_keys();
    queue.run_all();
    EXPECT_TRUE(sink.events.empty());
}

TEST_F(RoutedToASink, LedsFollowTheSinkListener) {
    ASSERT_TRUE(sink.listener);
    EXPECT_EQ(router.leds(), 0);
    sink.listener(kLedCapsLock | kLedNumLock);
    EXPECT_EQ(router.leds(), kLedCapsLock | kLedNumLock);
    router.set_sink(nullptr);
    EXPECT_FALSE(sink.listener) << "a detached sink no longer reports to the router";
}

// A player on a manual clock that records the key events it sends, as text.
class ChordPlayerTest : public ::testing::Test {
  protected:
    // Moves the clock on by `ns` and fires the timers now due.
    void advance(int64_t ns) {
        clock.step(ns);
        timers.run_expired();
    }

    ManualClock clock;
    TimerQueue timers{clock};
    Events events;
    KeyChordPlayer player{timers, [this](uint16_t code, bool down) {
                              events.push_back((down ? "down " : "up ") + std::to_string(code));
                          }};
};

TEST_F(ChordPlayerTest, PressesInOrderAndReleasesInReverseAfterTheHoldTime) {
    player.play({KEY_LEFTCTRL, KEY_LEFTALT, KEY_DELETE}, 100'000'000);
    EXPECT_EQ(events, (Events{"down 29", "down 56", "down 111"}));
    EXPECT_TRUE(player.holding());
    advance(99'000'000);
    EXPECT_EQ(events.size(), 3u) << "still held before the hold time";
    advance(1'000'000);
    EXPECT_EQ(events, (Events{"down 29", "down 56", "down 111", "up 111", "up 56", "up 29"}));
    EXPECT_FALSE(player.holding());
}

TEST_F(ChordPlayerTest, ANewChordReleasesTheOneStillHeld) {
    player.play({KEY_A}, 1'000'000'000);
    player.play({KEY_B}, 10);
    EXPECT_EQ(events, (Events{"down 30", "up 30", "down 48"}));
    advance(10);
    EXPECT_EQ(events.back(), "up 48");
    EXPECT_EQ(timers.next_deadline(), INT64_MAX) << "the first chord's release was cancelled";
}

}  // namespace
}  // namespace kemu
