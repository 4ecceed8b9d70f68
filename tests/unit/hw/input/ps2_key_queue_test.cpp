// Host keys that come faster than the guest reads them (a VNC client pasting a line)
// wait in the keyboard's host queue and reach the guest whole and in order through
// the 8042, however slowly it drains them.
#include <gtest/gtest.h>

#include <vector>

#include "hw/input/ps2_scancodes.h"
#include "tests/unit/hw/input/i8042_rig.h"

namespace kemu {
namespace {

using Bytes = std::vector<uint8_t>;
using test::IrqRecorder;

constexpr uint8_t kAck = 0xfa;

struct KeyEvent {
    uint16_t code;
    bool down;
};

// Presses and releases `count` keys taken in turn from plain, shifted and extended
// (E0-prefixed) ones, as a pasted line of text and cursor keys would.
std::vector<KeyEvent> typing(int count) {
    static constexpr uint16_t kKeys[] = {KEY_E,     KEY_C,         KEY_H,    KEY_O,
                                         KEY_SPACE, KEY_LEFTSHIFT, KEY_K,    KEY_1,
                                         KEY_UP,    KEY_RIGHTCTRL, KEY_ENTER};
    std::vector<KeyEvent> events;
    for (int i = 0; i < count; i++) {
        uint16_t code = kKeys[i % std::size(kKeys)];
        events.push_back({code, true});
        events.push_back({code, false});
    }
    return events;
}

// What a translating 8042 hands the guest for `events`: the keyboard's own set 1.
Bytes set1_bytes(const std::vector<KeyEvent>& events) {
    Bytes out;
    for (const KeyEvent& e : events) {
        Ps2Bytes bytes = ps2_scancodes(e.code, e.down, 1, 0);
        out.insert(out.end(), bytes.bytes().begin(), bytes.bytes().end());
    }
    return out;
}

class Ps2KeyQueueTest : public ::testing::Test, protected test::I8042Rig {
  protected:
    void push(const std::vector<KeyEvent>& events) {
        InputSink& sink = kbc;
        for (const KeyEvent& e : events)
            sink.key(e.code, e.down);
    }
    // A guest that takes one byte per interrupt, as Linux's i8042 driver does.
    uint8_t read_byte() {
        EXPECT_TRUE(irq1.level()) << "a byte is waiting, so IRQ 1 is up";
        return h.inb(kData);
    }
    Bytes drain() {
        Bytes out;
        for (int i = 0; i < 100000 && output_full(); i++)
            out.push_back(read_byte());
        return out;
    }
    unsigned waiting() const { return kbc.keyboard().waiting_keys(); }

