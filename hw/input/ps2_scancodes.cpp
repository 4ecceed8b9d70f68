#include "hw/input/ps2_scancodes.h"

#include <linux/input-event-codes.h>

#include <algorithm>
#include <initializer_list>

namespace kemu {

namespace {

constexpr uint8_t kExtendedPrefix = 0xe0;
constexpr uint8_t kSet2BreakPrefix = 0xf0;
constexpr uint8_t kSet1BreakBit = 0x80;

// One key: its set-1 and set-2 make codes (0xe0xx for the E0-prefixed ones) and its
// set-3 code (0: the key has none in set 3).
struct KeyCodes {
    uint16_t keycode;
    uint16_t set1;
    uint16_t set2;
    uint8_t set3;
    bool set3_break = false;  // sends a break code in set 3 after reset
};

constexpr bool kBreaks = true;

// Every key but Print Screen and Pause, whose sequences follow below. Brouwer's
// table 9.6 for the 102 keys, Microsoft's specification for the rest.
constexpr KeyCodes kKeys[] = {
    {KEY_ESC, 0x01, 0x76, 0x08},
    {KEY_1, 0x02, 0x16, 0x16},
    {KEY_2, 0x03, 0x1e, 0x1e},
    {KEY_3, 0x04, 0x26, 0x26},
    {KEY_4, 0x05, 0x25, 0x25},
    {KEY_5, 0x06, 0x2e, 0x2e},
    {KEY_6, 0x07, 0x36, 0x36},
    {KEY_7, 0x08, 0x3d, 0x3d},
    {KEY_8, 0x09, 0x3e, 0x3e},
    {KEY_9, 0x0a, 0x46, 0x46},
    {KEY_0, 0x0b, 0x45, 0x45},
    {KEY_MINUS, 0x0c, 0x4e, 0x4e},
    {KEY_EQUAL, 0x0d, 0x55, 0x55},
    {KEY_BACKSPACE, 0x0e, 0x66, 0x66},
    {KEY_TAB, 0x0f, 0x0d, 0x0d},
    {KEY_Q, 0x10, 0x15, 0x15},
    {KEY_W, 0x11, 0x1d, 0x1d},
    {KEY_E, 0x12, 0x24, 0x24},
    {KEY_R, 0x13, 0x2d, 0x2d},
    {KEY_T, 0x14, 0x2c, 0x2c},
    {KEY_Y, 0x15, 0x35, 0x35},
    {KEY_U, 0x16, 0x3c, 0x3c},
    {KEY_I, 0x17, 0x43, 0x43},
    {KEY_O, 0x18, 0x44, 0x44},
    {KEY_P, 0x19, 0x4d, 0x4d},
    {KEY_LEFTBRACE, 0x1a, 0x54, 0x54},
    {KEY_RIGHTBRACE, 0x1b, 0x5b, 0x5b},
    {KEY_ENTER, 0x1c, 0x5a, 0x5a},
    {KEY_LEFTCTRL, 0x1d, 0x14, 0x11, kBreaks},
    {KEY_A, 0x1e, 0x1c, 0x1c},
    {KEY_S, 0x1f, 0x1b, 0x1b},
    {KEY_D, 0x20, 0x23, 0x23},
    {KEY_F, 0x21, 0x2b, 0x2b},
    {KEY_G, 0x22, 0x34, 0x34},
    {KEY_H, 0x23, 0x33, 0x33},
    {KEY_J, 0x24, 0x3b, 0x3b},
    {KEY_K, 0x25, 0x42, 0x42},
    {KEY_L, 0x26, 0x4b, 0x4b},
    {KEY_SEMICOLON, 0x27, 0x4c, 0x4c},
    {KEY_APOSTROPHE, 0x28, 0x52, 0x52},
    {KEY_GRAVE, 0x29, 0x0e, 0x0e},
    {KEY_LEFTSHIFT, 0x2a, 0x12, 0x12, kBreaks},
    {KEY_BACKSLASH, 0x2b, 0x5d, 0x5c},
    {KEY_Z, 0x2c, 0x1a, 0x1a},
    {KEY_X, 0x2d, 0x22, 0x22},
    {KEY_C, 0x2e, 0x21, 0x21},
    {KEY_V, 0x2f, 0x2a, 0x2a},
    {KEY_B, 0x30, 0x32, 0x32},
    {KEY_N, 0x31, 0x31, 0x31},
    {KEY_M, 0x32, 0x3a, 0x3a},
    {KEY_COMMA, 0x33, 0x41, 0x41},
    {KEY_DOT, 0x34, 0x49, 0x49},
    {KEY_SLASH, 0x35, 0x4a, 0x4a},
    {KEY_RIGHTSHIFT, 0x36, 0x59, 0x59, kBreaks},
    {KEY_KPASTERISK, 0x37, 0x7c, 0x7e},
    {KEY_LEFTALT, 0x38, 0x11, 0x19, kBreaks},
    {KEY_SPACE, 0x39, 0x29, 0x29},
    {KEY_CAPSLOCK, 0x3a, 0x58, 0x14, kBreaks},
    {KEY_F1, 0x3b, 0x05, 0x07},
    {KEY_F2, 0x3c, 0x06, 0x0f},
    {KEY_F3, 0x3d, 0x04, 0x17},
    {KEY_F4, 0x3e, 0x0c, 0x1f},
    {KEY_F5, 0x3f, 0x03, 0x27},
    {KEY_F6, 0x40, 0x0b, 0x2f},
    {KEY_F7, 0x41, 0x83, 0x37},
    {KEY_F8, 0x42, 0x0a, 0x3f},
    {KEY_F9, 0x43, 0x01, 0x47},
    {KEY_F10, 0x44, 0x09, 0x4f},
    {KEY_NUMLOCK, 0x45, 0x77, 0x76},
    {KEY_SCROLLLOCK, 0x46, 0x7e, 0x5f},
    {KEY_KP7, 0x47, 0x6c, 0x6c},
    {KEY_KP8, 0x48, 0x75, 0x75},
    {KEY_KP9, 0x49, 0x7d, 0x7d},
    {KEY_KPMINUS, 0x4a, 0x7b, 0x84},
    {KEY_KP4, 0x4b, 0x6b, 0x6b},
    {KEY_KP5, 0x4c, 0x73, 0x73},
    {KEY_KP6, 0x4d, 0x74, 0x74},
    {KEY_KPPLUS, 0x4e, 0x79, 0x7c},
    {KEY_KP1, 0x4f, 0x69, 0x69},
    {KEY_KP2, 0x50, 0x72, 0x72},
    {KEY_KP3, 0x51, 0x7a, 0x7a},
    {KEY_KP0, 0x52, 0x70, 0x70},
    {KEY_KPDOT, 0x53, 0x71, 0x71},
    {KEY_102ND, 0x56, 0x61, 0x13},
    {KEY_F11, 0x57, 0x78, 0x56},
    {KEY_F12, 0x58, 0x07, 0x5e},
    {KEY_KPENTER, 0xe01c, 0xe05a, 0x79},
    {KEY_RIGHTCTRL, 0xe01d, 0xe014, 0x58},
    {KEY_KPSLASH, 0xe035, 0xe04a, 0x77},
    {KEY_RIGHTALT, 0xe038, 0xe011, 0x39},
    {KEY_HOME, 0xe047, 0xe06c, 0x6e},
    {KEY_UP, 0xe048, 0xe075, 0x63},
    {KEY_PAGEUP, 0xe049, 0xe07d, 0x6f},
    {KEY_LEFT, 0xe04b, 0xe06b, 0x61},
    {KEY_RIGHT, 0xe04d, 0xe074, 0x6a},
    {KEY_END, 0xe04f, 0xe069, 0x65},
    {KEY_DOWN, 0xe050, 0xe072, 0x60},
    {KEY_PAGEDOWN, 0xe051, 0xe07a, 0x6d},
    {KEY_INSERT, 0xe052, 0xe070, 0x67},
    {KEY_DELETE, 0xe053, 0xe071, 0x64},
    {KEY_LEFTMETA, 0xe05b, 0xe01f, 0x8b, kBreaks},
    {KEY_RIGHTMETA, 0xe05c, 0xe027, 0x8c, kBreaks},
    {KEY_COMPOSE, 0xe05d, 0xe02f, 0x8d, kBreaks},
    // Keypad = and , (Brazilian and some Japanese keyboards), F13-F24 (122-key layouts).
    {KEY_KPEQUAL, 0x59, 0x0f, 0},
    {KEY_KPCOMMA, 0x7e, 0x6d, 0},
    {KEY_F13, 0x64, 0x08, 0},
    {KEY_F14, 0x65, 0x10, 0},
    {KEY_F15, 0x66, 0x18, 0},
    {KEY_F16, 0x67, 0x20, 0},
    {KEY_F17, 0x68, 0x28, 0},
    {KEY_F18, 0x69, 0x30, 0},
    {KEY_F19, 0x6a, 0x38, 0},
    {KEY_F20, 0x6b, 0x40, 0},
    {KEY_F21, 0x6c, 0x48, 0},
    {KEY_F22, 0x6d, 0x50, 0},
    {KEY_F23, 0x6e, 0x57, 0},
    {KEY_F24, 0x76, 0x5f, 0},
    // The Japanese 106-key keyboard's extra keys.
    {KEY_RO, 0x73, 0x51, 0},
    {KEY_KATAKANAHIRAGANA, 0x70, 0x13, 0},
    {KEY_HENKAN, 0x79, 0x64, 0},
    {KEY_MUHENKAN, 0x7b, 0x67, 0},
    {KEY_YEN, 0x7d, 0x6a, 0},
    // ACPI and multimedia keys.
    {KEY_POWER, 0xe05e, 0xe037, 0},
    {KEY_SLEEP, 0xe05f, 0xe03f, 0x7f, kBreaks},
    {KEY_WAKEUP, 0xe063, 0xe05e, 0},
    {KEY_MUTE, 0xe020, 0xe023, 0},
    {KEY_VOLUMEDOWN, 0xe02e, 0xe021, 0},
    {KEY_VOLUMEUP, 0xe030, 0xe032, 0},
};

// A byte sequence written out in a table row.
struct Sequence {
    uint8_t size = 0;
    std::array<uint8_t, 8> data{};

