// QEMU's virtual consoles: console 1 shows the guest's display, the next ones are text
// consoles (the monitor, serial ports on `vc` chardevs). Every front end sends its key
// events here, so Ctrl+Alt+1/2/3... switches consoles in all of them alike, and shows the
// active console's surface. Everything here runs on the main thread under the machine
// lock; front-end threads come in through ConsoleLink.
#pragma once

#include <bitset>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <linux/input-event-codes.h>

#include "ui/display_surface.h"
#include "ui/input.h"

namespace kemu {

class FrameMirror;

class Console {
  public:
    explicit Console(std::string name) : name_(std::move(name)) {}
    virtual ~Console() = default;
    Console(const Console&) = delete;
    Console& operator=(const Console&) = delete;

    const std::string& name() const { return name_; }
    // Brings surface() up to date; front ends call it at their refresh rate.
    virtual void refresh() = 0;
    virtual DisplaySurface& surface() = 0;
    virtual void key(uint16_t code, bool down) = 0;
    virtual void pointer(const PointerMotion&) {}
    // Whether a front end should grab the host pointer for this console.
    virtual bool wants_pointer() const { return false; }

  private:
    std::string name_;
};

// The guest's display (the VGA) and its keyboard and mouse.
class GraphicConsole final : public Console {
  public:
    // `refresh` updates `surface` (Vga::refresh); `input` may be null (no keyboard).
    GraphicConsole(std::string name, std::function<void()> refresh, DisplaySurface& surface,
                   InputSink* input)
        : Console(std::move(name)),
          refresh_(std::move(refresh)),
          surface_(surface),
          input_(input) {}

    void refresh() override { refresh_(); }
    DisplaySurface& surface() override { return surface_; }
    void key(uint16_t code, bool down) override {
        if (input_) input_->key(code, down);
    }
    void pointer(const PointerMotion& motion) override {
        if (input_) input_->relative_motion(motion);
    }
    bool wants_pointer() const override { return true; }

  private:
    std::function<void()> refresh_;
    DisplaySurface& surface_;
    InputSink* input_;
};

class ConsoleSet {
  public:
    ConsoleSet() = default;
    ~ConsoleSet() { *handle_ = nullptr; }
    ConsoleSet(const ConsoleSet&) = delete;
    ConsoleSet& operator=(const ConsoleSet&) = delete;

    // Work posted to the main loop reaches the consoles through this, and finds null once
    // they are gone (the loop may run again while the machine shuts down). Main thread only.
    std::shared_ptr<ConsoleSet*> handle() const { return handle_; }

    // Console numbers are 0-based here; users count from 1 (Ctrl+Alt+1 is index 0).
    Console& add(std::unique_ptr<Console> console);
    size_t size() const { return consoles_.size(); }
    Console& at(size_t index) { return *consoles_[index]; }
    size_t active_index() const { return active_; }
    // Only when size() > 0.
    Console& active() { return *consoles_[active_]; }

    // Makes console `index` active; false when there is none. Keys still held go up on
    // the console that saw them go down, so none stays stuck in the guest.
    bool select(size_t index);

    // Every front end's key events. Ctrl+Alt+<digit> selects a console and does not
    // reach any console; everything else goes to the active one.
    void key(uint16_t code, bool down);
    void pointer(const PointerMotion& motion);

    // Front ends register a mirror each; update_mirrors() refreshes the active console
    // and copies what changed into all of them (all of it after a console switch).
    void add_mirror(FrameMirror* mirror);
    void remove_mirror(FrameMirror* mirror);
    void update_mirrors();

  private:
    void release_held_keys();

    std::shared_ptr<ConsoleSet*> handle_ = std::make_shared<ConsoleSet*>(this);
    std::vector<std::unique_ptr<Console>> consoles_;
    size_t active_ = 0;
    std::bitset<KEY_CNT> pressed_;    // keys down on the host, wherever they went
    std::bitset<KEY_CNT> held_;       // keys the active console saw go down and not yet up
    std::bitset<KEY_CNT> swallowed_;  // shortcut keys whose release must not leak either
    std::vector<FrameMirror*> mirrors_;
    std::vector<FrameMirror*> stale_mirrors_;  // need the whole picture at the next update
};

}  // namespace kemu
