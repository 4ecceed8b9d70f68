// The monitor behind a real Unix-socket chardev, driven through the event loop
// the way `-monitor unix:PATH,server=on,wait=off` runs it.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "chardev/registry.h"
#include "fake_host.h"
#include "monitor/monitor.h"

namespace kemu {
namespace {

class MonitorSocketTest : public ::testing::Test {
  protected:
    void SetUp() override {
        host.lock.lock();
        ASSERT_TRUE(host.loop.init().ok());
    }
    void TearDown() override { host.lock.unlock(); }

    UniqueFd connect_client() {
        UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) return {};
        return fd;
    }

    // Pumps the loop until the client has read `expected` (or two seconds pass).
    std::string read_until(int fd, const std::string& expected) {
        std::string got;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (got.size() < expected.size() && std::chrono::steady_clock::now() < deadline) {
            host.loop.run_once(5'000'000);
            pollfd p{fd, POLLIN, 0};
            if (poll(&p, 1, 0) == 1) {
                char buf[512];
                ssize_t n = read(fd, buf, sizeof buf);
                if (n <= 0) break;
                got.append(buf, size_t(n));
            }
        }
        return got;
    }

    test::FakeHost host;
    std::string path = "/tmp/kemu-monitor-test-" + std::to_string(getpid()) + ".sock";
};

TEST_F(MonitorSocketTest, EachClientGetsBannerAndRunsCommands) {
    auto chr = host.registry.add_legacy("-monitor", "unix:" + path + ",server=on,wait=off",
                                        "compat_monitor0");
    ASSERT_TRUE(chr.ok()) << chr.error().message();
    Monitor mon(*chr->chardev, host);
    const std::string banner = "KEMU 0.1.0 monitor - type 'help' for more information\r\n(kemu) ";

    for (int round = 0; round < 2; round++) {
        UniqueFd client = connect_client();
        ASSERT_TRUE(client.valid());
        EXPECT_EQ(read_until(client.get(), banner), banner) << "round " << round;
        ASSERT_EQ(write(client.get(), "info status\r\n", 13), 13);
        std::string reply = "info status\r\nVM status: running\r\n(kemu) ";
        EXPECT_EQ(read_until(client.get(), reply), reply) << "round " << round;
    }
    UniqueFd client = connect_client();
    read_until(client.get(), banner);
    ASSERT_EQ(write(client.get(), "quit\r", 5), 5);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (host.quits == 0 && std::chrono::steady_clock::now() < deadline)
        host.loop.run_once(5'000'000);
    EXPECT_EQ(host.quits, 1);
}

}  // namespace
}  // namespace kemu
