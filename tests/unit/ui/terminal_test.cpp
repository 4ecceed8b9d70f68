#include "ui/terminal.h"

#include <gtest/gtest.h>

namespace kemu {
namespace {

class TerminalTest : public ::testing::Test {
  protected:
    Terminal term_{20, 6, 50};
    std::string row(int r) const { return term_.row_text(r); }
};

TEST_F(TerminalTest, PrintsAndWrapsAtTheLastColumnOnlyWhenMoreFollows) {
    term_.write("0123456789abcdefghij");
    EXPECT_EQ(row(0), "0123456789abcdefghij");
    // Deferred wrap: the cursor stays on the last column until the next glyph.
    EXPECT_EQ(term_.cursor_row(), 0);
    EXPECT_EQ(term_.cursor_col(), 19);
    term_.write("K");
    EXPECT_EQ(row(1), "K");
    EXPECT_EQ(term_.cursor_col(), 1);
}

TEST_F(TerminalTest, ControlCharacters) {
    term_.write("abc\bX\r\nde\tf");
    EXPECT_EQ(row(0), "abX");
    EXPECT_EQ(row(1), "de      f");
    term_.write("\n");  // LF alone keeps the column (no newline mode)
    EXPECT_EQ(term_.cursor_row(), 2);
    EXPECT_EQ(term_.cursor_col(), 9);
}

TEST_F(TerminalTest, CursorMovementSequences) {
    term_.write("\x1b[3;5HA");  // CUP row 3 col 5
    EXPECT_EQ(term_.row_text(2), "    A");
    term_.write("\x1b[2AB");  // CUU 2
    EXPECT_EQ(row(0), "     B");
    term_.write("\x1b[BC");  // CUD 1 (default)
    EXPECT_EQ(row(1), "      C");
    term_.write("\x1b[4DD\x1b[2CE");  // CUB 4, CUF 2
    EXPECT_EQ(row(1), "   D  E");
    term_.write("\x1b[99;99HZ");  // clamped to the corner
    EXPECT_EQ(row(5), std::string(19, ' ') + "Z");
    term_.write("\x1b[H\x1b[10GQ");  // home, then column 10
    EXPECT_EQ(row(0), "     B   Q");
}

TEST_F(TerminalTest, EraseInDisplayAndLine) {
    for (int i = 0; i < 6; i++)
        term_.write(i < 5 ? "xxxxxxxxxx\r\n" : "xxxxxxxxxx");
    term_.write("\x1b[2;4H\x1b[K");  // EL 0: cursor to end of line
    EXPECT_EQ(row(1), "xxx");
    term_.write("\x1b[3;4H\x1b[1K");  // EL 1: start to cursor, inclusive
    EXPECT_EQ(row(2), "    xxxxxx");
    term_.write("\x1b[4;1H\x1b[2K");  // EL 2: whole line
    EXPECT_EQ(row(3), "");
    term_.write("\x1b[1;5H\x1b[J");  // ED 0
    EXPECT_EQ(row(0), "xxxx");
    EXPECT_EQ(row(4), "");
    term_.write("\x1b[2J");
    for (int r = 0; r < 6; r++)
        EXPECT_EQ(row(r), "") << r;
}

TEST_F(TerminalTest, SgrColoursBoldReverseAndReset) {
    term_.write("\x1b[1;31;44mA\x1b[7mB\x1b[0mC\x1b[92;103mD\x1b[39;49mE");
    const Cell& a = term_.cell(0, 0);
    EXPECT_EQ(a.attr.fg, 1);
    EXPECT_EQ(a.attr.bg, 4);
    EXPECT_TRUE(a.attr.bold);
    EXPECT_FALSE(a.attr.reverse);
    EXPECT_TRUE(term_.cell(1, 0).attr.reverse);
    EXPECT_EQ(term_.cell(2, 0).attr, CellAttr{});
    EXPECT_EQ(term_.cell(3, 0).attr.fg, 10);
    EXPECT_EQ(term_.cell(3, 0).attr.bg, 11);
    EXPECT_EQ(term_.cell(4, 0).attr, CellAttr{});
    // 256-colour arguments are consumed, not read as SGR codes of their own (5 = blink).
    term_.write("\x1b[38;5;200;1mF");
    EXPECT_EQ(term_.cell(5, 0).attr.fg, 7);
    EXPECT_TRUE(term_.cell(5, 0).attr.bold);
}

TEST_F(TerminalTest, ErasePaintsTheCurrentBackground) {
    term_.write("\x1b[44m\x1b[2J");
    EXPECT_EQ(term_.cell(10, 3).attr.bg, 4);
}

TEST_F(TerminalTest, ScrollingRegionKeepsLinesOutsideIt) {
    for (int i = 0; i < 6; i++)
        term_.write(std::string(1, char('A' + i)) + (i < 5 ? "\r\n" : ""));
    term_.write("\x1b[2;4r");  // rows 2-4, cursor goes home
    EXPECT_EQ(term_.cursor_row(), 0);
    term_.write("\x1b[4;1H\nX");  // LF at the region's bottom scrolls the region only
    EXPECT_EQ(row(0), "A");
    EXPECT_EQ(row(1), "C");
    EXPECT_EQ(row(2), "D");
    EXPECT_EQ(row(3), "X");
    EXPECT_EQ(row(4), "E");
    EXPECT_EQ(row(5), "F");
    EXPECT_EQ(term_.history_size(), 0u);  // a partial region feeds no scrollback
    term_.write("\x1b[2;1H\x1bMY");       // reverse index at the top scrolls down
    EXPECT_EQ(row(1), "Y");
    EXPECT_EQ(row(2), "C");
    EXPECT_EQ(row(3), "D");
    EXPECT_EQ(row(4), "E");
}

TEST_F(TerminalTest, InsertAndDeleteLinesAndCharacters) {
    term_.write("abcdef\r\n2\r\n3");
    term_.write("\x1b[1;3H\x1b[2P");  // DCH
    EXPECT_EQ(row(0), "abef");
    term_.write("\x1b[2@");  // ICH
    EXPECT_EQ(row(0), "ab  ef");
    term_.write("\x1b[1X");  // ECH leaves the rest in place
    EXPECT_EQ(row(0), "ab  ef");
    term_.write("\x1b[1;1H\x1b[L");  // IL
    EXPECT_EQ(row(0), "");
    EXPECT_EQ(row(1), "ab  ef");
    term_.write("\x1b[M\x1b[M");  // DL twice
    EXPECT_EQ(row(0), "2");
    EXPECT_EQ(row(1), "3");
    EXPECT_EQ(term_.history_size(), 0u);
}

TEST_F(TerminalTest, SaveAndRestoreCursorWithAttributes) {
    term_.write(
        "\x1b[3;3H\x1b[31m\x1b"
        "7\x1b[0m\x1b[1;1Hx\x1b"
        "8y");
    EXPECT_EQ(row(2), "  y");
    EXPECT_EQ(term_.cell(2, 2).attr.fg, 1);
    term_.write("\x1b[5;5H\x1b[s\x1b[1;1H\x1b[uz");
    EXPECT_EQ(row(4), "    z");
}

TEST_F(TerminalTest, AutowrapOffOverwritesTheLastColumn) {
    term_.write("\x1b[?7l");
    term_.write(std::string(25, 'a') + "Z");
    EXPECT_EQ(row(0), std::string(19, 'a') + "Z");
    EXPECT_EQ(row(1), "");
}

TEST_F(TerminalTest, ScrollbackKeepsLinesThatLeaveTheTop) {
    for (int i = 0; i < 10; i++)
        term_.write("line" + std::to_string(i) + "\r\n");
    EXPECT_EQ(term_.history_size(), 5u);
    EXPECT_EQ(row(0), "line5");
    term_.scroll_view(3);
    EXPECT_EQ(row(0), "line2");
    EXPECT_EQ(row(3), "line5");
    EXPECT_FALSE(term_.cursor_shown());
    term_.scroll_view(100);  // clamped to what history holds
    EXPECT_EQ(row(0), "line0");
    term_.reset_view();
    EXPECT_EQ(row(0), "line5");
    EXPECT_TRUE(term_.cursor_shown());
}

TEST_F(TerminalTest, ScrollbackIsBounded) {
    for (int i = 0; i < 200; i++)
        term_.write("x\r\n");
    EXPECT_EQ(term_.history_size(), 50u);
}

TEST_F(TerminalTest, LineDrawingCharsets) {
    term_.write("\x1b(0lqk\x1b(Bq");  // G0 = DEC graphics, then back to ASCII
    EXPECT_EQ(term_.cell(0, 0).code, 0xda);
    EXPECT_EQ(term_.cell(1, 0).code, 0xc4);
    EXPECT_EQ(term_.cell(2, 0).code, 0xbf);
    EXPECT_EQ(term_.cell(3, 0).code, 'q');
    term_.write("\x1b)0\x0ex\x0fx");  // G1 through SO/SI, as TERM=linux does it
    EXPECT_EQ(term_.cell(4, 0).code, 0xb3);
    EXPECT_EQ(term_.cell(5, 0).code, 'x');
}

TEST_F(TerminalTest, Utf8BoxDrawingAndBrokenSequences) {
    term_.write("\xe2\x94\x8c\xe2\x94\x80\xe2\x96\x88\xc3\xa9\xe2\x82\xac");  // ┌─█é€
    EXPECT_EQ(term_.cell(0, 0).code, 0xda);
    EXPECT_EQ(term_.cell(1, 0).code, 0xc4);
    EXPECT_EQ(term_.cell(2, 0).code, 0xdb);
    EXPECT_EQ(term_.cell(3, 0).code, 0x82);
    EXPECT_EQ(term_.cell(4, 0).code, '?');  // no CP437 glyph for the euro sign
    term_.write(
        "\xc3"
        "A\xb0");  // a lead byte without its continuation, a stray one
    EXPECT_EQ(term_.cell(5, 0).code, 0xc3);
    EXPECT_EQ(term_.cell(6, 0).code, 'A');
    EXPECT_EQ(term_.cell(7, 0).code, 0xb0);
}

TEST_F(TerminalTest, RepliesToStatusAndCursorPositionQueries) {
    term_.write("\x1b[4;7H\x1b[6n\x1b[5n\x1b[c");
    EXPECT_EQ(term_.take_replies(), "\x1b[4;7R\x1b[0n\x1b[?6c");
    EXPECT_EQ(term_.take_replies(), "");
}

TEST_F(TerminalTest, ModesCursorVisibilityAndApplicationKeys) {
    term_.write("\x1b[?25l\x1b[?1h");
    EXPECT_FALSE(term_.cursor_shown());
    EXPECT_TRUE(term_.application_cursor_keys());
    term_.write("\x1b[?25h\x1b[?1l");
    EXPECT_TRUE(term_.cursor_shown());
    EXPECT_FALSE(term_.application_cursor_keys());
}

TEST_F(TerminalTest, OscTitlesAndUnknownSequencesLeaveNoGarbage) {
    term_.write(
        "\x1b]0;window title\x07"
        "a\x1b]2;t\x1b\\b\x1b[>0c\x1b[2 qc\x1b#8d\x1b[?1049he");
    EXPECT_EQ(row(0), "abcde");
    EXPECT_EQ(term_.take_replies(), "");  // secondary DA is not answered as primary
}

TEST_F(TerminalTest, GarbageNeverEscapesTheScreen) {
    std::string noise;
    uint32_t x = 12345;
    for (int i = 0; i < 20000; i++) {
        x = x * 1103515245 + 12345;
        noise += char(x >> 16);
    }
    noise += "\x1b[999;999r\x1b[0;0r\x1b[9999L\x1b[9999M\x1b[9999@\x1b[9999P";
    term_.write(noise);
    EXPECT_GE(term_.cursor_col(), 0);
    EXPECT_LT(term_.cursor_col(), term_.cols());
    EXPECT_GE(term_.cursor_row(), 0);
    EXPECT_LT(term_.cursor_row(), term_.rows());
    term_.write("\x18\x1b[0m\x1b[r\x1b[H\x1b[2Jok");
    EXPECT_EQ(row(0), "ok");
}

TEST_F(TerminalTest, DirtyRowsReportWhatChanged) {
    term_.take_dirty_rows();
    term_.write("\x1b[3;1Hx");
    EXPECT_EQ(term_.take_dirty_rows(), (std::vector<int>{0, 2}));  // cursor left row 0
    EXPECT_TRUE(term_.take_dirty_rows().empty());
}

}  // namespace
}  // namespace kemu
