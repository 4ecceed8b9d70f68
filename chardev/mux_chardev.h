// Several frontends (serial port, monitor) sharing one backend (stdio). Input
// goes to the focused frontend; output from all of them is interleaved. Ctrl-A
// escapes, as in QEMU:
//   C-a c  focus the next frontend        C-a x  quit (the quit callback)
//   C-a h  print the escape help          C-a C-a  one literal C-a
//   C-a b  send a break to the focused frontend
//   C-a t  toggle timestamps at the start of output lines
//   C-a s  run the "save disks" callback, if the machine set one
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "chardev/chardev.h"

namespace kemu {

class MuxChardev final : public Chardev, private CharFrontend {
  public:
    static constexpr uint8_t kEscape = 0x01;  // Ctrl-A
    static constexpr size_t kMaxFrontends = 4;
    // Input held per frontend while it cannot take more; when the focused one's is
    // full the backend stops reading, so a slow guest sees back-pressure, not loss.
    static constexpr size_t kInputBuffer = 32;

    // `backend` must outlive the mux.
    MuxChardev(std::string id, Chardev& backend);
    ~MuxChardev() override;

    std::string filename() const override { return "mux"; }
    void write(std::span<const uint8_t> data) override;
    // Adds a frontend; the first one added has the focus. Beyond kMaxFrontends, ignored.
    void attach(CharFrontend* frontend) override;
    // Removes one frontend; if it had the focus, the first remaining one gets it.
    void detach(CharFrontend* frontend) override;
    void frontend_ready() override;

    void set_quit_handler(std::function<void()> handler) { on_quit_ = std::move(handler); }
    void set_save_handler(std::function<void()> handler) { on_save_ = std::move(handler); }

    void set_focus(size_t index);
    size_t focus() const { return focus_; }
    size_t frontend_count() const { return frontends_.size(); }
    Chardev& backend() { return backend_; }

    static const char* help_text();

  private:
    struct Port {
        CharFrontend* frontend;
        std::vector<uint8_t> pending;
    };

    // CharFrontend, towards the backend.
    size_t can_receive() override;
    void receive(std::span<const uint8_t> data) override;
    void event(CharEvent event) override;

    void handle_escape(uint8_t command);
    void escape_help();
    void escape_quit();
    void escape_save();
    void escape_break();
    void escape_next_focus();
    void escape_timestamps();
    void flush(size_t index);
    void write_to_backend(std::string_view text);
    std::string timestamp() const;

    Chardev& backend_;
    std::vector<Port> frontends_;
    size_t focus_ = 0;
    bool escape_pending_ = false;
    bool flushing_ = false;
    bool timestamps_ = false;
    bool at_line_start_ = true;
    std::chrono::steady_clock::time_point timestamps_since_;
    std::function<void()> on_quit_;
    std::function<void()> on_save_;
};

}  // namespace kemu
