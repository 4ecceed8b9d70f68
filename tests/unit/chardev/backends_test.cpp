// File, null and pty backends, and stdio's one-instance rule.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <utility>

#include "chardev/file_chardev.h"
#include "chardev/null_chardev.h"
#include "chardev/pty_chardev.h"
#include "chardev/stdio_chardev.h"
#include "test_helpers.h"

namespace kemu {
namespace {

using test::bytes;
using test::RecordingFrontend;

std::string temp_path(const char* name) {
    return "/tmp/kemu-chardev-" + std::to_string(getpid()) + "-" + name;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

TEST(FileChardev, WritesTruncatesAndAppends) {
    std::string path = temp_path("file");
    {
        auto chr = FileChardev::create("serial0", path, false);
        ASSERT_TRUE(chr.ok());
        (*chr)->write(bytes("hello\n"));
        (*chr)->write(bytes("world\n"));
        EXPECT_EQ((*chr)->filename(), "file:" + path);
    }
    EXPECT_EQ(slurp(path), "hello\nworld\n");
    {
        auto chr = FileChardev::create("serial0", path, true);
        ASSERT_TRUE(chr.ok());
        (*chr)->write(bytes("again\n"));
    }
    EXPECT_EQ(slurp(path), "hello\nworld\nagain\n");
    {
        auto chr = FileChardev::create("serial0", path, false);
        ASSERT_TRUE(chr.ok());
    }
    EXPECT_EQ(slurp(path), "");
    unlink(path.c_str());
}

TEST(FileChardev, UnopenablePathIsAnError) {
    auto chr = FileChardev::create("serial0", "/nonexistent-dir/x", false);
    ASSERT_FALSE(chr.ok());
    EXPECT_EQ(chr.error().message(),
              "could not open '/nonexistent-dir/x': No such file or directory");
}

TEST(NullChardev, IsOpenAndSwallowsOutput) {
    NullChardev chr("n");
    RecordingFrontend fe;
    chr.attach(&fe);
    chr.write(bytes("gone"));
    EXPECT_EQ(chr.filename(), "null");
    EXPECT_EQ(fe.events, std::vector<CharEvent>{CharEvent::Opened});
}

class PtyTest : public ::testing::Test, public test::LoopFixture {};

TEST_F(PtyTest, BytesFlowBothWays) {
    testing::internal::CaptureStderr();
    auto chr = PtyChardev::create("serial0", loop);
    std::string announced = testing::internal::GetCapturedStderr();
    ASSERT_TRUE(chr.ok()) << chr.error().message();
    const std::string& slave = (*chr)->slave_path();
    EXPECT_EQ(announced, "char device redirected to " + slave + " (label serial0)\n");
    EXPECT_EQ((*chr)->filename(), "pty:" + slave);

    RecordingFrontend fe;
    (*chr)->attach(&fe);
    UniqueFd user(open(slave.c_str(), O_RDWR | O_NOCTTY));
    ASSERT_TRUE(user.valid());
    ASSERT_EQ(write(user.get(), "ab\r", 3), 3);
    ASSERT_TRUE(pump_until([&] { return fe.received == "ab\r"; }));

    (*chr)->write(bytes("out\n"));
    pollfd p{user.get(), POLLIN, 0};
    ASSERT_EQ(poll(&p, 1, 2000), 1);
    char buf[16];
    ssize_t n = read(user.get(), buf, sizeof buf);
    EXPECT_EQ(std::string(buf, size_t(std::max<ssize_t>(n, 0))), "out\n");  // raw: no CR added
}

class StdioTest : public ::testing::Test, public test::LoopFixture {};

TEST_F(StdioTest, OnlyOneMayExist) {
    if (isatty(STDIN_FILENO)) GTEST_SKIP() << "stdio is not tested on a terminal";
    auto first = StdioChardev::create("a", loop, false);
    ASSERT_TRUE(first.ok());
    EXPECT_EQ((*first)->filename(), "stdio");
    auto second = StdioChardev::create("b", loop, false);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().message(), "cannot use stdio by multiple character devices");
    first->reset();
    auto third = StdioChardev::create("c", loop, false);
    EXPECT_TRUE(third.ok());
}

// `kemu -monitor stdio < commands`: a regular file (which epoll refuses) is read to its end,
// in as many chunks as the frontend takes, and then left alone.
TEST_F(StdioTest, ReadsARegularFileToItsEnd) {
    if (isatty(STDIN_FILENO)) GTEST_SKIP() << "stdio is not tested on a terminal";
    const std::string path = temp_path("stdin");
    std::string content;
    for (int i = 0; content.size() < 10000; i++)
        content += "info registers " + std::to_string(i) + "\n";
    std::ofstream(path, std::ios::binary) << content;
    UniqueFd file(open(path.c_str(), O_RDONLY));
    ASSERT_TRUE(file.valid());
    UniqueFd saved(dup(STDIN_FILENO));
    ASSERT_EQ(dup2(file.get(), STDIN_FILENO), STDIN_FILENO);
    {
        auto chr = StdioChardev::create("monitor", loop, false);
        ASSERT_TRUE(chr.ok()) << chr.error().message();
        RecordingFrontend fe;
        fe.room = 3000;  // a full frontend pauses the reading; frontend_ready resumes it
        (*chr)->attach(&fe);
        ASSERT_TRUE(pump_until([&] { return fe.received.size() == 3000; }));
        pump_briefly();
        EXPECT_EQ(fe.received.size(), 3000u);
        fe.room = content.size() + 1;
        (*chr)->frontend_ready();
        EXPECT_TRUE(pump_until([&] { return fe.received == content; }));
        // The next read finds the end; then the file is no longer watched, and the loop
        // sleeps its whole timeout.
        loop.run_once(0);
        const auto start = std::chrono::steady_clock::now();
        loop.run_once(20'000'000);
        EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(15));
    }
    dup2(saved.get(), STDIN_FILENO);
    unlink(path.c_str());
}

// The terminal tests run the stdio chardev in a child whose stdin is a pty the
// test holds, so they never touch the terminal the tests were started from.
enum class Ending { Exit, Destroy, Sigterm, Sighup, Sigint, Sigsegv, ChainedSigterm };

constexpr tcflag_t kCookedFlags = ECHO | ICANON | ISIG;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitizerOwnsSegv = true;
#else
constexpr bool kSanitizerOwnsSegv = false;
#endif

// The signal the child raises to end, or 0.
int raised_signal(Ending ending) {
    constexpr std::pair<Ending, int> kRaised[] = {{Ending::Sigterm, SIGTERM},
                                                  {Ending::ChainedSigterm, SIGTERM},
                                                  {Ending::Sighup, SIGHUP},
                                                  {Ending::Sigint, SIGINT},
                                                  {Ending::Sigsegv, SIGSEGV}};
    for (auto [e, sig] : kRaised)
        if (e == ending) return sig;
    return 0;
}

// Returns the child's wait status; `slave` is where the child's stdin pointed.
int run_stdio_child(Ending ending, int slave) {
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit no_core {};
        setrlimit(RLIMIT_CORE, &no_core);
        // The test expects the signal's default action: one the test run inherited as
        // ignored (nohup ignores SIGHUP) would keep the child alive.
        if (int sig = raised_signal(ending)) signal(sig, SIG_DFL);
        if (ending == Ending::ChainedSigterm) signal(SIGTERM, [](int) { _exit(42); });
        dup2(slave, STDIN_FILENO);
        std::mutex lock;
        HostClock clock;
        TimerQueue timers(clock);
        EventLoop loop(lock, timers);
        lock.lock();
        if (!loop.init()) _exit(10);
        auto chr = StdioChardev::create("serial0", loop, false);
        if (!chr) _exit(11);
        struct termios tty;
        tcgetattr(STDIN_FILENO, &tty);
        if (tty.c_lflag & kCookedFlags) _exit(12);  // not raw
        if (ending == Ending::Exit)
            std::exit(0);  // the chardev is never destroyed: atexit must restore
        if (ending == Ending::Destroy) {
            chr->reset();
            _exit(0);
        }
        raise(raised_signal(ending));
        _exit(13);  // the signal should have ended us
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

class StdioTerminal : public testing::TestWithParam<Ending> {};

TEST_P(StdioTerminal, RawWhileRunningAndRestoredAfterwards) {
    UniqueFd master(posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    ASSERT_TRUE(master.valid());
    ASSERT_EQ(grantpt(master.get()), 0);
    ASSERT_EQ(unlockpt(master.get()), 0);
    UniqueFd slave(open(ptsname(master.get()), O_RDWR | O_NOCTTY | O_CLOEXEC));
    ASSERT_TRUE(slave.valid());
    struct termios before;
    ASSERT_EQ(tcgetattr(slave.get(), &before), 0);
    ASSERT_EQ(before.c_lflag & kCookedFlags, kCookedFlags);

    int status = run_stdio_child(GetParam(), slave.get());
    // A chained SIGTERM handler exits instead.
    int expected_signal = GetParam() == Ending::ChainedSigterm ? 0 : raised_signal(GetParam());
    if (kSanitizerOwnsSegv && GetParam() == Ending::Sigsegv) {
        // ASan's SIGSEGV handler predates ours; ours restores the terminal, chains
        // to it, and it reports and exits.
        ASSERT_TRUE(WIFEXITED(status)) << "status " << status;
        EXPECT_NE(WEXITSTATUS(status), 0);
    } else if (expected_signal) {
        ASSERT_TRUE(WIFSIGNALED(status)) << "status " << status;
        EXPECT_EQ(WTERMSIG(status), expected_signal);
    } else {
        ASSERT_TRUE(WIFEXITED(status)) << "status " << status;
        EXPECT_EQ(WEXITSTATUS(status), GetParam() == Ending::ChainedSigterm ? 42 : 0);
    }
    struct termios after;
    ASSERT_EQ(tcgetattr(slave.get(), &after), 0);
    EXPECT_EQ(after.c_lflag, before.c_lflag);
    EXPECT_EQ(after.c_iflag, before.c_iflag);
}

INSTANTIATE_TEST_SUITE_P(Endings, StdioTerminal,
                         testing::Values(Ending::Exit, Ending::Destroy, Ending::Sigterm,
                                         Ending::Sighup, Ending::Sigint, Ending::Sigsegv,
                                         Ending::ChainedSigterm));

}  // namespace
}  // namespace kemu
