// A text console: a Terminal shown in a DisplaySurface with the VGA font (8x16 cells),
// fed by a `vc` chardev (the monitor, a serial port) and typing back into it.
// Shift+PgUp/PgDn page through the scrollback.
#pragma once

#include <memory>
#include <string>

#include "chardev/vc_chardev.h"
#include "ui/console.h"
#include "ui/terminal.h"
#include "ui/terminal_keys.h"
#include "ui/vga_font.h"

namespace kemu {

class TextConsole final : public Console, private VcScreen {
  public:
    static constexpr int kDefaultCols = 80;
    static constexpr int kDefaultRows = 24;

    // Attaches to `chardev` (which must outlive this console) and shows its backlog.
    TextConsole(std::string name, VcChardev& chardev, std::shared_ptr<const VgaFont> font,
                int cols = kDefaultCols, int rows = kDefaultRows);
    ~TextConsole() override;

    void refresh() override;
    DisplaySurface& surface() override { return surface_; }
    void key(uint16_t code, bool down) override;

    const Terminal& terminal() const { return terminal_; }

  private:
    void show(std::span<const uint8_t> bytes) override;
    void draw_row(int row);

    VcChardev& chardev_;
    std::shared_ptr<const VgaFont> font_;
    Terminal terminal_;
    TerminalKeys keys_;
    DisplaySurface surface_;
    // Where the cursor was drawn, so moving it redraws the row it leaves.
    int drawn_cursor_row_ = -1;
    int drawn_cursor_col_ = -1;
};

}  // namespace kemu
