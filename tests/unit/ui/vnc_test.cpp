#include "ui/vnc.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <rfb/rfb.h>
#include <sys/socket.h>

#include <algorithm>
#include <mutex>
#include <thread>
#include <vector>

#include "display_test_util.h"
#include "rfb_test_client.h"
#include "ui/vnc_listener.h"

namespace kemu {
namespace {

TEST(VncOptionsTest, Spellings) {
    auto any = parse_vnc_option(":3");
    ASSERT_TRUE(any.ok());
    EXPECT_EQ(any->kind, VncOptions::Kind::Tcp);
    EXPECT_EQ(any->host, "");
    EXPECT_EQ(any->port(), 5903);
    EXPECT_FALSE(any->password);
    auto host = parse_vnc_option("127.0.0.1:1,password=on");
    ASSERT_TRUE(host.ok());
    EXPECT_EQ(host->host, "127.0.0.1");
    EXPECT_TRUE(host->password);
    auto v6 = parse_vnc_option("[::1]:0,password");
    ASSERT_TRUE(v6.ok());
    EXPECT_EQ(v6->host, "::1");
    EXPECT_TRUE(v6->password);
    auto unix_path = parse_vnc_option("unix:/tmp/vnc.sock");
    ASSERT_TRUE(unix_path.ok());
    EXPECT_EQ(unix_path->kind, VncOptions::Kind::Unix);
    EXPECT_EQ(unix_path->path, "/tmp/vnc.sock");
    EXPECT_EQ(parse_vnc_option("none")->kind, VncOptions::Kind::None);
}

TEST(VncOptionsTest, WebSocketSpellings) {
    auto on = parse_vnc_option("127.0.0.1:3,websocket=on");
    ASSERT_TRUE(on.ok());
    EXPECT_TRUE(on->websocket);
    EXPECT_EQ(on->websocket_listen_port(), 5703) << "5700 + display, as QEMU";
    EXPECT_EQ(on->websocket_listen_host(), "127.0.0.1");
    EXPECT_TRUE(parse_vnc_option(":0,websocket")->websocket);
    EXPECT_FALSE(parse_vnc_option(":0,websocket=off")->websocket);
    auto port = parse_vnc_option(":1,websocket=6080");
    ASSERT_TRUE(port.ok());
    EXPECT_EQ(port->websocket_listen_port(), 6080);
    EXPECT_EQ(port->websocket_listen_host(), "");
    auto host_port = parse_vnc_option(":1,websocket=[::1]:6081,password=on");
    ASSERT_TRUE(host_port.ok());
    EXPECT_EQ(host_port->websocket_listen_host(), "::1");
    EXPECT_EQ(host_port->websocket_listen_port(), 6081);
    EXPECT_TRUE(host_port->password);
}

TEST(VncOptionsTest, Errors) {
    EXPECT_EQ(parse_vnc_option(":x").error().message(), "invalid display number 'x'");
    EXPECT_EQ(parse_vnc_option(":70000").error().message(), "invalid display number '70000'");
    EXPECT_EQ(parse_vnc_option("localhost").error().message(),
              "address 'localhost' is not HOST:DISPLAY or unix:PATH");
    EXPECT_EQ(parse_vnc_option(":0,share=on").error().message(), "Invalid parameter 'share'");
    EXPECT_EQ(parse_vnc_option(":0,websocket=70000").error().message(),
              "invalid websocket port '70000'");
    EXPECT_EQ(parse_vnc_option(":0,websocket=maybe").error().message(),
              "Parameter 'websocket' expects 'on' or 'off', not 'maybe'");
    EXPECT_EQ(parse_vnc_option("unix:/tmp/v.sock,websocket=on").error().message(),
              "websocket needs a TCP display (HOST:N), not 'unix:/tmp/v.sock'");
    EXPECT_EQ(parse_vnc_option(":0,password=maybe").error().message(),
              "Parameter 'password' expects 'on' or 'off', not 'maybe'");
    EXPECT_FALSE(parse_vnc_option("unix:").ok());
}

// A display number nobody on this host uses right now.
int free_display() {
    for (int display = 77; display < 200; display++) {
        VncOptions probe;
        probe.kind = VncOptions::Kind::Tcp;
        probe.host = "127.0.0.1";
        probe.display = display;
        if (open_vnc_listeners(probe).ok()) return display;
    }
    return -1;
}

// A TCP port on 127.0.0.1 the kernel just found free; 0 if it could not.
int free_tcp_port() {
    UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0)
        return 0;
    return ntohs(addr.sin_port);
}

TEST(VncListenerTest, APortInUseIsAOneLineError) {
    VncOptions options;
    options.kind = VncOptions::Kind::Tcp;
    options.host = "127.0.0.1";
    options.display = free_display();
    auto first = open_vnc_listeners(options);
    ASSERT_TRUE(first.ok()) << first.error().message();
    ASSERT_EQ(first->size(), 1u);
    EXPECT_EQ((*first)[0].family, "ipv4");
    EXPECT_EQ((*first)[0].service, std::to_string(options.port()));
    auto second = open_vnc_listeners(options);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().message(), "Failed to find an available port: Address already in use");
}

