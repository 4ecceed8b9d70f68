#include "ui/console.h"

#include <gtest/gtest.h>

#include "chardev/vc_chardev.h"
#include "display_test_util.h"
#include "ui/frame_mirror.h"
#include "ui/text_console.h"

namespace kemu {
namespace {

using KeyEvents = std::vector<std::pair<uint16_t, bool>>;

class TypedBytes : public CharFrontend {
  public:
    size_t can_receive() override { return 1024; }
    void receive(std::span<const uint8_t> data) override { text.append(data.begin(), data.end()); }
    std::string text;
};

class ConsoleSetTest : public ::testing::Test {
  protected:
    ConsoleSetTest() {
        vga_.row(0)[0] = 0x123456;
        consoles_.add(std::make_unique<GraphicConsole>(
            "vga", [this] { refreshes_++; }, vga_, &sink_));
        monitor_chr_.attach(&monitor_input_);
        serial_chr_.attach(&serial_input_);
        consoles_.add(std::make_unique<TextConsole>("monitor", monitor_chr_, font_));
        consoles_.add(std::make_unique<TextConsole>("serial0", serial_chr_, font_));
    }
    void press(uint16_t code) { consoles_.key(code, true); }
    void release(uint16_t code) { consoles_.key(code, false); }
    void tap(uint16_t code) {
        press(code);
        release(code);
    }
    // Ctrl+Alt+<key> as a person types it: modifiers down, key, all up.
    void chord(uint16_t code) {
        press(KEY_LEFTCTRL);
        press(KEY_LEFTALT);
        tap(code);
        release(KEY_LEFTALT);
        release(KEY_LEFTCTRL);
    }

