#include "chardev/socket_chardev.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "test_helpers.h"

namespace kemu {
namespace {

using test::bytes;
using test::RecordingFrontend;

std::string temp_socket_path() {
    return "/tmp/kemu-chardev-test-" + std::to_string(getpid()) + ".sock";
}

UniqueFd connect_unix(const std::string& path) {
    UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) return UniqueFd();
    return fd;
}

UniqueFd connect_tcp(uint16_t port) {
    UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) return UniqueFd();
    return fd;
}

// Reads what is available within a short wait.
std::string read_some(int fd) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 2000) <= 0) return "";
    char buf[256];
    ssize_t n = read(fd, buf, sizeof buf);
    return n > 0 ? std::string(buf, size_t(n)) : "";
}

void send_text(int fd, std::string_view text) {
    ASSERT_EQ(write(fd, text.data(), text.size()), ssize_t(text.size()));
}

class SocketTest : public ::testing::Test, public test::LoopFixture {
  protected:
    std::unique_ptr<SocketChardev> make_unix_server() {
        SocketOptions o;
        o.family = SocketOptions::Family::Unix;
        o.path = path_;
        o.server = true;
        o.wait = false;
        auto chr = SocketChardev::create("mon0", loop, o);
        EXPECT_TRUE(chr.ok()) << (chr.ok() ? "" : chr.error().message());
        return chr.ok() ? std::move(*chr) : nullptr;
    }

    // Connects a client to the unix server and runs the loop until the server took it.
    UniqueFd accept_client(SocketChardev& chr) {
        UniqueFd client = connect_unix(path_);
        EXPECT_TRUE(client.valid());
        EXPECT_TRUE(pump_until([&] { return chr.connected(); }));
        return client;
    }

    // What the frontend writes reaches the client as it was.
    static void expect_client_reads(SocketChardev& chr, int client, const std::string& text) {
        chr.write(bytes(text));
        EXPECT_EQ(read_some(client), text);
    }

    std::string path_ = temp_socket_path();
};

TEST_F(SocketTest, UnixRoundTripWithEventLoop) {
    auto chr = make_unix_server();
    ASSERT_TRUE(chr);
    RecordingFrontend fe;
    chr->attach(&fe);
    EXPECT_FALSE(chr->is_open());
    EXPECT_EQ(chr->filename(), "disconnected:unix:" + path_ + ",server=on");
    EXPECT_TRUE(fe.events.empty());

    UniqueFd client = accept_client(*chr);
    EXPECT_EQ(fe.events, std::vector<CharEvent>{CharEvent::Opened});
    EXPECT_EQ(chr->filename(), "unix:" + path_ + ",server=on");

    send_text(client.get(), "info status\r");
    ASSERT_TRUE(pump_until([&] { return fe.received == "info status\r"; }));
    expect_client_reads(*chr, client.get(), "VM status: running\r\n");
}

TEST_F(SocketTest, AcceptsTheNextClientAfterADisconnect) {
    auto chr = make_unix_server();
    ASSERT_TRUE(chr);
    RecordingFrontend fe;
    chr->attach(&fe);
    UniqueFd first = accept_client(*chr);
    // A second client waits in the backlog while the first is served.
    UniqueFd second = connect_unix(path_);
    ASSERT_TRUE(second.valid());
    send_text(second.get(), "2");
    pump_briefly();
    EXPECT_EQ(fe.received, "");

    first.reset();
    ASSERT_TRUE(pump_until([&] { return fe.received == "2"; }));
    EXPECT_EQ(fe.events,
              (std::vector<CharEvent>{CharEvent::Opened, CharEvent::Closed, CharEvent::Opened}));
    expect_client_reads(*chr, second.get(), "hello second");
}

// Output to a client that went away before the server noticed is an error the chardev drops,
// not SIGPIPE (whose default action would end the process, and this test).
TEST_F(SocketTest, OutputToAVanishedClientRaisesNoSigpipe) {
    auto chr = make_unix_server();
    ASSERT_TRUE(chr);
    UniqueFd client = accept_client(*chr);
    client.reset();
    for (int i = 0; i < 4; i++)
        chr->write(bytes("after the client left"));
    ASSERT_TRUE(pump_until([&] { return !chr->connected(); }));
    UniqueFd next = accept_client(*chr);
    expect_client_reads(*chr, next.get(), "still here");
}

TEST_F(SocketTest, OutputWithoutClientIsDropped) {
    auto chr = make_unix_server();
    ASSERT_TRUE(chr);
    chr->write(bytes("lost"));
    UniqueFd client = accept_client(*chr);
    expect_client_reads(*chr, client.get(), "kept");
}

