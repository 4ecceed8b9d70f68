// The monitor's input line: typing with echo, backspace, Ctrl-U to erase the
// line, and a bounded history on the up and down arrow keys.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

namespace kemu {

class LineEditor {
  public:
    static constexpr size_t kMaxLine = 1024;  // longer input is ignored, not stored
    static constexpr size_t kMaxHistory = 64;

    // Feeds one byte. Appends what the terminal must show to `echo`; returns the
    // line when Enter completes it.
    std::optional<std::string> feed(uint8_t byte, std::string& echo);
    // Drops the partial line and any half-read escape sequence (a client left).
    void reset();

    const std::string& line() const { return line_; }

  private:
    enum class State { Normal, Escape, Csi };

    void replace_line(const std::string& text, std::string& echo);
    void history_step(int direction, std::string& echo);

    State state_ = State::Normal;
    bool last_was_cr_ = false;
    std::string line_;
    std::deque<std::string> history_;
    size_t history_pos_ = 0;  // == history_.size(): editing a new line
};

}  // namespace kemu
