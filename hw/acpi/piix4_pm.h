// ACPI fixed-hardware power management in the style of the PIIX4 PM function
// (Intel 82371AB datasheet section 7; register semantics from ACPI 6.4 section 4.8):
// the PM1a event and control blocks, the 24-bit PM timer and a GPE0 block. The
// FADT built by hw/i386/acpi_build.cpp points the guest at these registers.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "hw/core/device.h"
#include "hw/core/irq.h"
#include "system/clock.h"
#include "system/memory_region.h"

namespace kemu {

class AcpiPm final : public Device {
  public:
    // Offsets in the PM register window (mapped at pc::kPortAcpiPm).
    static constexpr uint64_t kPm1Status = 0x00;
    static constexpr uint64_t kPm1Enable = 0x02;
    static constexpr uint64_t kPm1Control = 0x04;
    static constexpr uint64_t kPmTimer = 0x08;
    static constexpr uint64_t kPmWindowSize = 0x40;
    // Offsets in the GPE0 window (mapped at pc::kPortAcpiGpe0).
    static constexpr uint64_t kGpe0Status = 0x00;
    static constexpr uint64_t kGpe0Enable = 0x02;
    static constexpr uint64_t kGpe0WindowSize = 0x04;

    // PM1 status and enable bits.
    static constexpr uint16_t kTmrSts = 1 << 0;
    static constexpr uint16_t kGblSts = 1 << 5;
    static constexpr uint16_t kPwrbtnSts = 1 << 8;
    static constexpr uint16_t kSlpbtnSts = 1 << 9;
    static constexpr uint16_t kRtcSts = 1 << 10;
    static constexpr uint16_t kWakSts = 1 << 15;
    // PM1 control bits.
    static constexpr uint16_t kSciEn = 1 << 0;
    static constexpr uint16_t kBmRld = 1 << 1;
    static constexpr uint16_t kSlpTypShift = 10;
    static constexpr uint16_t kSlpTypMask = 7 << kSlpTypShift;
    static constexpr uint16_t kSlpEn = 1 << 13;
    // The SLP_TYP our DSDT's \_S5 package names.
    static constexpr unsigned kSlpTypSoftOff = 0;

    static constexpr int64_t kTimerHz = 3579545;  // the ACPI PM timer frequency

    AcpiPm(std::string name, TimerQueue& timers);

    const char* type_name() const override { return "piix4-pm"; }
    void reset() override;
    void save(StateWriter& out) const override;
    Result<void> load(StateReader& in, uint32_t version) override;
    std::string describe() const override;

    MemoryRegion& pm_region() { return pm_region_; }
    MemoryRegion& gpe_region() { return gpe_region_; }
    // Level: high while any enabled status bit (PM1 or GPE0) is set.
    IrqLine& sci() { return sci_; }

    // system_powerdown: sets PWRBTN_STS, which raises SCI when PWRBTN_EN is set.
    void power_button();
    // For future hotplug sources; `bit` < 16.
    void raise_gpe(unsigned bit);

    // Called when the guest enters S5 (soft off).
    std::function<void()> on_poweroff;

  private:
    // The saved state; the PM timer travels as the time it has run, not the clock's reading.
    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io, uint64_t& timer_elapsed_ns) {
        io(self.pm1_sts_, self.pm1_en_, self.pm1_cnt_, self.gpe_sts_, self.gpe_en_,
           timer_elapsed_ns, self.ticks_checked_);
    }

    uint64_t elapsed_ticks() const;  // since timer_base_ns_, not wrapped to 24 bits
    void update_timer_status();
    void arm_overflow_timer();
    void update_sci();

    uint64_t pm_read(uint64_t offset, unsigned size);
    void pm_write(uint64_t offset, uint64_t value, unsigned size);
    void pm_write_word(uint64_t offset, uint16_t value, uint16_t byte_mask);
    uint64_t gpe_read(uint64_t offset, unsigned size) const;
    void gpe_write(uint64_t offset, uint64_t value, unsigned size);

    TimerQueue& timers_;
    Timer overflow_timer_;
    MemoryRegion pm_region_;
    MemoryRegion gpe_region_;
    IrqLine sci_;

    uint16_t pm1_sts_ = 0;
    uint16_t pm1_en_ = 0;
    uint16_t pm1_cnt_ = kSciEn;
    uint16_t gpe_sts_ = 0;
    uint16_t gpe_en_ = 0;
    int64_t timer_base_ns_ = 0;   // clock time at which the counter read 0
    uint64_t ticks_checked_ = 0;  // counter value when TMR_STS was last brought up to date
};

}  // namespace kemu
