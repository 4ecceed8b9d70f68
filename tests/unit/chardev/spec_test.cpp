#include "chardev/spec.h"

#include <gtest/gtest.h>

#include <span>
#include <string>
#include <string_view>

namespace kemu {
namespace {

using Kind = LegacyChardevSpec::Kind;
using Family = SocketOptions::Family;

LegacyChardevSpec legacy_ok(std::string_view text) {
    auto r = parse_legacy_chardev(text, "serial0");
    EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message());
    return r.ok() ? *r : LegacyChardevSpec{};
}

std::string legacy_error(std::string_view text) {
    auto r = parse_legacy_chardev(text, "serial0");
    EXPECT_FALSE(r.ok()) << text;
    return r.ok() ? "" : r.error().message();
}

ChardevSpec option_ok(std::string_view text) {
    auto r = parse_chardev_option(text);
    EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message());
    return r.ok() ? *r : ChardevSpec{};
}

std::string option_error(std::string_view text) {
    auto r = parse_chardev_option(text);
    EXPECT_FALSE(r.ok()) << text;
    return r.ok() ? "" : r.error().message();
}

struct ErrorCase {
    const char* text;
    const char* message;
};

// Each row's text, parsed by `parse_error`, fails with the row's message.
void expect_errors(std::string (*parse_error)(std::string_view), std::span<const ErrorCase> cases) {
    for (const ErrorCase& c : cases)
        EXPECT_EQ(parse_error(c.text), c.message) << c.text;
}

TEST(LegacySpec, SimpleBackends) {
    auto s = legacy_ok("stdio");
    EXPECT_EQ(s.kind, Kind::New);
    EXPECT_EQ(s.spec.backend, ChardevBackend::Stdio);
    EXPECT_EQ(s.spec.id, "serial0");
    EXPECT_FALSE(s.spec.mux);
    EXPECT_FALSE(s.with_monitor);
    EXPECT_FALSE(s.spec.signals);
    EXPECT_EQ(legacy_ok("null").spec.backend, ChardevBackend::Null);
    EXPECT_EQ(legacy_ok("pty").spec.backend, ChardevBackend::Pty);
    EXPECT_EQ(legacy_ok("none").kind, Kind::None);
}

TEST(LegacySpec, MonStdioIsAMuxWithAMonitor) {
    auto s = legacy_ok("mon:stdio");
    EXPECT_EQ(s.kind, Kind::New);
    EXPECT_EQ(s.spec.backend, ChardevBackend::Stdio);
    EXPECT_TRUE(s.spec.mux);
    EXPECT_TRUE(s.with_monitor);
    EXPECT_FALSE(s.spec.signals);
}

TEST(LegacySpec, File) {
    auto s = legacy_ok("file:/tmp/serial,log.txt");
    EXPECT_EQ(s.spec.backend, ChardevBackend::File);
    EXPECT_EQ(s.spec.path, "/tmp/serial,log.txt");
    EXPECT_FALSE(s.spec.append);
    EXPECT_EQ(legacy_error("file:"), "'file:' needs a path");
}

TEST(LegacySpec, UnixServerBothSpellings) {
    for (const char* text :
         {"unix:/tmp/k.sock,server=on,wait=off", "unix:/tmp/k.sock,server,nowait"}) {
        auto s = legacy_ok(text);
        EXPECT_EQ(s.spec.backend, ChardevBackend::Socket) << text;
        EXPECT_EQ(s.spec.socket.family, Family::Unix) << text;
        EXPECT_EQ(s.spec.socket.path, "/tmp/k.sock") << text;
        EXPECT_TRUE(s.spec.socket.server) << text;
        EXPECT_FALSE(s.spec.socket.wait) << text;
    }
}

TEST(LegacySpec, SocketDefaultsAreQemus) {
    auto client = legacy_ok("unix:/tmp/k.sock");
    EXPECT_FALSE(client.spec.socket.server);
    auto waiting = legacy_ok("tcp:localhost:4444,server");
    EXPECT_TRUE(waiting.spec.socket.server);
    EXPECT_TRUE(waiting.spec.socket.wait);
}

TEST(LegacySpec, Tcp) {
    auto s = legacy_ok("tcp::4444,server=on,wait=off,nodelay");
    EXPECT_EQ(s.spec.socket.family, Family::Tcp);
    EXPECT_EQ(s.spec.socket.host, "");
    EXPECT_EQ(s.spec.socket.port, "4444");
    EXPECT_TRUE(s.spec.socket.nodelay);
    auto v6 = legacy_ok("tcp:[::1]:5555,server,nowait");
    EXPECT_EQ(v6.spec.socket.host, "::1");
    EXPECT_EQ(v6.spec.socket.port, "5555");
    EXPECT_EQ(legacy_error("tcp:localhost"), "expected HOST:PORT, got 'localhost'");
    EXPECT_EQ(legacy_error("tcp:localhost:"), "missing port in 'localhost:'");
}

