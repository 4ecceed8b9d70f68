#include "monitor/line_editor.h"

namespace kemu {

namespace {

constexpr uint8_t kCtrlU = 0x15;
constexpr uint8_t kBackspace = 0x08;
constexpr uint8_t kDelete = 0x7f;
constexpr uint8_t kEsc = 0x1b;

void erase_chars(size_t n, std::string& echo) {
    for (size_t i = 0; i < n; i++)
        echo += "\b \b";
}

}  // namespace

void LineEditor::reset() {
    line_.clear();
    state_ = State::Normal;
    last_was_cr_ = false;
    history_pos_ = history_.size();
}

void LineEditor::replace_line(const std::string& text, std::string& echo) {
    erase_chars(line_.size(), echo);
    line_ = text;
    echo += line_;
}

void LineEditor::history_step(int direction, std::string& echo) {
    if (direction < 0 && history_pos_ > 0) {
        history_pos_--;
        replace_line(history_[history_pos_], echo);
    } else if (direction > 0 && history_pos_ < history_.size()) {
        history_pos_++;
        replace_line(history_pos_ == history_.size() ? std::string() : history_[history_pos_],
                     echo);
    }
}

std::optional<std::string> LineEditor::feed(uint8_t byte, std::string& echo) {
    bool was_cr = last_was_cr_;
    last_was_cr_ = byte == '\r';
    // Arrow keys arrive as ESC [ A / ESC O A; other sequences are read to their
    // final byte and ignored so they do not type garbage.
    if (state_ == State::Escape) {
        state_ = (byte == '[' || byte == 'O') ? State::Csi : State::Normal;
        return std::nullopt;
    }
    if (state_ == State::Csi) {
        if (byte >= 0x40 && byte <= 0x7e) {
            state_ = State::Normal;
            if (byte == 'A') history_step(-1, echo);
            if (byte == 'B') history_step(+1, echo);
        }
        return std::nullopt;
    }
    if (byte == kEsc) {
        state_ = State::Escape;
        return std::nullopt;
    }
    if (byte == '\r' || byte == '\n') {
        if (byte == '\n' && was_cr) return std::nullopt;  // the LF of a CR LF pair
        echo += "\r\n";
        std::string line = std::move(line_);
        line_.clear();
        if (!line.empty() && (history_.empty() || history_.back() != line)) {
            history_.push_back(line);
            if (history_.size() > kMaxHistory) history_.pop_front();
        }
        history_pos_ = history_.size();
        return line;
    }
    if (byte == kBackspace || byte == kDelete) {
        if (!line_.empty()) {
            line_.pop_back();
            erase_chars(1, echo);
        }
        return std::nullopt;
    }
    if (byte == kCtrlU) {
        erase_chars(line_.size(), echo);
        line_.clear();
        return std::nullopt;
    }
    if (byte >= 0x20 && byte < 0x7f && line_.size() < kMaxLine) {
        line_.push_back(char(byte));
        echo.push_back(char(byte));
    }
    return std::nullopt;
}

}  // namespace kemu
