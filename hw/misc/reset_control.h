// The PIIX3 Reset Control Register at I/O port 0xcf9 (Intel 82371SB datasheet,
// section 2.2.1.4 "RC - Reset Control Register"), which Linux uses for
// reboot=pci and the FADT names as the ACPI reset register.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "hw/core/device.h"
#include "system/memory_region.h"

namespace kemu {

class ResetControl final : public Device {
  public:
    static constexpr uint8_t kSysRst = 1 << 1;   // 1: hard reset, 0: soft reset (CPU INIT)
    static constexpr uint8_t kRstCpu = 1 << 2;   // a 0 -> 1 transition starts the reset
    static constexpr uint8_t kFullRst = 1 << 3;  // PIIX4: also cycle power on a hard reset

    explicit ResetControl(std::string name);

    const char* type_name() const override { return "reset-control"; }
    void reset() override { value_ = 0; }
    void save(StateWriter& out) const override { out(value_); }
    Result<void> load(StateReader& in, uint32_t version) override;
    std::string describe() const override;

    // One byte, mapped at pc::kPortResetControl.
    MemoryRegion& io() { return region_; }

    // Requests a system reset. kemu has no CPU-only INIT path, so a soft reset
    // request resets the whole system too, as QEMU's PIIX does.
    std::function<void()> on_reset;

  private:
    void write(uint8_t value);

    MemoryRegion region_;
    uint8_t value_ = 0;
};

}  // namespace kemu
