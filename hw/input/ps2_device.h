// A device on a PS/2 port (keyboard or mouse) as the controller sees it: it
// takes bytes from the host and queues bytes for the host. The controller
// pulls one byte at a time into its output buffer while the port is enabled.
#pragma once

#include <cstdint>
#include <deque>

#include "hw/core/state_io.h"

namespace kemu {

class Ps2Device {
  public:
    // The keyboard's own buffer is 16 bytes; the mouse uses the same depth.
    static constexpr unsigned kQueueSize = 16;

    virtual ~Ps2Device() = default;

    // A byte from the host: a command or a command's argument.
    virtual void write(uint8_t byte) = 0;
    virtual void reset() = 0;

    bool has_data() const { return !queue_.empty(); }
    // Next byte for the host; callers check has_data() first.
    uint8_t read();

  protected:
    unsigned queue_space() const { return kQueueSize - unsigned(queue_.size()); }
    // Queues a byte for the host; when the buffer is full the byte is lost.
    void send(uint8_t byte);
    void clear_queue() { queue_.clear(); }
    // 0xFE asks for the last byte again.
    void resend() { send(last_read_); }

    void save_queue(StateWriter& out) const;
    // False when the stream holds more bytes than the queue can.
    bool load_queue(StateReader& in);

  private:
    std::deque<uint8_t> queue_;
    uint8_t last_read_ = 0;
};

}  // namespace kemu
