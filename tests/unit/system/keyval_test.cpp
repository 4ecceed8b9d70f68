#include "system/keyval.h"

#include <gtest/gtest.h>

namespace kemu {
namespace {

TEST(KeyVal, ImpliedKeyFlagsAndEscapedCommas) {
    auto r = parse_keyvalues("pc,accel=kvm,server,path=a,,b", "type");
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->size(), 4u);
    EXPECT_EQ((*r)[0], std::make_pair(std::string("type"), std::string("pc")));
    EXPECT_EQ((*r)[1], std::make_pair(std::string("accel"), std::string("kvm")));
    EXPECT_EQ((*r)[2], std::make_pair(std::string("server"), std::string("on")));
    EXPECT_EQ((*r)[3], std::make_pair(std::string("path"), std::string("a,b")));
    EXPECT_FALSE(parse_keyvalues("=x", "").ok());
}

TEST(KeyVal, Sizes) {
    EXPECT_EQ(*parse_size("4k", 1), 4096u);
    EXPECT_EQ(*parse_size("4", 1u << 20), 4u << 20);
    EXPECT_EQ(*parse_size("1T", 1), 1ull << 40);
    EXPECT_EQ(*parse_size("0.5G", 1), 512ull << 20);
    EXPECT_EQ(*parse_size("10MB", 1), 10ull << 20);
    EXPECT_FALSE(parse_size("20000000T", 1).ok());
    EXPECT_FALSE(parse_size("M", 1).ok());
    EXPECT_FALSE(parse_size("4X", 1).ok());
}

TEST(KeyVal, NumbersAndBools) {
    EXPECT_EQ(*parse_uint("0xf4"), 0xf4u);
    EXPECT_EQ(*parse_uint("17"), 17u);
    EXPECT_FALSE(parse_uint("0x").ok());
    EXPECT_FALSE(parse_uint("12a").ok());
    EXPECT_TRUE(*parse_bool("on"));
    EXPECT_FALSE(*parse_bool("no"));
    EXPECT_FALSE(parse_bool("maybe").ok());
}

}  // namespace
}  // namespace kemu
