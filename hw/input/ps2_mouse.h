// A PS/2 mouse with Microsoft's IntelliMouse wheel: device ID 0x00 (three
// buttons, three-byte packets) until the host sets the sample rates 200, 100, 80
// in a row, then ID 0x03 with a fourth packet byte for the wheel, as Linux's
// psmouse "ImPS/2" probe and Windows expect.
#pragma once

#include <array>
#include <cstdint>
#include <deque>

#include "hw/input/ps2_device.h"

namespace kemu {

class Ps2Mouse final : public Ps2Device {
  public:
    Ps2Mouse();

    // Wrap mode echoes every byte but the two that leave it.
    void write(uint8_t byte) override;

    // Relative motion (x right, y up, as PS/2 counts them), wheel clicks (dz > 0
    // toward the user, as the IntelliMouse counts them) and buttons (bit 0 left,
    // bit 1 right, bit 2 middle). Added to the movement counters while reporting is
    // enabled; in stream mode the counters go out as packets at once, as many as the
    // queue has room for, each within a packet's range (no overflow bits), so a large
    // jump becomes several packets and motion the host reports faster than the guest
    // reads waits in the counters instead of being lost. A button change that cannot go
    // out yet waits for a packet of its own, so a quick click still reaches the guest.
    void move(int dx, int dy, int dz, uint8_t buttons);
    // Sends what the counters still hold, if the queue has room now (the controller
    // calls it after the host read a byte).
    void report_pending_motion();

    bool reporting() const { return reporting_; }
    uint8_t device_id() const { return device_id_; }
    uint8_t sample_rate() const { return sample_rate_; }
    uint8_t resolution() const { return resolution_; }

    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        Ps2Device::state_fields(self, io);
        io(self.sample_rate_, self.resolution_, self.buttons_, self.scaling_2to1_, self.reporting_,
           self.remote_mode_, self.wrap_mode_, self.device_id_, self.recent_rates_);
    }
    // Brings fields read from a state stream back into their ranges.
    void clamp_loaded_state();

  private:
    void power_on() override;
    bool command(uint8_t byte) override;
    void argument(uint8_t command, uint8_t byte) override;
    void set_defaults();
    void send_packet(int dx, int dy, int dz, uint8_t buttons);
    void clear_counters();
    void note_sample_rate(uint8_t rate);

    uint8_t sample_rate_ = 0;
    uint8_t resolution_ = 0;
    uint8_t buttons_ = 0;
    bool scaling_2to1_ = false;
    bool reporting_ = false;
    bool remote_mode_ = false;
    bool wrap_mode_ = false;
    uint8_t device_id_ = 0;
    std::array<uint8_t, 3>
        recent_rates_{};  // the last three Set Sample Rate arguments, oldest first
    // Motion no packet has carried yet, and whether the buttons changed since the last
    // packet. Host input in flight rather than configuration, so not in the saved state:
    // a snapshot drops motion the guest has not read yet.
    struct Movement {
        int dx = 0;
        int dy = 0;
        int dz = 0;
        bool buttons_changed = false;
        uint8_t buttons = 0;  // held during this movement

        bool empty() const { return !dx && !dy && !dz && !buttons_changed; }
    };
    // Button changes the host makes faster than the guest reads that may wait; past
    // this, a change merges into the one before, as it would without the queue.
    static constexpr unsigned kEarlierMovementsMax = 64;
    // Sends `movement` as whole packets while the queue has room; true once all went out.
    bool send_movement(Movement& movement);

    Movement counters_;  // the movement counters, under the buttons held now
    // Movements under earlier buttons still to go out, oldest first, so a click shorter
    // than the guest's reading is a press and a release rather than nothing.
    std::deque<Movement> earlier_;
};

}  // namespace kemu
