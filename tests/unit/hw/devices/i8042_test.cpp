#include "hw/input/i8042.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/unit/hw/devices/device_harness.h"

namespace kemu {
namespace {

using test::DeviceHarness;
using test::IrqRecorder;

constexpr uint16_t kData = 0x60;
constexpr uint16_t kCmd = 0x64;

class I8042Test : public ::testing::Test {
  protected:
    I8042Test() {
        h.map(kData, kbc.data_io());
        h.map(kCmd, kbc.command_io());
    }

    // Everything the controller has to give, with the AUXB bit of each byte.
    std::vector<uint8_t> drain(std::vector<bool>* from_mouse = nullptr) {
        std::vector<uint8_t> out;
        for (int i = 0; i < 64 && (h.inb(kCmd) & 0x01); i++) {
            if (from_mouse) from_mouse->push_back(h.inb(kCmd) & 0x20);
            out.push_back(h.inb(kData));
        }
        return out;
    }
    std::vector<uint8_t> command(uint8_t cmd) {
        h.outb(kCmd, cmd);
        return drain();
    }
    std::vector<uint8_t> command(uint8_t cmd, uint8_t data) {
        h.outb(kCmd, cmd);
        h.outb(kData, data);
        return drain();
    }
    std::vector<uint8_t> to_keyboard(uint8_t byte) {
        h.outb(kData, byte);
        return drain();
    }
    std::vector<uint8_t> to_mouse(uint8_t byte) { return command(0xd4, byte); }
    void key(std::initializer_list<uint8_t> bytes) {
        std::vector<uint8_t> v(bytes);
        kbc.key_event(v);
    }

    using Bytes = std::vector<uint8_t>;

