#include "ui/sdl_display.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "display_test_util.h"

namespace kemu {
namespace {

TEST(SdlDisplayTest, Titles) {
    EXPECT_EQ(SdlDisplay::title("", false), "kemu");
    EXPECT_EQ(SdlDisplay::title("vm1", false), "kemu (vm1)");
    EXPECT_EQ(SdlDisplay::title("vm1", true), "kemu (vm1) - Press Ctrl+Alt+G to release grab");
}

class SdlDisplayEnv : public ::testing::Test {
  protected:
    SdlDisplayEnv() {
        consoles_.add(std::make_unique<GraphicConsole>(
            "vga", [] {}, surface_, &sink_));
    }
    void set_env(const char* name, const char* value) {
        const char* old = getenv(name);
        saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
        if (value)
            setenv(name, value, 1);
        else
            unsetenv(name);
    }
    ~SdlDisplayEnv() override {
        for (auto& [name, value] : saved_) {
            if (value)
                setenv(name.c_str(), value->c_str(), 1);
            else
                unsetenv(name.c_str());
        }
    }
    test::RecordingSink sink_;
    DisplaySurface surface_{320, 200};
    ConsoleSet consoles_;
    test::Poster poster_;
    std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST_F(SdlDisplayEnv, NoDisplayServerIsAOneLineError) {
    set_env("DISPLAY", nullptr);
    set_env("WAYLAND_DISPLAY", nullptr);
    set_env("SDL_VIDEODRIVER", nullptr);
    auto display = start_sdl_display({}, consoles_, poster_.fn());
    ASSERT_FALSE(display.ok());
    const std::string& message = display.error().message();
    EXPECT_TRUE(message.starts_with("could not initialize SDL: ")) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos);
}

// Under a private Xvfb when the machine has one: the window opens, asks for frames and
// closes again without trouble.
TEST_F(SdlDisplayEnv, OpensAWindowUnderXvfb) {
    if (access("/usr/bin/Xvfb", X_OK) != 0) GTEST_SKIP() << "no Xvfb";
    // -displayfd: Xvfb picks a free display and writes its number once it takes clients.
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    pid_t xvfb = fork();
    if (xvfb == 0) {
        close(ready[0]);
        std::string fd = std::to_string(ready[1]);
        execl("/usr/bin/Xvfb", "Xvfb", "-displayfd", fd.c_str(), "-screen", "0", "800x600x24",
              "-nolisten", "tcp", static_cast<char*>(nullptr));
        _exit(127);
    }
    close(ready[1]);
    // Up to the newline, which may come in a write of its own; the pipe stays open while
    // Xvfb runs, as it dies when a write fails.
    std::string number;
    char c;
    while (read(ready[0], &c, 1) == 1 && c != '\n')
        number += c;
    ASSERT_FALSE(number.empty()) << "Xvfb did not start";
    std::string display_name = ":" + number;
    set_env("DISPLAY", display_name.c_str());
    set_env("WAYLAND_DISPLAY", nullptr);
    {
        SdlDisplay::Setup setup;
        setup.name = "unit";
        auto display = start_sdl_display(setup, consoles_, poster_.fn());
        ASSERT_TRUE(display.ok()) << display.error().message();
        size_t served = 0;
        for (int i = 0; i < 100 && served < 3; i++) {
            served += poster_.run_all();
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        EXPECT_GE(served, 3u);  // frame requests keep coming
    }
    poster_.run_all();
    kill(xvfb, SIGTERM);
    waitpid(xvfb, nullptr, 0);
    close(ready[0]);
}

}  // namespace
}  // namespace kemu