    constexpr Sequence() = default;
    constexpr Sequence(std::initializer_list<uint8_t> bytes) : size(uint8_t(bytes.size())) {
        std::copy(bytes.begin(), bytes.end(), data.begin());
    }
};

// Print Screen and Pause in sets 1 and 2: their sequences depend on the modifiers
// held, and Pause has no break code. The first row whose `any_held` matches (0 always
// matches) applies. The "fake shift" bytes real keyboards add around the navigation
// keys while Shift or Num Lock is on are left out: operating systems discard them.
struct ModifierSensitiveKey {
    uint16_t keycode;
    uint8_t any_held;
    Sequence make[2];     // set 1, set 2
    Sequence release[2];  // set 1, set 2
};

constexpr ModifierSensitiveKey kModifierSensitiveKeys[] = {
    // Alt+Print Screen is SysRq.
    {KEY_SYSRQ, kHeldAlt, {{0x54}, {0x84}}, {{0xd4}, {0xf0, 0x84}}},
    // With Shift or Ctrl, Print Screen drops its leading E0 2A / E0 12.
    {KEY_SYSRQ,
     kHeldCtrl | kHeldShift,
     {{0xe0, 0x37}, {0xe0, 0x7c}},
     {{0xe0, 0xb7}, {0xe0, 0xf0, 0x7c}}},
    {KEY_SYSRQ,
     0,
     {{0xe0, 0x2a, 0xe0, 0x37}, {0xe0, 0x12, 0xe0, 0x7c}},
     {{0xe0, 0xb7, 0xe0, 0xaa}, {0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12}}},
    // Ctrl+Pause is Break: make and break at once on the press.
    {KEY_PAUSE, kHeldCtrl, {{0xe0, 0x46, 0xe0, 0xc6}, {0xe0, 0x7e, 0xe0, 0xf0, 0x7e}}, {}},
    {KEY_PAUSE,
     0,
     {{0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5}, {0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77}},
     {}},
};

// Print Screen and Pause are plain keys in set 3.
constexpr KeyCodes kSet3OnlyKeys[] = {
    {KEY_SYSRQ, 0, 0, 0x57},
    {KEY_PAUSE, 0, 0, 0x62},
};

const KeyCodes* find_key(uint16_t keycode, unsigned set) {
    for (const KeyCodes& k : kKeys)
        if (k.keycode == keycode) return &k;
    if (set == 3)
        for (const KeyCodes& k : kSet3OnlyKeys)
            if (k.keycode == keycode) return &k;
    return nullptr;
}

const ModifierSensitiveKey* find_modifier_sensitive(uint16_t keycode, uint8_t held) {
    for (const ModifierSensitiveKey& k : kModifierSensitiveKeys)
        if (k.keycode == keycode && (k.any_held == 0 || (held & k.any_held))) return &k;
    return nullptr;
}

void push(Ps2Bytes& out, uint8_t byte) {
    out.data[out.size++] = byte;
}

Ps2Bytes plain_key(const KeyCodes& key, bool down, unsigned set) {
    Ps2Bytes out;
    if (set == 3) {
        if (!down) push(out, kSet2BreakPrefix);
        push(out, key.set3);
        return out;
    }
    uint16_t code = set == 1 ? key.set1 : key.set2;
    if (code >> 8) push(out, kExtendedPrefix);
    if (set == 1) {
        push(out, uint8_t(code) | (down ? 0 : kSet1BreakBit));
    } else {
        if (!down) push(out, kSet2BreakPrefix);
        push(out, uint8_t(code));
    }
    return out;
}

}  // namespace

uint8_t ps2_modifier_of(uint16_t keycode) {
    switch (keycode) {
        case KEY_LEFTCTRL:
        case KEY_RIGHTCTRL:
            return kHeldCtrl;
        case KEY_LEFTSHIFT:
        case KEY_RIGHTSHIFT:
            return kHeldShift;
        case KEY_LEFTALT:
        case KEY_RIGHTALT:
            return kHeldAlt;
        default:
            return 0;
    }
}

bool ps2_has_key(uint16_t keycode, unsigned set) {
    if (set == 3) {
        const KeyCodes* key = find_key(keycode, set);
        return key && key->set3 != 0;
    }
    return find_key(keycode, set) || find_modifier_sensitive(keycode, 0);
}

Ps2Bytes ps2_scancodes(uint16_t keycode, bool down, unsigned set, uint8_t held) {
    if (set < 1 || set > 3 || !ps2_has_key(keycode, set)) return {};
    if (set != 3) {
        if (const ModifierSensitiveKey* special = find_modifier_sensitive(keycode, held)) {
            const Sequence& seq = down ? special->make[set - 1] : special->release[set - 1];
            Ps2Bytes out;
            for (uint8_t i = 0; i < seq.size; i++)
                push(out, seq.data[i]);
            return out;
        }
    }
    return plain_key(*find_key(keycode, set), down, set);
}

bool ps2_set3_breaks_by_default(uint16_t keycode) {
    const KeyCodes* key = find_key(keycode, 3);
    return key && key->set3_break;
}

}  // namespace kemu
