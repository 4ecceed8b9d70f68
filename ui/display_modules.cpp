// The front ends that need large libraries live in modules; these load them on first use.
#include "system/module.h"
#include "ui/sdl_display.h"
#include "ui/vnc.h"

namespace kemu {

Result<std::unique_ptr<VncServer>> VncServer::start(Setup setup, ConsoleSet& consoles,
                                                    ConsoleLink::Post post) {
    auto start = module_entry<StartVncServer>("ui-vnc");
    if (!start) return start.error().with_context("VNC support is not available");
    return (*start)(std::move(setup), consoles, std::move(post));
}

Result<std::unique_ptr<SdlDisplay>> SdlDisplay::start(Setup setup, ConsoleSet& consoles,
                                                      ConsoleLink::Post post) {
    auto start = module_entry<StartSdlDisplay>("ui-sdl");
    if (!start) return start.error().with_context("SDL support is not available");
    return (*start)(std::move(setup), consoles, std::move(post));
}

}  // namespace kemu
