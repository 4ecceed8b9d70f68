#include "hw/intc/lapic.h"

#include "hw/core/device_state.h"
#include "hw/i386/pc_layout.h"
#include "system/log.h"

namespace kemu {

namespace {

// Register indices: xAPIC offset >> 4, or x2APIC MSR - 0x800 (SDM table 11-6).
enum Reg : unsigned {
    kRegId = 0x02,
    kRegVersion = 0x03,
    kRegTpr = 0x08,
    kRegApr = 0x09,
    kRegPpr = 0x0a,
    kRegEoi = 0x0b,
    kRegRrd = 0x0c,
    kRegLdr = 0x0d,
    kRegDfr = 0x0e,
    kRegSvr = 0x0f,
    kRegIsr = 0x10,
    kRegTmr = 0x18,
    kRegIrr = 0x20,
    kRegEsr = 0x28,
    kRegLvtCmci = 0x2f,
    kRegIcrLow = 0x30,
    kRegIcrHigh = 0x31,
    kRegLvtTimer = 0x32,  // then thermal, perfmon, LINT0, LINT1, error
    kRegLvtError = 0x37,
    kRegInitialCount = 0x38,
    kRegCurrentCount = 0x39,
    kRegDivideConfig = 0x3e,
    kRegSelfIpi = 0x3f,
};

constexpr uint64_t kBaseBsp = 1u << 8;
constexpr uint64_t kBaseExtd = 1u << 10;
constexpr uint64_t kBaseEnable = 1u << 11;
constexpr uint64_t kBaseAddressMask = 0x000ffffffffff000ull;

constexpr uint32_t kSvrEnable = 1u << 8;
constexpr uint32_t kSvrWritable = 0x3ff;  // vector, enable, focus check (no EOI suppression)
constexpr uint32_t kLvtMasked = 1u << 16;
constexpr uint32_t kLvtLevel = 1u << 15;
// Version 0x14 (integrated APIC), LVT entries 0..6 (CMCI included).
constexpr uint32_t kVersion = 0x14 | (6u << 16);

constexpr uint32_t kEsrSendIllegalVector = 1u << 5;
constexpr uint32_t kEsrReceiveIllegalVector = 1u << 6;
constexpr uint32_t kEsrIllegalRegister = 1u << 7;

constexpr unsigned kTimerOneShot = 0, kTimerPeriodic = 1, kTimerTscDeadline = 2;

// Writable bits of each LVT entry (SDM figure 11-8), in Lapic::Lvt order.
constexpr uint32_t kLvtWritable[] = {
    0x107ff,  // CMCI: vector, delivery mode, mask
    0x700ff,  // timer: vector, mask, timer mode
    0x107ff,  // thermal
    0x107ff,  // performance counters
    0x1a7ff,  // LINT0: vector, delivery mode, polarity, trigger, mask
    0x1a7ff,  // LINT1
    0x100ff,  // error: vector, mask
};

void set_bit(std::array<uint32_t, 8>& bits, unsigned n, bool value) {
    if (value)
        bits[n / 32] |= 1u << (n % 32);
    else
        bits[n / 32] &= ~(1u << (n % 32));
}

bool test_bit(const std::array<uint32_t, 8>& bits, unsigned n) {
    return bits[n / 32] & (1u << (n % 32));
}

int highest_bit(const std::array<uint32_t, 8>& bits) {
    for (int word = 7; word >= 0; word--)
        if (bits[word]) return word * 32 + 31 - __builtin_clz(bits[word]);
    return -1;
}

}  // namespace

Lapic::Lapic(std::string name, TimerQueue& timers, ApicBus& bus, uint32_t apic_id, bool is_bsp,
             uint64_t tsc_khz)
    : Device(std::move(name)),
      timers_(timers),
      bus_(bus),
      timer_(timers, [this] { timer_expired(); }),
      tsc_khz_(tsc_khz),
      power_on_bsp_(is_bsp),
      apic_id_(apic_id) {
    reset(is_bsp);
}

bool Lapic::x2apic_mode() const {
    return (apic_base_ & (kBaseEnable | kBaseExtd)) == (kBaseEnable | kBaseExtd);
}
bool Lapic::globally_enabled() const {
    return apic_base_ & kBaseEnable;
}
bool Lapic::software_enabled() const {
    return globally_enabled() && (svr_ & kSvrEnable);
}

void Lapic::reset(bool is_bsp) {
    apic_base_ = pc::kLapicBase | kBaseEnable | (is_bsp ? kBaseBsp : 0);
    init_registers();
    // The BSP comes up in virtual-wire mode, as firmware leaves it (MP spec 3.6.2.2), so a
    // guest that never touches the APIC still gets the PIC's interrupts and NMIs.
    if (is_bsp) {
        lvt_[kLvtLint0] = uint32_t(ApicDelivery::ExtInt) << 8;
        lvt_[kLvtLint1] = uint32_t(ApicDelivery::Nmi) << 8;
    }
    init_pending_ = false;
    nmi_pending_ = false;
    sipi_pending_.reset();
    notify_cpu();
}

// What RESET and INIT leave in the registers (SDM 11.4.7.3); the APIC ID and base survive.
void Lapic::init_registers() {
    tpr_ = 0;
    ldr_ = 0;
    dfr_ = 0xffffffff;
    svr_ = 0xff;
    isr_ = {};
    tmr_ = {};
    irr_ = {};
    esr_ = esr_pending_ = 0;
    icr_low_ = icr_high_ = 0;
    lvt_.fill(kLvtMasked);
    initial_count_ = 0;
    divide_config_ = 0;
    timer_start_ns_ = timers_.now_ns();
    tsc_deadline_ = 0;
    timer_.cancel();
}

void Lapic::notify_cpu() {
    if (cpu_) cpu_->interrupt_pending_changed();
}

int Lapic::highest_irr() const {
    return highest_bit(irr_);
}
int Lapic::highest_isr() const {
    return highest_bit(isr_);
}

uint8_t Lapic::ppr() const {
    int isrv = highest_isr();
    uint32_t isr_class = isrv < 0 ? 0 : uint32_t(isrv) & 0xf0;
    return (tpr_ & 0xf0) >= isr_class ? uint8_t(tpr_ & 0xff) : uint8_t(isr_class);
}

bool Lapic::extint_requested() const {
    uint32_t lvt = lvt_[kLvtLint0];
    return lint_level_[0] && !(lvt & kLvtMasked) &&
           ((lvt >> 8) & 7) == uint32_t(ApicDelivery::ExtInt);
}

bool Lapic::has_interrupt() const {
    // A globally disabled APIC is out of the way: LINT0 is the CPU's INTR pin.
    if (!globally_enabled()) return lint_level_[0];
    if (extint_requested()) return true;
    int vector = highest_irr();
    return vector >= 0 && (uint32_t(vector) & 0xf0) > (ppr() & 0xf0u);
}

int Lapic::acknowledge_interrupt() {
    if (!globally_enabled() || extint_requested()) {
        if (extint_ack_) return extint_ack_();
        return svr_ & 0xff;
    }
    int vector = highest_irr();
    if (vector >= 0 && (uint32_t(vector) & 0xf0) > (ppr() & 0xf0u)) {
        set_bit(irr_, unsigned(vector), false);
        set_bit(isr_, unsigned(vector), true);
        return vector;
    }
    // The request went away (or TPR rose) between INTR and INTA: the spurious vector.
    return svr_ & 0xff;
}

void Lapic::accept_fixed(uint8_t vector, bool level_triggered) {
    if (vector < 16) {
        set_error(kEsrReceiveIllegalVector);
        return;
    }
    set_bit(irr_, vector, true);
    set_bit(tmr_, vector, level_triggered);
    notify_cpu();
}

void Lapic::set_error(uint32_t bit) {
    esr_pending_ |= bit;
    uint32_t lvt = lvt_[kLvtError];
    uint8_t vector = lvt & 0xff;
    // An illegal error vector would raise another error: drop it instead.
    if (!(lvt & kLvtMasked) && vector >= 16) {
        set_bit(irr_, vector, true);
        set_bit(tmr_, vector, false);
        notify_cpu();
    }
}

void Lapic::eoi() {
    int vector = highest_isr();
    if (vector < 0) return;
    set_bit(isr_, unsigned(vector), false);
    if (test_bit(tmr_, unsigned(vector))) bus_.broadcast_eoi(uint8_t(vector));
    notify_cpu();
}

bool Lapic::matches(const ApicMessage& m) const {
    if (x2apic_mode()) {
        if (m.destination == 0xffffffff) return true;
        if (!m.logical) return m.destination == apic_id_;
        return (m.destination >> 16) == (ldr_ >> 16) && (m.destination & ldr_ & 0xffff);
    }
    uint8_t dest = uint8_t(m.destination);
    if (dest == 0xff) return true;
    if (!m.logical) return dest == (apic_id_ & 0xff);
    uint8_t logical_id = uint8_t(ldr_ >> 24);
    bool flat = (dfr_ >> 28) == 0xf;
    if (flat) return dest & logical_id;
    return (dest >> 4) == (logical_id >> 4) && (dest & logical_id & 0xf);
}

void Lapic::receive(const ApicMessage& m) {
    switch (m.delivery) {
        case ApicDelivery::Fixed:
        case ApicDelivery::LowestPriority:
            // A software-disabled APIC answers only NMI, INIT, SMI and SIPI (SDM 11.4.7.2).
            if (!software_enabled()) return;
            accept_fixed(m.vector, m.level_triggered);
            return;
        case ApicDelivery::Nmi:
            nmi_pending_ = true;
            notify_cpu();
            return;
        case ApicDelivery::Init:
            // INIT level de-assert only synchronises arbitration IDs, which kemu does not model.
            if (m.level_triggered && !m.assert) return;
            init_registers();
            init_pending_ = true;
            notify_cpu();
            return;
        case ApicDelivery::StartUp:
            sipi_pending_ = m.vector;
            notify_cpu();
            return;
        case ApicDelivery::Smi:
        case ApicDelivery::ExtInt:
            log_unimp("%s: %s message dropped", name().c_str(),
                      m.delivery == ApicDelivery::Smi ? "SMI" : "ExtINT");
            return;
    }
    log_guest_error("%s: message with reserved delivery mode %u dropped", name().c_str(),
                    unsigned(m.delivery));
}

void Lapic::set_lint(unsigned pin, bool level) {
    if (pin > 1) return;
    bool rising = level && !lint_level_[pin];
    lint_level_[pin] = level;
    if (!globally_enabled()) {
        // The pins are INTR and NMI straight to the core.
        if (pin == 0 || rising) {
            if (pin == 1) nmi_pending_ = true;
            notify_cpu();
        }
        return;
    }
    uint32_t lvt = lvt_[kLvtLint0 + pin];
    if (lvt & kLvtMasked) return;
    switch (ApicDelivery((lvt >> 8) & 7)) {
        case ApicDelivery::ExtInt:
            notify_cpu();
            return;
        case ApicDelivery::Nmi:
            if (rising) {
                nmi_pending_ = true;
                notify_cpu();
            }
            return;
        case ApicDelivery::Fixed:
            // Level-triggered LINT inputs are taken on the rising edge; remote IRR is not modelled.
            if (rising) accept_fixed(lvt & 0xff, pin == 0 && (lvt & kLvtLevel));
            return;
        default:
            if (rising)
                log_unimp("%s: LINT%u delivery mode %u not modelled", name().c_str(), pin,
                          (lvt >> 8) & 7);
            return;
    }
}

// --- registers ---

std::optional<uint32_t> Lapic::read_register(unsigned index) const {
    bool x2 = x2apic_mode();
    if (index >= kRegIsr && index < kRegIsr + 8) return isr_[index - kRegIsr];
    if (index >= kRegTmr && index < kRegTmr + 8) return tmr_[index - kRegTmr];
    if (index >= kRegIrr && index < kRegIrr + 8) return irr_[index - kRegIrr];
    if (index >= kRegLvtTimer && index <= kRegLvtError)
        return lvt_[kLvtTimer + (index - kRegLvtTimer)];
    switch (index) {
        case kRegId:
            return x2 ? apic_id_ : apic_id_ << 24;
        case kRegVersion:
            return kVersion;
        case kRegTpr:
            return tpr_;
        case kRegPpr:
            return ppr();
        case kRegLdr:
            return ldr_;
        case kRegSvr:
            return svr_;
        case kRegEsr:
            return esr_;
        case kRegLvtCmci:
            return lvt_[kLvtCmci];
        case kRegIcrLow:
            return icr_low_;
        case kRegInitialCount:
            return initial_count_;
        case kRegCurrentCount:
            return current_count();
        case kRegDivideConfig:
            return divide_config_;
        // xAPIC-only registers; in x2APIC mode their MSRs do not exist.
        case kRegApr:
        case kRegRrd:
            if (x2) return std::nullopt;
            return 0;
        case kRegEoi:
            if (x2) return std::nullopt;  // write-only MSR
            return 0;
        case kRegDfr:
            if (x2) return std::nullopt;
            return dfr_;
        case kRegIcrHigh:
            if (x2) return std::nullopt;
            return icr_high_;
        default:
            return std::nullopt;
    }
}

bool Lapic::write_register(unsigned index, uint64_t value) {
    bool x2 = x2apic_mode();
    uint32_t v = uint32_t(value);
    if (index >= kRegLvtTimer && index <= kRegLvtError) {
        write_lvt(kLvtTimer + (index - kRegLvtTimer), v);
        return true;
    }
    switch (index) {
        case kRegId:
            if (x2) return false;
            apic_id_ = v >> 24;
            return true;
        case kRegTpr:
            tpr_ = v & 0xff;
            notify_cpu();
            return true;
        case kRegEoi:
            if (x2 && value != 0) return false;
            eoi();
            return true;
        case kRegLdr:
            if (x2) return false;
            ldr_ = v & 0xff000000;
            return true;
        case kRegDfr:
            if (x2) return false;
            dfr_ = v | 0x0fffffff;
            return true;
        case kRegSvr:
            write_svr(v);
            return true;
        case kRegEsr:
            if (x2 && value != 0) return false;
            esr_ = esr_pending_;
            esr_pending_ = 0;
            return true;
        case kRegLvtCmci:
            write_lvt(kLvtCmci, v);
            return true;
        case kRegIcrLow:
            if (x2) {
                icr_high_ = uint32_t(value >> 32);
                write_icr(v, icr_high_);
            } else {
                write_icr(v, icr_high_);
            }
            return true;
        case kRegIcrHigh:
            if (x2) return false;
            icr_high_ = v & 0xff000000;
            return true;
        case kRegInitialCount:
            // Ignored in TSC-deadline mode (SDM 11.5.4.1).
            if (timer_mode() == kTimerTscDeadline) return true;
            initial_count_ = v;
            timer_start_ns_ = timers_.now_ns();
            arm_timer();
            return true;
        case kRegDivideConfig: {
            uint32_t remaining = current_count();
            divide_config_ = v & 0xb;
            // The count carries on at the new rate from where it is.
            if (initial_count_ && timer_mode() != kTimerTscDeadline) {
                timer_start_ns_ =
                    timers_.now_ns() - int64_t(initial_count_ - remaining) * timer_tick_ns();
                arm_timer();
            }
            return true;
        }
        case kRegSelfIpi:
            if (!x2) return false;
            accept_fixed(v & 0xff, false);
            return true;
        case kRegApr:
        case kRegRrd:
            return !x2;
        default:
            // Read-only and reserved registers: #GP in x2APIC mode, ignored writes otherwise;
            // an xAPIC access to a register that does not exist is an illegal register address.
            if (!x2 && !read_register(index)) set_error(kEsrIllegalRegister);
            return false;
    }
}

void Lapic::write_svr(uint32_t value) {
    svr_ = value & kSvrWritable;
    // Software-disabling masks every LVT entry (SDM 11.4.7.2).
    if (!(svr_ & kSvrEnable))
        for (uint32_t& lvt : lvt_)
            lvt |= kLvtMasked;
    notify_cpu();
}

void Lapic::write_lvt(unsigned lvt, uint32_t value) {
    uint32_t old = lvt_[lvt];
    value &= kLvtWritable[lvt];
    // The mask cannot be cleared while the APIC is software-disabled.
    if (!(svr_ & kSvrEnable)) value |= kLvtMasked;
    // LINT1 is always edge-triggered; remote IRR of LINT0 is not modelled.
    if (lvt == kLvtLint1) value &= ~kLvtLevel;
    lvt_[lvt] = value;
    if (lvt == kLvtTimer) {
        unsigned old_mode = (old >> 17) & 3;
        if (timer_mode() == 3) {
            log_guest_error("%s: reserved timer mode 3 written to LVT timer", name().c_str());
        }
        // Switching into or out of TSC-deadline mode disarms the timer (SDM 11.5.4.1).
        if ((old_mode == kTimerTscDeadline) != (timer_mode() == kTimerTscDeadline)) {
            initial_count_ = 0;
            tsc_deadline_ = 0;
        }
        arm_timer();
    }
    notify_cpu();
}

void Lapic::write_icr(uint32_t low, uint32_t high) {
    icr_low_ = low & 0x000cdfff;  // delivery status always reads idle
    ApicMessage m;
    m.vector = low & 0xff;
    m.delivery = ApicDelivery((low >> 8) & 7);
    m.logical = low & (1u << 11);
    m.assert = low & (1u << 14);
    m.level_triggered = low & (1u << 15);
    m.shorthand = ApicShorthand((low >> 18) & 3);
    m.destination = x2apic_mode() ? high : high >> 24;
    if (unsigned(m.delivery) == 3) {
        log_guest_error("%s: ICR with reserved delivery mode 3 ignored", name().c_str());
        return;
    }
    if ((m.delivery == ApicDelivery::Fixed || m.delivery == ApicDelivery::LowestPriority) &&
        m.vector < 16) {
        set_error(kEsrSendIllegalVector);
        return;
    }
    bus_.send(m, this);
}

uint64_t Lapic::mmio_read(uint64_t offset, unsigned size) {
    offset &= 0xfff;
    if (!globally_enabled() || x2apic_mode()) {
        log_guest_error("%s: xAPIC page read at 0x%x while the xAPIC interface is off",
                        name().c_str(), unsigned(offset));
        return 0;
    }
    auto value = read_register(unsigned(offset >> 4));
    if (!value) set_error(kEsrIllegalRegister);
    if (!value || (offset & 0xf) + size > 4) {
        log_guest_error("%s: read of reserved APIC offset 0x%x size %u", name().c_str(),
                        unsigned(offset), size);
        return 0;
    }
    uint64_t shifted = *value >> ((offset & 3) * 8);
    return size >= 4 ? shifted : shifted & ((1ull << (size * 8)) - 1);
}

void Lapic::mmio_write(uint64_t offset, uint64_t value, unsigned size) {
    offset &= 0xfff;
    if (!globally_enabled() || x2apic_mode()) {
        log_guest_error("%s: xAPIC page write at 0x%x while the xAPIC interface is off",
                        name().c_str(), unsigned(offset));
        return;
    }
    // The SDM requires aligned 32-bit accesses; anything else is ignored here.
    if ((offset & 0xf) != 0 || size != 4) {
        log_guest_error("%s: unaligned or non-32-bit APIC write at 0x%x size %u", name().c_str(),
                        unsigned(offset), size);
        return;
    }
    unsigned index = unsigned(offset >> 4);
    if (index == kRegSelfIpi) {
        set_error(kEsrIllegalRegister);
        return;
    }
    if (!write_register(index, uint32_t(value)))
        log_guest_error("%s: write 0x%x to read-only or reserved APIC offset 0x%x", name().c_str(),
                        unsigned(value), unsigned(offset));
}

void Lapic::set_apic_base(uint64_t value) {
    bool was_enabled = globally_enabled();
    apic_base_ = value;
    if (was_enabled && !globally_enabled()) {
        init_registers();
    }
    if (x2apic_mode()) ldr_ = ((apic_id_ >> 4) << 16) | (1u << (apic_id_ & 0xf));
    notify_cpu();
}

std::optional<uint64_t> Lapic::read_msr(uint32_t msr) {
    if (msr == kMsrApicBase) return apic_base_;
    if (msr == kMsrTscDeadline) return timer_mode() == kTimerTscDeadline ? tsc_deadline_ : 0;
    if (msr < kMsrX2apicFirst || msr > kMsrX2apicLast || !x2apic_mode()) return std::nullopt;
    unsigned index = msr - kMsrX2apicFirst;
    if (index == kRegIcrLow) return (uint64_t(icr_high_) << 32) | icr_low_;
    auto value = read_register(index);
    if (!value) return std::nullopt;
    return *value;
}

bool Lapic::write_msr(uint32_t msr, uint64_t value) {
    if (msr == kMsrApicBase) {
        if (value & ~(kBaseAddressMask | kBaseBsp | kBaseExtd | kBaseEnable)) return false;
        bool enable = value & kBaseEnable, extd = value & kBaseExtd;
        // Invalid state and transitions (SDM 11.12.5): x2APIC only from xAPIC, back only via off.
        if (extd && !enable) return false;
        if (x2apic_mode() && enable && !extd) return false;
        if (!globally_enabled() && enable && extd) return false;
        set_apic_base(value);
        return true;
    }
    if (msr == kMsrTscDeadline) {
        write_tsc_deadline(value);
        return true;
    }
    if (msr < kMsrX2apicFirst || msr > kMsrX2apicLast || !x2apic_mode()) return false;
    unsigned index = msr - kMsrX2apicFirst;
    // Reserved bits of the x2APIC ICR MSR: bits 12-13, 16-17, 20-31.
    if (index == kRegIcrLow && (value & 0xfff33000ull)) return false;
    if (index != kRegIcrLow && (value >> 32)) return false;
    return write_register(index, value);
}

// --- timer ---

unsigned Lapic::timer_mode() const {
    return (lvt_[kLvtTimer] >> 17) & 3;
}

int64_t Lapic::timer_tick_ns() const {
    uint32_t code = (divide_config_ & 3) | ((divide_config_ >> 1) & 4);
    int64_t divisor = code == 7 ? 1 : int64_t(2) << code;
    return divisor * (1'000'000'000 / kBusHz);
}

uint32_t Lapic::current_count() const {
    if (initial_count_ == 0 || timer_mode() == kTimerTscDeadline) return 0;
    int64_t ticks = (timers_.now_ns() - timer_start_ns_) / timer_tick_ns();
    if (timer_mode() == kTimerPeriodic) return initial_count_ - uint32_t(ticks % initial_count_);
    return ticks >= int64_t(initial_count_) ? 0 : initial_count_ - uint32_t(ticks);
}

void Lapic::arm_timer() {
    if (timer_mode() == kTimerTscDeadline) {
        if (tsc_deadline_)
            timer_.arm(tsc_to_ns(tsc_deadline_));
        else
            timer_.cancel();
        return;
    }
    if (initial_count_ == 0 || timer_mode() == 3) {
        timer_.cancel();
        return;
    }
    int64_t period = int64_t(initial_count_) * timer_tick_ns();
    int64_t now = timers_.now_ns();
    if (timer_mode() == kTimerPeriodic) {
        int64_t periods = (now - timer_start_ns_) / period;
        timer_.arm(timer_start_ns_ + (periods + 1) * period);
    } else if (now < timer_start_ns_ + period) {
        timer_.arm(timer_start_ns_ + period);
    } else {
        timer_.cancel();
    }
}

void Lapic::timer_expired() {
    if (timer_mode() == kTimerTscDeadline) tsc_deadline_ = 0;
    uint32_t lvt = lvt_[kLvtTimer];
    if (!(lvt & kLvtMasked)) accept_fixed(lvt & 0xff, false);
    if (timer_mode() == kTimerPeriodic) arm_timer();
}

uint64_t Lapic::tsc_now() const {
    // ns * khz / 10^6 exactly (mod 2^64), in 64-bit steps: a guest reads the TSC often
    // enough (sched_clock, delay loops) that a 128-bit division showed in profiles.
    const uint64_t ns = uint64_t(timers_.now_ns());
    return ns / 1'000'000 * tsc_khz_ + ns % 1'000'000 * tsc_khz_ / 1'000'000;
}

int64_t Lapic::tsc_to_ns(uint64_t tsc) const {
    // The first nanosecond at which tsc_now() >= tsc.
    unsigned __int128 ns = ((unsigned __int128)tsc * 1'000'000 + tsc_khz_ - 1) / tsc_khz_;
    return ns > INT64_MAX ? INT64_MAX : int64_t(ns);
}

void Lapic::write_tsc_deadline(uint64_t tsc) {
    // Outside TSC-deadline mode the MSR reads 0 and ignores writes (SDM 11.5.4.1).
    if (timer_mode() != kTimerTscDeadline) return;
    tsc_deadline_ = tsc;
    arm_timer();
}

// --- state ---

void Lapic::save(StateWriter& out) const {
    state_fields(*this, out);
}

Result<void> Lapic::load(StateReader& in, uint32_t version) {
    KEMU_TRY_VOID(check_state_version(*this, version));
    state_fields(*this, in);
    KEMU_TRY_VOID(finish_load(*this, in));
    arm_timer();
    notify_cpu();
    return ok();
}

std::string Lapic::describe() const {
    return "id = " + std::to_string(apic_id_);
}

LapicInfo Lapic::info() const {
    auto vectors = [](const Bits256& bits) {
        std::vector<uint8_t> out;
        for (unsigned v = 0; v < 256; v++)
            if (test_bit(bits, v)) out.push_back(uint8_t(v));
        return out;
    };
    // DCR bits 3, 1:0 select divide by 2, 4, ..., 128, and 0b111 by 1 (SDM 11.5.4).
    uint32_t code = (divide_config_ & 3) | ((divide_config_ >> 1) & 4);
    LapicInfo info;
    info.apic_id = apic_id_;
    info.apic_base = apic_base_;
    info.mode = !globally_enabled() ? LapicInfo::Mode::Disabled
                : x2apic_mode()     ? LapicInfo::Mode::X2Apic
                                    : LapicInfo::Mode::XApic;
    info.bsp = (apic_base_ & kBaseBsp) != 0;
    info.lvt = lvt_;
    info.divide_config = divide_config_;
    info.divide_by = code == 7 ? 1u : 2u << code;
    info.initial_count = initial_count_;
    info.current_count = current_count();
    info.tsc_deadline = tsc_deadline_;
    info.svr = svr_;
    info.icr = icr_low_;
    info.icr2 = icr_high_;
    info.esr = esr_;
    info.isr = vectors(isr_);
    info.irr = vectors(irr_);
    info.tpr = tpr_;
    info.dfr = uint8_t(dfr_ >> 24);
    info.ldr = x2apic_mode() ? ldr_ : ldr_ >> 24;
    info.ppr = ppr();
    return info;
}

}  // namespace kemu
