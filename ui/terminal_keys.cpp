#include "ui/terminal_keys.h"

namespace kemu {

namespace {

struct Printable {
    uint16_t code;
    char plain;
    char shifted;
};

// The US layout's printable keys, keypad included (as with Num Lock on).
constexpr Printable kPrintable[] = {
    {KEY_1, '1', '!'},          {KEY_2, '2', '@'},           {KEY_3, '3', '#'},
    {KEY_4, '4', '$'},          {KEY_5, '5', '%'},           {KEY_6, '6', '^'},
    {KEY_7, '7', '&'},          {KEY_8, '8', '*'},           {KEY_9, '9', '('},
    {KEY_0, '0', ')'},          {KEY_MINUS, '-', '_'},       {KEY_EQUAL, '=', '+'},
    {KEY_Q, 'q', 'Q'},          {KEY_W, 'w', 'W'},           {KEY_E, 'e', 'E'},
    {KEY_R, 'r', 'R'},          {KEY_T, 't', 'T'},           {KEY_Y, 'y', 'Y'},
    {KEY_U, 'u', 'U'},          {KEY_I, 'i', 'I'},           {KEY_O, 'o', 'O'},
    {KEY_P, 'p', 'P'},          {KEY_LEFTBRACE, '[', '{'},   {KEY_RIGHTBRACE, ']', '}'},
    {KEY_A, 'a', 'A'},          {KEY_S, 's', 'S'},           {KEY_D, 'd', 'D'},
    {KEY_F, 'f', 'F'},          {KEY_G, 'g', 'G'},           {KEY_H, 'h', 'H'},
    {KEY_J, 'j', 'J'},          {KEY_K, 'k', 'K'},           {KEY_L, 'l', 'L'},
    {KEY_SEMICOLON, ';', ':'},  {KEY_APOSTROPHE, '\'', '"'}, {KEY_GRAVE, '`', '~'},
    {KEY_BACKSLASH, '\\', '|'}, {KEY_Z, 'z', 'Z'},           {KEY_X, 'x', 'X'},
    {KEY_C, 'c', 'C'},          {KEY_V, 'v', 'V'},           {KEY_B, 'b', 'B'},
    {KEY_N, 'n', 'N'},          {KEY_M, 'm', 'M'},           {KEY_COMMA, ',', '<'},
    {KEY_DOT, '.', '>'},        {KEY_SLASH, '/', '?'},       {KEY_SPACE, ' ', ' '},
    {KEY_102ND, '\\', '|'},     {KEY_KP0, '0', '0'},         {KEY_KP1, '1', '1'},
    {KEY_KP2, '2', '2'},        {KEY_KP3, '3', '3'},         {KEY_KP4, '4', '4'},
    {KEY_KP5, '5', '5'},        {KEY_KP6, '6', '6'},         {KEY_KP7, '7', '7'},
    {KEY_KP8, '8', '8'},        {KEY_KP9, '9', '9'},         {KEY_KPDOT, '.', '.'},
    {KEY_KPPLUS, '+', '+'},     {KEY_KPMINUS, '-', '-'},     {KEY_KPASTERISK, '*', '*'},
    {KEY_KPSLASH, '/', '/'},
};

struct Sequence {
    uint16_t code;
    const char* bytes;
};

constexpr Sequence kSpecial[] = {
    {KEY_ENTER, "\r"},       {KEY_KPENTER, "\r"},       {KEY_BACKSPACE, "\x7f"},
    {KEY_TAB, "\t"},         {KEY_ESC, "\x1b"},         {KEY_HOME, "\x1b[1~"},
    {KEY_INSERT, "\x1b[2~"}, {KEY_DELETE, "\x1b[3~"},   {KEY_END, "\x1b[4~"},
    {KEY_PAGEUP, "\x1b[5~"}, {KEY_PAGEDOWN, "\x1b[6~"}, {KEY_F1, "\x1b[[A"},
    {KEY_F2, "\x1b[[B"},     {KEY_F3, "\x1b[[C"},       {KEY_F4, "\x1b[[D"},
    {KEY_F5, "\x1b[[E"},     {KEY_F6, "\x1b[17~"},      {KEY_F7, "\x1b[18~"},
    {KEY_F8, "\x1b[19~"},    {KEY_F9, "\x1b[20~"},      {KEY_F10, "\x1b[21~"},
    {KEY_F11, "\x1b[23~"},   {KEY_F12, "\x1b[24~"},
};

struct Arrow {
    uint16_t code;
    char final;
};

constexpr Arrow kArrows[] = {{KEY_UP, 'A'}, {KEY_DOWN, 'B'}, {KEY_RIGHT, 'C'}, {KEY_LEFT, 'D'}};

}  // namespace

std::string TerminalKeys::key(uint16_t code, bool down, bool app_cursor_keys) {
    if (code >= KEY_CNT) return {};
    down_[code] = down;
    if (!down) return {};
    if (code == KEY_CAPSLOCK) caps_lock_ = !caps_lock_;
    std::string out;
    for (const Arrow& a : kArrows)
        if (a.code == code) out = {'\x1b', app_cursor_keys ? 'O' : '[', a.final};
    for (const Sequence& s : kSpecial)
        if (s.code == code) out = s.bytes;
    for (const Printable& p : kPrintable) {
        if (p.code != code) continue;
        bool letter = p.plain >= 'a' && p.plain <= 'z';
        char c = (shift() != (letter && caps_lock_)) ? p.shifted : p.plain;
        // Ctrl+letter and friends are the C0 controls (Ctrl+C is 0x03, Ctrl+[ is ESC).
        if (ctrl() && c >= 0x40) c = char(c & 0x1f);
        if (ctrl() && c == ' ') c = 0;
        out = std::string(1, c);
    }
    if (!out.empty() && alt()) out.insert(out.begin(), '\x1b');
    return out;
}

}  // namespace kemu
