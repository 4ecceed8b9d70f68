#include "system/log.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>

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

TEST(Log, TcgItemsAreListedUnderQemuNames) {
    auto r = parse_log_items("in_asm,op,op_opt,out_asm,exec,cpu,nochain,mmu,page");
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(*r & (1ull << unsigned(LogItem::OpOpt)), 1ull << unsigned(LogItem::OpOpt));
    EXPECT_EQ(__builtin_popcountll(*r), 9);
    std::string help = log_items_help();
    EXPECT_NE(help.find("\nnochain         do not chain compiled TBs"), std::string::npos) << help;
}

TEST(LogFilter, ParsesQemuRangeForms) {
    auto r = parse_log_filter("0x1000+0x100,0x2000-0x10,0x8000..0x8fff,4096+1");
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(*r, (std::vector<LogAddressRange>{
                      {0x1000, 0x10ff}, {0x1ff1, 0x2000}, {0x8000, 0x8fff}, {4096, 4096}}));
}

TEST(LogFilter, RejectsMalformedRanges) {
    const std::pair<const char*, const char*> cases[] = {
        {"0x1000", "Bad range specifier '0x1000'"},
        {"", "Bad range specifier ''"},
        {"0x1000+0x10,", "Bad range specifier ''"},
        {"zz+0x10", "Invalid number to the left of +"},
        {"0x10..zz", "Invalid number to the right of .."},
        {"0x1000+0", "Invalid range"},
        {"0x10-0x20", "Invalid range"},
        {"0x2000..0x1000", "Invalid range"},
        {"0xffffffffffffffff+2", "Invalid range"},
    };
    for (const auto& [spec, message] : cases) {
        auto r = parse_log_filter(spec);
        ASSERT_FALSE(r.ok()) << spec;
        EXPECT_EQ(r.error().message(), message) << spec;
    }
}

TEST(LogFilter, AcceptsOnlyAddressesInsideSomeRange) {
    EXPECT_TRUE(log_filter_accepts(0x1234)) << "no filter: every address";
    log_set_filter({{0x1000, 0x10ff}, {0xfffffff0, 0xffffffff}});
    EXPECT_TRUE(log_filter_accepts(0x1000));
    EXPECT_TRUE(log_filter_accepts(0x10ff));
    EXPECT_FALSE(log_filter_accepts(0x1100));
    EXPECT_FALSE(log_filter_accepts(0xfff));
    EXPECT_TRUE(log_filter_accepts(0xfffffff8));
    log_set_filter({});
    EXPECT_TRUE(log_filter_accepts(0x1100));
}

// Host failures always print, whatever -d says, prefixed like main's reporter.
TEST(Log, HostMessagesCarryTheProgramNameAndKind) {
    log_set_mask(0);
    testing::internal::CaptureStderr();
    log_host_error("KVM_IRQ_LINE %u failed: %s", 4u, "Invalid argument");
    log_host_warning("host doesn't support requested feature: %s", "avx");
    std::string program = program_invocation_short_name;
    EXPECT_EQ(testing::internal::GetCapturedStderr(),
              program + ": KVM_IRQ_LINE 4 failed: Invalid argument\n" + program +
                  ": warning: host doesn't support requested feature: avx\n");
}

}  // namespace
}  // namespace kemu