TEST(LegacySpec, ChardevReference) {
    auto s = legacy_ok("chardev:char0");
    EXPECT_EQ(s.kind, Kind::Existing);
    EXPECT_EQ(s.existing_id, "char0");
    EXPECT_EQ(legacy_error("chardev:"), "'chardev:' needs an id");
}

TEST(LegacySpec, Errors) {
    const ErrorCase cases[] = {
        {"foo", "unknown chardev backend 'foo'"},
        {"vc:80Cx24C", "unknown chardev backend 'vc'"},
        {"unix:", "'unix:' needs a path"},
        {"unix:/x,bogus", "Invalid parameter 'bogus'"},
        {"unix:/x,server=maybe", "Parameter 'server' expects 'on' or 'off', not 'maybe'"},
        {"mon:none", "'mon:' needs a backend to share, not 'none'"},
        {"mon:foo", "unknown chardev backend 'foo'"},
    };
    expect_errors(legacy_error, cases);
}

TEST(ChardevOption, Backends) {
    auto null = option_ok("null,id=n0");
    EXPECT_EQ(null.backend, ChardevBackend::Null);
    EXPECT_EQ(null.id, "n0");
    auto stdio = option_ok("stdio,id=con,mux=on,signal=on");
    EXPECT_EQ(stdio.backend, ChardevBackend::Stdio);
    EXPECT_TRUE(stdio.mux);
    EXPECT_TRUE(stdio.signals);
    auto file = option_ok("file,id=log,path=/tmp/a,,b,append=on");
    EXPECT_EQ(file.path, "/tmp/a,b");
    EXPECT_TRUE(file.append);
    EXPECT_EQ(option_ok("pty,id=p").backend, ChardevBackend::Pty);
}

TEST(ChardevOption, Sockets) {
    auto u = option_ok("socket,id=mon0,path=/tmp/m,server=on,wait=off");
    EXPECT_EQ(u.socket.family, Family::Unix);
    EXPECT_EQ(u.socket.path, "/tmp/m");
    EXPECT_TRUE(u.socket.server);
    EXPECT_FALSE(u.socket.wait);
    auto t = option_ok("socket,id=s,host=127.0.0.1,port=4321,server,nowait");
    EXPECT_EQ(t.socket.family, Family::Tcp);
    EXPECT_EQ(t.socket.host, "127.0.0.1");
    EXPECT_EQ(t.socket.port, "4321");
    EXPECT_TRUE(t.socket.server);
    EXPECT_FALSE(t.socket.wait);
}

// The same six words as every other on/off parameter (system/keyval.h).
TEST(ChardevOption, BooleanVocabulary) {
    for (const char* word : {"on", "yes", "true"})
        EXPECT_TRUE(option_ok(std::string("stdio,id=s,mux=") + word).mux) << word;
    for (const char* word : {"off", "no", "false"})
        EXPECT_FALSE(option_ok(std::string("stdio,id=s,mux=") + word).mux) << word;
    EXPECT_TRUE(option_ok("stdio,id=s,mux").mux);
    EXPECT_EQ(option_error("stdio,id=s,mux=On"), "Parameter 'mux' expects 'on' or 'off', not 'On'");
    EXPECT_EQ(option_error("stdio,id=s,mux=1"), "Parameter 'mux' expects 'on' or 'off', not '1'");
}

TEST(ChardevOption, Errors) {
    const ErrorCase cases[] = {
        {"foo,id=x", "unknown chardev backend 'foo'"},
        {"stdio", "chardev: parameter 'id' is missing"},
        {"stdio,id=", "chardev: parameter 'id' is missing"},
        {"file,id=f", "chardev file: parameter 'path' is missing"},
        {"null,id=n,path=/x", "Invalid parameter 'path'"},
        {"stdio,id=s,mux=sometimes", "Parameter 'mux' expects 'on' or 'off', not 'sometimes'"},
        {"file,id=f,path", "Parameter 'path' needs a value"},
        {"socket,id=s,path=/x,nowait=1", "Parameter 'nowait' takes no value"},
        {"pty,id=p,server=on", "Invalid parameter 'server'"},
        {"socket,id=s", "chardev socket: needs 'path' or 'host'/'port'"},
        {"socket,id=s,path=/x,port=1",
         "chardev socket: 'path' cannot be combined with 'host'/'port'"},
    };
    expect_errors(option_error, cases);
}

}  // namespace
}  // namespace kemu
