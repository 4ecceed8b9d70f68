#include "hw/misc/reset_control.h"

#include <gtest/gtest.h>

#include "system/address_space.h"

namespace kemu {
namespace {

class ResetControlTest : public ::testing::Test {
  protected:
    ResetControlTest() : rcr_("rcr"), io_("io", 0x10000) {
        EXPECT_TRUE(io_.map(0xcf9, &rcr_.io()).ok());
        rcr_.on_reset = [this] { resets_++; };
    }
    void out(uint8_t v) { EXPECT_EQ(io_.write(0xcf9, 1, v), MemTxResult::Ok); }
    uint8_t in() {
        uint64_t v = 0;
        EXPECT_EQ(io_.read(0xcf9, 1, &v), MemTxResult::Ok);
        return uint8_t(v);
    }

    ResetControl rcr_;
    AddressSpace io_;
    int resets_ = 0;
};

TEST_F(ResetControlTest, LinuxRebootSequence) {
    out(0x02);  // select hard reset
    EXPECT_EQ(resets_, 0);
    EXPECT_EQ(in(), 0x02);
    out(0x06);  // RST_CPU 0 -> 1
    EXPECT_EQ(resets_, 1);
}

TEST_F(ResetControlTest, AcpiResetValueAlone) {
    out(0x06);
    EXPECT_EQ(resets_, 1);
    out(0x06);  // no new transition
    EXPECT_EQ(resets_, 1);
    out(0x02);
    out(0x06);
    EXPECT_EQ(resets_, 2);
}

TEST_F(ResetControlTest, SoftResetAlsoResets) {
    out(0x04);
    EXPECT_EQ(resets_, 1);
}

TEST_F(ResetControlTest, ResetClearsTheRegister) {
    out(0x06);
    rcr_.reset();
    EXPECT_EQ(in(), 0);
    out(0x06);
    EXPECT_EQ(resets_, 2);
}

TEST_F(ResetControlTest, ReservedBitsAreDropped) {
    out(0xf3);
    EXPECT_EQ(in(), 0x02);
    EXPECT_EQ(resets_, 0);
}

TEST_F(ResetControlTest, SaveAndLoad) {
    out(0x02);
    StateWriter w;
    rcr_.save(w);
    ResetControl other("rcr");
    StateReader r(w.data());
    ASSERT_TRUE(other.load(r, 1).ok());
    int resets = 0;
    other.on_reset = [&] { resets++; };
    AddressSpace io("io", 0x10000);
    ASSERT_TRUE(io.map(0xcf9, &other.io()).ok());
    uint64_t v = 0;
    (void)io.read(0xcf9, 1, &v);
    EXPECT_EQ(v, 0x02u);
    StateReader empty(std::span<const uint8_t>{});
    EXPECT_FALSE(other.load(empty, 1).ok());
}

}  // namespace
}  // namespace kemu
