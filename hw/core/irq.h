// An interrupt line a device raises; the machine decides where it goes (a
// userspace PIC/IOAPIC input or KVM_IRQ_LINE). Setting an unconnected line is a no-op.
#pragma once

#include <functional>
#include <utility>

namespace kemu {

class IrqLine {
  public:
    using Sink = std::function<void(bool level)>;

    IrqLine() = default;
    explicit IrqLine(Sink sink) : sink_(std::move(sink)) {}

    void connect(Sink sink) { sink_ = std::move(sink); }
    bool connected() const { return static_cast<bool>(sink_); }

    // Forwards only changes of level, so a device may call set() on every register update.
    void set(bool level) {
        if (level == level_) return;
        level_ = level;
        if (sink_) sink_(level);
    }
    void raise() { set(true); }
    void lower() { set(false); }
    // Edge for edge-triggered inputs: up then down.
    void pulse() {
        raise();
        lower();
    }
    bool level() const { return level_; }

  private:
    Sink sink_;
    bool level_ = false;
};

}  // namespace kemu
