#include "system/log.h"

#include <gtest/gtest.h>

namespace kemu {
namespace {

TEST(Log, ParsesKnownItems) {
    auto r = parse_log_items("guest_errors,unimp");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, (1ull << unsigned(LogItem::GuestErrors)) | (1ull << unsigned(LogItem::Unimp)));
}

TEST(Log, RejectsUnknownItem) {
    auto r = parse_log_items("guest_errors,bogus");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("bogus"), std::string::npos);
}

TEST(Log, MaskControlsEnabled) {
    log_set_mask(1ull << unsigned(LogItem::Int));
    EXPECT_TRUE(log_enabled(LogItem::Int));
    EXPECT_FALSE(log_enabled(LogItem::GuestErrors));
    log_set_mask(0);
}

}  // namespace
}  // namespace kemu
