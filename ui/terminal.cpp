#include "ui/terminal.h"

#include <algorithm>

namespace kemu {

Terminal::Terminal(int cols, int rows, size_t scrollback_lines)
    : cols_(std::max(cols, 1)),
      rows_(std::max(rows, 1)),
      scrollback_limit_(scrollback_lines),
      screen_(size_t(cols_) * size_t(rows_)),
      dirty_(size_t(rows_), 1),
      bottom_(rows_ - 1) {}

void Terminal::write(std::span<const uint8_t> bytes) {
    for (uint8_t b : bytes)
        feed(b);
}

void Terminal::write(std::string_view text) {
    write(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

const Cell& Terminal::cell(int col, int row) const {
    // With the view scrolled back by N, the top N rows come from the newest history lines.
    if (row < view_offset_) {
        const std::vector<Cell>& line = history_[history_.size() - size_t(view_offset_ - row)];
        static const Cell kEmpty;
        return size_t(col) < line.size() ? line[size_t(col)] : kEmpty;
    }
    return screen_[size_t(row - view_offset_) * size_t(cols_) + size_t(col)];
}

std::string Terminal::row_text(int row) const {
    std::string text;
    for (int x = 0; x < cols_; x++)
        text += char(cell(x, row).code);
    text.erase(text.find_last_not_of(' ') + 1);
    return text;
}

void Terminal::scroll_view(int lines) {
    int offset = std::clamp(view_offset_ + lines, 0, int(history_.size()));
    if (offset == view_offset_) return;
    view_offset_ = offset;
    mark_all();
}

std::string Terminal::take_replies() {
    std::string out;
    out.swap(replies_);
    return out;
}

std::vector<int> Terminal::take_dirty_rows() {
    std::vector<int> rows;
    for (int y = 0; y < rows_; y++) {
        if (dirty_[size_t(y)]) rows.push_back(y);
        dirty_[size_t(y)] = 0;
    }
    return rows;
}

void Terminal::mark_row(int y) {
    // Screen row y shows at view row y + view_offset_ (or not at all).
    int view_row = y + view_offset_;
    if (view_row >= 0 && view_row < rows_) dirty_[size_t(view_row)] = 1;
}

void Terminal::mark_all() {
    std::fill(dirty_.begin(), dirty_.end(), 1);
}

Cell Terminal::blank() const {
    // Erasing paints the current colours, as the Linux console and xterm do (bce).
    Cell c;
    c.attr = attr_;
    c.attr.underline = false;
    return c;
}

void Terminal::put(uint8_t code) {
    if (pending_wrap_) {
        pending_wrap_ = false;
        if (autowrap_) {
            carriage_return();
            line_feed();
        }
    }
    if (insert_mode_) insert_chars(1);
    Cell& c = at(cursor_x_, cursor_y_);
    c.code = code;
    c.attr = attr_;
    mark_row(cursor_y_);
    if (cursor_x_ + 1 < cols_)
        cursor_x_++;
    else
        pending_wrap_ = true;
}

void Terminal::carriage_return() {
    cursor_x_ = 0;
    pending_wrap_ = false;
    mark_row(cursor_y_);
}

void Terminal::line_feed() {
    pending_wrap_ = false;
    mark_row(cursor_y_);
    if (cursor_y_ == bottom_) {
        // Only lines leaving the top of the whole screen are worth keeping.
        if (top_ == 0 && bottom_ == rows_ - 1) keep_in_history(1);
        scroll_up(top_, bottom_, 1);
    } else if (cursor_y_ + 1 < rows_)
        cursor_y_++;
    mark_row(cursor_y_);
}

void Terminal::reverse_line_feed() {
    pending_wrap_ = false;
    mark_row(cursor_y_);
    if (cursor_y_ == top_)
        scroll_down(top_, bottom_, 1);
    else if (cursor_y_ > 0)
        cursor_y_--;
    mark_row(cursor_y_);
}

void Terminal::move_to(int x, int y) {
    mark_row(cursor_y_);
    cursor_x_ = std::clamp(x, 0, cols_ - 1);
    // Inside the scrolling region under DECOM; the whole screen otherwise.
    int lo = origin_mode_ ? top_ : 0;
    int hi = origin_mode_ ? bottom_ : rows_ - 1;
    cursor_y_ = std::clamp(y, lo, hi);
    pending_wrap_ = false;
    mark_row(cursor_y_);
}

void Terminal::move_to_origin_relative(int x, int y) {
    move_to(x, origin_mode_ ? y + top_ : y);
}

void Terminal::keep_in_history(int n) {
    if (scrollback_limit_ == 0) return;
    for (int i = 0; i < n; i++) {
        auto first = screen_.begin() + ptrdiff_t(i) * cols_;
        history_.emplace_back(first, first + cols_);
        if (history_.size() > scrollback_limit_)
            history_.pop_front();
        else if (view_offset_ > 0)
            view_offset_++;  // a scrolled-back view stays on the lines it shows
    }
}

void Terminal::scroll_up(int top, int bottom, int n) {
    n = std::min(n, bottom - top + 1);
    if (n <= 0) return;
    auto row = [&](int y) { return screen_.begin() + ptrdiff_t(y) * cols_; };
    std::move(row(top + n), row(bottom + 1), row(top));
    std::fill(row(bottom + 1 - n), row(bottom + 1), blank());
    mark_all();
}

void Terminal::scroll_down(int top, int bottom, int n) {
    n = std::min(n, bottom - top + 1);
    if (n <= 0) return;
    auto row = [&](int y) { return screen_.begin() + ptrdiff_t(y) * cols_; };
    std::move_backward(row(top), row(bottom + 1 - n), row(bottom + 1));
    std::fill(row(top), row(top + n), blank());
    mark_all();
}

// Cells are stored row after row, so (x1 == cols_, y) and (0, y + 1) are the same end.
void Terminal::erase(int x0, int y0, int x1, int y1) {
    size_t first = size_t(y0) * size_t(cols_) + size_t(x0);
    size_t end = size_t(y1) * size_t(cols_) + size_t(x1);
    if (end <= first) return;
    std::fill(screen_.begin() + ptrdiff_t(first), screen_.begin() + ptrdiff_t(end), blank());
    for (int y = y0; y <= std::min(y1, rows_ - 1); y++)
        mark_row(y);
}

void Terminal::erase_display(int mode) {
    switch (mode) {
        case 0:  // cursor to end
            erase(cursor_x_, cursor_y_, 0, rows_);
            break;
        case 1:  // start to cursor, inclusive
            erase(0, 0, cursor_x_ + 1, cursor_y_);
            break;
        case 2:
            erase(0, 0, 0, rows_);
            break;
        case 3:  // the xterm extension: forget the scrollback too
            history_.clear();
            view_offset_ = 0;
            mark_all();
            break;
    }
}

void Terminal::erase_line(int mode) {
    int y = cursor_y_;
    if (mode == 0) erase(cursor_x_, y, 0, y + 1);
    if (mode == 1) erase(0, y, cursor_x_ + 1, y);
    if (mode == 2) erase(0, y, 0, y + 1);
}

void Terminal::insert_chars(int n) {
    auto line = screen_.begin() + ptrdiff_t(cursor_y_) * cols_;
    n = std::clamp(n, 0, cols_ - cursor_x_);
    std::move_backward(line + cursor_x_, line + cols_ - n, line + cols_);
    std::fill(line + cursor_x_, line + cursor_x_ + n, blank());
    mark_row(cursor_y_);
}

void Terminal::delete_chars(int n) {
    auto line = screen_.begin() + ptrdiff_t(cursor_y_) * cols_;
    n = std::clamp(n, 0, cols_ - cursor_x_);
    std::move(line + cursor_x_ + n, line + cols_, line + cursor_x_);
    std::fill(line + cols_ - n, line + cols_, blank());
    mark_row(cursor_y_);
}

void Terminal::set_margins(int top, int bottom) {
    // DECSTBM with a region of fewer than two lines is ignored, as on a VT100.
    if (top < 0 || bottom >= rows_ || top >= bottom) return;
    top_ = top;
    bottom_ = bottom;
    move_to_origin_relative(0, 0);
}

void Terminal::save_cursor() {
    saved_ = {cursor_x_, cursor_y_, attr_, g1_active_, g0_graphics_, g1_graphics_, origin_mode_};
}

void Terminal::restore_cursor() {
    attr_ = saved_.attr;
    g1_active_ = saved_.g1_active;
    g0_graphics_ = saved_.g0_graphics;
    g1_graphics_ = saved_.g1_graphics;
    origin_mode_ = saved_.origin_mode;
    mark_row(cursor_y_);
    cursor_x_ = std::min(saved_.x, cols_ - 1);
    cursor_y_ = std::min(saved_.y, rows_ - 1);
    pending_wrap_ = false;
    mark_row(cursor_y_);
}

void Terminal::full_reset() {
    attr_ = {};
    std::fill(screen_.begin(), screen_.end(), Cell{});
    cursor_x_ = cursor_y_ = 0;
    pending_wrap_ = false;
    top_ = 0;
    bottom_ = rows_ - 1;
    autowrap_ = true;
    origin_mode_ = false;
    cursor_visible_ = true;
    app_cursor_keys_ = false;
    insert_mode_ = false;
    g1_active_ = g0_graphics_ = g1_graphics_ = false;
    saved_ = {};
    mark_all();
}

}  // namespace kemu
