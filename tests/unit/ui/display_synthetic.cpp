// A stand-in for kemu-system-x86_64 with nothing but the display wired, the way the
// machine wires it: a synthetic "guest screen" as console 1, the real HMP monitor (on a
// fake host, paused with -S) on a `vc` chardev as console 2, and -vnc / -display sdl.
// tests/integration/display_*.py run against it until the machine has the display, and
// against the real kemu after.
//
// usage: display-synthetic [-vnc ADDR] [-display sdl|none] [-name NAME] [-S] [-m SIZE]
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "chardev/vc_chardev.h"
#include "monitor/monitor.h"
#include "tests/unit/monitor/fake_host.h"
#include "ui/console.h"
#include "ui/sdl_display.h"
#include "ui/text_console.h"
#include "ui/vga_font.h"
#include "ui/vnc.h"

namespace kemu {
namespace {

class Host final : public test::FakeHost {
  public:
    void quit() override {
        FakeHost::quit();
        loop.request_quit();
    }
};

int fail(const std::string& context, const Error& error) {
    fprintf(stderr, "kemu-system-x86_64: %s: %s\n", context.c_str(), error.message().c_str());
    return 1;
}

// Colour bars, so a client sees something that is not a text console.
void draw_bars(DisplaySurface& surface) {
    constexpr uint32_t kBars[] = {0xffffff, 0xffff00, 0x00ffff, 0x00ff00,
                                  0xff00ff, 0xff0000, 0x0000ff, 0x000000};
    for (int y = 0; y < surface.height(); y++)
        for (int x = 0; x < surface.width(); x++)
            surface.row(y)[x] = kBars[x * 8 / surface.width()];
    surface.mark_all_dirty();
}

int run(int argc, char** argv) {
    std::optional<std::string> vnc;
    std::string display = "none", name;
    bool paused = false;
    for (int i = 1; i < argc; i++) {
        std::string arg = argv[i];
        bool has_value = i + 1 < argc;
        if (arg == "-vnc" && has_value) {
            vnc = argv[++i];
        } else if (arg == "-display" && has_value) {
            display = argv[++i];
        } else if (arg == "-name" && has_value) {
            name = argv[++i];
        } else if (arg == "-m" && has_value) {
            ++i;
        } else if (arg == "-S") {
            paused = true;
        } else {
            fprintf(stderr, "kemu-system-x86_64: %s: invalid option\n", arg.c_str());
            return 1;
        }
    }

    Host host;
    host.kvm = false;
    host.state = paused ? RunState::Paused : RunState::Running;
    if (auto r = host.loop.init(); !r) return fail("event loop", r.error());
    std::unique_lock<std::mutex> machine_lock(host.lock);  // the main loop holds it
    auto monitor_chr = host.registry.add_legacy("-monitor", "vc", "compat_monitor0");
    if (!monitor_chr) return fail("-monitor vc", monitor_chr.error());
    Monitor monitor(*monitor_chr->chardev, host);

    DisplaySurface screen(640, 480);
    draw_bars(screen);
    ConsoleSet consoles;
    consoles.add(std::make_unique<GraphicConsole>(
        "vga", [] {}, screen, nullptr));
    consoles.add(std::make_unique<TextConsole>("compat_monitor0",
                                               static_cast<VcChardev&>(*monitor_chr->chardev),
                                               load_default_vga_font()));
    auto post = [&host](std::function<void()> fn) { host.loop.post(std::move(fn)); };

    std::unique_ptr<VncServer> vnc_server;
    if (vnc) {
        auto options = parse_vnc_option(*vnc);
        if (!options) return fail("-vnc " + *vnc, options.error());
        auto server = VncServer::start({*options, name, nullptr}, consoles, post);
        if (!server) return fail("-vnc " + *vnc, server.error());
        vnc_server = std::move(*server);
    }
    std::unique_ptr<SdlDisplay> sdl;
    if (display == "sdl") {
        SdlDisplay::Setup setup{name, false, [&host] { host.quit(); }};
        auto window = SdlDisplay::start(setup, consoles, post);
        if (!window) return fail("-display sdl", window.error());
        sdl = std::move(*window);
    } else if (display != "none") {
        return fail("-display " + display, Error("only sdl and none here"));
    }
    host.loop.run_until([] { return false; });
    // Front ends first: their threads post to the loop and read the consoles.
    sdl.reset();
    vnc_server.reset();
    return 0;
}

}  // namespace
}  // namespace kemu

int main(int argc, char** argv) {
    return kemu::run(argc, argv);
}
