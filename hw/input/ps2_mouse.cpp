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

void Ps2Mouse::set_defaults() {
    sample_rate_ = kDefaultSampleRate;
    resolution_ = kDefaultResolution;
    scaling_2to1_ = false;
    reporting_ = false;
    remote_mode_ = false;
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
            send(kAck);
            return true;
        case kReadData:
            send(kAck);
            send_packet(0, 0, 0);
            return true;
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
    buttons_ = buttons & 0x07;
    if (reporting_ && !remote_mode_ && !wrap_mode_) send_packet(dx, dy, dz);
}

void Ps2Mouse::send_packet(int dx, int dy, int dz) {
    bool wheel = device_id_ == kIntelliMouseId;
    // A packet goes whole or not at all: a partial one would shift every later byte.
    if (queue_space() < (wheel ? 4u : 3u)) return;
    // Nine-bit two's complement per axis: the sign is in byte 0, overflow saturates.
    bool x_overflow = dx < -256 || dx > 255;
    bool y_overflow = dy < -256 || dy > 255;
    dx = std::clamp(dx, -256, 255);
    dy = std::clamp(dy, -256, 255);
    send(uint8_t(buttons_ | kPacketAlwaysOne | (dx < 0 ? 0x10 : 0) | (dy < 0 ? 0x20 : 0) |
                 (x_overflow ? 0x40 : 0) | (y_overflow ? 0x80 : 0)));
    send(uint8_t(dx));
    send(uint8_t(dy));
    // The wheel byte is two's complement, limited to -8..7 by the IntelliMouse spec.
    if (wheel) send(uint8_t(std::clamp(dz, -8, 7)));
}

void Ps2Mouse::clamp_loaded_state() {
    resolution_ &= 0x03;
    buttons_ &= 0x07;
    if (device_id_ != kIntelliMouseId) device_id_ = kDeviceId[0];
}

}  // namespace kemu
