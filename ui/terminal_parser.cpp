// The byte-level half of Terminal: C0 controls, ESC and CSI sequences, SGR, UTF-8.
#include <algorithm>
#include <cstdio>
#include <iterator>

#include "ui/cp437.h"
#include "ui/terminal.h"

namespace kemu {

namespace {

constexpr uint8_t kEsc = 0x1b;
constexpr size_t kMaxParams = 16;
constexpr int kMaxParamValue = 9999;
constexpr int kTabWidth = 8;

}  // namespace

int Terminal::param(size_t index, int fallback) const {
    // An omitted or zero parameter means the default in every sequence we take numbers from.
    if (index >= params_.size() || params_[index] == 0) return fallback;
    return params_[index];
}

void Terminal::feed(uint8_t byte) {
    if (state_ == State::Osc) {  // operating system command (window title): skipped
        if (byte == 0x07) state_ = State::Ground;
        if (byte == kEsc) state_ = State::OscEscape;
        return;
    }
    if (state_ == State::OscEscape) {  // ESC \ ends it; anything else is malformed
        state_ = State::Ground;
        return;
    }
    if (byte < 0x20) utf8_left_ = 0;  // a control cuts a UTF-8 sequence short
    if (byte == kEsc) {
        state_ = State::Escape;
        return;
    }
    if (byte == 0x18 || byte == 0x1a) {  // CAN and SUB abort a sequence
        state_ = State::Ground;
        return;
    }
    // Controls act even in the middle of a sequence, as on a VT100; DEL is padding.
    if (byte < 0x20) {
        control(byte);
        return;
    }
    if (byte == 0x7f) return;
    switch (state_) {
        case State::Ground:
            put_utf8(byte);
            break;
        case State::Escape:
            escape(byte);
            break;
        case State::Charset:
            (charset_slot_ == '(' ? g0_graphics_ : g1_graphics_) = byte == '0';
            state_ = State::Ground;
            break;
        case State::Skip:
            state_ = State::Ground;
            break;
        case State::Csi:
            csi_byte(byte);
            break;
        case State::Osc:
        case State::OscEscape:
            break;
    }
}

void Terminal::put_utf8(uint8_t byte) {
    bool graphics = g1_active_ ? g1_graphics_ : g0_graphics_;
    if (utf8_left_ > 0) {
        if ((byte & 0xc0) == 0x80) {
            utf8_code_ = (utf8_code_ << 6) | (byte & 0x3f);
            if (--utf8_left_ == 0) put(unicode_to_cp437(utf8_code_));
            return;
        }
        // A broken sequence: its lead byte was meant as a CP437 code after all.
        utf8_left_ = 0;
        put(utf8_lead_);
    }
    if (byte < 0x80) {
        put(graphics ? dec_graphics_to_cp437(byte) : byte);
        return;
    }
    int follow = byte >= 0xc2 && byte <= 0xdf   ? 1
                 : byte >= 0xe0 && byte <= 0xef ? 2
                 : byte >= 0xf0 && byte <= 0xf4 ? 3
                                                : 0;
    if (follow == 0) {
        put(byte);
        return;
    }
    utf8_lead_ = byte;
    utf8_left_ = follow;
    utf8_code_ = byte & (0x3f >> follow);
}

void Terminal::control(uint8_t byte) {
    switch (byte) {
        case '\b':
            if (cursor_x_ > 0) cursor_x_--;
            pending_wrap_ = false;
            mark_row(cursor_y_);
            break;
        case '\t':
            cursor_x_ = std::min((cursor_x_ / kTabWidth + 1) * kTabWidth, cols_ - 1);
            mark_row(cursor_y_);
            break;
        case '\n':
        case '\v':
        case '\f':
            line_feed();
            break;
        case '\r':
            carriage_return();
            break;
        case 0x0e:  // SO
            g1_active_ = true;
            break;
        case 0x0f:  // SI
            g1_active_ = false;
            break;
        default:  // BEL and the rest: nothing to show
            break;
    }
}

void Terminal::escape(uint8_t byte) {
    state_ = State::Ground;
    switch (byte) {
        case '[':
            state_ = State::Csi;
            params_.clear();
            csi_private_ = false;
            csi_ignore_ = false;
            break;
        case ']':
            state_ = State::Osc;
            break;
        case '(':
        case ')':
            state_ = State::Charset;
            charset_slot_ = byte;
            break;
        case '#':  // DEC line attributes and the alignment test: one more byte, ignored
        case '%':  // character set selection (UTF-8 is always on)
            state_ = State::Skip;
            break;
        case '7':
            save_cursor();
            break;
        case '8':
            restore_cursor();
            break;
        case 'D':
            line_feed();
            break;
        case 'E':
            carriage_return();
            line_feed();
            break;
        case 'M':
            reverse_line_feed();
            break;
        case 'c':
            full_reset();
            break;
        default:  // keypad modes (= >) and the rest change nothing we draw
            break;
    }
}

void Terminal::csi_byte(uint8_t byte) {
    if (byte >= '0' && byte <= '9') {
        if (params_.empty()) params_.push_back(0);
        params_.back() = std::min(params_.back() * 10 + (byte - '0'), kMaxParamValue);
    } else if (byte == ';') {
        if (params_.empty()) params_.push_back(0);
        if (params_.size() < kMaxParams) params_.push_back(0);
    } else if (byte >= 0x3c && byte <= 0x3f) {  // < = > ? prefixes
        if (byte == '?' && params_.empty())
            csi_private_ = true;
        else
            csi_ignore_ = true;
    } else if (byte >= 0x20 && byte <= 0x2f) {  // intermediates: sequences we do not know
        csi_ignore_ = true;
    } else if (byte >= 0x40 && byte <= 0x7e) {
        state_ = State::Ground;
        if (!csi_ignore_) csi_dispatch(byte);
    } else {
        state_ = State::Ground;  // ':' and other bytes that cannot appear here
    }
}

void Terminal::csi_dispatch(uint8_t final) {
    if (final == 'h' || final == 'l') {
        set_mode(final == 'h');
        return;
    }
    if (csi_private_) return;  // no other private sequence changes the screen

    // Up/down stop at the scrolling region's edge when the cursor is inside it.
    auto up_limit = [this] { return cursor_y_ >= top_ ? top_ : 0; };
    auto down_limit = [this] { return cursor_y_ <= bottom_ ? bottom_ : rows_ - 1; };
    using Handler = void (*)(Terminal&, int n);
    struct Rule {
        uint8_t final;
        Handler fn;
    };
    // `n` is the first parameter with 1 as its default; handlers needing more read params_.
    static constexpr Rule kRules[] = {
        {'@', [](Terminal& t, int n) { t.insert_chars(n); }},
        {'P', [](Terminal& t, int n) { t.delete_chars(n); }},
        {'X',
         [](Terminal& t, int n) {
             t.erase(t.cursor_x_, t.cursor_y_, std::min(t.cursor_x_ + n, t.cols_), t.cursor_y_);
         }},
        {'L',
         [](Terminal& t, int n) {
             if (t.cursor_y_ < t.top_ || t.cursor_y_ > t.bottom_) return;
             t.scroll_down(t.cursor_y_, t.bottom_, n);
             t.carriage_return();
         }},
        {'M',
         [](Terminal& t, int n) {
             if (t.cursor_y_ < t.top_ || t.cursor_y_ > t.bottom_) return;
             t.scroll_up(t.cursor_y_, t.bottom_, n);
             t.carriage_return();
         }},
        {'S', [](Terminal& t, int n) { t.scroll_up(t.top_, t.bottom_, n); }},
        {'T', [](Terminal& t, int n) { t.scroll_down(t.top_, t.bottom_, n); }},
        {'C', [](Terminal& t, int n) { t.move_to(t.cursor_x_ + n, t.cursor_y_); }},
        {'a', [](Terminal& t, int n) { t.move_to(t.cursor_x_ + n, t.cursor_y_); }},
        {'D', [](Terminal& t, int n) { t.move_to(t.cursor_x_ - n, t.cursor_y_); }},
        {'G', [](Terminal& t, int n) { t.move_to(n - 1, t.cursor_y_); }},
        {'`', [](Terminal& t, int n) { t.move_to(n - 1, t.cursor_y_); }},
        {'d', [](Terminal& t, int n) { t.move_to_origin_relative(t.cursor_x_, n - 1); }},
        {'H',
         [](Terminal& t, int) { t.move_to_origin_relative(t.param(1, 1) - 1, t.param(0, 1) - 1); }},
        {'f',
         [](Terminal& t, int) { t.move_to_origin_relative(t.param(1, 1) - 1, t.param(0, 1) - 1); }},
        {'J', [](Terminal& t, int) { t.erase_display(t.param(0, 0)); }},
        {'K', [](Terminal& t, int) { t.erase_line(t.param(0, 0)); }},
        {'m', [](Terminal& t, int) { t.sgr(); }},
        {'r', [](Terminal& t, int) { t.set_margins(t.param(0, 1) - 1, t.param(1, t.rows_) - 1); }},
        {'s', [](Terminal& t, int) { t.save_cursor(); }},
        {'u', [](Terminal& t, int) { t.restore_cursor(); }},
        {'c', [](Terminal& t, int) { t.replies_ += "\x1b[?6c"; }},  // "I am a VT102"
        {'n',
         [](Terminal& t, int) {
             if (t.param(0, 0) == 5) t.replies_ += "\x1b[0n";  // status: OK
             if (t.param(0, 0) != 6) return;
             char report[32];
             int row = t.cursor_y_ - (t.origin_mode_ ? t.top_ : 0);
             snprintf(report, sizeof report, "\x1b[%d;%dR", row + 1, t.cursor_x_ + 1);
             t.replies_ += report;
         }},
    };
    int n = param(0, 1);
    switch (final) {  // the four that need the region limits
        case 'A':
        case 'F':
            move_to(final == 'F' ? 0 : cursor_x_, std::max(cursor_y_ - n, up_limit()));
            return;
        case 'B':
        case 'e':
        case 'E':
            move_to(final == 'E' ? 0 : cursor_x_, std::min(cursor_y_ + n, down_limit()));
            return;
    }
    for (const Rule& rule : kRules) {
        if (rule.final == final) {
            rule.fn(*this, n);
            return;
        }
    }
}

void Terminal::set_mode(bool on) {
    for (int p : params_) {
        if (!csi_private_) {
            if (p == 4) insert_mode_ = on;  // IRM
            continue;
        }
        switch (p) {
            case 1:  // DECCKM
                app_cursor_keys_ = on;
                break;
            case 6:  // DECOM: the home position moves to the region's top
                origin_mode_ = on;
                move_to_origin_relative(0, 0);
                break;
            case 7:  // DECAWM
                autowrap_ = on;
                break;
            case 25:  // DECTCEM
                cursor_visible_ = on;
                mark_row(cursor_y_);
                break;
        }
    }
}

void Terminal::sgr() {
    if (params_.empty()) params_.push_back(0);
    for (size_t i = 0; i < params_.size(); i++) {
        int p = params_[i];
        if (p == 0) attr_ = {};
        if (p == 1) attr_.bold = true;
        if (p == 4) attr_.underline = true;
        if (p == 7) attr_.reverse = true;
        if (p == 22) attr_.bold = false;
        if (p == 24) attr_.underline = false;
        if (p == 27) attr_.reverse = false;
        if (p >= 30 && p <= 37) attr_.fg = uint8_t(p - 30);
        if (p == 39) attr_.fg = CellAttr{}.fg;
        if (p >= 40 && p <= 47) attr_.bg = uint8_t(p - 40);
        if (p == 49) attr_.bg = CellAttr{}.bg;
        if (p >= 90 && p <= 97) attr_.fg = uint8_t(p - 90 + 8);
        if (p >= 100 && p <= 107) attr_.bg = uint8_t(p - 100 + 8);
        if (p == 38 || p == 48) {
            // 256-colour (5;N) and direct colour (2;R;G;B): the first 16 are ours, the
            // rest leave the colour alone; either way their arguments are consumed.
            int kind = i + 1 < params_.size() ? params_[i + 1] : 0;
            if (kind == 5 && i + 2 < params_.size()) {
                int index = params_[i + 2];
                if (index < 16) (p == 38 ? attr_.fg : attr_.bg) = uint8_t(index);
                i += 2;
            } else if (kind == 2) {
                i += 4;
            }
        }
    }
}

}  // namespace kemu