    test::RecordingSink sink_;
    DisplaySurface vga_{720, 400};
    int refreshes_ = 0;
    std::shared_ptr<const VgaFont> font_ = std::make_shared<const VgaFont>(test::numbered_font());
    VcChardev monitor_chr_{"compat_monitor0"};
    VcChardev serial_chr_{"serial0"};
    TypedBytes monitor_input_, serial_input_;
    ConsoleSet consoles_;
};

TEST_F(ConsoleSetTest, KeysGoToTheGraphicConsoleFirst) {
    EXPECT_EQ(consoles_.active_index(), 0u);
    tap(KEY_A);
    EXPECT_EQ(sink_.keys, (KeyEvents{{KEY_A, true}, {KEY_A, false}}));
    EXPECT_EQ(monitor_input_.text, "");
}

TEST_F(ConsoleSetTest, CtrlAltDigitSwitchesAndNeverReachesTheGuest) {
    chord(KEY_2);
    EXPECT_EQ(consoles_.active_index(), 1u);
    EXPECT_EQ(consoles_.active().name(), "monitor");
    // The guest saw the modifiers go down and, on the switch, up again; never the 2.
    EXPECT_EQ(sink_.keys, (KeyEvents{{KEY_LEFTCTRL, true},
                                     {KEY_LEFTALT, true},
                                     {KEY_LEFTCTRL, false},
                                     {KEY_LEFTALT, false}}));
    EXPECT_EQ(monitor_input_.text, "");  // nor did the monitor get a '2'
    tap(KEY_I);
    tap(KEY_ENTER);
    EXPECT_EQ(monitor_input_.text, "i\r");
    chord(KEY_3);
    EXPECT_EQ(consoles_.active().name(), "serial0");
    tap(KEY_X);
    EXPECT_EQ(serial_input_.text, "x");
    chord(KEY_1);
    EXPECT_EQ(consoles_.active_index(), 0u);
    sink_.keys.clear();
    tap(KEY_B);
    EXPECT_EQ(sink_.keys, (KeyEvents{{KEY_B, true}, {KEY_B, false}}));
}

TEST_F(ConsoleSetTest, HoldingTheModifiersSwitchesRepeatedly) {
    press(KEY_RIGHTCTRL);
    press(KEY_RIGHTALT);
    tap(KEY_2);
    EXPECT_EQ(consoles_.active_index(), 1u);
    tap(KEY_3);
    EXPECT_EQ(consoles_.active_index(), 2u);
    tap(KEY_1);
    EXPECT_EQ(consoles_.active_index(), 0u);
    release(KEY_RIGHTALT);
    release(KEY_RIGHTCTRL);
    // Back on the guest, whose modifiers were released at the first switch: the later
    // releases belong to nobody.
    EXPECT_EQ(sink_.keys.back(), (std::pair<uint16_t, bool>{KEY_RIGHTALT, false}));
    EXPECT_EQ(sink_.keys.size(), 4u);
}

TEST_F(ConsoleSetTest, AMissingConsoleNumberChangesNothing) {
    chord(KEY_9);
    EXPECT_EQ(consoles_.active_index(), 0u);
    for (const auto& [code, down] : sink_.keys)
        EXPECT_NE(code, KEY_9);
}

TEST_F(ConsoleSetTest, KeysHeldAcrossASwitchAreReleasedOnTheirConsole) {
    press(KEY_W);  // held in a game, say
    chord(KEY_2);
    EXPECT_TRUE(std::find(sink_.keys.begin(), sink_.keys.end(),
                          std::pair<uint16_t, bool>{KEY_W, false}) != sink_.keys.end());
    release(KEY_W);  // the release does not type into the monitor
    EXPECT_EQ(monitor_input_.text, "");
}

TEST_F(ConsoleSetTest, PointerGoesOnlyToTheGraphicConsole) {
    consoles_.pointer({.dx = 3, .dy = -2});
    ASSERT_EQ(sink_.motions.size(), 1u);
    EXPECT_EQ(sink_.motions[0].dx, 3);
    EXPECT_TRUE(consoles_.active().wants_pointer());
    consoles_.select(1);
    consoles_.pointer({.dx = 1});
    EXPECT_EQ(sink_.motions.size(), 1u);
    EXPECT_FALSE(consoles_.active().wants_pointer());
}

TEST_F(ConsoleSetTest, MirrorsGetTheActiveConsoleAndAllOfItAfterASwitch) {
    FrameMirror mirror;
    consoles_.add_mirror(&mirror);
    std::vector<uint32_t> pixels;
    consoles_.update_mirrors();
    EXPECT_EQ(refreshes_, 1);
    auto first = mirror.take(pixels);
    ASSERT_TRUE(first);
    EXPECT_TRUE(first->resized);
    EXPECT_EQ(first->width, 720);
    EXPECT_EQ(pixels[0], 0x123456u);

    vga_.row(10)[20] = 0xabcdef;
    vga_.mark_dirty({20, 10, 1, 1});
    consoles_.update_mirrors();
    auto second = mirror.take(pixels);
    ASSERT_TRUE(second);
    EXPECT_FALSE(second->resized);
    EXPECT_EQ(second->rects, (std::vector<Rect>{{20, 10, 1, 1}}));
    EXPECT_EQ(pixels[10 * 720 + 20], 0xabcdefu);

    consoles_.update_mirrors();
    EXPECT_FALSE(mirror.take(pixels));  // nothing changed

    consoles_.select(1);
    consoles_.update_mirrors();
    EXPECT_EQ(refreshes_, 3);  // the VGA is not refreshed while hidden
    auto text = mirror.take(pixels);
    ASSERT_TRUE(text);
    EXPECT_TRUE(text->resized);
    EXPECT_EQ(text->width, 80 * 8);
    EXPECT_EQ(text->height, 24 * 16);
    consoles_.remove_mirror(&mirror);
}

TEST_F(ConsoleSetTest, SwitchingBetweenSameSizedConsolesSendsWhereTheyDiffer) {
    FrameMirror mirror;
    consoles_.select(1);
    consoles_.add_mirror(&mirror);
    std::vector<uint32_t> pixels;
    consoles_.update_mirrors();
    ASSERT_TRUE(mirror.take(pixels));
    // Drawn while console 3 is hidden: nothing of it was marked while the monitor showed.
    const std::string text = "\r\n\r\n\r\nserial text";
    serial_chr_.write(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
    consoles_.select(2);
    consoles_.update_mirrors();
    auto update = mirror.take(pixels);
    ASSERT_TRUE(update);
    EXPECT_FALSE(update->resized);
    ASSERT_FALSE(update->rects.empty());
    EXPECT_EQ(update->rects.front().y, 0) << "the cursor moved from row 0";
    EXPECT_EQ(update->rects.back().y, 48) << "the text on row 3";
    DisplaySurface& serial = consoles_.at(2).surface();
    EXPECT_TRUE(std::equal(serial.pixels().begin(), serial.pixels().end(), pixels.begin()))
        << "the front end's picture is the serial console's";
    consoles_.remove_mirror(&mirror);
}

}  // namespace
}  // namespace kemu
