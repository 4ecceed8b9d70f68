#include "accel/kvm/guest_silence_hint.h"

#include <filesystem>

#include "system/log.h"

namespace kemu {

namespace {

constexpr const char* kPvmModule = "/sys/module/kvm_pvm";
constexpr int64_t kNsPerSecond = 1'000'000'000;

}  // namespace

std::optional<std::string> guest_silence_hint(const GuestSilenceSample& sample) {
    if (!sample.is_kvm || sample.output_bytes > 0 || sample.silent_ns < kGuestSilenceDelayNs)
        return std::nullopt;
    uint64_t per_second =
        sample.window_ns > 0
            ? uint64_t(double(sample.window_exits) * kNsPerSecond / double(sample.window_ns))
            : 0;
    std::string line = "no guest output after " + std::to_string(sample.silent_ns / kNsPerSecond) +
                       " s; KVM is doing " + std::to_string(per_second) + " exits/s";
    if (sample.is_kvm_pvm)
        line +=
            " (this host's KVM is kvm-pvm, which emulates guest kernel code in software: expect "
            "a very slow boot)";
    return line;
}

bool host_kvm_is_pvm() {
    std::error_code ignored;
    return std::filesystem::exists(kPvmModule, ignored);
}

GuestSilenceWatch::GuestSilenceWatch(TimerQueue& timers, const Accelerator& accel,
                                     std::function<uint64_t()> output_bytes)
    : timers_(timers),
      accel_(accel),
      output_bytes_(std::move(output_bytes)),
      window_timer_(timers, [this] { open_window(); }),
      decide_timer_(timers, [this] { decide(); }) {}

void GuestSilenceWatch::start() {
    if (!accel_.is_kvm()) return;
    start_ns_ = timers_.now_ns();
    window_timer_.arm(start_ns_ + kGuestSilenceDelayNs - kExitRateWindowNs);
}

void GuestSilenceWatch::open_window() {
    if (output_bytes_() > 0) return;
    window_start_ns_ = timers_.now_ns();
    window_start_exits_ = accel_.exit_count();
    decide_timer_.arm(start_ns_ + kGuestSilenceDelayNs);
}

void GuestSilenceWatch::decide() {
    int64_t now = timers_.now_ns();
    auto line = guest_silence_hint({now - start_ns_, output_bytes_(),
                                    accel_.exit_count() - window_start_exits_,
                                    now - window_start_ns_, accel_.is_kvm(), host_kvm_is_pvm()});
    if (line) log_host_warning("%s", line->c_str());
}

}  // namespace kemu
