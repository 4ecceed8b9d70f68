#include "hw/input/i8042.h"

#include <cstdio>

#include "hw/core/device_state.h"
#include "hw/i386/pc_layout.h"

#include "system/log.h"

namespace kemu {

namespace {

constexpr uint8_t kStatusOutputFull = 0x01;
constexpr uint8_t kStatusSystem = 0x04;
constexpr uint8_t kStatusCommandLast = 0x08;  // A2: last write went to port 0x64
constexpr uint8_t kStatusUnlocked = 0x10;     // keyboard lock switch open
constexpr uint8_t kStatusMouseData = 0x20;

constexpr uint8_t kCtrKeyboardInt = 0x01;
constexpr uint8_t kCtrMouseInt = 0x02;
constexpr uint8_t kCtrSystem = 0x04;
constexpr uint8_t kCtrKeyboardDisable = 0x10;
constexpr uint8_t kCtrMouseDisable = 0x20;
constexpr uint8_t kCtrTranslate = 0x40;
// What a PC BIOS leaves behind: keyboard interrupt on, POST passed, translation on.
constexpr uint8_t kResetCommandByte = kCtrKeyboardInt | kCtrSystem | kCtrTranslate;

constexpr uint8_t kOutResetLine = 0x01;  // low = hold the CPU in reset
constexpr uint8_t kOutA20 = 0x02;
constexpr uint8_t kOutKeyboardFull = 0x10;
constexpr uint8_t kOutMouseFull = 0x20;
// Reset released and A20 enabled, as the machine starts.
constexpr uint8_t kResetOutputPort = kOutResetLine | kOutA20;

enum ControllerCommand : uint8_t {
    kReadRam = 0x20,   // 0x20-0x3f
    kWriteRam = 0x60,  // 0x60-0x7f
    kMouseDisable = 0xa7,
    kMouseEnable = 0xa8,
    kMouseTest = 0xa9,
    kSelfTest = 0xaa,
    kKeyboardTest = 0xab,
    kKeyboardDisable = 0xad,
    kKeyboardEnable = 0xae,
    kReadOutputPort = 0xd0,
    kWriteOutputPort = 0xd1,
    kWriteKeyboardOutput = 0xd2,
    kWriteMouseOutput = 0xd3,
    kWriteToMouse = 0xd4,
    kPulseOutputPort = 0xf0,  // 0xf0-0xff
};

constexpr uint8_t kSelfTestPassed = 0x55;
constexpr uint8_t kInterfaceOk = 0x00;
constexpr uint8_t kSet2BreakPrefix = 0xf0;

// The 8042's translation of keyboard bytes to set 1 (Brouwer's "Keyboard scancodes",
// 9.3, after Konzak's "PC 8042 Controller"): one-to-one on 0x00-0x7f, so set 2 becomes
// set 1 and set 3 something set-1 shaped; above 0x7f only 0x83 (set 2's F7) and 0x84
// (set 2's SysRq) change.
constexpr uint8_t kLowHalfToSet1[128] = {
    0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58, 0x64, 0x44, 0x42, 0x40, 0x3e, 0x0f, 0x29, 0x59,
    0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a, 0x66, 0x71, 0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b,
    0x67, 0x2e, 0x2d, 0x20, 0x12, 0x05, 0x04, 0x5c, 0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d,
    0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5e, 0x6a, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5f,
    0x6b, 0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60, 0x6c, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0c, 0x61,
    0x6d, 0x73, 0x28, 0x74, 0x1a, 0x0d, 0x62, 0x6e, 0x3a, 0x36, 0x1c, 0x1b, 0x75, 0x2b, 0x63, 0x76,
    0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b, 0x7c, 0x4f, 0x7d, 0x4b, 0x47, 0x7e, 0x7f, 0x6f,
    0x52, 0x53, 0x50, 0x4c, 0x4d, 0x48, 0x01, 0x45, 0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54,
};

constexpr std::array<uint8_t, 256> make_translation_table() {
    std::array<uint8_t, 256> table{};
    for (unsigned i = 0; i < table.size(); i++)
        table[i] = i < 0x80 ? kLowHalfToSet1[i] : uint8_t(i);
    table[0x83] = 0x41;
    table[0x84] = 0x54;
    return table;
}
constexpr std::array<uint8_t, 256> kSet2ToSet1 = make_translation_table();

uint8_t with_bit(uint8_t byte, uint8_t bit, bool set) {
    return set ? uint8_t(byte | bit) : uint8_t(byte & ~bit);
}

}  // namespace

I8042::I8042(std::string name, ResetRequest on_reset, A20Change on_a20)
    : Device(std::move(name)),
      on_reset_(std::move(on_reset)),
      on_a20_(std::move(on_a20)),
      data_io_(MemoryRegion::io(
          this->name() + "-data", 1,
          IoOps{
              .read = [this](uint64_t, unsigned) { return read_data(); },
              .write = [this](uint64_t, uint64_t value, unsigned) { write_data(uint8_t(value)); },
              .valid = {1, 4, true},
              .impl = {1, 1, false},
          })),
      command_io_(MemoryRegion::io(this->name() + "-cmd", 1,
                                   IoOps{
                                       .read = [this](uint64_t, unsigned) { return read_status(); },
                                       .write = [this](uint64_t, uint64_t value,
                                                       unsigned) { write_command(uint8_t(value)); },
                                       .valid = {1, 4, true},
                                       .impl = {1, 1, false},
                                   })) {
    reset();
}

void I8042::reset() {
    ram_.fill(0);
    ram_[0] = kResetCommandByte;
    status_flags_ = kStatusSystem;
    output_port_ = kResetOutputPort;
    output_ = 0;
    output_full_ = false;
    output_from_mouse_ = false;
    pending_command_ = 0;
    translate_break_ = false;
    replies_.clear();
    keyboard_.reset();
    mouse_.reset();
    update_irqs();
}

uint8_t I8042::read_status() const {
    return status_flags_ | kStatusUnlocked | (output_full_ ? kStatusOutputFull : 0) |
           (output_full_ && output_from_mouse_ ? kStatusMouseData : 0);
}

uint8_t I8042::read_data() {
    // With the buffer empty the data port still shows the last byte.
    uint8_t value = output_;
    output_full_ = false;
    update_irqs();
    refill_output();
    return value;
}

void I8042::write_data(uint8_t value) {
    status_flags_ &= uint8_t(~kStatusCommandLast);
    uint8_t command = pending_command_;
    pending_command_ = 0;
    if (command >= kWriteRam && command < kWriteRam + ram_.size()) {
        if (command == kWriteRam)
            write_command_byte(value);
        else
            ram_[command - kWriteRam] = value;
    } else if (command == kWriteOutputPort) {
        write_output_port(value);
    } else if (command == kWriteKeyboardOutput || command == kWriteMouseOutput) {
        reply(value, command == kWriteMouseOutput);
    } else if (command == kWriteToMouse) {
        mouse_.write(value);
    } else {
        keyboard_.write(value);
    }
    refill_output();
}

void I8042::write_command(uint8_t value) {
    status_flags_ |= kStatusCommandLast;
    pending_command_ = 0;
    if (value >= kReadRam && value < kReadRam + ram_.size()) {
        reply(ram_[value - kReadRam]);
    } else if ((value >= kWriteRam && value < kWriteRam + ram_.size()) ||
               value == kWriteOutputPort || value == kWriteKeyboardOutput ||
               value == kWriteMouseOutput || value == kWriteToMouse) {
        pending_command_ = value;
    } else if (value >= kPulseOutputPort) {
        // Bits clear in the low nibble pulse those output-port lines low; only
        // the reset line matters (a microsecond pulse on A20 changes nothing).
        if (!(value & kOutResetLine) && on_reset_) on_reset_();
    } else {
        switch (value) {
            case kMouseDisable:
            case kMouseEnable:
                write_command_byte(with_bit(ram_[0], kCtrMouseDisable, value == kMouseDisable));
                break;
            case kKeyboardDisable:
            case kKeyboardEnable:
                write_command_byte(
                    with_bit(ram_[0], kCtrKeyboardDisable, value == kKeyboardDisable));
                break;
            case kMouseTest:
            case kKeyboardTest:
                reply(kInterfaceOk);
                break;
            case kSelfTest:
                status_flags_ |= kStatusSystem;
                reply(kSelfTestPassed);
                break;
            case kReadOutputPort:
                reply(uint8_t((output_port_ & ~(kOutKeyboardFull | kOutMouseFull)) |
                              (output_full_ && !output_from_mouse_ ? kOutKeyboardFull : 0) |
                              (output_full_ && output_from_mouse_ ? kOutMouseFull : 0)));
                break;
            default:
                log_unimp("%s: controller command 0x%02x", name().c_str(), value);
                break;
        }
    }
    refill_output();
}

void I8042::write_command_byte(uint8_t value) {
    ram_[0] = value;
    if (value & kCtrSystem)
        status_flags_ |= kStatusSystem;
    else
        status_flags_ &= uint8_t(~kStatusSystem);
    update_irqs();
}

void I8042::write_output_port(uint8_t value) {
    uint8_t old = output_port_;
    output_port_ = value;
    if (((old ^ value) & kOutA20) && on_a20_) on_a20_(value & kOutA20);
    if (!(value & kOutResetLine) && on_reset_) on_reset_();
}

void I8042::reply(uint8_t byte, bool as_mouse) {
    if (replies_.size() < kMaxReplies) replies_.push_back({byte, as_mouse});
}

void I8042::put_output(uint8_t byte, bool from_mouse) {
    output_ = byte;
    output_full_ = true;
    output_from_mouse_ = from_mouse;
    update_irqs();
}

bool I8042::translate(uint8_t byte, uint8_t* out) {
    if (!(ram_[0] & kCtrTranslate)) {
        *out = byte;
        return true;
    }
    // Set 1 marks a release with bit 7 instead of a prefix byte.
    if (byte == kSet2BreakPrefix) {
        translate_break_ = true;
        return false;
    }
    *out = kSet2ToSet1[byte] | (translate_break_ ? 0x80 : 0);
    translate_break_ = false;
    return true;
}

void I8042::refill_output() {
    if (output_full_) return;
    if (!replies_.empty()) {
        put_output(replies_.front().byte, replies_.front().as_mouse);
        replies_.pop_front();
        return;
    }
    // A disabled port's clock is held low: its device keeps its bytes.
    if (!(ram_[0] & kCtrKeyboardDisable)) {
        // UI keys go into the keyboard only once the guest has read the bytes before
        // them, so a command the guest sends cannot clear keys it never saw.
        keyboard_.type_waiting_key();
        while (keyboard_.has_data()) {
            uint8_t byte;
            if (translate(keyboard_.read(), &byte)) {
                put_output(byte, false);
                return;
            }
        }
    }
    if (!(ram_[0] & kCtrMouseDisable) && mouse_.has_data()) {
        put_output(mouse_.read(), true);
        mouse_.report_pending_motion();
    }
}

void I8042::update_irqs() {
    keyboard_irq_.set(output_full_ && !output_from_mouse_ && (ram_[0] & kCtrKeyboardInt));
    mouse_irq_.set(output_full_ && output_from_mouse_ && (ram_[0] & kCtrMouseInt));
}

void I8042::key_event(std::span<const uint8_t> scancodes) {
    keyboard_.key_event(scancodes);
    refill_output();
}

void I8042::key(uint16_t code, bool down) {
    keyboard_.queue_key(code, down);
    refill_output();
}

void I8042::relative_motion(const PointerMotion& motion) {
    // PS/2 counts y upward and wheel clicks toward the user; the UI the other way round.
    mouse_.move(motion.dx, -motion.dy, -motion.dz, motion.buttons);
    refill_output();
}

void I8042::set_led_listener(LedListener listener) {
    keyboard_.set_led_listener(std::move(listener));
}

void I8042::save(StateWriter& out) const {
    state_fields(*this, out);
}

Result<void> I8042::load(StateReader& in, uint32_t version) {
    KEMU_TRY_VOID(check_state_version(*this, version));
    state_fields(*this, in);
    status_flags_ &= kStatusSystem | kStatusCommandLast;
    mouse_.clamp_loaded_state();
    KEMU_TRY_VOID(finish_load(*this, in, keyboard_.loaded_state_valid()));
    keyboard_.announce_leds();
    update_irqs();
    return ok();
}

std::string I8042::describe() const {
    char line[96];
    std::snprintf(line, sizeof line,
                  "iobase = 0x%x, iobase2 = 0x%x, irq = %u, irq2 = %u, command byte = 0x%02x",
                  pc::kPortI8042Data, pc::kPortI8042Cmd, pc::kIrqKeyboard, pc::kIrqMouse, ram_[0]);
    return line;
}

}  // namespace kemu
