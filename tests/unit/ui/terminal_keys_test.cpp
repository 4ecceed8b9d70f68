#include "ui/terminal_keys.h"

#include <gtest/gtest.h>

namespace kemu {
namespace {

std::string press(TerminalKeys& keys, uint16_t code, bool app = false) {
    std::string out = keys.key(code, true, app);
    keys.key(code, false, app);
    return out;
}

TEST(TerminalKeysTest, LettersShiftAndCapsLock) {
    TerminalKeys keys;
    EXPECT_EQ(press(keys, KEY_Q), "q");
    keys.key(KEY_LEFTSHIFT, true, false);
    EXPECT_EQ(press(keys, KEY_Q), "Q");
    EXPECT_EQ(press(keys, KEY_SLASH), "?");
    keys.key(KEY_LEFTSHIFT, false, false);
    press(keys, KEY_CAPSLOCK);
    EXPECT_EQ(press(keys, KEY_Q), "Q");
    EXPECT_EQ(press(keys, KEY_1), "1");  // Caps Lock shifts letters only
}

TEST(TerminalKeysTest, CtrlAndAlt) {
    TerminalKeys keys;
    keys.key(KEY_LEFTCTRL, true, false);
    EXPECT_EQ(press(keys, KEY_C), "\x03");
    EXPECT_EQ(press(keys, KEY_LEFTBRACE), "\x1b");
    keys.key(KEY_LEFTCTRL, false, false);
    keys.key(KEY_LEFTALT, true, false);
    EXPECT_EQ(press(keys, KEY_X), "\x1bx");
}

TEST(TerminalKeysTest, EditingKeysAndArrows) {
    TerminalKeys keys;
    EXPECT_EQ(press(keys, KEY_BACKSPACE), "\x7f");
    EXPECT_EQ(press(keys, KEY_ENTER), "\r");
    EXPECT_EQ(press(keys, KEY_DELETE), "\x1b[3~");
    EXPECT_EQ(press(keys, KEY_LEFT), "\x1b[D");
    EXPECT_EQ(press(keys, KEY_LEFT, true), "\x1bOD");
    EXPECT_EQ(press(keys, KEY_F1), "\x1b[[A");
    EXPECT_EQ(press(keys, KEY_LEFTSHIFT), "");
    EXPECT_EQ(keys.key(KEY_A, false, false), "");
}

}  // namespace
}  // namespace kemu
