#include "hw/input/ps2_keyboard.h"

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
    kDefaults = 0xf6,
    kSetAllTypematic = 0xf7,  // 0xf7-0xfa: set-3 key attributes for all keys
    kSetAllMakeBreakTypematic = 0xfa,
    kResend = 0xfe,
    kReset = 0xff,
};

constexpr uint8_t kAck = 0xfa;
constexpr uint8_t kNak = 0xfe;
constexpr uint8_t kSelfTestPassed = 0xaa;
constexpr uint8_t kIdentity[] = {0xab, 0x83};  // MF2 keyboard
// 10.9 characters per second after a 500 ms delay.
constexpr uint8_t kDefaultTypematic = 0x2b;
// Key detection error / buffer overrun: 0x00 in sets 2 and 3, 0xff in set 1.
constexpr uint8_t kOverrunSet1 = 0xff;
constexpr uint8_t kOverrun = 0x00;

}  // namespace

void Ps2Keyboard::reset() {
    clear_queue();
    awaiting_argument_ = 0;
    set_defaults();
    scanning_ = true;
}

void Ps2Keyboard::set_defaults() {
    scan_set_ = 2;
    leds_ = 0;
    typematic_ = kDefaultTypematic;
}

void Ps2Keyboard::write(uint8_t byte) {
    // A command byte while an argument is due abandons the first command, as
    // the keyboard does when the host changes its mind.
    if (awaiting_argument_ && byte < kSetLeds)
        argument(byte);
    else
        command(byte);
}

void Ps2Keyboard::command(uint8_t byte) {
    // The host is about to read a reply: scan codes still queued are discarded.
    if (byte != kResend) clear_queue();
    awaiting_argument_ = 0;
    switch (byte) {
        case kSetLeds:
        case kScanSet:
        case kTypematic:
            send(kAck);
            awaiting_argument_ = byte;
            return;
        case kEcho:
            send(kEcho);
            return;
        case kIdentify:
            send(kAck);
            for (uint8_t b : kIdentity)
                send(b);
            return;
        case kEnable:
            send(kAck);
            scanning_ = true;
            return;
        case kDisable:
            send(kAck);
            set_defaults();
            scanning_ = false;
            return;
        case kDefaults:
            send(kAck);
            set_defaults();
            return;
        case kResend:
            resend();
            return;
        case kReset:
            reset();
            send(kAck);
            send(kSelfTestPassed);
            return;
        default:
            if (byte >= kSetAllTypematic && byte <= kSetAllMakeBreakTypematic) {
                // Set-3 key attributes: acknowledged; every key behaves the same here.
                send(kAck);
                return;
            }
            log_guest_error("ps2 keyboard: unknown command 0x%02x", byte);
            send(kNak);
            return;
    }
}

void Ps2Keyboard::argument(uint8_t byte) {
    uint8_t cmd = awaiting_argument_;
    awaiting_argument_ = 0;
    switch (cmd) {
        case kSetLeds:
            leds_ = byte & 0x07;
            send(kAck);
            return;
        case kTypematic:
            typematic_ = byte & 0x7f;
            send(kAck);
            return;
        case kScanSet:
            if (byte == 0) {
                send(kAck);
                send(uint8_t(scan_set_));
            } else if (byte <= 3) {
                send(kAck);
                scan_set_ = byte;
            } else {
                log_guest_error("ps2 keyboard: scan-code set %u does not exist", byte);
                send(kNak);
            }
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

void Ps2Keyboard::save(StateWriter& out) const {
    save_queue(out);
    out.u8(awaiting_argument_);
    out.u8(uint8_t(scan_set_));
    out.u8(leds_);
    out.u8(typematic_);
    out.boolean(scanning_);
}

Result<void> Ps2Keyboard::load(StateReader& in) {
    bool queue_ok = load_queue(in);
    awaiting_argument_ = in.u8();
    scan_set_ = in.u8();
    leds_ = in.u8();
    typematic_ = in.u8();
    scanning_ = in.boolean();
    if (!queue_ok || scan_set_ < 1 || scan_set_ > 3) return Error("ps2 keyboard: malformed state");
    return ok();
}

}  // namespace kemu
