// The one-line hint for a KVM guest that has printed nothing for a minute. On a
// kvm-pvm host (a KVM that runs a guest kernel's ring-0 code through its instruction
// emulator) Linux takes minutes to reach its console; without a word from kemu the
// user sees what looks like a hung emulator.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "accel/accelerator.h"
#include "system/clock.h"

namespace kemu {

// Virtual time the guest may stay silent before the hint; shorten it for a manual check.
inline constexpr int64_t kGuestSilenceDelayNs = 60'000'000'000;
// The exit rate is measured over this span, ending at the delay: the rate now, not the
// average over a boot whose first seconds may differ.
inline constexpr int64_t kExitRateWindowNs = 5'000'000'000;

struct GuestSilenceSample {
    int64_t silent_ns = 0;      // virtual time since the vCPUs started
    uint64_t output_bytes = 0;  // transmitted by every UART and isa-debugcon so far
    uint64_t window_exits = 0;  // KVM_RUN returns within the window
    int64_t window_ns = 0;
    bool is_kvm = false;
    bool is_kvm_pvm = false;
};

// The warning text (no program name, no newline), or nothing when no hint is due.
std::optional<std::string> guest_silence_hint(const GuestSilenceSample& sample);

// Whether this host's KVM is kvm-pvm (its module is loaded).
bool host_kvm_is_pvm();

// Arms the two timers of the hint on the machine's virtual clock and prints the line
// at most once, only under KVM. `output_bytes` and the timers run under the machine lock.
class GuestSilenceWatch {
  public:
    GuestSilenceWatch(TimerQueue& timers, const Accelerator& accel,
                      std::function<uint64_t()> output_bytes);

    // The vCPUs start now.
    void start();

  private:
    void open_window();
    void decide();

    TimerQueue& timers_;
    const Accelerator& accel_;
    std::function<uint64_t()> output_bytes_;
    Timer window_timer_;
    Timer decide_timer_;
    int64_t start_ns_ = 0;
    int64_t window_start_ns_ = 0;
    uint64_t window_start_exits_ = 0;
};

}  // namespace kemu
