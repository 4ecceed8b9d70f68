// Doubles for the console and front-end tests: an input sink that records, a font
// whose glyphs can be told apart, and a poster that runs functions when told to.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "ui/input.h"
#include "ui/vga_font.h"

namespace kemu::test {

class RecordingSink : public InputSink {
  public:
    void key(uint16_t code, bool down) override { keys.emplace_back(code, down); }
    void relative_motion(const PointerMotion& motion) override { motions.push_back(motion); }
    void set_led_listener(LedListener) override {}

    std::vector<std::pair<uint16_t, bool>> keys;
    std::vector<PointerMotion> motions;
};

// Glyph c has its code in every row, so any code page 437 code can be read back.
inline VgaFont numbered_font() {
    std::array<uint8_t, VgaFont::kBytes> glyphs;
    for (size_t i = 0; i < glyphs.size(); i++)
        glyphs[i] = uint8_t(i / VgaFont::kGlyphHeight);
    return VgaFont(glyphs);
}

// Stands in for EventLoop::post: functions wait until run_all().
class Poster {
  public:
    std::function<void(std::function<void()>)> fn() {
        return [this](std::function<void()> f) { queue.push_back(std::move(f)); };
    }
    size_t run_all() {
        size_t n = 0;
        while (!queue.empty()) {
            auto f = std::move(queue.front());
            queue.erase(queue.begin());
            f();
            n++;
        }
        return n;
    }
    std::vector<std::function<void()>> queue;
};

}  // namespace kemu::test
