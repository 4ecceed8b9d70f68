// AdaptiveMutex excludes: threads that add to one counter under it lose no update.
#include "system/adaptive_mutex.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>
#include <vector>

namespace kemu {
namespace {

TEST(AdaptiveMutex, ThreadsUnderItLoseNoUpdate) {
    AdaptiveMutex m;
    uint64_t counter = 0;  // a plain read-modify-write: racing threads would lose updates
    constexpr unsigned kThreads = 4, kAdds = 200000;
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < kThreads; t++)
        threads.emplace_back([&] {
            for (unsigned i = 0; i < kAdds; i++) {
                std::lock_guard g(m);
                counter = counter + 1;
            }
        });
    for (std::thread& t : threads)
        t.join();
    EXPECT_EQ(counter, uint64_t(kThreads) * kAdds);
}

TEST(AdaptiveMutex, TryLockFailsWhileHeld) {
    AdaptiveMutex m;
    m.lock();
    bool other = true;
    std::thread([&] { other = m.try_lock(); }).join();
    EXPECT_FALSE(other);
    m.unlock();
    EXPECT_TRUE(m.try_lock());
    m.unlock();
}

}  // namespace
}  // namespace kemu
