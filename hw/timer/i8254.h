// Intel 8254 programmable interval timer (8254 datasheet) at ports 0x40-0x43, plus
// the PC's port 0x61 bits that belong to it: GATE2 (bit 0), the speaker data enable
// (bit 1, stored), the refresh-request toggle (bit 4) and OUT2 (bit 5). Counters
// are worked out from the virtual clock when read; a timer is armed only for the
// next OUT0 transition, which drives IRQ0.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "hw/core/device.h"
#include "hw/core/irq.h"
#include "system/clock.h"
#include "system/memory_region.h"

namespace kemu {

class I8254 final : public Device {
  public:
    static constexpr int64_t kHz = 1'193'182;

    I8254(std::string name, TimerQueue& timers);

    // Ports 0x40-0x43.
    MemoryRegion& io() { return io_; }
    // Port 0x61 (NMI status and control).
    MemoryRegion& port61_io() { return port61_io_; }
    // OUT0.
    IrqLine& irq() { return irq_; }

    // For tests and the speaker: the OUT pin and the count a latch would read now.
    bool out(unsigned counter) const;
    uint16_t count(unsigned counter) const;
    void set_gate(unsigned counter, bool level);

    const char* type_name() const override { return "isa-pit"; }
    void reset() override;
    void save(StateWriter& out) const override;
    Result<void> load(StateReader& in, uint32_t version) override;
    std::string describe() const override;

  private:
    enum class Access : uint8_t { Latch = 0, Lsb = 1, Msb = 2, LsbMsb = 3 };

    struct Counter {
        uint8_t mode = 0;
        bool bcd = false;
        Access access = Access::LsbMsb;
        uint16_t reload = 0;  // the count register (CR)
        bool loaded = false;  // a count has been written since the control word
        bool gate = true;
        bool triggered = false;  // modes 1 and 5: a gate edge started the count
        bool counting = false;   // elapsed time accrues
        int64_t start_ns = 0;    // when counting last (re)started
        int64_t base_ticks = 0;  // ticks elapsed before start_ns
        // Read side: an output latch (count or status) and the LSB/MSB flip-flops.
        uint16_t latched_count = 0;
        bool count_latched = false;
        uint8_t latched_status = 0;
        bool status_latched = false;
        bool read_msb_next = false;
        bool write_msb_next = false;
        uint8_t written_lsb = 0;

        template <typename Self, typename Io>
        static void state_fields(Self& c, Io& io) {
            io(c.mode, c.bcd, c.access, c.reload, c.loaded, c.gate, c.triggered, c.counting,
               c.start_ns, c.base_ticks, c.latched_count, c.count_latched, c.latched_status,
               c.status_latched, c.read_msb_next, c.write_msb_next, c.written_lsb);
        }
    };

    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        io(self.counters_, self.port61_, self.last_irq_ticks_);
    }

    uint8_t read_port(unsigned port);
    void write_port(unsigned port, uint8_t value);
    void write_control(uint8_t value);
    void read_back(uint8_t value);
    void write_count(Counter& c, uint8_t value);
    void load_count(Counter& c);
    uint8_t read_count(Counter& c);
    void latch_count(unsigned index);
    uint8_t status(unsigned index) const;

    int64_t elapsed_ticks(const Counter& c, int64_t now) const;
    int64_t period(const Counter& c) const;
    bool out_at(const Counter& c, int64_t ticks) const;
    uint16_t count_at(const Counter& c, int64_t ticks) const;
    // The tick (> `ticks`) at which OUT next changes, or -1 if it never does by itself.
    int64_t next_transition(const Counter& c, int64_t ticks) const;
    int64_t tick_time(const Counter& c, int64_t tick) const;
    void update_irq();

    TimerQueue& timers_;
    MemoryRegion io_;
    MemoryRegion port61_io_;
    IrqLine irq_;
    Timer timer_;
    std::array<Counter, 3> counters_{};
    uint8_t port61_ = 0;          // the read/write bits 0-3
    int64_t last_irq_ticks_ = 0;  // counter 0 ticks when IRQ0 was last brought up to date
};

}  // namespace kemu
