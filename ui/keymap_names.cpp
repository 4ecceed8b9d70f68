// QEMU's key names (its QKeyCode enumeration, as `sendkey` takes them) to key codes.
#include <algorithm>
#include <charconv>
#include <string>

#include "ui/input.h"
#include "ui/keymap.h"

namespace kemu {

namespace {

struct NamedKey {
    const char* name;
    uint16_t keycode;
};

// Names of keys kemu's keyboard has. "menu" and "compose" are both the PC's Menu
// key; "print" and "sysrq" are both Print Screen (SysRq is Alt+Print Screen).
constexpr NamedKey kNamedKeys[] = {
    {"shift", KEY_LEFTSHIFT},
    {"shift_r", KEY_RIGHTSHIFT},
    {"alt", KEY_LEFTALT},
    {"alt_r", KEY_RIGHTALT},
    {"ctrl", KEY_LEFTCTRL},
    {"ctrl_r", KEY_RIGHTCTRL},
    {"menu", KEY_COMPOSE},
    {"compose", KEY_COMPOSE},
    {"meta_l", KEY_LEFTMETA},
    {"meta_r", KEY_RIGHTMETA},
    {"esc", KEY_ESC},
    {"1", KEY_1},
    {"2", KEY_2},
    {"3", KEY_3},
    {"4", KEY_4},
    {"5", KEY_5},
    {"6", KEY_6},
    {"7", KEY_7},
    {"8", KEY_8},
    {"9", KEY_9},
    {"0", KEY_0},
    {"minus", KEY_MINUS},
    {"equal", KEY_EQUAL},
    {"backspace", KEY_BACKSPACE},
    {"tab", KEY_TAB},
    {"q", KEY_Q},
    {"w", KEY_W},
    {"e", KEY_E},
    {"r", KEY_R},
    {"t", KEY_T},
    {"y", KEY_Y},
    {"u", KEY_U},
    {"i", KEY_I},
    {"o", KEY_O},
    {"p", KEY_P},
    {"bracket_left", KEY_LEFTBRACE},
    {"bracket_right", KEY_RIGHTBRACE},
    {"ret", KEY_ENTER},
    {"a", KEY_A},
    {"s", KEY_S},
    {"d", KEY_D},
    {"f", KEY_F},
    {"g", KEY_G},
    {"h", KEY_H},
    {"j", KEY_J},
    {"k", KEY_K},
    {"l", KEY_L},
    {"semicolon", KEY_SEMICOLON},
    {"apostrophe", KEY_APOSTROPHE},
    {"grave_accent", KEY_GRAVE},
    {"backslash", KEY_BACKSLASH},
    {"z", KEY_Z},
    {"x", KEY_X},
    {"c", KEY_C},
    {"v", KEY_V},
    {"b", KEY_B},
    {"n", KEY_N},
    {"m", KEY_M},
    {"comma", KEY_COMMA},
    {"dot", KEY_DOT},
    {"slash", KEY_SLASH},
    {"asterisk", KEY_KPASTERISK},
    {"spc", KEY_SPACE},
    {"caps_lock", KEY_CAPSLOCK},
    {"f1", KEY_F1},
    {"f2", KEY_F2},
    {"f3", KEY_F3},
    {"f4", KEY_F4},
    {"f5", KEY_F5},
    {"f6", KEY_F6},
    {"f7", KEY_F7},
    {"f8", KEY_F8},
    {"f9", KEY_F9},
    {"f10", KEY_F10},
    {"f11", KEY_F11},
    {"f12", KEY_F12},
    {"num_lock", KEY_NUMLOCK},
    {"scroll_lock", KEY_SCROLLLOCK},
    {"kp_divide", KEY_KPSLASH},
    {"kp_multiply", KEY_KPASTERISK},
    {"kp_subtract", KEY_KPMINUS},
    {"kp_add", KEY_KPPLUS},
    {"kp_enter", KEY_KPENTER},
    {"kp_decimal", KEY_KPDOT},
    {"kp_comma", KEY_KPCOMMA},
    {"kp_equals", KEY_KPEQUAL},
    {"kp_0", KEY_KP0},
    {"kp_1", KEY_KP1},
    {"kp_2", KEY_KP2},
    {"kp_3", KEY_KP3},
    {"kp_4", KEY_KP4},
    {"kp_5", KEY_KP5},
    {"kp_6", KEY_KP6},
    {"kp_7", KEY_KP7},
    {"kp_8", KEY_KP8},
    {"kp_9", KEY_KP9},
    {"less", KEY_102ND},
    {"sysrq", KEY_SYSRQ},
    {"print", KEY_SYSRQ},
    {"pause", KEY_PAUSE},
    {"home", KEY_HOME},
    {"pgup", KEY_PAGEUP},
    {"pgdn", KEY_PAGEDOWN},
    {"end", KEY_END},
    {"left", KEY_LEFT},
    {"up", KEY_UP},
    {"down", KEY_DOWN},
    {"right", KEY_RIGHT},
    {"insert", KEY_INSERT},
    {"delete", KEY_DELETE},
    {"ro", KEY_RO},
    {"katakanahiragana", KEY_KATAKANAHIRAGANA},
    {"henkan", KEY_HENKAN},
    {"muhenkan", KEY_MUHENKAN},
    {"yen", KEY_YEN},
    {"power", KEY_POWER},
    {"sleep", KEY_SLEEP},
    {"wake", KEY_WAKEUP},
    {"audiomute", KEY_MUTE},
    {"volumeup", KEY_VOLUMEUP},
    {"volumedown", KEY_VOLUMEDOWN},
};

std::optional<uint16_t> keycode_from_hex(std::string_view digits) {
    unsigned value = 0;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value, 16);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size())
        return std::nullopt;
    if (value == KEY_RESERVED || value > KEY_MAX) return std::nullopt;
    return uint16_t(value);
}

}  // namespace

std::optional<uint16_t> keycode_from_name(std::string_view name) {
    if (name.starts_with("0x")) return keycode_from_hex(name.substr(2));
    auto it = std::find_if(std::begin(kNamedKeys), std::end(kNamedKeys),
                           [name](const NamedKey& k) { return name == k.name; });
    if (it == std::end(kNamedKeys)) return std::nullopt;
    return it->keycode;
}

Result<std::vector<uint16_t>> parse_key_chord(std::string_view keys) {
    std::vector<uint16_t> codes;
    size_t start = 0;
    while (true) {
        size_t dash = keys.find('-', start);
        std::string_view name = keys.substr(start, dash - start);
        if (name.empty()) return Error("missing key name in '" + std::string(keys) + "'");
        std::optional<uint16_t> code = keycode_from_name(name);
        if (!code) return Error("unknown key '" + std::string(name) + "'");
        if (codes.size() == kMaxChordKeys)
            return Error("too many keys (at most " + std::to_string(kMaxChordKeys) + ")");
        codes.push_back(*code);
        if (dash == std::string_view::npos) return codes;
        start = dash + 1;
    }
}

}  // namespace kemu
