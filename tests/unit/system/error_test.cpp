#include "system/error.h"

#include <gtest/gtest.h>

#include <string>

namespace kemu {
namespace {

Result<int> parse_digit(char c) {
    if (c < '0' || c > '9') return Error(std::string("'") + c + "' is not a digit");
    return c - '0';
}

// KEMU_TRY binds the value, so the caller reads as if nothing could fail.
Result<int> add_digits(char a, char b) {
    KEMU_TRY(x, parse_digit(a));
    KEMU_TRY(y, parse_digit(b));
    return x + y;
}

Result<void> check_digit(char c) {
    KEMU_TRY_VOID(parse_digit(c));
    return ok();
}

TEST(Error, TryBindsTheValueOrReturnsTheError) {
    auto sum = add_digits('3', '4');
    ASSERT_TRUE(sum.ok());
    EXPECT_EQ(*sum, 7);
    auto bad = add_digits('3', 'x');
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().message(), "'x' is not a digit");
    EXPECT_TRUE(check_digit('1').ok());
    EXPECT_FALSE(check_digit('y').ok());
}

TEST(Error, TryMovesTheValueOut) {
    auto make = []() -> Result<std::string> { return std::string(100, 'a'); };
    auto length = [&]() -> Result<size_t> {
        KEMU_TRY(text, make());
        return text.size();
    };
    EXPECT_EQ(*length(), 100u);
}

TEST(Error, ContextKeepsTheCause) {
    Error inner("invalid size");
    EXPECT_EQ(inner.cause(), nullptr);
    Error outer = inner.with_context("-m foo");
    EXPECT_EQ(outer.message(), "-m foo: invalid size");
    ASSERT_NE(outer.cause(), nullptr);
    EXPECT_EQ(outer.cause()->message(), "invalid size");
    Error top("cannot start", outer);
    EXPECT_EQ(top.message(), "cannot start: -m foo: invalid size");
    EXPECT_EQ(top.cause()->cause()->message(), "invalid size");
    Error copy = top;
    EXPECT_EQ(copy.cause()->message(), "-m foo: invalid size");
}

}  // namespace
}  // namespace kemu
