#include "hw/input/ps2_keyboard.h"

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
    kSetAllTypematic = 0xf7,  // 0xf7-0xfa: set-3 key attributes for all keys
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
}

void Ps2Keyboard::set_defaults() {
    scan_set_ = 2;
    leds_ = 0;
    typematic_ = kDefaultTypematic;
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
            return true;
        case kSetDefaults:
            send(kAck);
            set_defaults();
            return true;
        default:
            // Set-3 key attributes: acknowledged; every key behaves the same here.
            if (byte < kSetAllTypematic || byte > kSetAllMakeBreakTypematic) return false;
            send(kAck);
            return true;
    }
}

void Ps2Keyboard::argument(uint8_t command, uint8_t byte) {
    switch (command) {
        case kSetLeds:
            leds_ = byte & 0x07;
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
    return scan_set_ >= 1 && scan_set_ <= 3;
}

}  // namespace kemu
