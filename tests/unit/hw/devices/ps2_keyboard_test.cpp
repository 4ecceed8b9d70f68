// Scan codes the PS/2 keyboard sends for key codes, in each set, and what the guest
// reads through the 8042's translation.
#include "hw/input/ps2_keyboard.h"

#include <gtest/gtest.h>

#include <vector>

#include "hw/input/i8042.h"
#include "hw/input/ps2_scancodes.h"
#include "tests/unit/hw/devices/device_harness.h"
#include "tests/unit/hw/devices/ps2_queue.h"
#include "ui/input.h"

namespace kemu {
namespace {

using Bytes = std::vector<uint8_t>;
using test::DeviceHarness;

class Ps2KeyboardTest : public ::testing::Test {
  protected:
    Bytes drain() { return test::drain(kbd); }
    Bytes press(uint16_t code) {
        kbd.key(code, true);
        return drain();
    }
    Bytes release(uint16_t code) {
        kbd.key(code, false);
        return drain();
    }
    void select_set(uint8_t set) {
        kbd.write(0xf0);
        kbd.write(set);
        drain();
    }

    Ps2Keyboard kbd;
};

TEST_F(Ps2KeyboardTest, Set2PlainKeys) {
    EXPECT_EQ(press(KEY_A), Bytes{0x1c});
    EXPECT_EQ(release(KEY_A), (Bytes{0xf0, 0x1c}));
    EXPECT_EQ(press(KEY_ENTER), Bytes{0x5a});
    EXPECT_EQ(press(KEY_LEFTCTRL), Bytes{0x14});
    EXPECT_EQ(press(KEY_ESC), Bytes{0x76});
    EXPECT_EQ(press(KEY_F7), Bytes{0x83});
    EXPECT_EQ(press(KEY_F12), Bytes{0x07});
    EXPECT_EQ(press(KEY_BACKSLASH), Bytes{0x5d});
    EXPECT_EQ(press(KEY_102ND), Bytes{0x61});
}

TEST_F(Ps2KeyboardTest, Set2ExtendedKeys) {
    EXPECT_EQ(press(KEY_RIGHTCTRL), (Bytes{0xe0, 0x14}));
    EXPECT_EQ(release(KEY_RIGHTCTRL), (Bytes{0xe0, 0xf0, 0x14}));
    EXPECT_EQ(press(KEY_UP), (Bytes{0xe0, 0x75}));
    EXPECT_EQ(release(KEY_UP), (Bytes{0xe0, 0xf0, 0x75}));
    EXPECT_EQ(press(KEY_DELETE), (Bytes{0xe0, 0x71}));
    EXPECT_EQ(press(KEY_KPENTER), (Bytes{0xe0, 0x5a}));
    EXPECT_EQ(press(KEY_KPSLASH), (Bytes{0xe0, 0x4a}));
    EXPECT_EQ(press(KEY_LEFTMETA), (Bytes{0xe0, 0x1f}));
}

TEST_F(Ps2KeyboardTest, Set2PrintScreenAndPause) {
    EXPECT_EQ(press(KEY_SYSRQ), (Bytes{0xe0, 0x12, 0xe0, 0x7c}));
    EXPECT_EQ(release(KEY_SYSRQ), (Bytes{0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12}));
    EXPECT_EQ(press(KEY_PAUSE), (Bytes{0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77}));
    EXPECT_TRUE(release(KEY_PAUSE).empty()) << "Pause has no break code";
}

TEST_F(Ps2KeyboardTest, ModifiersChangePrintScreenAndPause) {
    press(KEY_LEFTALT);
    EXPECT_EQ(press(KEY_SYSRQ), Bytes{0x84}) << "Alt+Print Screen is SysRq";
    EXPECT_EQ(release(KEY_SYSRQ), (Bytes{0xf0, 0x84}));
    release(KEY_LEFTALT);
    press(KEY_RIGHTCTRL);
    EXPECT_EQ(press(KEY_PAUSE), (Bytes{0xe0, 0x7e, 0xe0, 0xf0, 0x7e})) << "Ctrl+Pause is Break";
    EXPECT_EQ(press(KEY_SYSRQ), (Bytes{0xe0, 0x7c}));
    release(KEY_RIGHTCTRL);
    EXPECT_EQ(press(KEY_SYSRQ), (Bytes{0xe0, 0x12, 0xe0, 0x7c})) << "modifiers released";
}

TEST_F(Ps2KeyboardTest, Set1WhenTheGuestSelectsIt) {
    select_set(1);
    EXPECT_EQ(press(KEY_A), Bytes{0x1e});
    EXPECT_EQ(release(KEY_A), Bytes{0x9e});
    EXPECT_EQ(press(KEY_UP), (Bytes{0xe0, 0x48}));
    EXPECT_EQ(release(KEY_UP), (Bytes{0xe0, 0xc8}));
    EXPECT_EQ(press(KEY_PAUSE), (Bytes{0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5}));
    EXPECT_EQ(press(KEY_SYSRQ), (Bytes{0xe0, 0x2a, 0xe0, 0x37}));
    EXPECT_EQ(release(KEY_SYSRQ), (Bytes{0xe0, 0xb7, 0xe0, 0xaa}));
}

TEST_F(Ps2KeyboardTest, Set3SendsBreakCodesOnlyWhereTheModeSays) {
    select_set(3);
    EXPECT_EQ(press(KEY_A), Bytes{0x1c});
    EXPECT_TRUE(release(KEY_A).empty()) << "typematic keys are make-only after reset";
    EXPECT_EQ(press(KEY_LEFTSHIFT), Bytes{0x12});
    EXPECT_EQ(release(KEY_LEFTSHIFT), (Bytes{0xf0, 0x12}));
    EXPECT_EQ(press(KEY_ESC), Bytes{0x08});
    EXPECT_EQ(press(KEY_F1), Bytes{0x07});
    EXPECT_EQ(press(KEY_UP), Bytes{0x63});
    EXPECT_EQ(press(KEY_PAUSE), Bytes{0x62});
    EXPECT_EQ(press(KEY_SYSRQ), Bytes{0x57});
    EXPECT_TRUE(press(KEY_MUTE).empty()) << "no set-3 code";

    kbd.write(0xf8);  // all keys make/break
    EXPECT_EQ(drain(), Bytes{0xfa});
    EXPECT_EQ(release(KEY_A), (Bytes{0xf0, 0x1c}));
    kbd.write(0xf9);  // all keys make only
    drain();
    EXPECT_TRUE(release(KEY_LEFTSHIFT).empty());
    kbd.write(0xf6);  // defaults: set 2 again
    drain();
    EXPECT_EQ(kbd.scan_set(), 2u);
    EXPECT_EQ(kbd.set3_breaks(), Ps2Keyboard::Set3Breaks::Default);
}

TEST_F(Ps2KeyboardTest, KeysWithoutScanCodesAndDisabledScanningSendNothing) {
    EXPECT_TRUE(press(KEY_MAX).empty());
    EXPECT_TRUE(press(KEY_BRIGHTNESSUP).empty());
    kbd.write(0xf5);
    drain();
    EXPECT_TRUE(press(KEY_A).empty());
}

TEST_F(Ps2KeyboardTest, LedListenerHearsChanges) {
    std::vector<uint8_t> heard;
    kbd.set_led_listener([&](uint8_t leds) { heard.push_back(leds); });
    kbd.write(0xed);
    kbd.write(kLedCapsLock | kLedNumLock);
    kbd.write(0xed);
    kbd.write(kLedCapsLock | kLedNumLock);  // unchanged: not heard again
    kbd.write(0xff);                        // reset turns them off
    EXPECT_EQ(heard, (std::vector<uint8_t>{0x06, 0x00}));
    EXPECT_EQ(kbd.leds(), 0);
}

// Every key the table has, pressed and released alone and under each modifier: set 2
// through the 8042's translation must read exactly as the keyboard's own set 1.
TEST(Ps2ScanCodes, TranslatedSet2EqualsSet1ForEveryKey) {
    DeviceHarness h;
    I8042 kbc{"i8042", nullptr, nullptr};
    h.map(0x60, kbc.data_io());
    h.map(0x64, kbc.command_io());
    auto read_all = [&h] {
        Bytes out;
        for (int i = 0; i < 64 && (h.inb(0x64) & 0x01); i++)
            out.push_back(h.inb(0x60));
        return out;
    };
    int keys = 0;
    for (uint8_t held : {0, int(kHeldCtrl), int(kHeldShift), int(kHeldAlt)}) {
        for (uint16_t code = 1; code < KEY_CNT; code++) {
            if (!ps2_has_key(code, 2) || ps2_modifier_of(code)) continue;
            for (bool down : {true, false}) {
                Ps2Bytes set2 = ps2_scancodes(code, down, 2, held);
                Ps2Bytes set1 = ps2_scancodes(code, down, 1, held);
                kbc.key_event(set2.bytes());
                Bytes want(set1.bytes().begin(), set1.bytes().end());
                EXPECT_EQ(read_all(), want) << "key " << code << (down ? " down" : " up")
                                            << ", held 0x" << std::hex << int(held);
            }
            keys++;
        }
    }
    EXPECT_GT(keys, 4 * 120);
}

TEST(Ps2ScanCodes, KeyboardAndTableAgreeThroughTheController) {
    DeviceHarness h;
    I8042 kbc{"i8042", nullptr, nullptr};
    h.map(0x60, kbc.data_io());
    h.map(0x64, kbc.command_io());
    InputSink& sink = kbc;
    sink.key(KEY_LEFTCTRL, true);
    sink.key(KEY_LEFTALT, true);
    sink.key(KEY_DELETE, true);
    sink.key(KEY_DELETE, false);
    sink.key(KEY_LEFTALT, false);
    sink.key(KEY_LEFTCTRL, false);
    Bytes got;
    for (int i = 0; i < 64 && (h.inb(0x64) & 0x01); i++)
        got.push_back(h.inb(0x60));
    EXPECT_EQ(got, (Bytes{0x1d, 0x38, 0xe0, 0x53, 0xe0, 0xd3, 0xb8, 0x9d}))
        << "Ctrl+Alt+Delete as a translating PC's BIOS and OS read it";
}

}  // namespace
}  // namespace kemu
