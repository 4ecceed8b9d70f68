#include "hw/timer/i8254.h"

#include <algorithm>

#include "hw/core/device_state.h"
#include "system/log.h"

namespace kemu {

namespace {

constexpr int64_t kNsPerSecond = 1'000'000'000;
// The DRAM refresh request toggles port 0x61 bit 4 every 15.085 us (counter 1 on the AT).
constexpr int64_t kRefreshToggleNs = 15085;
constexpr uint8_t kPort61Writable = 0x0f, kPort61Gate2 = 0x01, kPort61Refresh = 0x10,
                  kPort61Out2 = 0x20;
constexpr uint8_t kReadBackNoCount = 0x20, kReadBackNoStatus = 0x10;

uint32_t bcd_to_binary(uint16_t bcd) {
    return ((bcd >> 12) & 0xf) * 1000 + ((bcd >> 8) & 0xf) * 100 + ((bcd >> 4) & 0xf) * 10 +
           (bcd & 0xf);
}

uint16_t binary_to_bcd(uint32_t v) {
    return uint16_t(((v / 1000 % 10) << 12) | ((v / 100 % 10) << 8) | ((v / 10 % 10) << 4) |
                    (v % 10));
}

int64_t ticks_in(int64_t ns) {
    return int64_t((__int128)ns * I8254::kHz / kNsPerSecond);
}

bool periodic(uint8_t mode) {
    return mode == 2 || mode == 3;
}

bool gate_triggered(uint8_t mode) {
    return mode == 1 || mode == 5;
}

}  // namespace

I8254::I8254(std::string name, TimerQueue& timers)
    : Device(std::move(name)),
      timers_(timers),
      io_(MemoryRegion::io(
          this->name(), 4,
          IoOps{
              .read = [this](uint64_t offset, unsigned) -> uint64_t {
                  return read_port(unsigned(offset));
              },
              .write = [this](uint64_t offset, uint64_t value,
                              unsigned) { write_port(unsigned(offset), uint8_t(value)); },
              .valid = {1, 4, true},
              .impl = {1, 1, false},
          })),
      port61_io_(MemoryRegion::io(this->name() + "-port61", 1,
                                  IoOps{
                                      .read = [this](uint64_t, unsigned) -> uint64_t {
                                          int64_t now = timers_.now_ns();
                                          bool refresh = (now / kRefreshToggleNs) & 1;
                                          return (port61_ & kPort61Writable) |
                                                 (refresh ? kPort61Refresh : 0) |
                                                 (out(2) ? kPort61Out2 : 0);
                                      },
                                      .write =
                                          [this](uint64_t, uint64_t value, unsigned) {
                                              port61_ = uint8_t(value) & kPort61Writable;
                                              set_gate(2, value & kPort61Gate2);
                                          },
                                      .valid = {1, 1, false},
                                      .impl = {1, 1, false},
                                  })),
      timer_(timers, [this] { update_irq(); }) {
    reset();
}

void I8254::reset() {
    for (unsigned i = 0; i < counters_.size(); i++) {
        counters_[i] = Counter{};
        // GATE0 and GATE1 are tied high on the PC; GATE2 is port 0x61 bit 0.
        counters_[i].gate = i != 2;
    }
    port61_ = 0;
    last_irq_ticks_ = 0;
    update_irq();
}

// --- time ---

int64_t I8254::elapsed_ticks(const Counter& c, int64_t now) const {
    return c.base_ticks + (c.counting ? ticks_in(now - c.start_ns) : 0);
}

int64_t I8254::tick_time(const Counter& c, int64_t tick) const {
    int64_t delta = tick - c.base_ticks;
    return c.start_ns + int64_t(((__int128)delta * kNsPerSecond + kHz - 1) / kHz);
}

// N: a count of 0 means 2^16 (binary) or 10^4 (BCD).
int64_t I8254::period(const Counter& c) const {
    int64_t n = c.bcd ? bcd_to_binary(c.reload) : c.reload;
    if (n == 0) n = c.bcd ? 10000 : 65536;
    // A count of 1 is illegal in modes 2 and 3; the shortest real period is 2.
    if (periodic(c.mode)) n = std::max<int64_t>(n, 2);
    return n;
}

bool I8254::out_at(const Counter& c, int64_t e) const {
    if (!c.loaded) return c.mode != 0;
    int64_t n = period(c);
    switch (c.mode) {
        case 0:
            return e >= n;
        case 1:
            return !c.triggered || e >= n;
        case 2:
            return !c.gate || e % n != n - 1;
        case 3:
            return !c.gate || e % n < (n + 1) / 2;
        case 4:
            return e != n;
        case 5:
            return !c.triggered || e != n;
    }
    return true;
}

uint16_t I8254::count_at(const Counter& c, int64_t e) const {
    int64_t modulus = c.bcd ? 10000 : 65536;
    int64_t n = period(c);
    int64_t value;
    if (!c.loaded || (gate_triggered(c.mode) && !c.triggered)) {
        value = n % modulus;
    } else if (c.mode == 2) {
        value = n - e % n;
    } else if (c.mode == 3) {
        // Counts down by two through each half of the square wave.
        int64_t phase = e % n, high = (n + 1) / 2;
        value = n - 2 * (phase < high ? phase : phase - high);
    } else {
        value = ((n - e) % modulus + modulus) % modulus;
    }
    value %= modulus;
    return c.bcd ? binary_to_bcd(uint32_t(value)) : uint16_t(value);
}

int64_t I8254::next_transition(const Counter& c, int64_t e) const {
    if (!c.loaded || !c.counting) return -1;
    int64_t n = period(c);
    switch (c.mode) {
        case 0:
        case 1:
            return e < n ? n : -1;
        case 2:
            // The one-tick low pulse is folded into the rising edge (update_irq).
            return e - e % n + n;
        case 3: {
            int64_t phase = e % n, high = (n + 1) / 2;
            return phase < high ? e - phase + high : e - phase + n;
        }
        case 4:
        case 5:
            return e < n ? n : e == n ? n + 1 : -1;
    }
    return -1;
}

bool I8254::out(unsigned index) const {
    const Counter& c = counters_[index];
    return out_at(c, elapsed_ticks(c, timers_.now_ns()));
}

uint16_t I8254::count(unsigned index) const {
    const Counter& c = counters_[index];
    return count_at(c, elapsed_ticks(c, timers_.now_ns()));
}

void I8254::update_irq() {
    const Counter& c = counters_[0];
    int64_t e = elapsed_ticks(c, timers_.now_ns());
    bool level = out_at(c, e);
    // A periodic OUT0 that went through a rising edge since the last look (a mode-2 pulse,
    // or a timer that ran late) must still give the PIC its edge.
    if (c.loaded && c.counting && periodic(c.mode) && level && irq_.level() &&
        e / period(c) > last_irq_ticks_ / period(c))
        irq_.lower();
    irq_.set(level);
    last_irq_ticks_ = e;
    int64_t next = next_transition(c, e);
    if (next < 0)
        timer_.cancel();
    else
        timer_.arm(tick_time(c, next));
}

// --- gate and count loading ---

void I8254::set_gate(unsigned index, bool level) {
    Counter& c = counters_[index];
    if (level == c.gate) return;
    int64_t now = timers_.now_ns();
    c.gate = level;
    if (level) {
        if (c.loaded) {
            // Modes 1, 2, 3 and 5 (re)start on the rising edge; 0 and 4 resume.
            if (c.mode != 0 && c.mode != 4) c.base_ticks = 0;
            if (gate_triggered(c.mode)) c.triggered = true;
            c.start_ns = now;
            c.counting = true;
        }
    } else if (c.mode == 0 || c.mode == 4 || periodic(c.mode)) {
        c.base_ticks = periodic(c.mode) ? 0 : elapsed_ticks(c, now);
        c.counting = false;
    }
    if (index == 0) update_irq();
}

void I8254::load_count(Counter& c) {
    c.loaded = true;
    c.base_ticks = 0;
    c.start_ns = timers_.now_ns();
    // Modes 1 and 5 wait for a gate edge; the others count while the gate is high.
    c.counting = gate_triggered(c.mode) ? c.triggered : c.gate;
    if (&c == &counters_[0]) {
        last_irq_ticks_ = 0;
        update_irq();
    }
}

void I8254::write_count(Counter& c, uint8_t value) {
    switch (c.access) {
        case Access::Lsb:
            c.reload = value;
            break;
        case Access::Msb:
            c.reload = uint16_t(value << 8);
            break;
        case Access::LsbMsb:
            if (!c.write_msb_next) {
                c.written_lsb = value;
                c.write_msb_next = true;
                // In mode 0 the first byte stops the count until the second arrives.
                if (c.mode == 0 && c.counting) {
                    c.base_ticks = elapsed_ticks(c, timers_.now_ns());
                    c.counting = false;
                }
                return;
            }
            c.write_msb_next = false;
            c.reload = uint16_t(c.written_lsb | (value << 8));
            break;
        case Access::Latch:
            return;
    }
    load_count(c);
}

void I8254::latch_count(unsigned index) {
    Counter& c = counters_[index];
    if (c.count_latched) return;  // the first latch holds until it is read
    c.latched_count = count(index);
    c.count_latched = true;
}

uint8_t I8254::status(unsigned index) const {
    const Counter& c = counters_[index];
    return uint8_t((out(index) ? 0x80 : 0) | (c.loaded ? 0 : 0x40) | (uint8_t(c.access) << 4) |
                   (c.mode << 1) | (c.bcd ? 1 : 0));
}

uint8_t I8254::read_count(Counter& c) {
    if (c.status_latched) {
        c.status_latched = false;
        return c.latched_status;
    }
    uint16_t value = c.count_latched ? c.latched_count : count(unsigned(&c - counters_.data()));
    uint8_t byte;
    bool done = true;
    switch (c.access) {
        case Access::Msb:
            byte = uint8_t(value >> 8);
            break;
        case Access::LsbMsb:
            byte = c.read_msb_next ? uint8_t(value >> 8) : uint8_t(value);
            done = c.read_msb_next;
            c.read_msb_next = !c.read_msb_next;
            break;
        default:
            byte = uint8_t(value);
            break;
    }
    if (done) c.count_latched = false;
    return byte;
}

void I8254::read_back(uint8_t value) {
    for (unsigned i = 0; i < 3; i++) {
        if (!(value & (2u << i))) continue;
        if (!(value & kReadBackNoCount)) latch_count(i);
        if (!(value & kReadBackNoStatus) && !counters_[i].status_latched) {
            counters_[i].latched_status = status(i);
            counters_[i].status_latched = true;
        }
    }
}

void I8254::write_control(uint8_t value) {
    unsigned index = value >> 6;
    if (index == 3) return read_back(value);
    Access access = Access((value >> 4) & 3);
    if (access == Access::Latch) return latch_count(index);
    Counter& c = counters_[index];
    uint8_t mode = (value >> 1) & 7;
    c.mode = mode > 5 ? mode - 4 : mode;  // 6 and 7 are 2 and 3
    c.bcd = value & 1;
    c.access = access;
    c.loaded = false;
    c.counting = false;
    c.triggered = false;
    c.base_ticks = 0;
    c.count_latched = c.status_latched = false;
    c.read_msb_next = c.write_msb_next = false;
    if (index == 0) update_irq();
}

uint8_t I8254::read_port(unsigned port) {
    if (port == 3) {
        log_guest_error("%s: read of the write-only control word port", name().c_str());
        return 0xff;
    }
    return read_count(counters_[port]);
}

void I8254::write_port(unsigned port, uint8_t value) {
    if (port == 3)
        write_control(value);
    else
        write_count(counters_[port], value);
}

// --- state ---

void I8254::save(StateWriter& out) const {
    state_fields(*this, out);
}

Result<void> I8254::load(StateReader& in, uint32_t version) {
    KEMU_TRY_VOID(check_state_version(*this, version));
    state_fields(*this, in);
    bool valid = true;
    for (Counter& c : counters_) {
        c.access = Access(uint8_t(c.access) & 3);
        valid &= c.mode <= 5 && c.base_ticks >= 0;
    }
    port61_ &= kPort61Writable;
    KEMU_TRY_VOID(finish_load(*this, in, valid));
    update_irq();
    return ok();
}

std::string I8254::describe() const {
    return "iobase = 0x40, irq = 0";
}

}  // namespace kemu