TEST_F(SocketTest, InputWaitsWhileFrontendIsFull) {
    auto chr = make_unix_server();
    ASSERT_TRUE(chr);
    RecordingFrontend fe;
    fe.room = 3;
    chr->attach(&fe);
    UniqueFd client = accept_client(*chr);
    send_text(client.get(), "abcdefgh");
    ASSERT_TRUE(pump_until([&] { return fe.received.size() == 3; }));
    pump_briefly();
    EXPECT_EQ(fe.received, "abc");
    fe.room = 100;
    chr->frontend_ready();
    ASSERT_TRUE(pump_until([&] { return fe.received == "abcdefgh"; }));
}

TEST_F(SocketTest, UnreadOutputIsBoundedAndDropped) {
    auto chr = make_unix_server();
    ASSERT_TRUE(chr);
    UniqueFd client = accept_client(*chr);
    std::string chunk(64 * 1024, 'x');
    for (int i = 0; i < 64; i++)
        chr->write(bytes(chunk));  // 4 MiB, nobody reading
    EXPECT_LE(chr->pending_output(), FdChardev::kMaxPendingOutput);
    EXPECT_GT(chr->pending_output(), 0u);
}

TEST_F(SocketTest, RemovesItsSocketFileButNotOthers) {
    { auto chr = make_unix_server(); }
    EXPECT_NE(access(path_.c_str(), F_OK), 0);
    FILE* f = std::fopen(path_.c_str(), "w");
    ASSERT_TRUE(f);
    std::fclose(f);
    SocketOptions o;
    o.path = path_;
    o.server = true;
    o.wait = false;
    auto chr = SocketChardev::create("s", loop, o);
    ASSERT_FALSE(chr.ok());
    EXPECT_NE(chr.error().message().find("cannot bind '" + path_ + "'"), std::string::npos);
    EXPECT_EQ(access(path_.c_str(), F_OK), 0);
    unlink(path_.c_str());
}

TEST_F(SocketTest, TcpServerRoundTrip) {
    SocketOptions o;
    o.family = SocketOptions::Family::Tcp;
    o.host = "127.0.0.1";
    o.port = "0";
    o.server = true;
    o.wait = false;
    auto chr = SocketChardev::create("serial0", loop, o);
    ASSERT_TRUE(chr.ok()) << chr.error().message();
    uint16_t port = (*chr)->local_port();
    ASSERT_NE(port, 0);
    EXPECT_EQ((*chr)->filename(),
              "disconnected:tcp:127.0.0.1:" + std::to_string(port) + ",server=on");
    RecordingFrontend fe;
    (*chr)->attach(&fe);
    UniqueFd client = connect_tcp(port);
    ASSERT_TRUE(client.valid());
    ASSERT_TRUE(pump_until([&] { return (*chr)->connected(); }));
    EXPECT_NE((*chr)->filename().find(" <-> 127.0.0.1:"), std::string::npos);
    send_text(client.get(), "x");
    ASSERT_TRUE(pump_until([&] { return fe.received == "x"; }));
    expect_client_reads(**chr, client.get(), "y");
}

TEST_F(SocketTest, WaitOnBlocksUntilTheFirstClient) {
    SocketOptions o;
    o.path = path_;
    o.server = true;
    o.wait = true;
    std::thread connector([&] {
        for (int i = 0; i < 200; i++) {
            UniqueFd fd = connect_unix(path_);
            if (fd.valid()) {
                send_text(fd.get(), "hi");
                usleep(200000);
                return;
            }
            usleep(10000);
        }
    });
    auto chr = SocketChardev::create("s", loop, o);
    ASSERT_TRUE(chr.ok());
    EXPECT_TRUE((*chr)->connected());
    RecordingFrontend fe;
    (*chr)->attach(&fe);
    EXPECT_TRUE(pump_until([&] { return fe.received == "hi"; }));
    connector.join();
}

TEST_F(SocketTest, ClientConnectsToAServer) {
    auto server = make_unix_server();
    ASSERT_TRUE(server);
    RecordingFrontend server_fe;
    server->attach(&server_fe);
    SocketOptions o;
    o.path = path_;
    auto client = SocketChardev::create("c", loop, o);
    ASSERT_TRUE(client.ok()) << client.error().message();
    EXPECT_TRUE((*client)->connected());
    (*client)->write(bytes("ping"));
    EXPECT_TRUE(pump_until([&] { return server_fe.received == "ping"; }));
}

TEST_F(SocketTest, ClientToNowhereFails) {
    SocketOptions o;
    o.path = path_ + ".absent";
    auto client = SocketChardev::create("c", loop, o);
    ASSERT_FALSE(client.ok());
    EXPECT_EQ(client.error().message(),
              "cannot connect to '" + o.path + "': No such file or directory");
}

}  // namespace
}  // namespace kemu
