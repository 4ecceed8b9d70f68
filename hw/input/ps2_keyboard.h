// A PS/2 (MF2) keyboard as seen from the controller: the command set of the
// IBM PS/2 keyboard technical reference, an output queue, and key input from
// the UI as ready-made scan-code bytes.
#pragma once

#include <cstdint>
#include <span>

#include "hw/core/state_io.h"
#include "hw/input/ps2_device.h"
#include "system/error.h"

namespace kemu {

class Ps2Keyboard final : public Ps2Device {
  public:
    Ps2Keyboard() { reset(); }

    void write(uint8_t byte) override;
    // Power-on defaults, scanning enabled, nothing queued.
    void reset() override;

    // Bytes of one key press or release in the current scan-code set (the UI
    // converts from its key codes). Dropped while scanning is disabled; when
    // the buffer cannot take them all, an overrun code is queued instead.
    void key_event(std::span<const uint8_t> scancodes);

    unsigned scan_set() const { return scan_set_; }
    uint8_t leds() const { return leds_; }
    uint8_t typematic() const { return typematic_; }
    bool scanning() const { return scanning_; }

    void save(StateWriter& out) const;
    Result<void> load(StateReader& in);

  private:
    void command(uint8_t byte);
    void argument(uint8_t byte);
    void set_defaults();

    uint8_t awaiting_argument_ = 0;  // the command whose argument byte comes next, or 0
    unsigned scan_set_ = 2;
    uint8_t leds_ = 0;
    uint8_t typematic_ = 0;
    bool scanning_ = true;
};

}  // namespace kemu
