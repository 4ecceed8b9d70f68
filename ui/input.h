// The one vocabulary of input that every front end (SDL2, VNC, the monitor's
// `sendkey`) speaks and the machine's input devices understand.
//
// Keys are Linux evdev key codes (KEY_A = 30, <linux/input-event-codes.h>): a
// documented numbering that belongs to no front end and no guest. Its codes 1-88
// happen to equal the XT (set 1) scan codes of the same keys. Front ends turn their
// own codes into these with ui/keymap.h; devices turn them into what the guest reads.
//
// Threads: front ends call an InputRouter from any thread, never holding the machine
// lock; the router delivers to the InputSink (the machine's keyboard and mouse)
// under the machine lock, in the order the events came.
#pragma once

#include <linux/input-event-codes.h>

#include <atomic>
#include <bitset>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "system/clock.h"

namespace kemu {

// Pointer buttons held, as a mask (the order of a PS/2 mouse packet).
enum PointerButton : uint8_t {
    kButtonLeft = 0x01,
    kButtonRight = 0x02,
    kButtonMiddle = 0x04,
};

// Keyboard LEDs as the guest set them, as a mask (the order of the PS/2 Set LEDs command).
enum KeyboardLed : uint8_t {
    kLedScrollLock = 0x01,
    kLedNumLock = 0x02,
    kLedCapsLock = 0x04,
};

// Relative pointer motion in screen directions (x right, y down). dz counts wheel
// clicks, positive when the wheel turns away from the user (scrolling up), as
// evdev's REL_WHEEL and SDL's wheel.y do; VNC's button 4 is dz = +1, button 5 dz = -1.
struct PointerMotion {
    int dx = 0;
    int dy = 0;
    int dz = 0;
    uint8_t buttons = 0;  // PointerButton mask held after this event
};

// Where the host pointer is over the guest's screen, in surface pixels from the
// top-left corner (what VNC clients send and SDL reports inside the window).
struct PointerPosition {
    int x = 0;
    int y = 0;
    int dz = 0;
    uint8_t buttons = 0;
};

// What the machine's keyboard and mouse implement. Called with the machine lock held.
class InputSink {
  public:
    using LedListener = std::function<void(uint8_t leds)>;

    virtual ~InputSink() = default;

    // A key going down (again, for a typematic repeat) or up.
    virtual void key(uint16_t code, bool down) = 0;
    virtual void relative_motion(const PointerMotion& motion) = 0;
    // `listener` hears every change of the KeyboardLed mask, with the machine lock held
    // and on whichever thread the guest wrote from (a vCPU's): it must not block.
    virtual void set_led_listener(LedListener listener) = 0;
};

// Carries front-end events to the sink. The machine gives it `run_locked`, which runs
// a function under the machine lock, now or later but in call order: the machine
// passes EventLoop::post, so a front end never waits for a vCPU to drop the lock and
// may call from the main loop itself. The router's own state (keys down, the last
// absolute position) is touched only inside those functions, so it needs no lock of
// its own; leds() reads an atomic. Destroy it only when no posted function can still run.
class InputRouter {
  public:
    using RunLocked = std::function<void(std::function<void()>)>;

    explicit InputRouter(RunLocked run_locked);
    InputRouter(const InputRouter&) = delete;
    InputRouter& operator=(const InputRouter&) = delete;

    // With the machine lock held: where events go from now on (null: nowhere).
    void set_sink(InputSink* sink);

    // From any thread, without the machine lock.
    void key(uint16_t code, bool down);
    void relative_motion(const PointerMotion& motion);
    // The PS/2 mouse only moves relatively, so an absolute position becomes the motion
    // from the previous one (the first sets the reference). The guest's pointer then
    // follows the host's but may lag behind it under guest pointer acceleration.
    void absolute_position(const PointerPosition& position);
    // Releases every key pressed through this router and not yet released: for a front
    // end that loses focus or switches to another console with keys still down.
    void release_all_keys();

    // The KeyboardLed mask the guest set last, readable from any thread.
    uint8_t leds() const { return leds_.load(std::memory_order_relaxed); }

  private:
    void deliver_key(uint16_t code, bool down);

    RunLocked run_locked_;
    InputSink* sink_ = nullptr;
    std::bitset<KEY_CNT> down_;
    struct Point {
        int x, y;
    };
    std::optional<Point> last_position_;
    std::atomic<uint8_t> leds_{0};
};

// Presses a chord of keys in order and releases them in reverse order after a hold
// time, on a timer (the monitor's `sendkey`). Runs on the main loop under the machine
// lock; `key` delivers one key (the machine passes its InputSink's key()).
class KeyChordPlayer {
  public:
    using KeyFn = std::function<void(uint16_t code, bool down)>;

    KeyChordPlayer(TimerQueue& timers, KeyFn key);

    // A chord still held is released first, so no key stays stuck down.
    void play(std::vector<uint16_t> codes, int64_t hold_ns);
    bool holding() const { return !held_.empty(); }

  private:
    void release();

    KeyFn key_;
    std::vector<uint16_t> held_;
    Timer release_timer_;
};

}  // namespace kemu