    DeviceHarness h;
    int resets = 0;
    std::vector<bool> a20_changes;
    I8042 kbc{"i8042", [this] { resets++; }, [this](bool on) { a20_changes.push_back(on); }};
    IrqRecorder irq1{kbc.keyboard_irq()};
    IrqRecorder irq12{kbc.mouse_irq()};
};

TEST_F(I8042Test, ResetState) {
    EXPECT_EQ(h.inb(kCmd), 0x14) << "SYS and keyboard unlocked, buffers empty";
    EXPECT_EQ(command(0x20), Bytes{0x45});
    EXPECT_TRUE(kbc.a20_enabled());
    EXPECT_FALSE(irq1.level());
    EXPECT_EQ(kbc.describe(),
              "iobase = 0x60, iobase2 = 0x64, irq = 1, irq2 = 12, command byte = 0x45");
}

TEST_F(I8042Test, SelfTestsAnswer) {
    EXPECT_EQ(command(0xaa), Bytes{0x55});
    EXPECT_EQ(command(0xab), Bytes{0x00});
    EXPECT_EQ(command(0xa9), Bytes{0x00});
}

TEST_F(I8042Test, CommandByteReadWriteAndA2) {
    h.outb(kCmd, 0x60);
    EXPECT_EQ(h.inb(kCmd) & 0x08, 0x08) << "A2: last write was a command";
    h.outb(kData, 0x23);
    EXPECT_EQ(h.inb(kCmd) & 0x08, 0x00);
    EXPECT_EQ(command(0x20), Bytes{0x23});
    EXPECT_EQ(kbc.command_byte(), 0x23);
    EXPECT_EQ(h.inb(kCmd) & 0x04, 0x00) << "SYS follows the command byte";
    h.outb(kCmd, 0x65);  // internal RAM byte 5
    h.outb(kData, 0x99);
    EXPECT_EQ(command(0x25), Bytes{0x99});
}

TEST_F(I8042Test, PortEnableCommandsEditTheCommandByte) {
    command(0xa7);
    EXPECT_EQ(command(0x20)[0] & 0x20, 0x20);
    command(0xa8);
    EXPECT_EQ(command(0x20)[0] & 0x20, 0x00);
    command(0xad);
    EXPECT_EQ(command(0x20)[0] & 0x10, 0x10);
    command(0xae);
    EXPECT_EQ(command(0x20)[0] & 0x10, 0x00);
}

TEST_F(I8042Test, KeyboardResetAndIdentifyThroughTranslation) {
    EXPECT_EQ(to_keyboard(0xff), (Bytes{0xfa, 0xaa}));
    EXPECT_EQ(to_keyboard(0xf2), (Bytes{0xfa, 0xab, 0x41})) << "0x83 translates to 0x41";
    command(0x60, 0x01);  // translation off
    EXPECT_EQ(to_keyboard(0xf2), (Bytes{0xfa, 0xab, 0x83}));
}

TEST_F(I8042Test, KeyboardCommands) {
    command(0x60, 0x01);
    EXPECT_EQ(to_keyboard(0xed), Bytes{0xfa});
    EXPECT_EQ(to_keyboard(0x05), Bytes{0xfa});
    EXPECT_EQ(kbc.keyboard().leds(), 0x05);
    EXPECT_EQ(to_keyboard(0xee), Bytes{0xee});
    EXPECT_EQ(to_keyboard(0xf0), Bytes{0xfa});
    EXPECT_EQ(to_keyboard(0x00), (Bytes{0xfa, 0x02}));
    to_keyboard(0xf0);
    EXPECT_EQ(to_keyboard(0x03), Bytes{0xfa});
    EXPECT_EQ(kbc.keyboard().scan_set(), 3u);
    to_keyboard(0xf0);
    EXPECT_EQ(to_keyboard(0x07), Bytes{0xfe}) << "no scan-code set 7";
    EXPECT_EQ(to_keyboard(0xf3), Bytes{0xfa});
    EXPECT_EQ(to_keyboard(0x20), Bytes{0xfa});
    EXPECT_EQ(kbc.keyboard().typematic(), 0x20);
    EXPECT_EQ(to_keyboard(0xf5), Bytes{0xfa});
    EXPECT_FALSE(kbc.keyboard().scanning());
    EXPECT_EQ(kbc.keyboard().scan_set(), 2u) << "F5 restores defaults";
    key({0x1c});
    EXPECT_TRUE(drain().empty()) << "no scanning while disabled";
    EXPECT_EQ(to_keyboard(0xf4), Bytes{0xfa});
    EXPECT_TRUE(kbc.keyboard().scanning());
    to_keyboard(0xf3);
    to_keyboard(0x00);
    EXPECT_EQ(to_keyboard(0xf6), Bytes{0xfa});
    EXPECT_EQ(kbc.keyboard().typematic(), 0x2b);
    EXPECT_EQ(to_keyboard(0x42), Bytes{0xfe}) << "unknown command";
    EXPECT_EQ(to_keyboard(0xfe), Bytes{0xfe}) << "resend repeats the last byte";
}

TEST_F(I8042Test, ScanCodesTranslatedToSet1) {
    key({0x1c});              // A make
    key({0xf0, 0x1c});        // A break
    key({0xe0, 0x75});        // Up make
    key({0xe0, 0xf0, 0x75});  // Up break
    key({0x83});              // F7 make
    EXPECT_EQ(drain(), (Bytes{0x1e, 0x9e, 0xe0, 0x48, 0xe0, 0xc8, 0x41}));
}

TEST_F(I8042Test, ScanCodesRawWithoutTranslation) {
    command(0x60, 0x01);
    key({0xf0, 0x1c});
    EXPECT_EQ(drain(), (Bytes{0xf0, 0x1c}));
}

TEST_F(I8042Test, Irq1FollowsOutputBufferAndEnableBit) {
    key({0x1c});
    EXPECT_TRUE(irq1.level());
    EXPECT_EQ(h.inb(kCmd) & 0x21, 0x01);
    h.inb(kData);
    EXPECT_FALSE(irq1.level());
    key({0x1c, 0x1b});
    EXPECT_EQ(irq1.raises(), 2);
    h.inb(kData);
    EXPECT_EQ(irq1.raises(), 3) << "the next byte is a new edge";
    h.inb(kData);
    command(0x60, 0x44);  // interrupts off
    key({0x1c});
    EXPECT_FALSE(irq1.level());
    EXPECT_EQ(h.inb(kCmd) & 0x01, 0x01);
}

TEST_F(I8042Test, DisabledKeyboardPortHoldsBytes) {
    command(0xad);
    key({0x1c});
    EXPECT_EQ(h.inb(kCmd) & 0x01, 0x00);
    h.outb(kCmd, 0xae);
    EXPECT_EQ(drain(), Bytes{0x1e});
}

TEST_F(I8042Test, KeyboardBufferOverrun) {
    command(0xad);
    for (int i = 0; i < 20; i++)
        key({0x1c});
    h.outb(kCmd, 0xae);
    Bytes got = drain();
    ASSERT_EQ(got.size(), 16u);
    EXPECT_EQ(got[14], 0x1e);
    EXPECT_EQ(got.back(), 0xff) << "set-2 overrun 0x00 reads as 0xff through translation";
}

TEST_F(I8042Test, MouseResetAndIdThroughD4) {
    command(0x60, 0x47);  // mouse interrupt on
    h.outb(kCmd, 0xd4);
    h.outb(kData, 0xff);
    EXPECT_TRUE(irq12.level());
    EXPECT_FALSE(irq1.level());
    std::vector<bool> aux;
    EXPECT_EQ(drain(&aux), (Bytes{0xfa, 0xaa, 0x00}));
    EXPECT_EQ(aux, (std::vector<bool>{true, true, true}));
    EXPECT_FALSE(irq12.level());
    EXPECT_EQ(to_mouse(0xf2), (Bytes{0xfa, 0x00}));
    EXPECT_EQ(to_mouse(0xf3), Bytes{0xfa});
    EXPECT_EQ(to_mouse(0xc8), Bytes{0xfa});
    EXPECT_EQ(kbc.mouse().sample_rate(), 200);
    EXPECT_EQ(to_mouse(0xe8), Bytes{0xfa});
    EXPECT_EQ(to_mouse(0x03), Bytes{0xfa});
    EXPECT_EQ(to_mouse(0xe9), (Bytes{0xfa, 0x00, 0x03, 200}));
    EXPECT_EQ(to_mouse(0x12), Bytes{0xfe});
}

// The protocol both PS/2 devices share (Ps2Device): Resend repeats the last byte, an unknown
// command is refused, a command byte clears what was queued, a refused argument is NAKed.
TEST_F(I8042Test, BothPortsShareThePs2CommandProtocol) {
    command(0x60, 0x01);  // no translation, no interrupts
    EXPECT_EQ(to_keyboard(0xf2), (Bytes{0xfa, 0xab, 0x83}));
    EXPECT_EQ(to_keyboard(0xfe), Bytes{0x83}) << "resend after identify";
    EXPECT_EQ(to_mouse(0xf2), (Bytes{0xfa, 0x00}));
    EXPECT_EQ(to_mouse(0xfe), Bytes{0x00});
    EXPECT_EQ(to_keyboard(0x01), Bytes{0xfe});
    EXPECT_EQ(to_mouse(0x01), Bytes{0xfe});
    EXPECT_EQ(to_mouse(0xe8), Bytes{0xfa});
    EXPECT_EQ(to_mouse(0x04), Bytes{0xfe}) << "resolution 4 does not exist";
    EXPECT_EQ(kbc.mouse().resolution(), 2);
    EXPECT_EQ(to_mouse(0xf3), Bytes{0xfa});
    EXPECT_EQ(to_mouse(0xf2), Bytes{0xfa}) << "the mouse takes any byte as the rate";
    EXPECT_EQ(kbc.mouse().sample_rate(), 0xf2);
    // The keyboard takes a command byte instead of a pending argument.
    EXPECT_EQ(to_keyboard(0xed), Bytes{0xfa});
    EXPECT_EQ(to_keyboard(0xf2), (Bytes{0xfa, 0xab, 0x83}));
    EXPECT_EQ(kbc.keyboard().leds(), 0);
    // Keys queued but unread are dropped by the next command.
    h.outb(kCmd, 0xad);  // keyboard port off: the key stays in the device's queue
    key({0x1c});
    h.outb(kData, 0xee);  // echo
    EXPECT_EQ(command(0xae), Bytes{0xee}) << "port on again: the key was dropped";
}

TEST_F(I8042Test, MouseStreamPackets) {
    to_mouse(0xf4);
    kbc.relative_motion({.dx = 5, .dy = 3, .buttons = kButtonLeft});
    EXPECT_EQ(drain(), (Bytes{0x29, 0x05, 0xfd}));
    to_mouse(0xf5);
    kbc.relative_motion({.dx = 5, .dy = 3, .buttons = kButtonLeft});
    EXPECT_TRUE(drain().empty());
}

TEST_F(I8042Test, LinuxAuxProbeSequence) {
    // i8042_check_aux: loopback through D3, then the AUXDIS bit check, then an IRQ 12 test.
    std::vector<bool> aux;
    h.outb(kCmd, 0xd3);
    h.outb(kData, 0x5a);
    EXPECT_EQ(drain(&aux), Bytes{0x5a});
    EXPECT_EQ(aux, std::vector<bool>{true});
    command(0xa7);
    EXPECT_TRUE(command(0x20)[0] & 0x20);
    command(0xa8);
    EXPECT_FALSE(command(0x20)[0] & 0x20);
    command(0x60, 0x47);
    h.outb(kCmd, 0xd3);
    h.outb(kData, 0xa5);
    EXPECT_TRUE(irq12.level());
    EXPECT_EQ(h.inb(kData), 0xa5);
    EXPECT_FALSE(irq12.level());
}

TEST_F(I8042Test, OutputPortDrivesA20AndReset) {
    EXPECT_EQ(command(0xd0)[0] & 0x03, 0x03);
    command(0xd1, 0x01);
    EXPECT_EQ(a20_changes, std::vector<bool>{false});
    EXPECT_FALSE(kbc.a20_enabled());
    EXPECT_EQ(resets, 0);
    command(0xd1, 0x03);
    EXPECT_EQ(a20_changes, (std::vector<bool>{false, true}));
    command(0xd1, 0x02);
    EXPECT_EQ(resets, 1) << "reset line driven low";
    command(0xfe);
    EXPECT_EQ(resets, 2);
    command(0xff);
    command(0xf1);
    EXPECT_EQ(resets, 2) << "pulses that leave bit 0 alone do not reset";
    command(0xf0);
    EXPECT_EQ(resets, 3);
}

TEST_F(I8042Test, D2InjectsKeyboardBytes) {
    h.outb(kCmd, 0xd2);
    h.outb(kData, 0x33);
    std::vector<bool> aux;
    EXPECT_EQ(drain(&aux), Bytes{0x33});
    EXPECT_EQ(aux, std::vector<bool>{false});
    EXPECT_EQ(irq1.raises(), 1);
}

TEST_F(I8042Test, ResetRestoresPowerOnState) {
    command(0x60, 0x00);
    to_keyboard(0xf5);
    key({0x1c});
    kbc.reset();
    EXPECT_EQ(kbc.command_byte(), 0x45);
    EXPECT_TRUE(kbc.keyboard().scanning());
    EXPECT_EQ(h.inb(kCmd), 0x14);
}

TEST_F(I8042Test, SaveLoadRoundTrip) {
    command(0x60, 0x47);
    to_keyboard(0xed);
    to_keyboard(0x02);
    to_mouse(0xf4);
    command(0xad);
    key({0x1c, 0xf0, 0x1c});
    kbc.relative_motion({.dx = 1, .dy = -1});
    h.outb(kCmd, 0xd1);  // pending command survives too

    DeviceHarness h2;
    I8042 copy{"i8042", nullptr, nullptr};
    IrqRecorder copy_irq12{copy.mouse_irq()};
    h2.map(kData, copy.data_io());
    h2.map(kCmd, copy.command_io());
    test::copy_state(kbc, copy);
    EXPECT_TRUE(copy_irq12.level()) << "the mouse packet's first byte is in the buffer";
    EXPECT_EQ(copy.command_byte(), 0x57);
    EXPECT_EQ(copy.keyboard().leds(), 0x02);
    EXPECT_TRUE(copy.mouse().reporting());
    h2.outb(kData, 0x03);  // completes D1
    EXPECT_EQ(h2.inb(kData), 0x08);
    EXPECT_EQ(h2.inb(kData), 0x01);
    EXPECT_EQ(h2.inb(kData), 0x01);
    h2.outb(kCmd, 0xae);
    EXPECT_EQ(h2.inb(kData), 0x1e);
    EXPECT_EQ(h2.inb(kData), 0x9e);

    StateWriter w;
    kbc.save(w);
    std::vector<uint8_t> truncated(w.data().begin(), w.data().end() - 1);
    StateReader shorter(truncated);
    EXPECT_FALSE(copy.load(shorter, 1).ok());
    EXPECT_EQ(copy.command_byte(), 0x45) << "a rejected stream leaves the reset state";
    StateReader newer(w.data());
    EXPECT_FALSE(copy.load(newer, 2).ok());
}

}  // namespace
}  // namespace kemu
