// Front ends' key codes to kemu's (Linux evdev key codes, ui/input.h), all by tables:
// X11 keysyms through a keyboard layout (VNC), USB HID usages (SDL2's SDL_Scancode),
// and QEMU's key names (the monitor's `sendkey`). KEY_RESERVED (0) means "no key";
// InputRouter drops it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "system/error.h"

namespace kemu {

// A keyboard layout: which key types which keysym (`-k LANG`).
struct KeyboardLayout;

// The layout called `name` ("en-us"); the one-line error for layouts kemu lacks.
Result<const KeyboardLayout*> find_keyboard_layout(std::string_view name);
const KeyboardLayout& default_keyboard_layout();

// The key that types `keysym` on `layout`. Shifted symbols map to their key ('!' and
// '1' are both KEY_1): VNC clients send Shift as a key of its own.
uint16_t keycode_from_keysym(const KeyboardLayout& layout, uint32_t keysym);

// SDL_Scancode values are the USB HID keyboard page's usage IDs (0x04 = A).
uint16_t keycode_from_usb_hid(uint32_t usage);

// QEMU's key names ("ctrl", "alt_r", "ret", "f1", "a", "kp_0", ...) and "0xNN" (a key
// code in hex; for 0x01-0x58 that is also the set-1 scan code QEMU means by it).
std::optional<uint16_t> keycode_from_name(std::string_view name);

// The most keys one `sendkey` presses at once (a typo should not hold 500 keys down).
inline constexpr size_t kMaxChordKeys = 16;

// "ctrl-alt-delete": names joined by '-', pressed in that order.
Result<std::vector<uint16_t>> parse_key_chord(std::string_view keys);

}  // namespace kemu
