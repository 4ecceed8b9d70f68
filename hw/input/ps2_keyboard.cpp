#include "hw/input/ps2_keyboard.h"

#include <utility>

#include "hw/input/ps2_scancodes.h"
#include "system/log.h"

namespace kemu {

namespace {

enum Command : uint8_t {
    kSetLeds = 0xed,
    kEcho = 0xee,
    kScanSet = 0xf0,
    kIdentify = 0xf2,
    kTypematic = 0xf3,
    kEnable = 0xf4,
    kDisable = 0xf5,
    // Set-3 key attributes for all keys: typematic only, make/break, make only,
    // and all three. Only whether a release sends a break code matters here.
    kSetAllTypematic = 0xf7,
    kSetAllMakeBreak = 0xf8,
    kSetAllMakeOnly = 0xf9,
    kSetAllMakeBreakTypematic = 0xfa,
};

constexpr uint8_t kIdentity[] = {0xab, 0x83};  // MF2 keyboard
// 10.9 characters per second after a 500 ms delay.
constexpr uint8_t kDefaultTypematic = 0x2b;
// Key detection error / buffer overrun: 0x00 in sets 2 and 3, 0xff in set 1.
constexpr uint8_t kOverrunSet1 = 0xff;
constexpr uint8_t kOverrun = 0x00;

}  // namespace

Ps2Keyboard::Ps2Keyboard() : Ps2Device("ps2 keyboard", {}) {
    reset();
}

void Ps2Keyboard::power_on() {
    set_defaults();
    scanning_ = true;
    held_modifiers_ = 0;
    waiting_.clear();
}

void Ps2Keyboard::set_defaults() {
    scan_set_ = 2;
    set_leds(0);
    typematic_ = kDefaultTypematic;
    set3_breaks_ = Set3Breaks::Default;
}

void Ps2Keyboard::set_leds(uint8_t leds) {
    bool changed = leds != leds_;
    leds_ = leds;
    if (changed && led_listener_) led_listener_(leds_);
}

// A command byte while an argument is due abandons the first command, as the
// keyboard does when the host changes its mind.
bool Ps2Keyboard::is_argument(uint8_t byte) const {
    return byte < kSetLeds;
}

bool Ps2Keyboard::command(uint8_t byte) {
    switch (byte) {
        case kSetLeds:
        case kScanSet:
        case kTypematic:
            await_argument(byte);
            return true;
        case kEcho:
            send(kEcho);
            return true;
        case kIdentify:
            send(kAck);
            for (uint8_t b : kIdentity)
                send(b);
            return true;
        case kEnable:
            send(kAck);
            scanning_ = true;
            return true;
        case kDisable:
            send(kAck);
            set_defaults();
            scanning_ = false;
            waiting_.clear();
            return true;
        case kSetDefaults:
            send(kAck);
            set_defaults();
            return true;
        case kSetAllTypematic:
        case kSetAllMakeOnly:
            send(kAck);
            set3_breaks_ = Set3Breaks::None;
            return true;
        case kSetAllMakeBreak:
        case kSetAllMakeBreakTypematic:
            send(kAck);
            set3_breaks_ = Set3Breaks::All;
            return true;
        default:
            return false;
    }
}

void Ps2Keyboard::argument(uint8_t command, uint8_t byte) {
    switch (command) {
        case kSetLeds:
            set_leds(byte & 0x07);
            send(kAck);
            return;
        case kTypematic:
            typematic_ = byte & 0x7f;
            send(kAck);
            return;
        case kScanSet:
            if (byte > 3) return refuse("no such scan-code set", byte);
            send(kAck);
            if (byte == 0)
                send(uint8_t(scan_set_));
            else
                scan_set_ = byte;
            return;
    }
}

void Ps2Keyboard::key(uint16_t keycode, bool down) {
    queue_key(keycode, down);
    type_waiting_key();
}

void Ps2Keyboard::queue_key(uint16_t keycode, bool down) {
    if (!scanning_) {
        track_modifier(keycode, down);
        return;
    }
    if (waiting_.size() >= kWaitingKeysMax) {
        if (!std::exchange(warned_full_, true))
            log_host_warning(
                "ps2 keyboard: %u keys wait for the guest to read them; "
                "dropping keys until it catches up",
                kWaitingKeysMax);
        return;
    }
    waiting_.push_back({keycode, down});
}

void Ps2Keyboard::type_waiting_key() {
    // A key may send nothing (a set-3 make-only release): then the next one goes.
    while (!waiting_.empty() && !has_data() && !awaiting_argument()) {
        WaitingKey next = waiting_.front();
        waiting_.pop_front();
        type(next.keycode, next.down);
    }
    if (waiting_.empty()) warned_full_ = false;
}

void Ps2Keyboard::track_modifier(uint16_t keycode, bool down) {
    uint8_t modifier = ps2_modifier_of(keycode);
    if (down)
        held_modifiers_ |= modifier;
    else
        held_modifiers_ &= uint8_t(~modifier);
}

void Ps2Keyboard::type(uint16_t keycode, bool down) {
    track_modifier(keycode, down);
    if (!ps2_has_key(keycode, scan_set_)) {
        log_unimp("ps2 keyboard: key code %u has no scan code in set %u", keycode, scan_set_);
        return;
    }
    if (!down && !sends_release(keycode)) return;
    Ps2Bytes bytes = ps2_scancodes(keycode, down, scan_set_, held_modifiers_);
    key_event(bytes.bytes());
}

bool Ps2Keyboard::sends_release(uint16_t keycode) const {
    if (scan_set_ != 3) return true;
    switch (set3_breaks_) {
        case Set3Breaks::All:
            return true;
        case Set3Breaks::None:
            return false;
        case Set3Breaks::Default:
            break;
    }
    return ps2_set3_breaks_by_default(keycode);
}

void Ps2Keyboard::key_event(std::span<const uint8_t> scancodes) {
    if (!scanning_ || scancodes.empty()) return;
    // The last slot is kept for the overrun code that tells the host keys were lost.
    if (scancodes.size() >= queue_space()) {
        if (queue_space() > 0) send(scan_set_ == 1 ? kOverrunSet1 : kOverrun);
        return;
    }
    for (uint8_t byte : scancodes)
        send(byte);
}

bool Ps2Keyboard::loaded_state_valid() const {
    return scan_set_ >= 1 && scan_set_ <= 3 && leds_ <= 0x07 && set3_breaks_ <= Set3Breaks::All;
}

void Ps2Keyboard::announce_leds() const {
    if (led_listener_) led_listener_(leds_);
}

}  // namespace kemu
