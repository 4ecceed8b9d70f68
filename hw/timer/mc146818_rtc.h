// MC146818A real-time clock and CMOS RAM behind the PC's index/data ports,
// modelled from the Motorola MC146818A datasheet. The clock counts from a host
// UTC reading taken at creation plus elapsed guest virtual time, so a paused VM's
// clock stands still, and a guest that sets the time moves that offset.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>

#include "hw/core/device.h"
#include "hw/core/irq.h"
#include "hw/i386/pc_layout.h"
#include "system/clock.h"
#include "system/memory_region.h"

namespace kemu {

class Mc146818Rtc final : public Device {
  public:
    using UtcSeconds = std::function<int64_t()>;
    static constexpr unsigned kCmosSize = 128;
    static constexpr uint8_t kCenturyIndex = 0x32;
    static constexpr uint8_t kFirstNvramIndex = 0x0e;

    // `host_utc` is read once, at creation. `iobase`/`irq_number` label `info qtree`.
    Mc146818Rtc(std::string name, TimerQueue& timers, UtcSeconds host_utc,
                uint16_t iobase = pc::kPortRtc, unsigned irq_number = pc::kIrqRtc);

    // Two ports: offset 0 = index (bit 7 = NMI mask), offset 1 = data.
    MemoryRegion& io() { return io_; }
    IrqLine& irq() { return irq_; }

    // For the machine: NVRAM bytes the firmware and OS read (memory sizes and the
    // like). The century byte (0x32) is kept in step with the clock by the RTC.
    void set_cmos(uint8_t index, uint8_t value);
    // The byte as the guest would read it now (time registers refreshed).
    uint8_t cmos(uint8_t index);
    // What the guest last wrote to bit 7 of the index port; the machine decides
    // what masking NMIs means.
    bool nmi_masked() const { return nmi_masked_; }
    // The clock's current time in seconds since 1970 (UTC as far as the guest knows).
    int64_t rtc_seconds() const;

    const char* type_name() const override { return "mc146818rtc"; }
    // The RESET pin: interrupt enables, SQWE and flags clear. The clock, its
    // format bits and the CMOS RAM are battery-backed and survive.
    void reset() override;
    void save(StateWriter& out) const override;
    Result<void> load(StateReader& in, uint32_t version) override;
    std::string describe() const override;

  private:
    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        io(self.cmos_, self.index_, self.nmi_masked_, self.epoch_offset_s_, self.phase_ns_,
           self.pf_checked_until_ns_);
    }

    uint8_t read_data();
    void write_data(uint8_t value);
    void write_register_a(uint8_t value);
    void write_register_b(uint8_t value);
    uint8_t read_register_c();

    bool running() const;
    int64_t second_index(int64_t now_ns) const;
    int64_t periodic_period_ticks() const;
    int64_t next_periodic_edge_after(int64_t t_ns) const;
    bool update_in_progress() const;
    void refresh_time_registers();
    void set_time_from_registers();
    uint8_t encode(unsigned value) const;
    unsigned decode(uint8_t value) const;
    uint8_t encode_hour(unsigned hour24) const;
    unsigned decode_hour(uint8_t value) const;
    bool alarm_matches() const;

    void sync_periodic_flag();
    void schedule_timers();
    void periodic_tick();
    void update_cycle();
    void update_irq();

    TimerQueue& timers_;
    uint16_t iobase_;
    unsigned irq_number_;
    MemoryRegion io_;
    IrqLine irq_;
    Timer periodic_timer_;
    Timer update_timer_;

    std::array<uint8_t, kCmosSize> cmos_{};
    uint8_t index_ = 0;
    bool nmi_masked_ = false;
    // RTC seconds = epoch_offset_s_ + whole seconds of (now - phase_ns_): the
    // second boundaries fall at phase_ns_ modulo one second of the virtual clock.
    int64_t epoch_offset_s_ = 0;
    int64_t phase_ns_ = 0;
    // Periodic edges up to this time are already reflected in register C's PF.
    int64_t pf_checked_until_ns_ = 0;
};

}  // namespace kemu