// Runs what the VNC thread posts, on the test thread, as the main loop would.
class ThreadPoster {
  public:
    ConsoleLink::Post fn() {
        return [this](std::function<void()> f) {
            std::lock_guard<std::mutex> guard(lock_);
            queue_.push_back(std::move(f));
        };
    }
    void pump() {
        std::vector<std::function<void()>> work;
        {
            std::lock_guard<std::mutex> guard(lock_);
            work.swap(queue_);
        }
        for (auto& f : work)
            f();
    }

  private:
    std::mutex lock_;
    std::vector<std::function<void()>> queue_;
};

class VncServerTest : public ::testing::Test {
  protected:
    VncServerTest() {
        surface_.row(0)[0] = 0x123456;
        surface_.row(99)[159] = 0xff8000;
        consoles_.add(std::make_unique<GraphicConsole>(
            "vga", [] {}, surface_, &sink_));
        path_ = "/tmp/kemu-vnc-test-" + std::to_string(getpid()) + ".sock";
    }
    ~VncServerTest() override {
        server_.reset();
        poster_.pump();  // what the server posted on its way out
    }

    void start(bool password = false) {
        VncServer::Setup setup;
        setup.options.kind = VncOptions::Kind::Unix;
        setup.options.path = path_;
        setup.options.password = password;
        setup.name = "test";
        auto server = start_vnc_server(setup, consoles_, poster_.fn());
        ASSERT_TRUE(server.ok()) << server.error().message();
        server_ = std::move(*server);
    }
    test::RfbClient client() {
        return test::RfbClient([this] { poster_.pump(); });
    }
    // Pumps the main loop's work until `done` or two seconds pass.
    bool wait_for(const std::function<bool()>& done) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (!done()) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            poster_.pump();
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        return true;
    }

    test::RecordingSink sink_;
    DisplaySurface surface_{160, 100};
    ConsoleSet consoles_;
    ThreadPoster poster_;
    std::string path_;
    std::unique_ptr<VncServer> server_;
};

TEST_F(VncServerTest, AClientSeesTheConsoleInTheRightColours) {
    start();
    auto c = client();
    ASSERT_TRUE(c.connect_unix(path_));
    ASSERT_TRUE(c.handshake());
    c.request_update(false);
    ASSERT_TRUE(c.read_update());
    // The first frame may still be the initial blank screen; then comes a resize.
    while (c.width != 160 && c.ok()) {
        c.request_update(true);
        ASSERT_TRUE(c.read_update());
    }
    EXPECT_EQ(c.height, 100);
    for (int i = 0; i < 3 && c.rgb(0, 0) != 0x123456; i++) {
        c.request_update(true);
        ASSERT_TRUE(c.read_update());
    }
    EXPECT_EQ(c.rgb(0, 0), 0x123456u);
    EXPECT_EQ(c.rgb(159, 99), 0xff8000u);
    EXPECT_EQ(server_->client_count(), 1u);
    EXPECT_EQ(server_->info().clients, (std::vector<VncClientInfo>{{"", "", "unix"}}));
}

