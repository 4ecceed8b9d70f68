#include "hw/pci/piix4_smbus.h"

#include "system/log.h"

namespace kemu {

namespace {

constexpr uint8_t kStatusClearable = Piix4Smbus::kStatusInterrupt | Piix4Smbus::kStatusDeviceError |
                                     Piix4Smbus::kStatusBusError | Piix4Smbus::kStatusFailed;
// SMBHSTCNT keeps INTEREN and the protocol bits; KILL and START are actions.
constexpr uint8_t kControlStored = 0x1d;

}  // namespace

Piix4Smbus::Piix4Smbus()
    : io_(MemoryRegion::io("piix4-smbus", kWindowSize, [this] {
          IoOps ops;
          ops.read = [this](uint64_t offset, unsigned) { return uint64_t(read(unsigned(offset))); };
          ops.write = [this](uint64_t offset, uint64_t value, unsigned) {
              write(unsigned(offset), uint8_t(value));
          };
          ops.valid = {1, 4, true};
          ops.impl = {1, 1, false};
          return ops;
      }())) {}

void Piix4Smbus::reset() {
    regs_.fill(0);
    status_ = 0;
}

uint8_t Piix4Smbus::read(unsigned offset) const {
    if (offset == kHostStatus) return status_;
    return offset < kWindowSize ? regs_[offset] : 0xff;
}

void Piix4Smbus::write(unsigned offset, uint8_t value) {
    if (offset == kHostStatus) {
        status_ &= uint8_t(~(value & kStatusClearable));
        return;
    }
    if (offset >= kWindowSize) return;
    if (offset != kHostControl) {
        regs_[offset] = value;
        return;
    }
    regs_[offset] = value & kControlStored;
    if (value & kControlKill) status_ |= kStatusFailed;
    if (value & kControlStart) {
        status_ |= kStatusDeviceError;  // nobody acknowledges the slave address
        if (value & kControlInterruptEnable)
            log_unimp("piix4-smbus: completion interrupts are not delivered");
    }
}

void Piix4Smbus::clamp_loaded_state() {
    status_ &= kStatusClearable;
}

}  // namespace kemu
