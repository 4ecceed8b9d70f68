// A plain PS/2 mouse (device ID 0x00: three buttons, no wheel): enough for
// Linux's psmouse probe to settle on "PS/2 Generic Mouse", and stream packets
// for the UI.
#pragma once

#include <cstdint>

#include "hw/core/state_io.h"
#include "hw/input/ps2_device.h"
#include "system/error.h"

namespace kemu {

class Ps2Mouse final : public Ps2Device {
  public:
    Ps2Mouse() { reset(); }

    void write(uint8_t byte) override;
    void reset() override;

    // Relative motion (x right, y up, as PS/2 counts them) and buttons (bit 0 left,
    // bit 1 right, bit 2 middle). Queued as one packet when reporting in stream mode.
    void move(int dx, int dy, uint8_t buttons);

    bool reporting() const { return reporting_; }
    uint8_t sample_rate() const { return sample_rate_; }
    uint8_t resolution() const { return resolution_; }

    void save(StateWriter& out) const;
    Result<void> load(StateReader& in);

  private:
    void command(uint8_t byte);
    void argument(uint8_t byte);
    void set_defaults();
    void send_packet(int dx, int dy);

    uint8_t awaiting_argument_ = 0;
    uint8_t sample_rate_ = 0;
    uint8_t resolution_ = 0;
    uint8_t buttons_ = 0;
    bool scaling_2to1_ = false;
    bool reporting_ = false;
    bool remote_mode_ = false;
    bool wrap_mode_ = false;
};

}  // namespace kemu
