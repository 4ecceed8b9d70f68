#include "hw/timer/mc146818_rtc.h"

#include <cstdio>
#include <ctime>

#include "hw/core/device_state.h"
#include "system/log.h"

namespace kemu {

namespace {

enum Index : uint8_t {
    kSeconds = 0x00,
    kSecondsAlarm = 0x01,
    kMinutes = 0x02,
    kMinutesAlarm = 0x03,
    kHours = 0x04,
    kHoursAlarm = 0x05,
    kDayOfWeek = 0x06,
    kDayOfMonth = 0x07,
    kMonth = 0x08,
    kYear = 0x09,
    kRegA = 0x0a,
    kRegB = 0x0b,
    kRegC = 0x0c,
    kRegD = 0x0d,
};

constexpr uint8_t kAUip = 0x80;
constexpr uint8_t kARateSelect = 0x0f;
constexpr uint8_t kBSet = 0x80;
constexpr uint8_t kBPie = 0x40;
constexpr uint8_t kBAie = 0x20;
constexpr uint8_t kBUie = 0x10;
constexpr uint8_t kBSqwe = 0x08;
constexpr uint8_t kBBinary = 0x04;
constexpr uint8_t kB24Hour = 0x02;
constexpr uint8_t kCIrqf = 0x80;
constexpr uint8_t kCPf = 0x40;
constexpr uint8_t kCAf = 0x20;
constexpr uint8_t kCUf = 0x10;
constexpr uint8_t kCFlags = kCPf | kCAf | kCUf;  // each sits at its enable's bit in B
constexpr uint8_t kDValidRam = 0x80;
constexpr uint8_t kHourPm = 0x80;
constexpr uint8_t kAlarmDontCare = 0xc0;

// Power-on contents of the battery-backed registers as a BIOS leaves them:
// 32.768 kHz time base with a 1024 Hz periodic rate; 24-hour BCD.
constexpr uint8_t kInitialA = 0x26;
constexpr uint8_t kInitialB = kB24Hour;

constexpr int64_t kNsPerSecond = 1'000'000'000;
constexpr int64_t kTicksPerSecond = 32768;  // the time-base crystal
// UIP rises 244 us (8 ticks) before each update.
constexpr int64_t kUipTicks = 8;

int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// Virtual-clock offset of time-base tick `tick` within a second (first ns at or after it).
int64_t tick_to_ns(int64_t tick) {
    return (tick * kNsPerSecond + kTicksPerSecond - 1) / kTicksPerSecond;
}

// The registers the running clock owns: a read sees the current time, a write moves it.
bool is_clock_register(uint8_t index) {
    switch (index) {
        case kSeconds:
        case kMinutes:
        case kHours:
        case kDayOfWeek:
        case kDayOfMonth:
        case kMonth:
        case kYear:
        case Mc146818Rtc::kCenturyIndex:
            return true;
        default:
            return false;
    }
}

}  // namespace

Mc146818Rtc::Mc146818Rtc(std::string name, TimerQueue& timers, UtcSeconds host_utc, uint16_t iobase,
                         unsigned irq_number)
    : Device(std::move(name)),
      timers_(timers),
      iobase_(iobase),
      irq_number_(irq_number),
      io_(MemoryRegion::io(this->name(), 2,
                           IoOps{
                               .read = [this](uint64_t offset, unsigned) -> uint64_t {
                                   // The index register is write-only.
                                   return offset == 0 ? 0xff : read_data();
                               },
                               .write =
                                   [this](uint64_t offset, uint64_t value, unsigned) {
                                       if (offset == 0) {
                                           index_ = value & 0x7f;
                                           nmi_masked_ = value & 0x80;
                                       } else {
                                           write_data(uint8_t(value));
                                       }
                                   },
                               .valid = {1, 4, true},
                               .impl = {1, 1, false},
                           })),
      periodic_timer_(timers, [this] { periodic_tick(); }),
      update_timer_(timers, [this] { update_cycle(); }) {
    int64_t now = timers_.now_ns();
    phase_ns_ = now - floor_div(now, kNsPerSecond) * kNsPerSecond;
    epoch_offset_s_ = (host_utc ? host_utc() : 0) - second_index(now);
    pf_checked_until_ns_ = now;
    cmos_[kRegA] = kInitialA;
    cmos_[kRegB] = kInitialB;
    cmos_[kRegD] = kDValidRam;
    refresh_time_registers();
    reset();
}

void Mc146818Rtc::reset() {
    sync_periodic_flag();
    cmos_[kRegB] &= uint8_t(~(kBPie | kBAie | kBUie | kBSqwe));
    cmos_[kRegC] = 0;
    index_ = 0;
    nmi_masked_ = false;
    update_irq();
    schedule_timers();
}

void Mc146818Rtc::set_cmos(uint8_t index, uint8_t value) {
    KEMU_ASSERT(index >= kFirstNvramIndex && index < kCmosSize);
    cmos_[index & 0x7f] = value;
}

uint8_t Mc146818Rtc::cmos(uint8_t index) {
    uint8_t saved = index_;
    index_ = index & 0x7f;
    uint8_t value = index_ == kRegC ? cmos_[kRegC] : read_data();
    index_ = saved;
    return value;
}

bool Mc146818Rtc::running() const {
    return !(cmos_[kRegB] & kBSet);
}

int64_t Mc146818Rtc::second_index(int64_t now_ns) const {
    return floor_div(now_ns - phase_ns_, kNsPerSecond);
}

int64_t Mc146818Rtc::rtc_seconds() const {
    return epoch_offset_s_ + second_index(timers_.now_ns());
}

uint8_t Mc146818Rtc::read_data() {
    if (is_clock_register(index_)) {
        refresh_time_registers();
        return cmos_[index_];
    }
    switch (index_) {
        case kRegA:
            return (cmos_[kRegA] & uint8_t(~kAUip)) | (update_in_progress() ? kAUip : 0);
        case kRegC:
            return read_register_c();
        case kRegD:
            return kDValidRam;
        default:
            return cmos_[index_];
    }
}

void Mc146818Rtc::write_data(uint8_t value) {
    if (is_clock_register(index_)) {
        // With SET the registers hold what the guest writes until SET clears;
        // without it, the write moves the running clock at once.
        if (!running()) {
            cmos_[index_] = value;
            return;
        }
        refresh_time_registers();
        cmos_[index_] = value;
        set_time_from_registers();
        return;
    }
    switch (index_) {
        case kRegA:
            return write_register_a(value);
        case kRegB:
            return write_register_b(value);
        case kRegC:
        case kRegD:
            log_guest_error("%s: write 0x%02x to read-only register %s ignored", name().c_str(),
                            value, index_ == kRegC ? "C" : "D");
            return;
        default:
            cmos_[index_] = value;
            return;
    }
}

void Mc146818Rtc::write_register_a(uint8_t value) {
    sync_periodic_flag();
    // The divider-chain bits (DV) are stored; the time base always runs (docs/devices.md).
    cmos_[kRegA] = value & uint8_t(~kAUip);
    schedule_timers();
}

void Mc146818Rtc::write_register_b(uint8_t value) {
    sync_periodic_flag();
    uint8_t old = cmos_[kRegB];
    // Setting SET stops updates and, per the datasheet, clears UIE.
    if (value & kBSet) value &= uint8_t(~kBUie);
    // Freeze the current time in the old format before the format bits change.
    if (!(old & kBSet) && (value & kBSet)) refresh_time_registers();
    cmos_[kRegB] = value;
    if ((old & kBSet) && !(value & kBSet)) set_time_from_registers();
    update_irq();
    schedule_timers();
}

uint8_t Mc146818Rtc::read_register_c() {
    sync_periodic_flag();
    // A flag the sync just set counts for IRQF too (without pulsing the line now).
    uint8_t value = cmos_[kRegC];
    if (value & cmos_[kRegB] & kCFlags) value |= kCIrqf;
    cmos_[kRegC] = 0;
    update_irq();
    return value;
}

int64_t Mc146818Rtc::periodic_period_ticks() const {
    unsigned rate = cmos_[kRegA] & kARateSelect;
    if (rate == 0) return 0;
    // With the 32.768 kHz base, rates 1 and 2 repeat rates 8 and 9.
    if (rate <= 2) rate += 7;
    return int64_t(1) << (rate - 1);
}

int64_t Mc146818Rtc::next_periodic_edge_after(int64_t t_ns) const {
    // Periodic edges are aligned to the second boundaries (500 ms divides a second).
    int64_t second = second_index(t_ns);
    int64_t start = phase_ns_ + second * kNsPerSecond;
    int64_t tick = (t_ns - start) * kTicksPerSecond / kNsPerSecond;
    int64_t period = periodic_period_ticks();
    int64_t next_tick = (tick / period + 1) * period;
    return start + tick_to_ns(next_tick);
}

bool Mc146818Rtc::update_in_progress() const {
    if (!running()) return false;
    int64_t now = timers_.now_ns();
    int64_t into_second = now - phase_ns_ - second_index(now) * kNsPerSecond;
    return into_second >= tick_to_ns(kTicksPerSecond - kUipTicks);
}

uint8_t Mc146818Rtc::encode(unsigned value) const {
    if (cmos_[kRegB] & kBBinary) return uint8_t(value);
    return uint8_t(((value / 10) << 4) | (value % 10));
}

unsigned Mc146818Rtc::decode(uint8_t value) const {
    // Invalid BCD digits decode to out-of-range fields; timegm() normalises them.
    if (cmos_[kRegB] & kBBinary) return value;
    return (value >> 4) * 10 + (value & 0x0f);
}

uint8_t Mc146818Rtc::encode_hour(unsigned hour24) const {
    if (cmos_[kRegB] & kB24Hour) return encode(hour24);
    unsigned hour12 = hour24 % 12 == 0 ? 12 : hour24 % 12;
    return encode(hour12) | (hour24 >= 12 ? kHourPm : 0);
}

unsigned Mc146818Rtc::decode_hour(uint8_t value) const {
    if (cmos_[kRegB] & kB24Hour) return decode(value);
    return decode(value & uint8_t(~kHourPm)) % 12 + ((value & kHourPm) ? 12 : 0);
}

void Mc146818Rtc::refresh_time_registers() {
    if (!running()) return;
    time_t seconds = time_t(rtc_seconds());
    std::tm tm{};
    if (!gmtime_r(&seconds, &tm)) return;
    int64_t year = int64_t(tm.tm_year) + 1900;
    cmos_[kSeconds] = encode(unsigned(tm.tm_sec));
    cmos_[kMinutes] = encode(unsigned(tm.tm_min));
    cmos_[kHours] = encode_hour(unsigned(tm.tm_hour));
    cmos_[kDayOfWeek] = encode(unsigned(tm.tm_wday) + 1);  // Sunday = 1
    cmos_[kDayOfMonth] = encode(unsigned(tm.tm_mday));
    cmos_[kMonth] = encode(unsigned(tm.tm_mon) + 1);
    cmos_[kYear] = encode(unsigned(year % 100));
    cmos_[kCenturyIndex] = encode(unsigned(year / 100));
}

void Mc146818Rtc::set_time_from_registers() {
    // Day of week is not an input: the date determines it.
    std::tm tm{};
    tm.tm_sec = int(decode(cmos_[kSeconds]));
    tm.tm_min = int(decode(cmos_[kMinutes]));
    tm.tm_hour = int(decode_hour(cmos_[kHours]));
    tm.tm_mday = int(decode(cmos_[kDayOfMonth]));
    tm.tm_mon = int(decode(cmos_[kMonth])) - 1;
    tm.tm_year = int(decode(cmos_[kCenturyIndex]) * 100 + decode(cmos_[kYear])) - 1900;
    int64_t seconds = int64_t(timegm(&tm));
    // The divider chain keeps running, so the fraction of the current second is kept.
    epoch_offset_s_ = seconds - second_index(timers_.now_ns());
    refresh_time_registers();
}

bool Mc146818Rtc::alarm_matches() const {
    constexpr std::pair<uint8_t, uint8_t> kPairs[] = {
        {kSecondsAlarm, kSeconds}, {kMinutesAlarm, kMinutes}, {kHoursAlarm, kHours}};
    for (auto [alarm, time] : kPairs) {
        uint8_t a = cmos_[alarm];
        if ((a & kAlarmDontCare) != kAlarmDontCare && a != cmos_[time]) return false;
    }
    return true;
}

void Mc146818Rtc::sync_periodic_flag() {
    // PF is set by every periodic edge whether or not PIE is on; without PIE no
    // timer runs, so edges since the last look are accounted for here.
    int64_t now = timers_.now_ns();
    if (periodic_period_ticks() && next_periodic_edge_after(pf_checked_until_ns_) <= now)
        cmos_[kRegC] |= kCPf;
    pf_checked_until_ns_ = now;
}

void Mc146818Rtc::schedule_timers() {
    int64_t now = timers_.now_ns();
    if ((cmos_[kRegB] & kBPie) && periodic_period_ticks())
        periodic_timer_.arm(next_periodic_edge_after(now));
    else
        periodic_timer_.cancel();
    // Updates (and with them UF and AF) happen once a second while SET is clear.
    if (running())
        update_timer_.arm(phase_ns_ + (second_index(now) + 1) * kNsPerSecond);
    else
        update_timer_.cancel();
}

void Mc146818Rtc::periodic_tick() {
    // The timer may run late, after a read of register C already counted this edge:
    // the sync sets PF only for edges nothing has seen yet.
    sync_periodic_flag();
    update_irq();
    schedule_timers();
}

void Mc146818Rtc::update_cycle() {
    if (running()) {
        cmos_[kRegC] |= kCUf;
        refresh_time_registers();
        if (alarm_matches()) cmos_[kRegC] |= kCAf;
        update_irq();
    }
    schedule_timers();
}

void Mc146818Rtc::update_irq() {
    bool irqf = cmos_[kRegC] & cmos_[kRegB] & kCFlags;
    if (irqf)
        cmos_[kRegC] |= kCIrqf;
    else
        cmos_[kRegC] &= uint8_t(~kCIrqf);
    irq_.set(irqf);
}

void Mc146818Rtc::save(StateWriter& out) const {
    state_fields(*this, out);
}

Result<void> Mc146818Rtc::load(StateReader& in, uint32_t version) {
    KEMU_TRY_VOID(check_state_version(*this, version));
    state_fields(*this, in);
    index_ &= 0x7f;
    KEMU_TRY_VOID(finish_load(*this, in, phase_ns_ >= 0 && phase_ns_ < kNsPerSecond));
    update_irq();
    schedule_timers();
    return ok();
}

std::string Mc146818Rtc::describe() const {
    char line[48];
    std::snprintf(line, sizeof line, "iobase = 0x%x, irq = %u", iobase_, irq_number_);
    return line;
}

}  // namespace kemu