    IrqRecorder irq1{kbc.keyboard_irq()};
};

TEST_F(Ps2KeyQueueTest, BurstOf200EventsArrivesWholeAndInOrder) {
    std::vector<KeyEvent> events = typing(100);
    ASSERT_EQ(events.size(), 200u);
    push(events);
    EXPECT_EQ(waiting(), 199u) << "the first key is typed at once, the rest wait";

    Bytes got;
    unsigned last_waiting = waiting();
    while (output_full()) {
        got.push_back(read_byte());
        EXPECT_LE(waiting(), last_waiting) << "keys are typed as the guest reads, never re-queued";
        last_waiting = waiting();
    }
    Bytes want = set1_bytes(events);
    EXPECT_GT(want.size(), 16u * 10) << "far more than the keyboard's own buffer holds";
    EXPECT_EQ(got, want);
    EXPECT_EQ(irq1.raises(), int(want.size())) << "every byte is an interrupt of its own";
    EXPECT_EQ(waiting(), 0u);
}

TEST_F(Ps2KeyQueueTest, KeysArrivingWhileTheGuestDrainsQueueBehindTheOthers) {
    std::vector<KeyEvent> first = typing(30);
    std::vector<KeyEvent> second = typing(41);
    push(first);
    Bytes got;
    for (int i = 0; i < 7; i++)
        got.push_back(read_byte());
    push(second);
    Bytes rest = drain();
    got.insert(got.end(), rest.begin(), rest.end());
    std::vector<KeyEvent> all = first;
    all.insert(all.end(), second.begin(), second.end());
    EXPECT_EQ(got, set1_bytes(all));
}

TEST_F(Ps2KeyQueueTest, KeysPastTheBoundAreDroppedAndTheOthersKept) {
    const unsigned limit = Ps2Keyboard::kWaitingKeysMax;
    std::vector<KeyEvent> events;
    for (unsigned i = 0; i < limit + 100; i++)
        events.push_back({KEY_A, i % 2 == 0});
    push(events);
    EXPECT_EQ(waiting(), limit) << "one key typed, the bound waiting, the rest dropped";
    Bytes got = drain();
    events.resize(limit + 1);
    EXPECT_EQ(got, set1_bytes(events));

    push(typing(3));
    EXPECT_EQ(drain(), set1_bytes(typing(3))) << "keys are taken again once the queue drained";
}

// Linux sets the LEDs (ED, then the LED byte) when Caps Lock goes down; the command
// clears the keyboard's buffer, but keys that wait for the guest are not in it yet.
TEST_F(Ps2KeyQueueTest, LedCommandInTheMiddleOfABurstLosesNoKey) {
    std::vector<KeyEvent> events;
    for (uint16_t code : {KEY_A, KEY_B, KEY_C, KEY_D, KEY_E, KEY_F, KEY_G, KEY_H})
        events.insert(events.end(), {{code, true}, {code, false}});
    push(events);
    Bytes got;
    for (int i = 0; i < 5; i++)
        got.push_back(read_byte());

    h.outb(kData, 0xed);
    while (output_full()) {
        uint8_t byte = read_byte();
        if (byte == kAck) break;
        got.push_back(byte);
    }
    EXPECT_FALSE(output_full()) << "the keyboard types nothing while the LED byte is due";
    h.outb(kData, kLedCapsLock);
    EXPECT_EQ(read_byte(), kAck);
    EXPECT_EQ(kbc.keyboard().leds(), kLedCapsLock);

    Bytes rest = drain();
    got.insert(got.end(), rest.begin(), rest.end());
    EXPECT_EQ(got, set1_bytes(events));
}

// A key that comes while the guest has a byte still to read waits outside the keyboard,
// so a command the guest sends before reading that byte does not discard it.
TEST_F(Ps2KeyQueueTest, KeyArrivingBeforeACommandIsNotDiscardedByIt) {
    push({{KEY_A, true}});
    push({{KEY_B, true}});
    h.outb(kData, 0xed);
    EXPECT_EQ(read_byte(), 0x1e) << "A, already in the output buffer";
    EXPECT_EQ(read_byte(), kAck);
    h.outb(kData, 0);
    EXPECT_EQ(read_byte(), kAck);
    EXPECT_EQ(drain(), Bytes{0x30}) << "B";
}

TEST_F(Ps2KeyQueueTest, DisabledPortHoldsWaitingKeys) {
    h.outb(kCmd, 0xad);  // keyboard clock held low
    std::vector<KeyEvent> events = typing(25);
    push(events);
    EXPECT_FALSE(output_full());
    EXPECT_EQ(waiting(), events.size()) << "a keyboard that may not send types nothing";
    h.outb(kCmd, 0xae);
    EXPECT_EQ(drain(), set1_bytes(events));
}

TEST_F(Ps2KeyQueueTest, DisableCommandAndResetDropWaitingKeys) {
    push(typing(10));
    h.outb(kData, 0xf5);  // disable scanning
    Bytes got = drain();
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got.back(), kAck) << "no key after the keyboard stopped scanning";
    EXPECT_EQ(waiting(), 0u);
    push(typing(2));
    EXPECT_TRUE(drain().empty()) << "keys while scanning is disabled are dropped";

    h.outb(kData, 0xf4);
    EXPECT_EQ(drain(), Bytes{kAck});
    push(typing(10));
    EXPECT_GT(waiting(), 0u);
    kbc.reset();
    EXPECT_EQ(waiting(), 0u);
    EXPECT_FALSE(output_full());
}

// A key is turned into scan codes when it is typed, so keys still waiting when the
// guest changes the set come in the new one.
TEST_F(Ps2KeyQueueTest, WaitingKeysAreTypedInTheSetOfTheMoment) {
    h.outb(kCmd, 0x60);
    h.outb(kData, 0x05);  // translation off, so the guest reads the keyboard's own bytes
    push({{KEY_A, true}, {KEY_B, true}, {KEY_C, true}});
    EXPECT_EQ(read_byte(), 0x1c) << "A in set 2";
    h.outb(kData, 0xf0);  // select a scan-code set
    EXPECT_EQ(read_byte(), 0x32) << "B, typed in set 2 before the command came";
    EXPECT_EQ(read_byte(), kAck);
    EXPECT_FALSE(output_full());
    h.outb(kData, 0x01);
    EXPECT_EQ(read_byte(), kAck);
    EXPECT_EQ(drain(), Bytes{0x2e}) << "C in set 1";
}

}  // namespace
}  // namespace kemu
