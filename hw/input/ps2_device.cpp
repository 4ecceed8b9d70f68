#include "hw/input/ps2_device.h"

#include <utility>

#include "system/log.h"

namespace kemu {

void Ps2Device::reset() {
    queue_.clear();
    awaiting_argument_ = 0;
    power_on();
}

uint8_t Ps2Device::read() {
    if (queue_.empty()) return last_read_;
    last_read_ = queue_.front();
    queue_.pop_front();
    return last_read_;
}

void Ps2Device::send(uint8_t byte) {
    if (queue_.size() < kQueueSize) queue_.push_back(byte);
}

void Ps2Device::write(uint8_t byte) {
    if (awaiting_argument_ && is_argument(byte)) {
        argument(std::exchange(awaiting_argument_, 0), byte);
        return;
    }
    dispatch_command(byte);
}

void Ps2Device::dispatch_command(uint8_t byte) {
    // The host is about to read a reply: bytes still queued are discarded.
    if (byte != kResend) queue_.clear();
    awaiting_argument_ = 0;
    if (byte == kResend) {
        send(last_read_);
    } else if (byte == kReset) {
        reset();
        send(kAck);
        send(kSelfTestPassed);
        for (uint8_t b : reset_reply_)
            send(b);
    } else if (!command(byte)) {
        log_guest_error("%s: unknown command 0x%02x", log_name_, byte);
        send(kNak);
    }
}

void Ps2Device::await_argument(uint8_t command) {
    send(kAck);
    awaiting_argument_ = command;
}

void Ps2Device::refuse(const char* what, uint8_t byte) {
    log_guest_error("%s: %s 0x%02x", log_name_, what, byte);
    send(kNak);
}

}  // namespace kemu
