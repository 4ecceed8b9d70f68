#include "chardev/registry.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "chardev/mux_chardev.h"
#include "test_helpers.h"

namespace kemu {
namespace {

using test::RecordingFrontend;

class RegistryTest : public ::testing::Test, public test::LoopFixture {
  protected:
    std::string path(const char* name) {
        return "/tmp/kemu-registry-" + std::to_string(getpid()) + "-" + name;
    }
    ChardevRegistry registry_{loop};
};

TEST_F(RegistryTest, LegacySerialSpecs) {
    std::string log = path("log");
    auto s0 = registry_.add_legacy("-serial", "file:" + log, "serial0");
    ASSERT_TRUE(s0.ok()) << s0.error().message();
    EXPECT_EQ(s0->chardev, registry_.find("serial0"));
    EXPECT_FALSE(s0->with_monitor);
    auto s1 = registry_.add_legacy("-serial", "null", "serial1");
    ASSERT_TRUE(s1.ok());
    auto none = registry_.add_legacy("-serial", "none", "serial2");
    ASSERT_TRUE(none.ok());
    EXPECT_EQ(none->chardev, nullptr);
    EXPECT_EQ(registry_.info_text(),
              "serial0: filename=file:" + log + "\nserial1: filename=null\n");
    unlink(log.c_str());
}

TEST_F(RegistryTest, UnknownBackendErrorNamesTheOption) {
    auto r = registry_.add_legacy("-serial", "foo", "serial0");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message(), "-serial foo: unknown chardev backend 'foo'");
    auto m = registry_.add_legacy("-monitor", "chardev:nope", "compat_monitor0");
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().message(), "-monitor chardev:nope: chardev 'nope' not found");
    auto c = registry_.add_chardev_option("bogus,id=x");
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().message(), "-chardev bogus,id=x: unknown chardev backend 'bogus'");
    EXPECT_EQ(registry_.size(), 0u);
}

TEST_F(RegistryTest, ChardevOptionAndReference) {
    auto c = registry_.add_chardev_option("null,id=char0");
    ASSERT_TRUE(c.ok());
    auto s = registry_.add_legacy("-serial", "chardev:char0", "serial0");
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->chardev, *c);
    auto dup = registry_.add_chardev_option("null,id=char0");
    ASSERT_FALSE(dup.ok());
    EXPECT_EQ(dup.error().message(), "-chardev null,id=char0: duplicate chardev id 'char0'");
}

TEST_F(RegistryTest, MuxOptionRegistersBaseAndMux) {
    auto c = registry_.add_chardev_option("null,id=con,mux=on");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ((*c)->id(), "con");
    EXPECT_NE(dynamic_cast<MuxChardev*>(*c), nullptr);
    EXPECT_EQ(registry_.info_text(), "con-base: filename=null\ncon: filename=mux\n");
}

TEST_F(RegistryTest, MonPrefixAsksForAMonitorAndWiresQuit) {
    int quits = 0;
    registry_.set_quit_handler([&] { quits++; });
    std::string sock = path("sock");
    auto s = registry_.add_legacy("-serial", "mon:unix:" + sock + ",server=on,wait=off", "serial0");
    ASSERT_TRUE(s.ok()) << s.error().message();
    EXPECT_TRUE(s->with_monitor);
    auto* mux = dynamic_cast<MuxChardev*>(s->chardev);
    ASSERT_NE(mux, nullptr);
    RecordingFrontend serial;
    mux->attach(&serial);
    EXPECT_EQ(registry_.info_text(), "serial0-base: filename=disconnected:unix:" + sock +
                                         ",server=on\n"
                                         "serial0: filename=mux\n");
    // Ctrl-A x typed by a socket client reaches the registry's quit handler.
    UniqueFd client(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, sock.c_str(), sizeof addr.sun_path - 1);
    ASSERT_EQ(connect(client.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(write(client.get(), "a\x01x", 3), 3);
    ASSERT_TRUE(pump_until([&] { return quits == 1; }));
    EXPECT_EQ(serial.received, "a");
}

TEST_F(RegistryTest, NographicSharesStdioAndRefusesASecondStdio) {
    if (isatty(STDIN_FILENO)) GTEST_SKIP() << "stdio is not tested on a terminal";
    auto con = registry_.add_nographic_console();
    ASSERT_TRUE(con.ok()) << con.error().message();
    EXPECT_EQ((*con)->id(), "serial0");
    EXPECT_EQ(registry_.info_text(), "serial0-base: filename=stdio\nserial0: filename=mux\n");
    auto again = registry_.add_legacy("-monitor", "stdio", "compat_monitor0");
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().message(),
              "-monitor stdio: cannot use stdio by multiple character devices");
}

}  // namespace
}  // namespace kemu
