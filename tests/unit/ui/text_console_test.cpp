#include "ui/text_console.h"

#include <gtest/gtest.h>

#include "display_test_util.h"

namespace kemu {
namespace {

constexpr uint32_t kGrey = 0xaaaaaa;
constexpr uint32_t kBlack = 0;

class Typed : public CharFrontend {
  public:
    size_t can_receive() override { return room; }
    void receive(std::span<const uint8_t> data) override { text.append(data.begin(), data.end()); }
    std::string text;
    size_t room = 1024;
};

class TextConsoleTest : public ::testing::Test {
  protected:
    TextConsoleTest() { chr_.attach(&typed_); }

    void write(std::string_view s) {
        chr_.write(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
    }
    // The code drawn in cell (col, row): the numbered font's glyph rows are the code itself,
    // so any row above the cursor lines of a cell reads it back from the pixels.
    int drawn_code(const TextConsole& console, int col, int row, uint32_t fg) {
        DisplaySurface& s = const_cast<TextConsole&>(console).surface();
        int code = 0;
        for (int x = 0; x < 8; x++)
            if (s.pixel(col * 8 + x, row * 16 + 3) == fg) code |= 0x80 >> x;
        return code;
    }

    VcChardev chr_{"compat_monitor0"};
    Typed typed_;
    std::shared_ptr<const VgaFont> font_ = std::make_shared<const VgaFont>(test::numbered_font());
};

TEST_F(TextConsoleTest, ShowsWhatWasWrittenBeforeItAttached) {
    write("QEMU monitor\r\n(kemu) ");
    TextConsole console("monitor", chr_, font_);
    console.refresh();
    EXPECT_EQ(console.terminal().row_text(1), "(kemu)");
    EXPECT_EQ(drawn_code(console, 0, 1, kGrey), '(');
    EXPECT_EQ(drawn_code(console, 2, 1, kGrey), 'e');
    EXPECT_EQ(console.surface().width(), 640);
    EXPECT_EQ(console.surface().height(), 384);
}

TEST_F(TextConsoleTest, RendersColoursReverseAndTheCursor) {
    TextConsole console("serial0", chr_, font_);
    write("\x1b[31;47mR\x1b[0;7mV");
    console.refresh();
    EXPECT_EQ(drawn_code(console, 0, 0, 0xaa0000), 'R');
    EXPECT_EQ(console.surface().pixel(7, 3), 'R' & 1 ? 0xaa0000u : 0xaaaaaau);
    // Reverse video: black glyph on grey.
    EXPECT_EQ(drawn_code(console, 1, 0, kBlack), 'V');
    // The cursor (cell 2) is an underline in the foreground colour on the last two lines.
    EXPECT_EQ(console.surface().pixel(2 * 8, 15), kGrey);
    EXPECT_EQ(console.surface().pixel(2 * 8, 14), kGrey);
    EXPECT_EQ(console.surface().pixel(2 * 8, 13), kBlack);
}

TEST_F(TextConsoleTest, OnlyChangedRowsAreRedrawnAndMarked) {
    TextConsole console("serial0", chr_, font_);
    console.refresh();
    console.surface().take_dirty();
    write("\x1b[5;1Hx");
    console.refresh();
    // Row 0 lost the cursor, row 4 got the x and the cursor.
    EXPECT_EQ(console.surface().take_dirty(),
              (std::vector<Rect>{{0, 0, 640, 16}, {0, 64, 640, 16}}));
    console.refresh();
    EXPECT_FALSE(console.surface().has_dirty());
}

TEST_F(TextConsoleTest, KeysBecomeBytesForTheChardev) {
    TextConsole console("monitor", chr_, font_);
    for (uint16_t code : {KEY_I, KEY_N, KEY_F, KEY_O, KEY_SPACE, KEY_S}) {
        console.key(code, true);
        console.key(code, false);
    }
    console.key(KEY_LEFTSHIFT, true);
    console.key(KEY_1, true);
    console.key(KEY_1, false);
    console.key(KEY_LEFTSHIFT, false);
    console.key(KEY_UP, true);
    console.key(KEY_ENTER, true);
    EXPECT_EQ(typed_.text, "info s!\x1b[A\r");
}

TEST_F(TextConsoleTest, CursorPositionQueriesAreAnswered) {
    TextConsole console("serial0", chr_, font_);
    write("ab\x1b[6n");
    EXPECT_EQ(typed_.text, "\x1b[1;3R");
}

TEST_F(TextConsoleTest, InputWaitsForAFullFrontend) {
    TextConsole console("serial0", chr_, font_);
    typed_.room = 0;
    console.key(KEY_A, true);
    EXPECT_EQ(typed_.text, "");
    typed_.room = 16;
    chr_.frontend_ready();
    EXPECT_EQ(typed_.text, "a");
}

TEST_F(TextConsoleTest, ShiftPageUpShowsTheScrollback) {
    TextConsole console("serial0", chr_, font_);
    for (int i = 0; i < 40; i++)
        write("line " + std::to_string(i) + "\r\n");
    console.key(KEY_LEFTSHIFT, true);
    console.key(KEY_PAGEUP, true);
    EXPECT_EQ(console.terminal().view_offset(), 12);
    EXPECT_EQ(console.terminal().row_text(0), "line 5");
    console.key(KEY_PAGEDOWN, true);
    EXPECT_EQ(console.terminal().view_offset(), 0);
    EXPECT_EQ(typed_.text, "");  // paging types nothing
    console.key(KEY_PAGEUP, true);
    console.key(KEY_LEFTSHIFT, false);
    console.key(KEY_A, true);  // typing returns to the live screen
    EXPECT_EQ(console.terminal().view_offset(), 0);
}

TEST_F(TextConsoleTest, ABlankFontStillDrawsColours) {
    TextConsole console("serial0", chr_, std::make_shared<const VgaFont>());
    write("\x1b[44m \x1b[0m");
    console.refresh();
    EXPECT_EQ(console.surface().pixel(3, 3), 0x0000aau);
}

TEST_F(TextConsoleTest, DetachesFromItsChardev) {
    { TextConsole console("serial0", chr_, font_); }
    write("later");  // kept for the next screen, not sent to a dead one
    TextConsole again("serial0", chr_, font_);
    EXPECT_EQ(again.terminal().row_text(0), "later");
}

}  // namespace
}  // namespace kemu
