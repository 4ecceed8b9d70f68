#include "system/clock.h"

#include <gtest/gtest.h>

#include <vector>

namespace kemu {
namespace {

TEST(TimerQueue, FiresInDeadlineOrderOnlyWhenDue) {
    ManualClock clock;
    TimerQueue q(clock);
    std::vector<int> fired;
    Timer a(q, [&] { fired.push_back(1); });
    Timer b(q, [&] { fired.push_back(2); });
    a.arm(200);
    b.arm(100);
    EXPECT_EQ(q.next_deadline(), 100);
    q.run_expired();
    EXPECT_TRUE(fired.empty());
    clock.step(250);
    q.run_expired();
    EXPECT_EQ(fired, (std::vector<int>{2, 1}));
    EXPECT_FALSE(a.pending());
}

TEST(TimerQueue, CallbackMayRearmItself) {
    ManualClock clock;
    TimerQueue q(clock);
    int count = 0;
    Timer* self = nullptr;
    Timer t(q, [&] {
        if (++count < 3) self->arm_in(10);
    });
    self = &t;
    t.arm(10);
    for (int i = 0; i < 5; i++) {
        clock.step(10);
        q.run_expired();
    }
    EXPECT_EQ(count, 3);
}

TEST(TimerQueue, DestroyedTimerIsCancelled) {
    ManualClock clock;
    TimerQueue q(clock);
    {
        Timer t(q, [] { FAIL() << "must not fire"; });
        t.arm(5);
    }
    clock.step(10);
    q.run_expired();
    EXPECT_EQ(q.next_deadline(), INT64_MAX);
}

TEST(VirtualClock, StandsStillWhilePaused) {
    VirtualClock c;
    c.pause();
    int64_t t0 = c.now_ns();
    EXPECT_EQ(c.now_ns(), t0);
    c.resume();
    EXPECT_GE(c.now_ns(), t0);
}

}  // namespace
}  // namespace kemu
