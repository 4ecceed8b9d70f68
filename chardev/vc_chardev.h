// The `vc` backend (-serial vc, -monitor vc, -chardev vc,id=...): a chardev whose far end
// is a text console on the display, as QEMU's default when a display is on. The chardev
// knows nothing of drawing: a VcScreen (ui/text_console.h) attaches to show its output
// and types into it. Runs on the main thread under the machine lock like every chardev.
#pragma once

#include <deque>
#include <span>
#include <string>
#include <vector>

#include "chardev/chardev.h"

namespace kemu {

class VcScreen {
  public:
    virtual ~VcScreen() = default;
    virtual void show(std::span<const uint8_t> bytes) = 0;
};

class VcChardev final : public Chardev {
  public:
    // Output kept for a screen that attaches later (the monitor's banner is written as
    // soon as the monitor attaches, before the display exists).
    static constexpr size_t kBacklogLimit = 64 * 1024;
    // Typed input the frontend could not take yet (a full UART FIFO).
    static constexpr size_t kPendingInputLimit = 4096;

    explicit VcChardev(std::string id) : Chardev(std::move(id)) {}

    std::string filename() const override { return "vc"; }
    void write(std::span<const uint8_t> data) override;
    void frontend_ready() override { flush_input(); }

    // Shows the backlog on `screen` and everything written from now on; null detaches.
    void set_screen(VcScreen* screen);
    // Bytes typed on the screen, for the frontend; past kPendingInputLimit they are dropped.
    void type(std::span<const uint8_t> bytes);

  private:
    void flush_input();

    VcScreen* screen_ = nullptr;
    std::vector<uint8_t> backlog_;
    std::deque<uint8_t> pending_input_;
};

}  // namespace kemu
