// X11 keysyms (what VNC clients send) to key codes, per keyboard layout. A keysym
// names a symbol, not a key, so this depends on the guest's layout: the table says
// which key of that layout types the symbol. Only the US layout exists; `-k en-us`.
#include <X11/keysym.h>

#include <algorithm>
#include <span>
#include <string>

#include "ui/input.h"
#include "ui/keymap.h"

namespace kemu {

namespace {

struct KeysymKey {
    uint32_t keysym;
    uint16_t keycode;
};

// Keys that type the same keysyms on every layout: editing, navigation, modifiers,
// function keys and the keypad.
constexpr KeysymKey kCommonKeys[] = {
    {XK_BackSpace, KEY_BACKSPACE},
    {XK_Tab, KEY_TAB},
    {XK_ISO_Left_Tab, KEY_TAB},  // Shift+Tab on X servers
    {XK_Return, KEY_ENTER},
    {XK_Pause, KEY_PAUSE},
    {XK_Break, KEY_PAUSE},  // Ctrl+Pause; the keyboard sends Break while Ctrl is down
    {XK_Scroll_Lock, KEY_SCROLLLOCK},
    {XK_Sys_Req, KEY_SYSRQ},  // Alt+Print; the keyboard sends SysRq while Alt is down
    {XK_Print, KEY_SYSRQ},
    {XK_Escape, KEY_ESC},
    {XK_Delete, KEY_DELETE},
    {XK_Home, KEY_HOME},
    {XK_Left, KEY_LEFT},
    {XK_Up, KEY_UP},
    {XK_Right, KEY_RIGHT},
    {XK_Down, KEY_DOWN},
    {XK_Page_Up, KEY_PAGEUP},
    {XK_Page_Down, KEY_PAGEDOWN},
    {XK_End, KEY_END},
    {XK_Insert, KEY_INSERT},
    {XK_Menu, KEY_COMPOSE},
    {XK_Num_Lock, KEY_NUMLOCK},
    {XK_Caps_Lock, KEY_CAPSLOCK},
    {XK_Shift_L, KEY_LEFTSHIFT},
    {XK_Shift_R, KEY_RIGHTSHIFT},
    {XK_Control_L, KEY_LEFTCTRL},
    {XK_Control_R, KEY_RIGHTCTRL},
    {XK_Alt_L, KEY_LEFTALT},
    {XK_Alt_R, KEY_RIGHTALT},
    {XK_ISO_Level3_Shift, KEY_RIGHTALT},  // AltGr
    {XK_Meta_L, KEY_LEFTMETA},
    {XK_Meta_R, KEY_RIGHTMETA},
    {XK_Super_L, KEY_LEFTMETA},
    {XK_Super_R, KEY_RIGHTMETA},
    {XK_F1, KEY_F1},
    {XK_F2, KEY_F2},
    {XK_F3, KEY_F3},
    {XK_F4, KEY_F4},
    {XK_F5, KEY_F5},
    {XK_F6, KEY_F6},
    {XK_F7, KEY_F7},
    {XK_F8, KEY_F8},
    {XK_F9, KEY_F9},
    {XK_F10, KEY_F10},
    {XK_F11, KEY_F11},
    {XK_F12, KEY_F12},
    // The keypad sends digit keysyms with Num Lock on, navigation ones with it off.
    {XK_KP_Enter, KEY_KPENTER},
    {XK_KP_Multiply, KEY_KPASTERISK},
    {XK_KP_Add, KEY_KPPLUS},
    {XK_KP_Subtract, KEY_KPMINUS},
    {XK_KP_Divide, KEY_KPSLASH},
    {XK_KP_Decimal, KEY_KPDOT},
    {XK_KP_Separator, KEY_KPDOT},  // the keypad's dot where the decimal sign is a comma
    {XK_KP_Delete, KEY_KPDOT},
    {XK_KP_Equal, KEY_KPEQUAL},
    {XK_KP_0, KEY_KP0},
    {XK_KP_Insert, KEY_KP0},
    {XK_KP_1, KEY_KP1},
    {XK_KP_End, KEY_KP1},
    {XK_KP_2, KEY_KP2},
    {XK_KP_Down, KEY_KP2},
    {XK_KP_3, KEY_KP3},
    {XK_KP_Page_Down, KEY_KP3},
    {XK_KP_4, KEY_KP4},
    {XK_KP_Left, KEY_KP4},
    {XK_KP_5, KEY_KP5},
    {XK_KP_Begin, KEY_KP5},
    {XK_KP_6, KEY_KP6},
    {XK_KP_Right, KEY_KP6},
    {XK_KP_7, KEY_KP7},
    {XK_KP_Home, KEY_KP7},
    {XK_KP_8, KEY_KP8},
    {XK_KP_Up, KEY_KP8},
    {XK_KP_9, KEY_KP9},
    {XK_KP_Page_Up, KEY_KP9},
};

// The US layout's printing keys, unshifted and shifted symbol side by side.
constexpr KeysymKey kEnUsKeys[] = {
    {XK_space, KEY_SPACE},
    {XK_grave, KEY_GRAVE},
    {XK_asciitilde, KEY_GRAVE},
    {XK_1, KEY_1},
    {XK_exclam, KEY_1},
    {XK_2, KEY_2},
    {XK_at, KEY_2},
    {XK_3, KEY_3},
    {XK_numbersign, KEY_3},
    {XK_4, KEY_4},
    {XK_dollar, KEY_4},
    {XK_5, KEY_5},
    {XK_percent, KEY_5},
    {XK_6, KEY_6},
    {XK_asciicircum, KEY_6},
    {XK_7, KEY_7},
    {XK_ampersand, KEY_7},
    {XK_8, KEY_8},
    {XK_asterisk, KEY_8},
    {XK_9, KEY_9},
    {XK_parenleft, KEY_9},
    {XK_0, KEY_0},
    {XK_parenright, KEY_0},
    {XK_minus, KEY_MINUS},
    {XK_underscore, KEY_MINUS},
    {XK_equal, KEY_EQUAL},
    {XK_plus, KEY_EQUAL},
    {XK_bracketleft, KEY_LEFTBRACE},
    {XK_braceleft, KEY_LEFTBRACE},
    {XK_bracketright, KEY_RIGHTBRACE},
    {XK_braceright, KEY_RIGHTBRACE},
    {XK_backslash, KEY_BACKSLASH},
    {XK_bar, KEY_BACKSLASH},
    {XK_semicolon, KEY_SEMICOLON},
    {XK_colon, KEY_SEMICOLON},
    {XK_apostrophe, KEY_APOSTROPHE},
    {XK_quotedbl, KEY_APOSTROPHE},
    {XK_comma, KEY_COMMA},
    {XK_less, KEY_COMMA},
    {XK_period, KEY_DOT},
    {XK_greater, KEY_DOT},
    {XK_slash, KEY_SLASH},
    {XK_question, KEY_SLASH},
    {XK_a, KEY_A},
    {XK_A, KEY_A},
    {XK_b, KEY_B},
    {XK_B, KEY_B},
    {XK_c, KEY_C},
    {XK_C, KEY_C},
    {XK_d, KEY_D},
    {XK_D, KEY_D},
    {XK_e, KEY_E},
    {XK_E, KEY_E},
    {XK_f, KEY_F},
    {XK_F, KEY_F},
    {XK_g, KEY_G},
    {XK_G, KEY_G},
    {XK_h, KEY_H},
    {XK_H, KEY_H},
    {XK_i, KEY_I},
    {XK_I, KEY_I},
    {XK_j, KEY_J},
    {XK_J, KEY_J},
    {XK_k, KEY_K},
    {XK_K, KEY_K},
    {XK_l, KEY_L},
    {XK_L, KEY_L},
    {XK_m, KEY_M},
    {XK_M, KEY_M},
    {XK_n, KEY_N},
    {XK_N, KEY_N},
    {XK_o, KEY_O},
    {XK_O, KEY_O},
    {XK_p, KEY_P},
    {XK_P, KEY_P},
    {XK_q, KEY_Q},
    {XK_Q, KEY_Q},
    {XK_r, KEY_R},
    {XK_R, KEY_R},
    {XK_s, KEY_S},
    {XK_S, KEY_S},
    {XK_t, KEY_T},
    {XK_T, KEY_T},
    {XK_u, KEY_U},
    {XK_U, KEY_U},
    {XK_v, KEY_V},
    {XK_V, KEY_V},
    {XK_w, KEY_W},
    {XK_W, KEY_W},
    {XK_x, KEY_X},
    {XK_X, KEY_X},
    {XK_y, KEY_Y},
    {XK_Y, KEY_Y},
    {XK_z, KEY_Z},
    {XK_Z, KEY_Z},
};

}  // namespace

struct KeyboardLayout {
    const char* name;
    std::span<const KeysymKey> printing_keys;
};

namespace {

constexpr KeyboardLayout kLayouts[] = {
    {"en-us", kEnUsKeys},
};

uint16_t find_in(std::span<const KeysymKey> keys, uint32_t keysym) {
    auto it = std::find_if(keys.begin(), keys.end(),
                           [keysym](const KeysymKey& k) { return k.keysym == keysym; });
    return it == keys.end() ? uint16_t(KEY_RESERVED) : it->keycode;
}

}  // namespace

Result<const KeyboardLayout*> find_keyboard_layout(std::string_view name) {
    for (const KeyboardLayout& layout : kLayouts)
        if (name == layout.name) return &layout;
    return Error("keyboard layout '" + std::string(name) + "' is not supported; kemu has en-us");
}

const KeyboardLayout& default_keyboard_layout() {
    return kLayouts[0];
}

uint16_t keycode_from_keysym(const KeyboardLayout& layout, uint32_t keysym) {
    uint16_t key = find_in(layout.printing_keys, keysym);
    return key != KEY_RESERVED ? key : find_in(kCommonKeys, keysym);
}

}  // namespace kemu
