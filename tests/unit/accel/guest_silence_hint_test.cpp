#include "accel/kvm/guest_silence_hint.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <climits>

namespace kemu {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

GuestSilenceSample silent_kvm_minute() {
    GuestSilenceSample s;
    s.silent_ns = kGuestSilenceDelayNs;
    s.window_exits = 250'000;
    s.window_ns = 5 * kSecond;
    s.is_kvm = true;
    return s;
}

TEST(GuestSilenceHint, SilentKvmGuestGetsTheExitRate) {
    auto line = guest_silence_hint(silent_kvm_minute());
    ASSERT_TRUE(line);
    EXPECT_EQ(*line, "no guest output after " + std::to_string(kGuestSilenceDelayNs / kSecond) +
                         " s; KVM is doing 50000 exits/s");
}

TEST(GuestSilenceHint, KvmPvmIsNamedOnlyWhenPresent) {
    GuestSilenceSample s = silent_kvm_minute();
    s.is_kvm_pvm = true;
    auto line = guest_silence_hint(s);
    ASSERT_TRUE(line);
    EXPECT_NE(line->find("50000 exits/s (this host's KVM is kvm-pvm"), std::string::npos);
    EXPECT_NE(line->find("expect a very slow boot)"), std::string::npos);
    EXPECT_EQ(guest_silence_hint(silent_kvm_minute())->find("kvm-pvm"), std::string::npos);
}

TEST(GuestSilenceHint, NoHintWhenNotDue) {
    GuestSilenceSample printed = silent_kvm_minute();
    printed.output_bytes = 1;
    EXPECT_FALSE(guest_silence_hint(printed));
    GuestSilenceSample tcg = silent_kvm_minute();
    tcg.is_kvm = false;
    tcg.is_kvm_pvm = true;
    EXPECT_FALSE(guest_silence_hint(tcg));
    GuestSilenceSample early = silent_kvm_minute();
    early.silent_ns = kGuestSilenceDelayNs - 1;
    EXPECT_FALSE(guest_silence_hint(early));
}

TEST(GuestSilenceHint, EmptyWindowReportsZeroNotADivision) {
    GuestSilenceSample s = silent_kvm_minute();
    s.window_ns = 0;
    auto line = guest_silence_hint(s);
    ASSERT_TRUE(line);
    EXPECT_NE(line->find("KVM is doing 0 exits/s"), std::string::npos);
}

// Just enough of an accelerator for the watch: is_kvm() and exit_count().
class FakeAccelerator final : public Accelerator {
  public:
    explicit FakeAccelerator(bool kvm) : kvm_(kvm) {}
    const char* name() const override { return "fake"; }
    Result<void> init(const AcceleratorConfig&) override { return ok(); }
    IrqLine::Sink irqchip_input(unsigned) override { return nullptr; }
    Result<CpuidTable> cpuid_for(const CpuModel&, const CpuTopology&,
                                 const CpuFeatureEdits&) override {
        return Error("unused");
    }
    Result<std::unique_ptr<VcpuBackend>> create_vcpu(unsigned, const CpuidTable&,
                                                     const VcpuContext&) override {
        return Error("unused");
    }
    bool is_kvm() const override { return kvm_; }
    uint64_t exit_count() const override { return exits; }

    uint64_t exits = 0;

  private:
    bool kvm_;
};

struct WatchFixture {
    explicit WatchFixture(bool kvm) : accel(kvm) {}
    // Runs the watch for `ns` of virtual time, the exit counter rising at `exits_per_s`.
    std::string run_for(int64_t ns, uint64_t exits_per_s) {
        testing::internal::CaptureStderr();
        for (int64_t t = 0; t < ns; t += kSecond) {
            clock.step(kSecond);
            accel.exits += exits_per_s;
            timers.run_expired();
        }
        return testing::internal::GetCapturedStderr();
    }

    ManualClock clock;
    TimerQueue timers{clock};
    FakeAccelerator accel;
    uint64_t output_bytes = 0;
    GuestSilenceWatch watch{timers, accel, [this] { return output_bytes; }};
};

TEST(GuestSilenceWatch, PrintsOnceAfterTheDelayWithTheRecentRate) {
    WatchFixture f(true);
    f.watch.start();
    EXPECT_EQ(f.run_for(kGuestSilenceDelayNs - kExitRateWindowNs, 1000), "");
    // The rate is the window's, not the whole run's average.
    std::string out = f.run_for(kExitRateWindowNs, 7);
    // The host-warning channel: the program's name, as main's reporter prints it.
    EXPECT_EQ(
        out.rfind(std::string(program_invocation_short_name) + ": warning: no guest output after",
                  0),
        0u)
        << out;
    EXPECT_NE(out.find("KVM is doing 7 exits/s"), std::string::npos) << out;
    EXPECT_EQ(out.back(), '\n');
    EXPECT_EQ(f.run_for(3 * kGuestSilenceDelayNs, 7), "");
    EXPECT_EQ(f.timers.next_deadline(), INT64_MAX);
}

TEST(GuestSilenceWatch, SilentWhenTheGuestPrinted) {
    WatchFixture f(true);
    f.watch.start();
    f.run_for(kSecond, 100);
    f.output_bytes = 1;  // one byte through a UART or isa-debugcon
    EXPECT_EQ(f.run_for(2 * kGuestSilenceDelayNs, 100), "");
}

TEST(GuestSilenceWatch, SilentWhenTheGuestPrintsDuringTheWindow) {
    WatchFixture f(true);
    f.watch.start();
    f.run_for(kGuestSilenceDelayNs - kExitRateWindowNs + kSecond, 100);
    f.output_bytes = 3;
    EXPECT_EQ(f.run_for(kGuestSilenceDelayNs, 100), "");
}

TEST(GuestSilenceWatch, NeverUnderOtherAccelerators) {
    WatchFixture f(false);
    f.watch.start();
    EXPECT_EQ(f.timers.next_deadline(), INT64_MAX);
    EXPECT_EQ(f.run_for(2 * kGuestSilenceDelayNs, 100), "");
}

}  // namespace
}  // namespace kemu
