// What a person sees and types: the virtual consoles (the VGA, then the monitor and serial
// ports that are `vc` text consoles) and the front ends that show them, SDL2 and VNC.
#include "chardev/vc_chardev.h"
#include "hw/display/vga.h"
#include "system/machine.h"
#include "ui/console.h"
#include "ui/sdl_display.h"
#include "ui/text_console.h"
#include "ui/vga_font.h"
#include "ui/vnc.h"

namespace kemu {

namespace {

// The chardevs that can be text consoles, in QEMU's console order; `mon:vc` puts the vc
// chardev under "<id>-base".
constexpr const char* kTextConsoleIds[] = {"compat_monitor0", "serial0", "serial1", "serial2",
                                           "serial3"};

}  // namespace

Result<void> Machine::start_display() {
    if (!config_.display_on()) return ok();
    consoles_ = std::make_unique<ConsoleSet>();
    Vga* vga = board_->vga();
    consoles_->add(std::make_unique<GraphicConsole>(
        "VGA", [vga] { vga->refresh(); }, vga->surface(), board_->input_sink()));
    auto font = load_default_vga_font();
    for (const char* id : kTextConsoleIds) {
        for (const std::string& name : {std::string(id), std::string(id) + "-base"}) {
            if (auto* vc = dynamic_cast<VcChardev*>(chardevs_->find(name)))
                consoles_->add(std::make_unique<TextConsole>(id, *vc, font));
        }
    }
    auto post = [this](std::function<void()> fn) { loop_.post(std::move(fn)); };
    if (config_.vnc != "none") {
        auto options = parse_vnc_option(config_.vnc);
        if (!options) return options.error().with_context("-vnc " + config_.vnc);
        auto vnc =
            VncServer::start({*options, config_.name, config_.keyboard_layout}, *consoles_, post);
        if (!vnc) return vnc.error().with_context("-vnc " + config_.vnc);
        vnc_ = std::move(*vnc);
    }
    if (config_.display == "sdl") {
        SdlDisplay::Setup setup{config_.name, config_.full_screen, nullptr};
        if (config_.sdl_window_close_quits)
            setup.on_close = [this] { quit(); };
        else
            setup.on_close = [this] { system_powerdown(); };
        auto sdl = SdlDisplay::start(std::move(setup), *consoles_, post);
        if (!sdl) return sdl.error().with_context("-display sdl");
        sdl_ = std::move(*sdl);
    }
    return ok();
}

std::optional<VncInfo> Machine::vnc_info() const {
    if (!vnc_) return std::nullopt;
    return vnc_->info();
}

Result<void> Machine::set_vnc_password(const std::string& password) {
    if (!vnc_) return Error("Could not set password");
    return vnc_->set_password(password);
}

}  // namespace kemu
