// The SMBus host controller of the PIIX4 power-management function (82371AB datasheet,
// SMBus I/O registers at SMBBA): a bus with no devices on it. Every host transaction
// the guest starts ends at once with DEV_ERR, the status of an address nobody
// acknowledged, which is how drivers learn there is no SPD EEPROM or sensor to talk to.
#pragma once

#include <array>
#include <cstdint>

#include "hw/core/state_io.h"
#include "system/error.h"
#include "system/memory_region.h"

namespace kemu {

class Piix4Smbus {
  public:
    static constexpr uint64_t kWindowSize = 16;
    static constexpr uint8_t kHostStatus = 0x00;
    static constexpr uint8_t kHostControl = 0x02;
    static constexpr uint8_t kStatusInterrupt = 1 << 1;  // INTER: transaction completed
    static constexpr uint8_t kStatusDeviceError = 1 << 2;
    static constexpr uint8_t kStatusBusError = 1 << 3;
    static constexpr uint8_t kStatusFailed = 1 << 4;
    static constexpr uint8_t kControlInterruptEnable = 1 << 0;
    static constexpr uint8_t kControlKill = 1 << 1;
    static constexpr uint8_t kControlStart = 1 << 6;

    Piix4Smbus();
    Piix4Smbus(const Piix4Smbus&) = delete;
    Piix4Smbus& operator=(const Piix4Smbus&) = delete;

    void reset();
    // The registers as a length-prefixed blob (Io::bytes), then the host status.
    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        io.bytes(self.regs_);
        io(self.status_);
    }
    // After a load: the host status holds only the bits it has.
    void clamp_loaded_state();

    MemoryRegion& io() { return io_; }

  private:
    uint8_t read(unsigned offset) const;
    void write(unsigned offset, uint8_t value);

    MemoryRegion io_;
    // Everything but the host status, stored as written (the slave side has no master
    // to talk to, so its registers are plain storage too).
    std::array<uint8_t, kWindowSize> regs_{};
    uint8_t status_ = 0;
};

}  // namespace kemu
