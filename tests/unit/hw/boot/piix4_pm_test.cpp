#include "hw/acpi/piix4_pm.h"

#include <gtest/gtest.h>

#include "system/address_space.h"

namespace kemu {
namespace {

constexpr uint64_t kPm = 0x600;
constexpr uint64_t kGpe = 0xafe0;
constexpr int64_t kSecond = 1000000000;
// The counter's bit 23 flips every 2^23 ticks: about 2.34 s.
constexpr int64_t kHalfPeriodNs = (int64_t(1) << 23) * kSecond / AcpiPm::kTimerHz + 1;

class AcpiPmTest : public ::testing::Test {
  protected:
    AcpiPmTest() : timers_(clock_), pm_("pm", timers_), io_("io", 0x10000) {
        EXPECT_TRUE(io_.map(kPm, &pm_.pm_region()).ok());
        EXPECT_TRUE(io_.map(kGpe, &pm_.gpe_region()).ok());
        pm_.sci().connect([this](bool level) { sci_edges_.push_back(level); });
        pm_.on_poweroff = [this] { poweroffs_++; };
    }

    uint64_t in(uint64_t port, unsigned size) {
        uint64_t v = 0;
        EXPECT_EQ(io_.read(port, size, &v), MemTxResult::Ok);
        return v;
    }
    void out(uint64_t port, unsigned size, uint64_t v) {
        EXPECT_EQ(io_.write(port, size, v), MemTxResult::Ok);
    }
    void advance(int64_t ns) {
        clock_.step(ns);
        timers_.run_expired();
    }

