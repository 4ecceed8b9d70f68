// A character-cell terminal: the VT100/ANSI subset that the monitor's line editor,
// busybox's shell and editors, and newt/slang dialogs (TERM=linux or vt102) write.
// It keeps cells (code page 437 codes with colours), not pixels: TextConsole draws them.
// Supported: C0 controls (BS, HT, LF/VT/FF, CR, SO/SI), ESC 7/8/D/E/M/c, charset
// designation with the DEC line-drawing set, UTF-8 (box drawing and blocks map to their
// CP437 glyphs), CSI cursor movement, ED/EL/ICH/DCH/IL/DL/ECH/SU/SD, SGR (16 colours,
// bold, underline, reverse), DECSTBM, DECOM, DECAWM, DECTCEM, application cursor keys,
// DSR and DA replies, deferred line wrap, and a scrollback of lines that left the top.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kemu {

struct CellAttr {
    uint8_t fg = 7;  // ANSI colour numbers: 0 black, 1 red ... 7 white, 8-15 their bright forms
    uint8_t bg = 0;
    bool bold = false;
    bool underline = false;
    bool reverse = false;
    bool operator==(const CellAttr&) const = default;
};

struct Cell {
    uint8_t code = ' ';  // code page 437
    CellAttr attr;
    bool operator==(const Cell&) const = default;
};

class Terminal {
  public:
    static constexpr size_t kDefaultScrollback = 1000;

    Terminal(int cols, int rows, size_t scrollback_lines = kDefaultScrollback);

    int cols() const { return cols_; }
    int rows() const { return rows_; }

    // Bytes from the program (the monitor, the guest's serial port).
    void write(std::span<const uint8_t> bytes);
    void write(std::string_view text);

    // What the screen shows at (col, row), the scrollback view taken into account.
    const Cell& cell(int col, int row) const;
    // Row `row` as shown, trailing blanks stripped, codes as bytes (tests read it).
    std::string row_text(int row) const;

    int cursor_col() const { return cursor_x_; }
    int cursor_row() const { return cursor_y_; }
    // Hidden by DECTCEM, and while the view shows history.
    bool cursor_shown() const { return cursor_visible_ && view_offset_ == 0; }
    bool application_cursor_keys() const { return app_cursor_keys_; }

    // Scrollback: a positive `lines` looks further back; clamped to what history holds.
    void scroll_view(int lines);
    void reset_view() { scroll_view(-view_offset_); }
    int view_offset() const { return view_offset_; }
    size_t history_size() const { return history_.size(); }

    // Answers the terminal owes the program (cursor position reports, device attributes),
    // to be sent back as if typed; empties the queue.
    std::string take_replies();

    // Rows changed since the last call (in view coordinates).
    std::vector<int> take_dirty_rows();

  private:
    struct Saved {
        int x = 0, y = 0;
        CellAttr attr;
        bool g1_active = false;
        bool g0_graphics = false, g1_graphics = false;
        bool origin_mode = false;
    };
    enum class State { Ground, Escape, Charset, Skip, Csi, Osc, OscEscape };

    // Byte-level parsing (terminal_parser.cpp).
    void feed(uint8_t byte);
    void control(uint8_t byte);
    void escape(uint8_t byte);
    void csi_byte(uint8_t byte);
    void csi_dispatch(uint8_t final);
    void set_mode(bool on);
    void sgr();
    void put_utf8(uint8_t byte);
    int param(size_t index, int fallback) const;

    // Screen operations (terminal.cpp).
    Cell& at(int x, int y) { return screen_[size_t(y) * size_t(cols_) + size_t(x)]; }
    Cell blank() const;
    void put(uint8_t code);
    void line_feed();
    void reverse_line_feed();
    void carriage_return();
    void move_to(int x, int y);
    void move_to_origin_relative(int x, int y);
    void scroll_up(int top, int bottom, int n);
    void keep_in_history(int n);  // the top n screen lines, before a scroll drops them
    void scroll_down(int top, int bottom, int n);
    void erase(int x0, int y0, int x1, int y1);  // cells from (x0,y0) up to, not including, (x1,y1)
    void erase_display(int mode);
    void erase_line(int mode);
    void insert_chars(int n);
    void delete_chars(int n);
    void set_margins(int top, int bottom);
    void save_cursor();
    void restore_cursor();
    void full_reset();
    void mark_row(int y);
    void mark_all();

    int cols_;
    int rows_;
    size_t scrollback_limit_;
    std::vector<Cell> screen_;
    std::deque<std::vector<Cell>> history_;
    std::vector<uint8_t> dirty_;
    int view_offset_ = 0;

    int cursor_x_ = 0;
    int cursor_y_ = 0;
    bool pending_wrap_ = false;  // the last column was written: wrap before the next glyph
    CellAttr attr_;
    int top_ = 0;  // scrolling region, inclusive
    int bottom_ = 0;
    bool autowrap_ = true;
    bool origin_mode_ = false;
    bool cursor_visible_ = true;
    bool app_cursor_keys_ = false;
    bool insert_mode_ = false;
    bool g1_active_ = false;  // SO selects G1, SI G0
    bool g0_graphics_ = false;
    bool g1_graphics_ = false;
    Saved saved_;
    std::string replies_;

    State state_ = State::Ground;
    uint8_t charset_slot_ = 0;  // '(' or ')' while State::Charset
    std::vector<int> params_;
    bool csi_private_ = false;
    bool csi_ignore_ = false;  // intermediates or an unknown prefix: parse, then drop
    uint32_t utf8_code_ = 0;
    int utf8_left_ = 0;
    uint8_t utf8_lead_ = 0;
};

}  // namespace kemu
