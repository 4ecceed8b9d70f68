#include "ui/keymap.h"

#include <X11/keysym.h>
#include <gtest/gtest.h>

#include <optional>
#include <span>

#include "ui/input.h"

namespace kemu {
namespace {

const KeyboardLayout& en_us() {
    Result<const KeyboardLayout*> layout = find_keyboard_layout("en-us");
    EXPECT_TRUE(layout);
    return **layout;
}

uint16_t keysym_on_us(uint32_t keysym) {
    return keycode_from_keysym(en_us(), keysym);
}

struct KeyCase {
    uint32_t from;
    uint16_t key;
};

// Each row's input through `translate` gives the row's key code.
template <typename Translate>
void expect_keys(Translate translate, std::span<const KeyCase> cases) {
    for (const KeyCase& c : cases)
        EXPECT_EQ(translate(c.from), c.key) << "input 0x" << std::hex << c.from;
}

struct NameCase {
    const char* name;
    std::optional<uint16_t> key;
};

void expect_names(std::span<const NameCase> cases) {
    for (const NameCase& c : cases)
        EXPECT_EQ(keycode_from_name(c.name), c.key) << "name '" << c.name << "'";
}

TEST(Keymap, OnlyEnUsIsALayout) {
    EXPECT_TRUE(find_keyboard_layout("en-us"));
    Result<const KeyboardLayout*> de = find_keyboard_layout("de");
    ASSERT_FALSE(de);
    EXPECT_EQ(de.error().message(), "keyboard layout 'de' is not supported; kemu has en-us");
    EXPECT_EQ(&default_keyboard_layout(), &en_us());
}

TEST(Keymap, KeysymLettersBothCasesAndDigits) {
    const KeyCase cases[] = {
        {XK_a, KEY_A}, {XK_A, KEY_A}, {XK_q, KEY_Q}, {XK_Z, KEY_Z},
        {XK_m, KEY_M}, {XK_1, KEY_1}, {XK_0, KEY_0}, {XK_9, KEY_9},
    };
    expect_keys(keysym_on_us, cases);
}

TEST(Keymap, KeysymShiftedSymbolsTypeOnTheirUsKey) {
    const KeyCase cases[] = {
        {XK_exclam, KEY_1},
        {XK_at, KEY_2},
        {XK_parenright, KEY_0},
        {XK_underscore, KEY_MINUS},
        {XK_quotedbl, KEY_APOSTROPHE},
        {XK_asciitilde, KEY_GRAVE},
        {XK_bar, KEY_BACKSLASH},
        {XK_question, KEY_SLASH},
        {XK_space, KEY_SPACE},
    };
    expect_keys(keysym_on_us, cases);
}

TEST(Keymap, KeysymModifiersArrowsAndFunctionKeys) {
    const KeyCase cases[] = {
        {XK_Shift_L, KEY_LEFTSHIFT},
        {XK_Shift_R, KEY_RIGHTSHIFT},
        {XK_Control_L, KEY_LEFTCTRL},
        {XK_Control_R, KEY_RIGHTCTRL},
        {XK_Alt_L, KEY_LEFTALT},
        {XK_Alt_R, KEY_RIGHTALT},
        {XK_ISO_Level3_Shift, KEY_RIGHTALT},
        {XK_Super_L, KEY_LEFTMETA},
        {XK_Up, KEY_UP},
        {XK_Down, KEY_DOWN},
        {XK_Left, KEY_LEFT},
        {XK_Right, KEY_RIGHT},
        {XK_F1, KEY_F1},
        {XK_F12, KEY_F12},
        {XK_Return, KEY_ENTER},
        {XK_Delete, KEY_DELETE},
        {XK_ISO_Left_Tab, KEY_TAB},
    };
    expect_keys(keysym_on_us, cases);
}

TEST(Keymap, KeysymKeypadWithAndWithoutNumLock) {
    const KeyCase cases[] = {
        {XK_KP_7, KEY_KP7},
        {XK_KP_Home, KEY_KP7},
        {XK_KP_Enter, KEY_KPENTER},
        {XK_KP_Decimal, KEY_KPDOT},
    };
    expect_keys(keysym_on_us, cases);
}

TEST(Keymap, UnknownKeysymsAreNoKey) {
    const KeyCase cases[] = {
        {XK_eacute, KEY_RESERVED},
        {0, KEY_RESERVED},
        {0xffffffff, KEY_RESERVED},
    };
    expect_keys(keysym_on_us, cases);
}

// Usage IDs from the HID Usage Tables, keyboard page 0x07 (= SDL_Scancode values).
TEST(Keymap, UsbHidLettersDigitsModifiersArrows) {
    const KeyCase cases[] = {
        {0x04, KEY_A},         {0x1d, KEY_Z},       {0x10, KEY_M},        {0x1e, KEY_1},
        {0x27, KEY_0},         {0x28, KEY_ENTER},   {0x2c, KEY_SPACE},    {0xe0, KEY_LEFTCTRL},
        {0xe1, KEY_LEFTSHIFT}, {0xe2, KEY_LEFTALT}, {0xe3, KEY_LEFTMETA}, {0xe4, KEY_RIGHTCTRL},
        {0xe6, KEY_RIGHTALT},  {0x4f, KEY_RIGHT},   {0x50, KEY_LEFT},     {0x51, KEY_DOWN},
        {0x52, KEY_UP},        {0x3a, KEY_F1},      {0x45, KEY_F12},      {0x46, KEY_SYSRQ},
        {0x48, KEY_PAUSE},     {0x64, KEY_102ND},
    };
    expect_keys(keycode_from_usb_hid, cases);
}

TEST(Keymap, UsbHidUnknownUsagesAreNoKey) {
    const KeyCase cases[] = {
        {0x00, KEY_RESERVED},
        {0x03, KEY_RESERVED},
        {0xe8, KEY_RESERVED},
        {0x10000, KEY_RESERVED},
    };
    expect_keys(keycode_from_usb_hid, cases);
}

TEST(Keymap, QemuKeyNames) {
    const NameCase cases[] = {
        {"ctrl", KEY_LEFTCTRL},
        {"ctrl_r", KEY_RIGHTCTRL},
        {"alt_r", KEY_RIGHTALT},
        {"shift_r", KEY_RIGHTSHIFT},
        {"delete", KEY_DELETE},
        {"ret", KEY_ENTER},
        {"spc", KEY_SPACE},
        {"esc", KEY_ESC},
        {"f1", KEY_F1},
        {"f12", KEY_F12},
        {"a", KEY_A},
        {"0", KEY_0},
        {"minus", KEY_MINUS},
        {"kp_enter", KEY_KPENTER},
        {"less", KEY_102ND},
        {"CTRL", std::nullopt},  // names are case-sensitive, as QEMU's
        {"control", std::nullopt},
    };
    expect_names(cases);
}

TEST(Keymap, HexKeyCodes) {
    const NameCase cases[] = {
        {"0x1d", KEY_LEFTCTRL},  {"0x1C", KEY_ENTER},    {"0x6f", KEY_DELETE},
        {"0x", std::nullopt},    {"0x00", std::nullopt}, {"0x1g", std::nullopt},
        {"0x300", std::nullopt},  // beyond KEY_MAX
    };
    expect_names(cases);
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
