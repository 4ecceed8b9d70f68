// What a terminal sends for key presses: a US keyboard on the Linux console (TERM=linux):
// letters with Shift, Caps Lock and Ctrl, Alt as an ESC prefix, Enter as CR, Backspace as
// DEL, arrows as ESC [ A (ESC O A in application cursor mode), the editing keys and
// F1-F12 as the Linux console writes them.
#pragma once

#include <bitset>
#include <cstdint>
#include <string>

#include <linux/input-event-codes.h>

namespace kemu {

class TerminalKeys {
  public:
    // Bytes for one key event (empty for releases, modifiers and unknown keys).
    std::string key(uint16_t code, bool down, bool app_cursor_keys);
    bool shift() const { return down_[KEY_LEFTSHIFT] || down_[KEY_RIGHTSHIFT]; }
    bool ctrl() const { return down_[KEY_LEFTCTRL] || down_[KEY_RIGHTCTRL]; }
    bool alt() const { return down_[KEY_LEFTALT] || down_[KEY_RIGHTALT]; }

  private:
    std::bitset<KEY_CNT> down_;
    bool caps_lock_ = false;
};

}  // namespace kemu