    ManualClock clock_;
    TimerQueue timers_;
    AcpiPm pm_;
    AddressSpace io_;
    std::vector<bool> sci_edges_;
    int poweroffs_ = 0;
};

TEST_F(AcpiPmTest, TimerCountsAt3579545HzAndWrapsAt24Bits) {
    EXPECT_EQ(in(kPm + 8, 4), 0u);
    advance(kSecond);
    EXPECT_EQ(in(kPm + 8, 4), 3579545u);
    advance(4 * kSecond);
    EXPECT_EQ(in(kPm + 8, 4), (5ull * 3579545) & 0xffffff);
    // Narrow reads see the same counter.
    EXPECT_EQ(in(kPm + 8, 2), (5ull * 3579545) & 0xffff);
    EXPECT_EQ(in(kPm + 10, 1), ((5ull * 3579545) >> 16) & 0xff);
    EXPECT_EQ(in(kPm + 11, 1), 0u);
    out(kPm + 8, 4, 0);  // read-only: ignored
    EXPECT_EQ(in(kPm + 8, 4), (5ull * 3579545) & 0xffffff);
}

TEST_F(AcpiPmTest, TimerStatusSetsWhenBit23ChangesAndClearsOnWriteOne) {
    advance(kHalfPeriodNs - 1000);
    EXPECT_EQ(in(kPm, 2) & AcpiPm::kTmrSts, 0u);
    advance(1000);
    EXPECT_EQ(in(kPm, 2) & AcpiPm::kTmrSts, AcpiPm::kTmrSts);
    out(kPm, 2, 0);  // writing 0 clears nothing
    EXPECT_EQ(in(kPm, 2) & AcpiPm::kTmrSts, AcpiPm::kTmrSts);
    out(kPm, 2, AcpiPm::kTmrSts);
    EXPECT_EQ(in(kPm, 2) & AcpiPm::kTmrSts, 0u);
    EXPECT_TRUE(sci_edges_.empty());  // TMR_EN is off
}

TEST_F(AcpiPmTest, TimerOverflowRaisesSciWhenEnabled) {
    out(kPm + 2, 2, AcpiPm::kTmrSts);  // TMR_EN
    EXPECT_EQ(in(kPm + 2, 2), AcpiPm::kTmrSts);
    advance(kHalfPeriodNs - 1000);
    EXPECT_FALSE(pm_.sci().level());
    advance(1000);  // the overflow timer fires without the guest reading anything
    EXPECT_TRUE(pm_.sci().level());
    out(kPm, 2, AcpiPm::kTmrSts);
    EXPECT_FALSE(pm_.sci().level());
    advance(kHalfPeriodNs);  // and again on the next flip of bit 23
    EXPECT_TRUE(pm_.sci().level());
    out(kPm + 2, 2, 0);  // TMR_EN off masks it
    EXPECT_FALSE(pm_.sci().level());
    EXPECT_EQ(sci_edges_, (std::vector<bool>{true, false, true, false}));
}

TEST_F(AcpiPmTest, PowerButton) {
    pm_.power_button();
    EXPECT_EQ(in(kPm, 2) & AcpiPm::kPwrbtnSts, AcpiPm::kPwrbtnSts);
    EXPECT_FALSE(pm_.sci().level());  // PWRBTN_EN clear
    out(kPm + 2, 2, AcpiPm::kPwrbtnSts);
    EXPECT_TRUE(pm_.sci().level());
    out(kPm, 1, 0xff);  // a byte write to the low half leaves PWRBTN_STS (bit 8) alone
    EXPECT_TRUE(pm_.sci().level());
    out(kPm + 1, 1, 0x01);
    EXPECT_FALSE(pm_.sci().level());
    EXPECT_EQ(in(kPm, 2) & AcpiPm::kPwrbtnSts, 0u);
}

TEST_F(AcpiPmTest, WakeStatusIsWriteOneToClear) {
    pm_.power_button();
    out(kPm, 2, AcpiPm::kWakSts);  // other bits stay
    EXPECT_EQ(in(kPm, 2) & AcpiPm::kPwrbtnSts, AcpiPm::kPwrbtnSts);
    out(kPm, 4, uint32_t(AcpiPm::kPwrbtnSts) | uint32_t(AcpiPm::kPwrbtnSts) << 16);
    EXPECT_EQ(in(kPm, 2), 0u);
    EXPECT_EQ(in(kPm + 2, 2), AcpiPm::kPwrbtnSts);  // the dword write set PWRBTN_EN
}

TEST_F(AcpiPmTest, SciEnAlwaysReadsOne) {
    EXPECT_EQ(in(kPm + 4, 2), AcpiPm::kSciEn);
    out(kPm + 4, 2, 0);
    EXPECT_EQ(in(kPm + 4, 2), AcpiPm::kSciEn);
}

TEST_F(AcpiPmTest, S5PowersOff) {
    out(kPm + 4, 2, 0 << AcpiPm::kSlpTypShift);  // SLP_TYP alone does nothing
    EXPECT_EQ(poweroffs_, 0);
    out(kPm + 4, 2, (0 << AcpiPm::kSlpTypShift) | AcpiPm::kSlpEn | AcpiPm::kSciEn);
    EXPECT_EQ(poweroffs_, 1);
    EXPECT_EQ(in(kPm + 4, 2) & AcpiPm::kSlpEn, 0u);  // SLP_EN is write-only
}

TEST_F(AcpiPmTest, OtherSleepStatesAreIgnored) {
    out(kPm + 4, 2, (5 << AcpiPm::kSlpTypShift) | AcpiPm::kSlpEn);
    EXPECT_EQ(poweroffs_, 0);
    EXPECT_EQ(in(kPm + 4, 2), (5u << AcpiPm::kSlpTypShift) | AcpiPm::kSciEn);
    // A byte write to the high half keeps the low half's bits.
    out(kPm + 5, 1, (AcpiPm::kSlpEn >> 8));
    EXPECT_EQ(poweroffs_, 1);
}

TEST_F(AcpiPmTest, Gpe0) {
    pm_.raise_gpe(1);
    EXPECT_EQ(in(kGpe, 2), 0x2u);
    EXPECT_FALSE(pm_.sci().level());
    out(kGpe + 2, 1, 0x02);  // enable GPE 1 with a byte write
    EXPECT_EQ(in(kGpe, 4), 0x00020002u);
    EXPECT_TRUE(pm_.sci().level());
    out(kGpe, 2, 0x1);  // clears only bit 0
    EXPECT_TRUE(pm_.sci().level());
    out(kGpe, 2, 0x2);
    EXPECT_FALSE(pm_.sci().level());
    EXPECT_EQ(in(kGpe + 2, 2), 0x2u);
}

TEST_F(AcpiPmTest, ResetClearsEverything) {
    out(kPm + 2, 2, AcpiPm::kPwrbtnSts);
    pm_.power_button();
    pm_.raise_gpe(0);
    advance(kSecond);
    pm_.reset();
    EXPECT_FALSE(pm_.sci().level());
    EXPECT_EQ(in(kPm, 2), 0u);
    EXPECT_EQ(in(kPm + 2, 2), 0u);
    EXPECT_EQ(in(kGpe, 4), 0u);
    EXPECT_EQ(in(kPm + 8, 4), 0u);
}

TEST_F(AcpiPmTest, SaveAndLoad) {
    out(kPm + 2, 2, AcpiPm::kPwrbtnSts | AcpiPm::kTmrSts);
    out(kGpe + 2, 2, 0x4);
    pm_.raise_gpe(2);
    pm_.power_button();
    advance(kSecond);
    StateWriter w;
    pm_.save(w);
    uint64_t counter = in(kPm + 8, 4);

    ManualClock other_clock;
    other_clock.step(100 * kSecond);
    TimerQueue other_timers(other_clock);
    AcpiPm restored("pm", other_timers);
    bool sci = false;
    restored.sci().connect([&](bool level) { sci = level; });
    StateReader r(w.data());
    ASSERT_TRUE(restored.load(r, restored.state_version()).ok());
    EXPECT_TRUE(sci);
    AddressSpace io("io", 0x10000);
    ASSERT_TRUE(io.map(kPm, &restored.pm_region()).ok());
    ASSERT_TRUE(io.map(kGpe, &restored.gpe_region()).ok());
    uint64_t v = 0;
    (void)io.read(kPm + 8, 4, &v);
    EXPECT_EQ(v, counter);  // the counter resumes where it was saved
    (void)io.read(kPm, 4, &v);
    EXPECT_EQ(v, uint64_t(AcpiPm::kPwrbtnSts) | uint64_t(AcpiPm::kPwrbtnSts | AcpiPm::kTmrSts)
                                                    << 16);
    (void)io.read(kGpe, 4, &v);
    EXPECT_EQ(v, 0x00040004u);
    EXPECT_TRUE(other_timers.next_deadline() < INT64_MAX);  // overflow timer re-armed (TMR_EN)

    StateReader short_stream(std::span(w.data()).first(5));
    EXPECT_FALSE(restored.load(short_stream, 1).ok());
    StateReader newer(w.data());
    EXPECT_FALSE(restored.load(newer, restored.state_version() + 1).ok());
}

TEST_F(AcpiPmTest, InvalidAndUnimplementedAccesses) {
    uint64_t v = 0;
    EXPECT_EQ(io_.read(kPm + 1, 2, &v), MemTxResult::Invalid);  // unaligned
    EXPECT_EQ(in(kPm + 0x10, 4), 0u);  // unimplemented PIIX4 registers read 0
    out(kPm + 0x10, 4, 0xffffffff);
    EXPECT_EQ(in(kPm, 4), 0u);
}

}  // namespace
}  // namespace kemu
