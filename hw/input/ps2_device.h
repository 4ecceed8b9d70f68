// A device on a PS/2 port (keyboard or mouse) as the controller sees it: it
// takes bytes from the host and queues bytes for the host. The controller
// pulls one byte at a time into its output buffer while the port is enabled.
// The command protocol both devices share lives here: every command byte
// clears the output queue (but Resend), is acknowledged or refused with NAK,
// and may take one argument byte; Resend and Reset mean the same to both.
#pragma once

#include <cstdint>
#include <deque>
#include <span>

#include "hw/core/state_io.h"

namespace kemu {

class Ps2Device {
  public:
    // The keyboard's own buffer is 16 bytes; the mouse uses the same depth.
    static constexpr unsigned kQueueSize = 16;

    virtual ~Ps2Device() = default;

    // A byte from the host: a command or a command's argument.
    virtual void write(uint8_t byte);
    // Power-on state: nothing queued, no command waiting for its argument.
    void reset();

    bool has_data() const { return !queue_.empty(); }
    // Next byte for the host; callers check has_data() first.
    uint8_t read();

    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        io(self.last_read_, bounded(self.queue_, kQueueSize), self.awaiting_argument_);
    }

  protected:
    static constexpr uint8_t kAck = 0xfa;
    static constexpr uint8_t kNak = 0xfe;
    static constexpr uint8_t kSelfTestPassed = 0xaa;
    static constexpr uint8_t kSetDefaults = 0xf6;
    static constexpr uint8_t kResend = 0xfe;
    static constexpr uint8_t kReset = 0xff;

    // `log_name` prefixes guest-error messages; `reset_reply` follows ACK and the
    // self-test result after a Reset command.
    Ps2Device(const char* log_name, std::span<const uint8_t> reset_reply)
        : log_name_(log_name), reset_reply_(reset_reply) {}

    // The device's own power-on state (reset() has already emptied the queue).
    virtual void power_on() = 0;
    // Handles a device-specific command; false for a command the device does not know.
    virtual bool command(uint8_t byte) = 0;
    // The argument byte of `command`, which asked for it with await_argument().
    virtual void argument(uint8_t command, uint8_t byte) = 0;
    // Whether `byte`, arriving while an argument is due, is that argument (the keyboard
    // takes a command byte instead as a change of mind).
    virtual bool is_argument(uint8_t) const { return true; }

    // Acknowledges `command` and takes the next byte as its argument.
    void await_argument(uint8_t command);
    bool awaiting_argument() const { return awaiting_argument_ != 0; }
    unsigned queue_space() const { return kQueueSize - unsigned(queue_.size()); }
    // Queues a byte for the host; when the buffer is full the byte is lost.
    void send(uint8_t byte);
    // Refuses an argument the device cannot take.
    void refuse(const char* what, uint8_t byte);

  private:
    void dispatch_command(uint8_t byte);

    const char* log_name_;
    std::span<const uint8_t> reset_reply_;
    std::deque<uint8_t> queue_;
    uint8_t last_read_ = 0;
    uint8_t awaiting_argument_ = 0;  // the command whose argument byte comes next, or 0
};

}  // namespace kemu
