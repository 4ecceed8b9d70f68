// What a PS/2 keyboard sends for each key: the make and break bytes of every key in
// scan-code sets 1, 2 and 3, indexed by Linux evdev key code (ui/input.h). The
// codes come from the published scan-code tables (Andries Brouwer's "Keyboard
// scancodes", section 9, and Microsoft's Keyboard Scan Code Specification).
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace kemu {

// The bytes of one press or release; at most Pause's eight.
struct Ps2Bytes {
    std::array<uint8_t, 8> data{};
    uint8_t size = 0;

    std::span<const uint8_t> bytes() const { return {data.data(), size}; }
    bool empty() const { return size == 0; }
};

// Modifiers held down: Print Screen and Pause send other codes under them.
enum Ps2HeldModifier : uint8_t {
    kHeldCtrl = 0x01,
    kHeldShift = 0x02,
    kHeldAlt = 0x04,
};

// The modifier bit `keycode` stands for (either side), or 0.
uint8_t ps2_modifier_of(uint16_t keycode);

// Whether the keyboard has a key for `keycode` in scan-code set `set` (1-3).
bool ps2_has_key(uint16_t keycode, unsigned set);

// The bytes `keycode` sends going down or up in `set` (1-3) with `held` modifiers.
// Empty for a key the keyboard does not have and for Pause's release in sets 1 and 2
// (it has none). Set 3 codes are returned for both directions; whether a set-3 key
// sends its break code is the keyboard's per-mode decision (ps2_set3_breaks_by_default).
Ps2Bytes ps2_scancodes(uint16_t keycode, bool down, unsigned set, uint8_t held);

// Set 3 after reset: only the modifiers and the keys added since the 101-key keyboard
// (Windows, Menu, Sleep) send break codes.
bool ps2_set3_breaks_by_default(uint16_t keycode);

}  // namespace kemu
