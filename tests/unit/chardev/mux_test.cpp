#include "chardev/mux_chardev.h"

#include <gtest/gtest.h>

#include "test_helpers.h"

namespace kemu {
namespace {

using test::bytes;
using test::CaptureChardev;
using test::RecordingFrontend;

class MuxTest : public ::testing::Test {
  protected:
    MuxTest() {
        mux.attach(&serial);
        mux.attach(&monitor);
        mux.set_quit_handler([this] { quits++; });
    }

    CaptureChardev backend{"serial0-base"};
    MuxChardev mux{"serial0", backend};
    RecordingFrontend serial;
    RecordingFrontend monitor;
    int quits = 0;
};

TEST_F(MuxTest, FirstFrontendHasFocusAndOthersAreToldOtherwise) {
    EXPECT_EQ(mux.focus(), 0u);
    EXPECT_EQ(serial.events, std::vector<CharEvent>{CharEvent::Opened});
    EXPECT_EQ(monitor.events, (std::vector<CharEvent>{CharEvent::FocusOut, CharEvent::Opened}));
    backend.input("ls\r");
    EXPECT_EQ(serial.received, "ls\r");
    EXPECT_EQ(monitor.received, "");
}

TEST_F(MuxTest, CtrlACSwitchesFocusBackAndForth) {
    backend.input(
        "a\x01"
        "cb");
    EXPECT_EQ(serial.received, "a");
    EXPECT_EQ(monitor.received, "b");
    EXPECT_EQ(mux.focus(), 1u);
    EXPECT_EQ(serial.events.back(), CharEvent::FocusOut);
    EXPECT_EQ(monitor.events.back(), CharEvent::FocusIn);
    backend.input("\x01");
    backend.input("c");  // an escape split across two reads still counts
    backend.input("d");
    EXPECT_EQ(serial.received, "ad");
    EXPECT_EQ(mux.focus(), 0u);
}

TEST_F(MuxTest, CtrlAXQuits) {
    backend.input("\x01x");
    EXPECT_EQ(quits, 1);
    EXPECT_EQ(backend.output, "KEMU: Terminated\r\n");
    EXPECT_EQ(serial.received, "");
}

TEST_F(MuxTest, CtrlACtrlASendsOneCtrlA) {
    backend.input("\x01\x01z");
    EXPECT_EQ(serial.received, "\x01z");
    EXPECT_EQ(mux.focus(), 0u);
}

TEST_F(MuxTest, CtrlAHPrintsHelp) {
    backend.input("\x01h");
    EXPECT_EQ(backend.output, MuxChardev::help_text());
    EXPECT_NE(backend.output.find("C-a c    switch between console and monitor\r\n"),
              std::string::npos);
}

TEST_F(MuxTest, CtrlABSendsBreakToFocusedFrontend) {
    backend.input(
        "\x01"
        "b");
    EXPECT_EQ(serial.events.back(), CharEvent::Break);
    EXPECT_NE(monitor.events.back(), CharEvent::Break);
}

TEST_F(MuxTest, CtrlASRunsSaveHandler) {
    int saves = 0;
    mux.set_save_handler([&] { saves++; });
    backend.input("\x01s");
    EXPECT_EQ(saves, 1);
    EXPECT_EQ(serial.received, "");
}

TEST_F(MuxTest, UnknownEscapeIsSwallowed) {
    backend.input("\x01qz");
    EXPECT_EQ(serial.received, "z");
}

TEST_F(MuxTest, OutputFromEveryFrontendReachesBackend) {
    mux.write(bytes("guest "));
    backend.input(
        "\x01"
        "c");
    mux.write(bytes("(kemu) "));
    EXPECT_EQ(backend.output, "guest (kemu) ");
}

TEST_F(MuxTest, TimestampsPrefixLines) {
    backend.input("\x01t");
    mux.write(bytes("one\ntwo"));
    EXPECT_EQ(backend.output.substr(0, 1), "[");
    EXPECT_NE(backend.output.find("] one\n["), std::string::npos);
    EXPECT_EQ(backend.output.substr(backend.output.size() - 5), "] two");
    backend.input("\x01t");
    backend.output.clear();
    mux.write(bytes("three\n"));
    EXPECT_EQ(backend.output, "three\n");
}

TEST_F(MuxTest, SlowFrontendGetsBackPressureNotLoss) {
    serial.room = 2;
    EXPECT_EQ(backend.input("abcdef"), 6u);  // two delivered, four held
    EXPECT_EQ(serial.received, "ab");
    // The held bytes count against the room the backend is offered.
    EXPECT_EQ(backend.input(std::string(MuxChardev::kInputBuffer, 'x')),
              MuxChardev::kInputBuffer - 4);
    serial.room = 1000;
    int before = backend.ready_calls;
    mux.frontend_ready();
    EXPECT_EQ(serial.received, "abcdef" + std::string(MuxChardev::kInputBuffer - 4, 'x'));
    EXPECT_EQ(backend.ready_calls, before + 1);
}

TEST_F(MuxTest, OpenAndCloseReachEveryFrontend) {
    backend.open(false);
    EXPECT_EQ(serial.events.back(), CharEvent::Closed);
    EXPECT_EQ(monitor.events.back(), CharEvent::Closed);
    EXPECT_FALSE(mux.is_open());
    backend.open(true);
    EXPECT_EQ(monitor.events.back(), CharEvent::Opened);
    EXPECT_TRUE(mux.is_open());
}

TEST_F(MuxTest, DetachingTheFocusedFrontendMovesFocus) {
    backend.input(
        "\x01"
        "c");
    mux.detach(&monitor);
    EXPECT_EQ(mux.frontend_count(), 1u);
    EXPECT_EQ(mux.focus(), 0u);
    EXPECT_EQ(serial.events.back(), CharEvent::FocusIn);
    backend.input("k");
    EXPECT_EQ(serial.received, "k");
    EXPECT_EQ(monitor.received, "");
}

TEST(Mux, ExtraFrontendsBeyondTheLimitAreIgnored) {
    CaptureChardev backend("b");
    MuxChardev mux("m", backend);
    RecordingFrontend fe[MuxChardev::kMaxFrontends + 1];
    for (auto& f : fe)
        mux.attach(&f);
    EXPECT_EQ(mux.frontend_count(), MuxChardev::kMaxFrontends);
    EXPECT_TRUE(fe[MuxChardev::kMaxFrontends].events.empty());
}

}  // namespace
}  // namespace kemu
