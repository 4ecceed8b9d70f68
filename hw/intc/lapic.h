// Local APIC of one CPU, xAPIC and x2APIC (Intel SDM vol. 3, chapter 11), for
// vCPUs that run without an in-kernel irqchip. The vCPU routes its accesses to
// the APIC page (mmio_*) and the APIC MSRs (read_msr/write_msr) here, and asks
// has_interrupt()/acknowledge_interrupt() at instruction boundaries. Messages to
// and from other APICs go through the ApicBus. The timer counts on the virtual
// clock at kBusHz.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "hw/core/device.h"
#include "hw/intc/apic_bus.h"
#include "hw/intc/cpu_interrupt.h"
#include "monitor/irqchip_report.h"
#include "system/clock.h"

namespace kemu {

class Lapic final : public Device {
  public:
    // The bus clock the timer divides: 1 GHz, so one timer tick at divide-by-1 is 1 ns.
    static constexpr int64_t kBusHz = 1'000'000'000;
    static constexpr uint32_t kMsrApicBase = 0x1b;
    static constexpr uint32_t kMsrTscDeadline = 0x6e0;
    static constexpr uint32_t kMsrX2apicFirst = 0x800;
    static constexpr uint32_t kMsrX2apicLast = 0x8ff;

    Lapic(std::string name, TimerQueue& timers, ApicBus& bus, uint32_t apic_id, bool is_bsp,
          uint64_t tsc_khz);

    // --- vCPU side (machine lock held) ---
    void attach_cpu(CpuInterruptSink* sink) { cpu_ = sink; }
    // A maskable interrupt is deliverable now (the CPU checks IF itself).
    bool has_interrupt() const;
    // The INTA cycle: the vector to deliver.
    int acknowledge_interrupt();
    bool take_nmi() { return std::exchange(nmi_pending_, false); }
    bool take_init() { return std::exchange(init_pending_, false); }
    std::optional<uint8_t> take_sipi() { return std::exchange(sipi_pending_, std::nullopt); }

    uint64_t mmio_read(uint64_t offset, unsigned size);
    void mmio_write(uint64_t offset, uint64_t value, unsigned size);
    // IA32_APIC_BASE, IA32_TSC_DEADLINE and the x2APIC MSRs; nullopt/false means #GP.
    std::optional<uint64_t> read_msr(uint32_t msr);
    bool write_msr(uint32_t msr, uint64_t value);

    uint64_t apic_base() const { return apic_base_; }
    bool x2apic_mode() const;
    bool globally_enabled() const;
    bool software_enabled() const;
    uint32_t apic_id() const { return apic_id_; }

    // TSC = virtual-clock ns * tsc_khz / 1e6.
    uint64_t tsc_now() const;
    void write_tsc_deadline(uint64_t tsc);
    uint64_t tsc_deadline() const { return tsc_deadline_; }

    // Power-on / RESET; the BSP flag comes from the board.
    void reset(bool is_bsp);

    // --- board side ---
    // LINT0/LINT1 pins: the PIC's INTR is wired to the BSP's LINT0.
    void set_lint(unsigned pin, bool level);
    // Who answers the INTA cycle of an ExtINT interrupt (the i8259 pair).
    void set_extint_source(std::function<int()> acknowledge) {
        extint_ack_ = std::move(acknowledge);
    }

    // --- bus side ---
    bool matches(const ApicMessage& message) const;
    void receive(const ApicMessage& message);
    // Processor priority, for lowest-priority arbitration.
    uint8_t ppr() const;

    const char* type_name() const override { return "apic"; }
    void reset() override { reset(power_on_bsp_); }
    void save(StateWriter& out) const override;
    Result<void> load(StateReader& in, uint32_t version) override;
    std::string describe() const override;
    // `info lapic` (without the CPU index, which the board knows).
    LapicInfo info() const;

  private:
    template <typename Self, typename Io>
    static void state_fields(Self& self, Io& io) {
        io(self.apic_base_, self.apic_id_, self.tpr_, self.ldr_, self.dfr_, self.svr_, self.isr_,
           self.tmr_, self.irr_, self.esr_, self.esr_pending_, self.icr_low_, self.icr_high_,
           self.lvt_, self.initial_count_, self.divide_config_, self.timer_start_ns_,
           self.tsc_deadline_, self.lint_level_, self.nmi_pending_, self.init_pending_,
           self.sipi_pending_);
    }

    enum Lvt : unsigned {
        kLvtCmci,
        kLvtTimer,
        kLvtThermal,
        kLvtPerf,
        kLvtLint0,
        kLvtLint1,
        kLvtError,
        kLvtCount
    };
    using Bits256 = std::array<uint32_t, 8>;

    std::optional<uint32_t> read_register(unsigned index) const;
    // False: the register does not exist or is read-only (x2APIC: #GP).
    bool write_register(unsigned index, uint64_t value);
    void write_svr(uint32_t value);
    void write_lvt(unsigned lvt, uint32_t value);
    void write_icr(uint32_t low, uint32_t high);
    void set_apic_base(uint64_t value);
    void init_registers();
    void eoi();
    void accept_fixed(uint8_t vector, bool level_triggered);
    void set_error(uint32_t bit);
    int highest_irr() const;
    int highest_isr() const;
    bool extint_requested() const;
    void notify_cpu();

    unsigned timer_mode() const;
    int64_t timer_tick_ns() const;
    uint32_t current_count() const;
    void arm_timer();
    void timer_expired();
    int64_t tsc_to_ns(uint64_t tsc) const;

    TimerQueue& timers_;
    ApicBus& bus_;
    Timer timer_;
    uint64_t tsc_khz_;
    bool power_on_bsp_;
    CpuInterruptSink* cpu_ = nullptr;
    std::function<int()> extint_ack_;

    uint64_t apic_base_ = 0;
    uint32_t apic_id_;
    uint32_t tpr_ = 0;
    uint32_t ldr_ = 0;
    uint32_t dfr_ = 0xffffffff;
    uint32_t svr_ = 0xff;
    Bits256 isr_{};
    Bits256 tmr_{};
    Bits256 irr_{};
    uint32_t esr_ = 0;          // what the guest reads
    uint32_t esr_pending_ = 0;  // errors since the last ESR write
    uint32_t icr_low_ = 0;
    uint32_t icr_high_ = 0;
    std::array<uint32_t, kLvtCount> lvt_{};
    uint32_t initial_count_ = 0;
    uint32_t divide_config_ = 0;
    int64_t timer_start_ns_ = 0;  // when the current count was (re)loaded
    uint64_t tsc_deadline_ = 0;
    std::array<bool, 2> lint_level_{};
    bool nmi_pending_ = false;
    bool init_pending_ = false;
    std::optional<uint8_t> sipi_pending_;
};

}  // namespace kemu
