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

TEST(KeyVal, ImpliedKeyOnlyForABareFirstItem) {
    auto r = parse_keyvalues("size=2G,,x", "size");
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->size(), 1u);
    EXPECT_EQ((*r)[0], std::make_pair(std::string("size"), std::string("2G,x")));
    auto skipped = parse_keyvalues(",a=1,", "");
    ASSERT_TRUE(skipped.ok());
    EXPECT_EQ(skipped->size(), 1u);
}

TEST(KeyVal, SplitKeepsBareItemsApart) {
    auto r = split_keyvalues("/tmp/a,,b,server,path=,x=y=z");
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->size(), 4u);
    EXPECT_EQ((*r)[0].key, "/tmp/a,b");
    EXPECT_FALSE((*r)[0].has_value);
    EXPECT_EQ((*r)[1].key, "server");
    EXPECT_FALSE((*r)[1].has_value);
    EXPECT_EQ((*r)[2].key, "path");
    EXPECT_TRUE((*r)[2].has_value);
    EXPECT_EQ((*r)[2].value, "");
    EXPECT_EQ((*r)[3].key, "x");
    EXPECT_EQ((*r)[3].value, "y=z");
    EXPECT_EQ(split_keyvalues("a,=b").error().message(), "Invalid parameter '=b'");
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

TEST(KeyVal, EverySuffixInEitherCase) {
    const std::pair<const char*, uint64_t> cases[] = {
        {"3b", 3},          {"3B", 3},          {"3k", 3ull << 10}, {"3K", 3ull << 10},
        {"3m", 3ull << 20}, {"3M", 3ull << 20}, {"3g", 3ull << 30}, {"3G", 3ull << 30},
        {"3t", 3ull << 40}, {"3T", 3ull << 40}, {"3p", 3ull << 50}, {"3P", 3ull << 50},
        {"3e", 3ull << 60}, {"3E", 3ull << 60}, {"3kB", 3ull << 10}};
    for (const auto& [text, bytes] : cases) {
        auto r = parse_size(text, 1);
        ASSERT_TRUE(r.ok()) << text;
        EXPECT_EQ(*r, bytes) << text;
    }
    EXPECT_EQ(*parse_size("1.5k", 1), 1536u);
    EXPECT_EQ(*parse_size("1.5", 1ull << 20), 3ull << 19);
}

TEST(KeyVal, SizeOverflowAndMalformed) {
    EXPECT_EQ(*parse_size("18446744073709551615", 1), UINT64_MAX);
    EXPECT_EQ(*parse_size("15E", 1), 15ull << 60);
    EXPECT_EQ(parse_size("16E", 1).error().message(), "size '16E' is too large");
    EXPECT_EQ(parse_size("18446744073709551616", 1).error().message(),
              "size '18446744073709551616' is too large");
    EXPECT_EQ(parse_size("15.99999999999999999999E", 1).error().message(),
              "size '15.99999999999999999999E' is too large");
    EXPECT_EQ(parse_size("17179869184G", 1).error().message(), "size '17179869184G' is too large");
    for (const char* bad :
         {"", "-1", "+1", " 1", "1.", ".5", "1.5", "1..5k", "1e3", "0x10", "1KiB", "1k ", "inf"})
        EXPECT_EQ(parse_size(bad, 1).error().message(), "invalid size '" + std::string(bad) + "'")
            << bad;
}

TEST(KeyVal, NumbersAndBools) {
    EXPECT_EQ(*parse_uint("0xf4"), 0xf4u);
    EXPECT_EQ(*parse_uint("17"), 17u);
    EXPECT_FALSE(parse_uint("0x").ok());
    EXPECT_FALSE(parse_uint("12a").ok());
}

TEST(KeyVal, BooleanVocabularyIsQemus) {
    for (const char* word : {"on", "yes", "true"}) {
        ASSERT_TRUE(parse_bool("p", word).ok()) << word;
        EXPECT_TRUE(*parse_bool("p", word)) << word;
    }
    for (const char* word : {"off", "no", "false"}) {
        ASSERT_TRUE(parse_bool("p", word).ok()) << word;
        EXPECT_FALSE(*parse_bool("p", word)) << word;
    }
    for (const char* word : {"maybe", "", "1", "0", "ON", "True", "y", "n", "enabled", "on "}) {
        auto r = parse_bool("lazy_refcounts", word);
        ASSERT_FALSE(r.ok()) << word;
        EXPECT_EQ(r.error().message(), "Parameter 'lazy_refcounts' expects 'on' or 'off', not '" +
                                           std::string(word) + "'");
    }
}

}  // namespace
}  // namespace kemu
