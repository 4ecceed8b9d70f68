// Drives hw/ devices from GoogleTest without a CPU: an I/O port bus with
// outb/inb helpers, a manual clock whose step() fires every timer at its own
// deadline and an IRQ level recorder. The Chardev that captures output is
// tests/unit/common/fixtures.h's CaptureChardev.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hw/core/device.h"
#include "hw/core/irq.h"
#include "hw/core/state_io.h"
#include "system/address_space.h"
#include "system/clock.h"
#include "tests/unit/common/fixtures.h"

namespace kemu::test {

// A 64 KiB I/O port space and the outb/inb family that drives it; the rigs of
// single devices and of whole controllers (tests/unit/hw/ide/ide_rig.h) share it.
class PortBus {
  public:
    AddressSpace io{"io", 0x10000};

    void outb(uint16_t port, uint8_t v) { (void)io.write(port, 1, v); }
    void outw(uint16_t port, uint16_t v) { (void)io.write(port, 2, v); }
    void outl(uint16_t port, uint32_t v) { (void)io.write(port, 4, v); }
    uint8_t inb(uint16_t port) { return uint8_t(in(port, 1)); }
    uint16_t inw(uint16_t port) { return uint16_t(in(port, 2)); }
    uint32_t inl(uint16_t port) { return uint32_t(in(port, 4)); }

  private:
    uint64_t in(uint16_t port, unsigned size) {
        uint64_t v = 0;
        (void)io.read(port, size, &v);
        return v;
    }
};

class DeviceHarness : public PortBus {
  public:
    ManualClock clock;
    TimerQueue timers{clock};

    void map(uint16_t port, MemoryRegion& region) { ASSERT_TRUE(io.map(port, &region).ok()); }

    int64_t now() const { return clock.now_ns(); }
    // Advances time by `ns`, stopping at each timer deadline on the way so a timer
    // that re-arms itself fires as often as it would in real time.
    void step(int64_t ns) {
        int64_t target = clock.now_ns() + ns;
        for (;;) {
            int64_t next = std::min(timers.next_deadline(), target);
            if (next > clock.now_ns()) clock.step(next - clock.now_ns());
            timers.run_expired();
            if (clock.now_ns() >= target && timers.next_deadline() > target) return;
        }
    }
};

// Follows an IrqLine: its current level and how many rising edges it produced.
class IrqRecorder {
  public:
    explicit IrqRecorder(IrqLine& line) {
        line.connect([this](bool level) {
            level_ = level;
            if (level) raises_++;
        });
    }
    bool level() const { return level_; }
    int raises() const { return raises_; }
    void clear_count() { raises_ = 0; }

  private:
    bool level_ = false;
    int raises_ = 0;
};

// Captures what the guest writes; `type()` delivers input as a backend would
// (no more than the frontend can take) and returns how much was taken.
// Saves `from`, loads the bytes into `to` and checks the stream was consumed exactly.
inline void copy_state(const Device& from, Device& to) {
    StateWriter w;
    from.save(w);
    StateReader r(w.data());
    Result<void> loaded = to.load(r, from.state_version());
    ASSERT_TRUE(loaded.ok()) << loaded.error().message();
}

}  // namespace kemu::test
