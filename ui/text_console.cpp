#include "ui/text_console.h"

#include <algorithm>

namespace kemu {

namespace {

constexpr int kCellWidth = VgaFont::kGlyphWidth;
constexpr int kCellHeight = VgaFont::kGlyphHeight;
// An underline cursor on the last two scan lines, as VGA text mode draws by default.
constexpr int kCursorFirstLine = 14;
constexpr int kUnderlineLine = 15;

// The VGA text palette in ANSI order (0 black, 1 red, 2 green, 3 brown/yellow ...).
constexpr uint32_t kPalette[16] = {
    xrgb(0x00, 0x00, 0x00), xrgb(0xaa, 0x00, 0x00), xrgb(0x00, 0xaa, 0x00), xrgb(0xaa, 0x55, 0x00),
    xrgb(0x00, 0x00, 0xaa), xrgb(0xaa, 0x00, 0xaa), xrgb(0x00, 0xaa, 0xaa), xrgb(0xaa, 0xaa, 0xaa),
    xrgb(0x55, 0x55, 0x55), xrgb(0xff, 0x55, 0x55), xrgb(0x55, 0xff, 0x55), xrgb(0xff, 0xff, 0x55),
    xrgb(0x55, 0x55, 0xff), xrgb(0xff, 0x55, 0xff), xrgb(0x55, 0xff, 0xff), xrgb(0xff, 0xff, 0xff),
};

}  // namespace

TextConsole::TextConsole(std::string name, VcChardev& chardev, std::shared_ptr<const VgaFont> font,
                         int cols, int rows)
    : Console(std::move(name)),
      chardev_(chardev),
      font_(font ? std::move(font) : std::make_shared<const VgaFont>()),
      terminal_(cols, rows),
      surface_(terminal_.cols() * kCellWidth, terminal_.rows() * kCellHeight) {
    chardev_.set_screen(this);
}

TextConsole::~TextConsole() {
    chardev_.set_screen(nullptr);
}

void TextConsole::show(std::span<const uint8_t> bytes) {
    terminal_.write(bytes);
    std::string replies = terminal_.take_replies();
    if (!replies.empty())
        chardev_.type(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(replies.data()),
                                               replies.size()));
}

void TextConsole::key(uint16_t code, bool down) {
    if (down && keys_.shift() && (code == KEY_PAGEUP || code == KEY_PAGEDOWN)) {
        int page = terminal_.rows() / 2;
        terminal_.scroll_view(code == KEY_PAGEUP ? page : -page);
        return;
    }
    std::string bytes = keys_.key(code, down, terminal_.application_cursor_keys());
    if (bytes.empty()) return;
    terminal_.reset_view();  // typing brings the live screen back, as on the Linux console
    chardev_.type(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

void TextConsole::refresh() {
    std::vector<int> rows = terminal_.take_dirty_rows();
    int cursor_row = terminal_.cursor_shown() ? terminal_.cursor_row() : -1;
    int cursor_col = terminal_.cursor_col();
    bool cursor_moved = cursor_row != drawn_cursor_row_ || cursor_col != drawn_cursor_col_;
    if (cursor_moved) {
        if (drawn_cursor_row_ >= 0) rows.push_back(drawn_cursor_row_);
        if (cursor_row >= 0) rows.push_back(cursor_row);
    }
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    drawn_cursor_row_ = cursor_row;
    drawn_cursor_col_ = cursor_col;
    for (int row : rows)
        draw_row(row);
}

void TextConsole::draw_row(int row) {
    for (int col = 0; col < terminal_.cols(); col++) {
        const Cell& cell = terminal_.cell(col, row);
        uint8_t fg = cell.attr.fg;
        if (cell.attr.bold && fg < 8) fg += 8;
        uint32_t fg_rgb = kPalette[fg & 15];
        uint32_t bg_rgb = kPalette[cell.attr.bg & 15];
        if (cell.attr.reverse) std::swap(fg_rgb, bg_rgb);
        bool cursor = row == drawn_cursor_row_ && col == drawn_cursor_col_;
        auto glyph = font_->glyph(cell.code);
        for (int line = 0; line < kCellHeight; line++) {
            uint8_t bits = glyph[size_t(line)];
            if (cell.attr.underline && line == kUnderlineLine) bits = 0xff;
            if (cursor && line >= kCursorFirstLine) bits = 0xff;
            uint32_t* out = surface_.row(row * kCellHeight + line) + col * kCellWidth;
            for (int x = 0; x < kCellWidth; x++)
                out[x] = (bits & (0x80 >> x)) ? fg_rgb : bg_rgb;
        }
    }
    surface_.mark_dirty({0, row * kCellHeight, surface_.width(), kCellHeight});
}

}  // namespace kemu
