#include "hw/input/ps2_mouse.h"

#include <algorithm>

namespace kemu {

namespace {

enum Command : uint8_t {
    kScaling1to1 = 0xe6,
    kScaling2to1 = 0xe7,
    kSetResolution = 0xe8,
    kStatusRequest = 0xe9,
    kStreamMode = 0xea,
    kReadData = 0xeb,
    kResetWrapMode = 0xec,
    kWrapMode = 0xee,
    kRemoteMode = 0xf0,
    kGetId = 0xf2,
    kSetSampleRate = 0xf3,
    kEnableReporting = 0xf4,
    kDisableReporting = 0xf5,
};

constexpr uint8_t kDeviceId[] = {0x00};  // what Reset reports: a plain mouse again
constexpr uint8_t kIntelliMouseId = 0x03;
// The "knock" that turns the wheel on: these sample rates set in a row.
constexpr std::array<uint8_t, 3> kIntelliMouseKnock = {200, 100, 80};
constexpr uint8_t kDefaultSampleRate = 100;
constexpr uint8_t kDefaultResolution = 2;  // 4 counts per mm
constexpr uint8_t kPacketAlwaysOne = 0x08;
// A packet's range per axis (nine-bit two's complement) and for the wheel (the
// IntelliMouse's four bits).
constexpr int kAxisMin = -256, kAxisMax = 255;
constexpr int kWheelMin = -8, kWheelMax = 7;
// The counters stop growing here: far more than a screen, and no int overflow whatever
// the host sends.
constexpr int kCounterLimit = 1 << 16;

}  // namespace

Ps2Mouse::Ps2Mouse() : Ps2Device("ps2 mouse", kDeviceId) {
    reset();
}

void Ps2Mouse::power_on() {
    wrap_mode_ = false;
    buttons_ = 0;
    device_id_ = kDeviceId[0];
    recent_rates_ = {};
    set_defaults();
}

void Ps2Mouse::clear_counters() {
    counters_ = {};
    earlier_.clear();
}

void Ps2Mouse::set_defaults() {
    sample_rate_ = kDefaultSampleRate;
    resolution_ = kDefaultResolution;
    scaling_2to1_ = false;
    reporting_ = false;
    remote_mode_ = false;
    clear_counters();
}

void Ps2Mouse::write(uint8_t byte) {
    if (wrap_mode_ && byte != kResetWrapMode && byte != kReset)
        send(byte);  // wrap (echo) mode
    else
        Ps2Device::write(byte);
}

bool Ps2Mouse::command(uint8_t byte) {
    switch (byte) {
        case kScaling1to1:
        case kScaling2to1:
            scaling_2to1_ = byte == kScaling2to1;
            send(kAck);
            return true;
        case kSetResolution:
        case kSetSampleRate:
            await_argument(byte);
            return true;
        case kStatusRequest:
            send(kAck);
            send(uint8_t((remote_mode_ ? 0x40 : 0) | (reporting_ ? 0x20 : 0) |
                         (scaling_2to1_ ? 0x10 : 0) | ((buttons_ & 1) << 2) |
                         ((buttons_ & 4) >> 1) | ((buttons_ & 2) >> 1)));
            send(resolution_);
            send(sample_rate_);
            return true;
        case kStreamMode:
        case kRemoteMode:
            remote_mode_ = byte == kRemoteMode;
            clear_counters();
            send(kAck);
            return true;
        case kReadData: {
            // Remote mode's poll: one packet with what the counters hold.
            send(kAck);
            bool wheel = device_id_ == kIntelliMouseId;
            int dx = std::clamp(counters_.dx, kAxisMin, kAxisMax);
            int dy = std::clamp(counters_.dy, kAxisMin, kAxisMax);
            int dz = wheel ? std::clamp(counters_.dz, kWheelMin, kWheelMax) : 0;
            send_packet(dx, dy, dz, buttons_);
            clear_counters();
            return true;
        }
        case kResetWrapMode:
        case kWrapMode:
            wrap_mode_ = byte == kWrapMode;
            send(kAck);
            return true;
        case kGetId:
            send(kAck);
            send(device_id_);
            return true;
        case kEnableReporting:
        case kDisableReporting:
            reporting_ = byte == kEnableReporting;
            clear_counters();
            send(kAck);
            return true;
        case kSetDefaults:
            set_defaults();
            send(kAck);
            return true;
        default:
            return false;
    }
}

void Ps2Mouse::argument(uint8_t command, uint8_t byte) {
    if (command == kSetResolution) {
        if (byte > 3) return refuse("resolution out of range", byte);
        resolution_ = byte;
    } else {
        // Any rate is taken; Linux's extension probes write sequences of odd ones.
        sample_rate_ = byte;
        note_sample_rate(byte);
    }
    send(kAck);
}

void Ps2Mouse::note_sample_rate(uint8_t rate) {
    recent_rates_ = {recent_rates_[1], recent_rates_[2], rate};
    if (recent_rates_ == kIntelliMouseKnock) device_id_ = kIntelliMouseId;
}

void Ps2Mouse::move(int dx, int dy, int dz, uint8_t buttons) {
    buttons &= 0x07;
    // Remote mode counts whether reporting is on or not: it only waits to be asked.
    if (!(reporting_ || remote_mode_) || wrap_mode_) {
        buttons_ = buttons;
        return;
    }
    // A change the guest has not been sent yet keeps a packet of its own (stream mode
    // only: remote mode reports the buttons of the moment when asked).
    if (buttons != buttons_ && counters_.buttons_changed && !remote_mode_ &&
        earlier_.size() < kEarlierMovementsMax) {
        earlier_.push_back(counters_);
        counters_ = {};
    }
    counters_.buttons_changed |= buttons != buttons_;
    counters_.buttons = buttons_ = buttons;
    auto add = [](int& counter, int delta) {
        counter = std::clamp(counter + std::clamp(delta, -kCounterLimit, kCounterLimit),
                             -kCounterLimit, kCounterLimit);
    };
    add(counters_.dx, dx);
    add(counters_.dy, dy);
    if (device_id_ == kIntelliMouseId) add(counters_.dz, dz);
    report_pending_motion();
}

void Ps2Mouse::report_pending_motion() {
    if (!reporting_ || remote_mode_ || wrap_mode_) return;
    while (!earlier_.empty() && send_movement(earlier_.front()))
        earlier_.pop_front();
    if (earlier_.empty()) send_movement(counters_);
}

bool Ps2Mouse::send_movement(Movement& movement) {
    bool wheel = device_id_ == kIntelliMouseId;
    // A packet goes whole or not at all: a partial one would shift every later byte.
    while (!movement.empty() && queue_space() >= (wheel ? 4u : 3u)) {
        int dx = std::clamp(movement.dx, kAxisMin, kAxisMax);
        int dy = std::clamp(movement.dy, kAxisMin, kAxisMax);
        int dz = std::clamp(movement.dz, kWheelMin, kWheelMax);
        send_packet(dx, dy, dz, movement.buttons);
        movement.dx -= dx;
        movement.dy -= dy;
        movement.dz -= dz;
        movement.buttons_changed = false;
    }
    return movement.empty();
}

void Ps2Mouse::send_packet(int dx, int dy, int dz, uint8_t buttons) {
    // Nine-bit two's complement per axis, the sign in byte 0; callers keep within range,
    // so the overflow bits stay clear.
    send(uint8_t(buttons | kPacketAlwaysOne | (dx < 0 ? 0x10 : 0) | (dy < 0 ? 0x20 : 0)));
    send(uint8_t(dx));
    send(uint8_t(dy));
    if (device_id_ == kIntelliMouseId) send(uint8_t(dz));
}

void Ps2Mouse::clamp_loaded_state() {
    clear_counters();
    resolution_ &= 0x03;
    buttons_ &= 0x07;
    if (device_id_ != kIntelliMouseId) device_id_ = kDeviceId[0];
}

}  // namespace kemu
