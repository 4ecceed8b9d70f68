// A PS/2 (MF2) keyboard as seen from the controller: the command set of the
// IBM PS/2 keyboard technical reference, an output queue, and key input from
// the UI as ready-made scan-code bytes.
#pragma once

#include <cstdint>
#include <span>

#include "hw/input/ps2_device.h"

namespace kemu {

class Ps2Keyboard final : public Ps2Device {
  public:
    Ps2Keyboard();

    // Bytes of one key press or release in the current scan-code set (the UI
    // converts from its key codes). Dropped while scanning is disabled; when
    // the buffer cannot take them all, an overrun code is queued instead.
    void key_event(std::span<const uint8_t> scancodes);

    unsigned scan_set() const { return scan_set_; }
    uint8_t leds() const { return leds_; }
    uint8_t typematic() const { return typematic_; }
    bool scanning() const { return scanning_; }

    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        Ps2Device::state_fields(self, io);
        io(self.scan_set_, self.leds_, self.typematic_, self.scanning_);
    }
    // Whether fields read from a state stream hold a state the keyboard can be in.
    bool loaded_state_valid() const;

  private:
    void power_on() override;
    bool command(uint8_t byte) override;
    void argument(uint8_t command, uint8_t byte) override;
    bool is_argument(uint8_t byte) const override;
    void set_defaults();

    unsigned scan_set_ = 2;
    uint8_t leds_ = 0;
    uint8_t typematic_ = 0;
    bool scanning_ = true;
};

}  // namespace kemu
