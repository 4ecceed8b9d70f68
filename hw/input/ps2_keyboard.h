// A PS/2 (MF2) keyboard as seen from the controller: the command set of the
// IBM PS/2 keyboard technical reference, an output queue, and key input from
// the UI as key codes (ui/input.h) it turns into scan codes of the current set.
//
// Keys from the UI wait in a queue of their own in front of the keyboard's 16-byte
// buffer and are typed into it one at a time, as the host (the controller, for the
// guest) takes the bytes: a burst of keys (a VNC client pasting a line) arrives whole
// and in order at the speed the guest reads, where a real keyboard, never pressed
// that fast, needs no such queue.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <span>

#include "hw/input/ps2_device.h"

namespace kemu {

class Ps2Keyboard final : public Ps2Device {
  public:
    Ps2Keyboard();

    // UI keys that may wait at once; past this, keys are dropped (with a warning).
    static constexpr unsigned kWaitingKeysMax = 1024;

    // How set-3 keys report releases (commands 0xf7-0xfa; per-key 0xfb-0xfd are refused).
    enum class Set3Breaks : uint8_t { Default, None, All };
    using LedListener = std::function<void(uint8_t leds)>;

    // A key (a Linux evdev key code) going down or up: queue_key() then type_waiting_key().
    void key(uint16_t keycode, bool down);
    // Queues a key behind the ones still waiting. Every key is dropped while scanning is
    // disabled; a key the keyboard does not have is dropped when its turn comes.
    void queue_key(uint16_t keycode, bool down);
    // Types the next waiting key, in the scan-code set of the moment, if the buffer is
    // empty and no command waits for its argument (the keyboard stops scanning then).
    // The controller calls it only when the host has taken every byte it held, so a
    // command that clears the keyboard's buffer never discards a key the host has not
    // started reading.
    void type_waiting_key();
    unsigned waiting_keys() const { return unsigned(waiting_.size()); }
    // Bytes of one key press or release as they are, straight into the buffer ahead of
    // any waiting key (what the keyboard's own electronics do). Dropped while scanning is
    // disabled; when the buffer cannot take them all, an overrun code is queued instead.
    void key_event(std::span<const uint8_t> scancodes);

    // Hears every change of the LEDs (bit 0 Scroll, 1 Num, 2 Caps Lock).
    void set_led_listener(LedListener listener) { led_listener_ = std::move(listener); }

    unsigned scan_set() const { return scan_set_; }
    uint8_t leds() const { return leds_; }
    Set3Breaks set3_breaks() const { return set3_breaks_; }
    uint8_t typematic() const { return typematic_; }
    bool scanning() const { return scanning_; }

    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        Ps2Device::state_fields(self, io);
        io(self.scan_set_, self.leds_, self.typematic_, self.scanning_, self.set3_breaks_);
    }
    // Whether fields read from a state stream hold a state the keyboard can be in.
    bool loaded_state_valid() const;
    // Tells the LED listener the LEDs as they are (after a load replaced them).
    void announce_leds() const;

  private:
    void power_on() override;
    bool command(uint8_t byte) override;
    void argument(uint8_t command, uint8_t byte) override;
    bool is_argument(uint8_t byte) const override;
    void set_defaults();
    void set_leds(uint8_t leds);
    bool sends_release(uint16_t keycode) const;
    void type(uint16_t keycode, bool down);
    void track_modifier(uint16_t keycode, bool down);

    unsigned scan_set_ = 2;
    uint8_t leds_ = 0;
    uint8_t typematic_ = 0;
    bool scanning_ = true;
    Set3Breaks set3_breaks_ = Set3Breaks::Default;
    // Ctrl, Shift and Alt as the host holds them (Ps2HeldModifier bits): Print Screen
    // and Pause depend on them. Host state, so not saved.
    uint8_t held_modifiers_ = 0;
    LedListener led_listener_;
    // UI keys not typed yet, oldest first. Input in flight rather than keyboard state,
    // so not saved, like the mouse's movement counters.
    struct WaitingKey {
        uint16_t keycode;
        bool down;
    };
    std::deque<WaitingKey> waiting_;
    bool warned_full_ = false;  // the drop warning is given once per overflow
};

}  // namespace kemu
