// The SDL2 window (-display sdl): shows the active console, sends keys and the pointer to
// the consoles. All SDL calls happen on one thread of its own, started here: SDL2 on X11
// and Wayland works from any single thread that owns every SDL call, so the main thread
// keeps running the event loop and never waits for the window. Frames come through a
// ConsoleLink at most kFrameRate times a second; the thread never takes the machine lock.
// sdl_display.cpp is built as the ui-sdl module (system/module.h), so only -display sdl
// loads SDL2 and the libraries below it.
//
// Ctrl+Alt+G grabs or releases the pointer and keyboard (a click in the window grabs
// too, while the guest's display is shown), Ctrl+Alt+F toggles full screen, and
// Ctrl+Alt+1/2/3... switch consoles (ConsoleSet does that for every front end).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "system/error.h"
#include "ui/console_link.h"

namespace kemu {

class SdlDisplay {
  public:
    static constexpr int kFrameRate = 60;

    struct Setup {
        std::string name;          // -name: the title reads "kemu (NAME)"
        bool full_screen = false;  // -full-screen
        // Closing the window: the machine passes `quit`, or a powerdown request for
        // -display sdl,window-close=off. Runs on the main thread under the machine lock.
        std::function<void()> on_close;
    };

    // Main thread: loads the ui-sdl module and opens the window (start_sdl_display).
    static Result<std::unique_ptr<SdlDisplay>> start(Setup setup, ConsoleSet& consoles,
                                                     ConsoleLink::Post post);
    // Main thread: closes the window.
    virtual ~SdlDisplay() = default;

    // The window title for a machine called `name`, grabbed or not.
    static std::string title(const std::string& name, bool grabbed) {
        std::string title = name.empty() ? "kemu" : "kemu (" + name + ")";
        if (grabbed) title += " - Press Ctrl+Alt+G to release grab";
        return title;
    }
};

// The ui-sdl module's entry (sdl_display.cpp), which tests also link directly. Fails with
// one line ("could not initialize SDL: ..." when there is no X server or Wayland
// compositor to talk to).
Result<std::unique_ptr<SdlDisplay>> start_sdl_display(SdlDisplay::Setup setup, ConsoleSet& consoles,
                                                      ConsoleLink::Post post);
using StartSdlDisplay = decltype(&start_sdl_display);

}  // namespace kemu
