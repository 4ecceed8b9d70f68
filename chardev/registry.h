// Owns every chardev of a machine by id, creates them from command-line specs
// and answers `info chardev`.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "chardev/chardev.h"
#include "chardev/spec.h"
#include "system/error.h"

namespace kemu {

class EventLoop;
class MuxChardev;

class ChardevRegistry {
  public:
    explicit ChardevRegistry(EventLoop& loop);
    // Destroys chardevs newest first, so a mux goes before the backend it uses.
    ~ChardevRegistry();
    ChardevRegistry(const ChardevRegistry&) = delete;
    ChardevRegistry& operator=(const ChardevRegistry&) = delete;

    // What Ctrl-A x on any mux calls (now and for muxes created later).
    void set_quit_handler(std::function<void()> handler);

    // Creates the chardev `spec` describes. With spec.mux, the backend is registered
    // as "<id>-base" and the returned chardev is the mux named <id>.
    Result<Chardev*> create(const ChardevSpec& spec);

    // -chardev BACKEND,id=ID[,opts]; errors read "-chardev <text>: <why>".
    Result<Chardev*> add_chardev_option(std::string_view text);

    struct Legacy {
        Chardev* chardev = nullptr;  // nullptr for "none"
        bool with_monitor = false;   // "mon:": attach a monitor to `chardev` as well
    };
    // -serial/-monitor/-parallel: `option` is "-serial" (for the error context),
    // `id` the name a new chardev gets ("serial0", "compat_monitor0").
    Result<Legacy> add_legacy(std::string_view option, std::string_view text, std::string id);

    // -nographic: serial0 and the monitor share one mux on stdio. The caller
    // attaches the serial port first (it starts with the focus), then the monitor.
    Result<Chardev*> add_nographic_console();

    Chardev* find(std::string_view id) const;
    // One "id: filename=..." line per chardev, in creation order.
    std::string info_text() const;
    size_t size() const { return chardevs_.size(); }

  private:
    Result<std::unique_ptr<Chardev>> create_backend(const ChardevSpec& spec);
    Chardev* add(std::unique_ptr<Chardev> chardev);

    EventLoop& loop_;
    std::vector<std::unique_ptr<Chardev>> chardevs_;
    std::vector<MuxChardev*> muxes_;
    std::function<void()> on_quit_;
};

}  // namespace kemu