TEST_F(VncServerTest, ChangesAndModeSwitchesReachTheClient) {
    start();
    auto c = client();
    ASSERT_TRUE(c.connect_unix(path_));
    ASSERT_TRUE(c.handshake());
    do {
        c.request_update(c.width == 160);
        ASSERT_TRUE(c.read_update());
    } while (c.rgb(0, 0) != 0x123456);
    poster_.pump();
    surface_.row(50)[80] = 0x00ff00;
    surface_.mark_dirty({80, 50, 1, 1});
    do {
        c.request_update(true);
        ASSERT_TRUE(c.read_update());
    } while (c.rgb(80, 50) != 0x00ff00);
    int resizes = c.resized;
    surface_.resize(320, 200);  // a guest mode change
    surface_.row(199)[319] = 0x0000ff;
    do {
        c.request_update(true);
        ASSERT_TRUE(c.read_update());
    } while (c.width != 320 || c.rgb(319, 199) != 0x0000ff);
    EXPECT_GT(c.resized, resizes);
    EXPECT_EQ(c.height, 200);
}

// A client that asks for DesktopSize only after a mode change is still told the new size,
// rather than drawing the new frames into the size ServerInit gave it.
TEST_F(VncServerTest, ALateDesktopSizeClientLearnsOfAnEarlierResize) {
    start();
    auto c = client();
    ASSERT_TRUE(c.connect_unix(path_));
    ASSERT_TRUE(c.handshake(nullptr, false));
    surface_.resize(320, 200);  // a guest mode change before the client's SetEncodings
    surface_.row(199)[319] = 0x0000ff;
    for (int i = 0; i < 25; i++) {  // the server takes the new frame meanwhile
        poster_.pump();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    c.send_encodings();
    do {
        c.request_update(true);
        ASSERT_TRUE(c.read_update());
    } while (c.width != 320 || c.rgb(319, 199) != 0x0000ff);
    EXPECT_EQ(c.height, 200);
}

TEST_F(VncServerTest, KeysAndPointerReachTheGuest) {
    start();
    auto c = client();
    ASSERT_TRUE(c.connect_unix(path_));
    ASSERT_TRUE(c.handshake());
    c.key('a', true);
    c.key('a', false);
    c.pointer(0, 10, 10);
    c.pointer(1, 15, 8);  // left button down, moved by (5, -2)
    // The first position is only the reference the next motion is measured from.
    ASSERT_TRUE(wait_for([&] { return sink_.keys.size() == 2 && sink_.motions.size() == 1; }));
    EXPECT_EQ(sink_.keys[0], (std::pair<uint16_t, bool>{KEY_A, true}));
    EXPECT_EQ(sink_.motions[0].dx, 5);
    EXPECT_EQ(sink_.motions[0].dy, -2);
    EXPECT_EQ(sink_.motions[0].buttons, kButtonLeft);
}

TEST_F(VncServerTest, ADisconnectReleasesItsKeys) {
    start();
    {
        auto c = client();
        ASSERT_TRUE(c.connect_unix(path_));
        ASSERT_TRUE(c.handshake());
        c.key(0xffe3, true);  // Control_L, then the client vanishes
        ASSERT_TRUE(wait_for([&] { return sink_.keys.size() == 1; }));
    }
    ASSERT_TRUE(wait_for([&] { return sink_.keys.size() == 2; }));
    EXPECT_EQ(sink_.keys[1], (std::pair<uint16_t, bool>{KEY_LEFTCTRL, false}));
    EXPECT_TRUE(wait_for([&] { return server_->client_count() == 0; }));
}

TEST_F(VncServerTest, GarbageAndHalfFinishedClientsDoNotHurtTheServer) {
    start();
    for (int round = 0; round < 3; round++) {
        auto bad = client();
        ASSERT_TRUE(bad.connect_unix(path_));
        std::string noise(4096, '\0');
        for (size_t i = 0; i < noise.size(); i++)
            noise[i] = char(i * 131 + round);
        bad.send_bytes("RFB 003.008\n");
        bad.send_bytes(noise);
    }
    {
        auto half = client();  // asks for a frame, then leaves mid-update
        ASSERT_TRUE(half.connect_unix(path_));
        ASSERT_TRUE(half.handshake());
        half.request_update(false);
    }
    auto good = client();
    ASSERT_TRUE(good.connect_unix(path_));
    ASSERT_TRUE(good.handshake());
    good.request_update(false);
    EXPECT_TRUE(good.read_update());
}

TEST_F(VncServerTest, PasswordAuthentication) {
    start(/*password=*/true);
    auto encrypt_with = [](const char* password) {
        return [password](uint8_t challenge[16]) {
            char key[9] = {};
            strncpy(key, password, 8);
            rfbEncryptBytes(challenge, key);
        };
    };
    {
        auto c = client();  // no password set yet: nobody gets in
        ASSERT_TRUE(c.connect_unix(path_));
        EXPECT_FALSE(c.handshake(encrypt_with("")));
    }
    ASSERT_TRUE(server_->set_password("secret").ok());
    {
        auto c = client();
        ASSERT_TRUE(c.connect_unix(path_));
        EXPECT_FALSE(c.handshake(encrypt_with("wrong")));
    }
    auto c = client();
    ASSERT_TRUE(c.connect_unix(path_));
    EXPECT_TRUE(c.handshake(encrypt_with("secret")));
    ASSERT_EQ(server_->info().server.size(), 1u);
    EXPECT_EQ(server_->info().server[0].auth, "vnc");
}

TEST_F(VncServerTest, SetPasswordNeedsPasswordOn) {
    start();
    EXPECT_EQ(server_->set_password("x").error().message(), "Could not set password");
}

// A VNC server on 127.0.0.1 at a free display.
VncServer::Setup loopback_setup() {
    VncServer::Setup setup;
    setup.options.kind = VncOptions::Kind::Tcp;
    setup.options.host = "127.0.0.1";
    setup.options.display = free_display();
    return setup;
}

TEST(VncInfoTest, ListsTheListeningSocket) {
    ConsoleSet consoles;
    test::Poster poster;
    VncServer::Setup setup = loopback_setup();
    auto server = start_vnc_server(setup, consoles, poster.fn());
    ASSERT_TRUE(server.ok()) << server.error().message();
    VncInfo want;
    want.server = {{"127.0.0.1", std::to_string(setup.options.port()), "ipv4", false, "none"}};
    EXPECT_EQ((*server)->info(), want);
}

TEST(VncInfoTest, TheWebSocketPortIsListedAndInUseIsAnError) {
    ConsoleSet consoles;
    test::Poster poster;
    VncServer::Setup setup = loopback_setup();
    setup.options.websocket = true;
    setup.options.websocket_port = free_tcp_port();
    ASSERT_NE(setup.options.websocket_port, 0);
    std::string ws_port = std::to_string(setup.options.websocket_port);
    auto server = start_vnc_server(setup, consoles, poster.fn());
    ASSERT_TRUE(server.ok()) << server.error().message();
    VncServerInfo websocket{"127.0.0.1", ws_port, "ipv4", true, "none"};
    auto servers = (*server)->info().server;
    EXPECT_NE(std::find(servers.begin(), servers.end(), websocket), servers.end());
    setup.options.display = free_display();
    auto twin = start_vnc_server(setup, consoles, poster.fn());
    ASSERT_FALSE(twin.ok()) << "the websocket port is taken";
    EXPECT_EQ(twin.error().message(), "Failed to find an available port: Address already in use");
}

}  // namespace
}  // namespace kemu
