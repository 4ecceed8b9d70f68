#include "ui/keymap.h"

#include <X11/keysym.h>
#include <gtest/gtest.h>

#include "ui/input.h"

namespace kemu {
namespace {

const KeyboardLayout& en_us() {
    Result<const KeyboardLayout*> layout = find_keyboard_layout("en-us");
    EXPECT_TRUE(layout);
    return **layout;
}

TEST(Keymap, OnlyEnUsIsALayout) {
    EXPECT_TRUE(find_keyboard_layout("en-us"));
    Result<const KeyboardLayout*> de = find_keyboard_layout("de");
    ASSERT_FALSE(de);
    EXPECT_EQ(de.error().message(), "keyboard layout 'de' is not supported; kemu has en-us");
    EXPECT_EQ(&default_keyboard_layout(), &en_us());
}

TEST(Keymap, KeysymLettersBothCasesAndDigits) {
    const KeyboardLayout& us = en_us();
    EXPECT_EQ(keycode_from_keysym(us, XK_a), KEY_A);
    EXPECT_EQ(keycode_from_keysym(us, XK_A), KEY_A);
    EXPECT_EQ(keycode_from_keysym(us, XK_q), KEY_Q);
    EXPECT_EQ(keycode_from_keysym(us, XK_Z), KEY_Z);
    EXPECT_EQ(keycode_from_keysym(us, XK_m), KEY_M);
    EXPECT_EQ(keycode_from_keysym(us, XK_1), KEY_1);
    EXPECT_EQ(keycode_from_keysym(us, XK_0), KEY_0);
    EXPECT_EQ(keycode_from_keysym(us, XK_9), KEY_9);
}

TEST(Keymap, KeysymShiftedSymbolsTypeOnTheirUsKey) {
    const KeyboardLayout& us = en_us();
    EXPECT_EQ(keycode_from_keysym(us, XK_exclam), KEY_1);
    EXPECT_EQ(keycode_from_keysym(us, XK_at), KEY_2);
    EXPECT_EQ(keycode_from_keysym(us, XK_parenright), KEY_0);
    EXPECT_EQ(keycode_from_keysym(us, XK_underscore), KEY_MINUS);
    EXPECT_EQ(keycode_from_keysym(us, XK_quotedbl), KEY_APOSTROPHE);
    EXPECT_EQ(keycode_from_keysym(us, XK_asciitilde), KEY_GRAVE);
    EXPECT_EQ(keycode_from_keysym(us, XK_bar), KEY_BACKSLASH);
    EXPECT_EQ(keycode_from_keysym(us, XK_question), KEY_SLASH);
    EXPECT_EQ(keycode_from_keysym(us, XK_space), KEY_SPACE);
}

TEST(Keymap, KeysymModifiersArrowsAndFunctionKeys) {
    const KeyboardLayout& us = en_us();
    EXPECT_EQ(keycode_from_keysym(us, XK_Shift_L), KEY_LEFTSHIFT);
    EXPECT_EQ(keycode_from_keysym(us, XK_Shift_R), KEY_RIGHTSHIFT);
    EXPECT_EQ(keycode_from_keysym(us, XK_Control_L), KEY_LEFTCTRL);
    EXPECT_EQ(keycode_from_keysym(us, XK_Control_R), KEY_RIGHTCTRL);
    EXPECT_EQ(keycode_from_keysym(us, XK_Alt_L), KEY_LEFTALT);
    EXPECT_EQ(keycode_from_keysym(us, XK_Alt_R), KEY_RIGHTALT);
    EXPECT_EQ(keycode_from_keysym(us, XK_ISO_Level3_Shift), KEY_RIGHTALT);
    EXPECT_EQ(keycode_from_keysym(us, XK_Super_L), KEY_LEFTMETA);
    EXPECT_EQ(keycode_from_keysym(us, XK_Up), KEY_UP);
    EXPECT_EQ(keycode_from_keysym(us, XK_Down), KEY_DOWN);
    EXPECT_EQ(keycode_from_keysym(us, XK_Left), KEY_LEFT);
    EXPECT_EQ(keycode_from_keysym(us, XK_Right), KEY_RIGHT);
    EXPECT_EQ(keycode_from_keysym(us, XK_F1), KEY_F1);
    EXPECT_EQ(keycode_from_keysym(us, XK_F12), KEY_F12);
    EXPECT_EQ(keycode_from_keysym(us, XK_Return), KEY_ENTER);
    EXPECT_EQ(keycode_from_keysym(us, XK_Delete), KEY_DELETE);
    EXPECT_EQ(keycode_from_keysym(us, XK_ISO_Left_Tab), KEY_TAB);
}

TEST(Keymap, KeysymKeypadWithAndWithoutNumLock) {
    const KeyboardLayout& us = en_us();
    EXPECT_EQ(keycode_from_keysym(us, XK_KP_7), KEY_KP7);
    EXPECT_EQ(keycode_from_keysym(us, XK_KP_Home), KEY_KP7);
    EXPECT_EQ(keycode_from_keysym(us, XK_KP_Enter), KEY_KPENTER);
    EXPECT_EQ(keycode_from_keysym(us, XK_KP_Decimal), KEY_KPDOT);
}

TEST(Keymap, UnknownKeysymsAreNoKey) {
    const KeyboardLayout& us = en_us();
    EXPECT_EQ(keycode_from_keysym(us, XK_eacute), KEY_RESERVED);
    EXPECT_EQ(keycode_from_keysym(us, 0), KEY_RESERVED);
    EXPECT_EQ(keycode_from_keysym(us, 0xffffffff), KEY_RESERVED);
}

// Usage IDs from the HID Usage Tables, keyboard page 0x07 (= SDL_Scancode values).
TEST(Keymap, UsbHidLettersDigitsModifiersArrows) {
    EXPECT_EQ(keycode_from_usb_hid(0x04), KEY_A);
    EXPECT_EQ(keycode_from_usb_hid(0x1d), KEY_Z);
    EXPECT_EQ(keycode_from_usb_hid(0x10), KEY_M);
    EXPECT_EQ(keycode_from_usb_hid(0x1e), KEY_1);
    EXPECT_EQ(keycode_from_usb_hid(0x27), KEY_0);
    EXPECT_EQ(keycode_from_usb_hid(0x28), KEY_ENTER);
    EXPECT_EQ(keycode_from_usb_hid(0x2c), KEY_SPACE);
    EXPECT_EQ(keycode_from_usb_hid(0xe0), KEY_LEFTCTRL);
    EXPECT_EQ(keycode_from_usb_hid(0xe1), KEY_LEFTSHIFT);
    EXPECT_EQ(keycode_from_usb_hid(0xe2), KEY_LEFTALT);
    EXPECT_EQ(keycode_from_usb_hid(0xe3), KEY_LEFTMETA);
    EXPECT_EQ(keycode_from_usb_hid(0xe4), KEY_RIGHTCTRL);
    EXPECT_EQ(keycode_from_usb_hid(0xe6), KEY_RIGHTALT);
    EXPECT_EQ(keycode_from_usb_hid(0x4f), KEY_RIGHT);
    EXPECT_EQ(keycode_from_usb_hid(0x50), KEY_LEFT);
    EXPECT_EQ(keycode_from_usb_hid(0x51), KEY_DOWN);
    EXPECT_EQ(keycode_from_usb_hid(0x52), KEY_UP);
    EXPECT_EQ(keycode_from_usb_hid(0x3a), KEY_F1);
    EXPECT_EQ(keycode_from_usb_hid(0x45), KEY_F12);
    EXPECT_EQ(keycode_from_usb_hid(0x46), KEY_SYSRQ);
    EXPECT_EQ(keycode_from_usb_hid(0x48), KEY_PAUSE);
    EXPECT_EQ(keycode_from_usb_hid(0x64), KEY_102ND);
}

TEST(Keymap, UsbHidUnknownUsagesAreNoKey) {
    EXPECT_EQ(keycode_from_usb_hid(0x00), KEY_RESERVED);
    EXPECT_EQ(keycode_from_usb_hid(0x03), KEY_RESERVED);
    EXPECT_EQ(keycode_from_usb_hid(0xe8), KEY_RESERVED);
    EXPECT_EQ(keycode_from_usb_hid(0x10000), KEY_RESERVED);
}

TEST(Keymap, QemuKeyNames) {
    EXPECT_EQ(keycode_from_name("ctrl"), KEY_LEFTCTRL);
    EXPECT_EQ(keycode_from_name("ctrl_r"), KEY_RIGHTCTRL);
    EXPECT_EQ(keycode_from_name("alt_r"), KEY_RIGHTALT);
    EXPECT_EQ(keycode_from_name("shift_r"), KEY_RIGHTSHIFT);
    EXPECT_EQ(keycode_from_name("delete"), KEY_DELETE);
    EXPECT_EQ(keycode_from_name("ret"), KEY_ENTER);
    EXPECT_EQ(keycode_from_name("spc"), KEY_SPACE);
    EXPECT_EQ(keycode_from_name("esc"), KEY_ESC);
    EXPECT_EQ(keycode_from_name("f1"), KEY_F1);
    EXPECT_EQ(keycode_from_name("f12"), KEY_F12);
    EXPECT_EQ(keycode_from_name("a"), KEY_A);
    EXPECT_EQ(keycode_from_name("0"), KEY_0);
    EXPECT_EQ(keycode_from_name("minus"), KEY_MINUS);
    EXPECT_EQ(keycode_from_name("kp_enter"), KEY_KPENTER);
    EXPECT_EQ(keycode_from_name("less"), KEY_102ND);
    EXPECT_EQ(keycode_from_name("CTRL"), std::nullopt) << "names are case-sensitive, as QEMU's";
    EXPECT_EQ(keycode_from_name("control"), std::nullopt);
}

TEST(Keymap, HexKeyCodes) {
    EXPECT_EQ(keycode_from_name("0x1d"), KEY_LEFTCTRL);
    EXPECT_EQ(keycode_from_name("0x1C"), KEY_ENTER);
    EXPECT_EQ(keycode_from_name("0x6f"), KEY_DELETE);
    EXPECT_EQ(keycode_from_name("0x"), std::nullopt);
    EXPECT_EQ(keycode_from_name("0x00"), std::nullopt);
    EXPECT_EQ(keycode_from_name("0x1g"), std::nullopt);
    EXPECT_EQ(keycode_from_name("0x300"), std::nullopt) << "beyond KEY_MAX";
}

TEST(Keymap, ParseKeyChord) {
    Result<std::vector<uint16_t>> cad = parse_key_chord("ctrl-alt-delete");
    ASSERT_TRUE(cad);
    EXPECT_EQ(*cad, (std::vector<uint16_t>{KEY_LEFTCTRL, KEY_LEFTALT, KEY_DELETE}));
    Result<std::vector<uint16_t>> one = parse_key_chord("ret");
    ASSERT_TRUE(one);
    EXPECT_EQ(*one, std::vector<uint16_t>{KEY_ENTER});
    Result<std::vector<uint16_t>> hex = parse_key_chord("0x1d-0x38-0x6f");
    ASSERT_TRUE(hex);
    EXPECT_EQ(*hex, (std::vector<uint16_t>{KEY_LEFTCTRL, KEY_LEFTALT, KEY_DELETE}));
}

TEST(Keymap, ParseKeyChordErrors) {
    Result<std::vector<uint16_t>> r = parse_key_chord("ctrl-alt-foo");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message(), "unknown key 'foo'");
    r = parse_key_chord("ctrl--a");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message(), "missing key name in 'ctrl--a'");
    EXPECT_FALSE(parse_key_chord(""));
    EXPECT_FALSE(parse_key_chord("ctrl-"));
    std::string seventeen = "a";
    for (int i = 0; i < 16; i++)
        seventeen += "-a";
    r = parse_key_chord(seventeen);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message(), "too many keys (at most 16)");
    EXPECT_TRUE(parse_key_chord(seventeen.substr(2)));
}

}  // namespace
}  // namespace kemu
