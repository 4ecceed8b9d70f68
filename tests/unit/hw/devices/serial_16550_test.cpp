#include "hw/char/serial_16550.h"

#include <gtest/gtest.h>

#include "tests/unit/hw/devices/device_harness.h"

namespace kemu {
namespace {

using test::CaptureChardev;
using test::DeviceHarness;
using test::IrqRecorder;

constexpr uint16_t kBase = 0x3f8;
constexpr uint16_t kThr = kBase + 0, kIer = kBase + 1, kIir = kBase + 2, kFcr = kBase + 2,
                   kLcr = kBase + 3, kMcr = kBase + 4, kLsr = kBase + 5, kMsr = kBase + 6,
                   kScr = kBase + 7;

class SerialTest : public ::testing::Test {
  protected:
    SerialTest() { h.map(kBase, uart.io()); }
    // 115200 baud, 8N1, the way Linux programs a console port.
    void program_115200_8n1() {
        h.outb(kLcr, 0x80);
        h.outb(kBase + 0, 0x01);
        h.outb(kBase + 1, 0x00);
        h.outb(kLcr, 0x03);
    }

    DeviceHarness h;
    CaptureChardev chr;
    Serial16550 uart{"serial0", &chr, h.timers};
    IrqRecorder irq{uart.irq()};
};

TEST_F(SerialTest, RegisterResetValues) {
    EXPECT_EQ(h.inb(kIer), 0x00);
    EXPECT_EQ(h.inb(kIir), 0x01);
    EXPECT_EQ(h.inb(kLcr), 0x00);
    EXPECT_EQ(h.inb(kMcr), 0x00);
    EXPECT_EQ(h.inb(kLsr), 0x60);
    EXPECT_EQ(h.inb(kMsr), 0xb0);  // CTS, DSR, DCD from a present peer, no deltas
    EXPECT_EQ(h.inb(kScr), 0x00);
    EXPECT_FALSE(irq.level());
}

TEST_F(SerialTest, ResetRestoresStateAfterUse) {
    h.outb(kScr, 0x5a);
    h.outb(kIer, 0x0f);
    h.outb(kMcr, 0x0b);
    h.outb(kFcr, 0x01);
    EXPECT_TRUE(irq.level());
    uart.reset();
    EXPECT_EQ(h.inb(kScr), 0x00);
    EXPECT_EQ(h.inb(kIer), 0x00);
    EXPECT_EQ(h.inb(kIir), 0x01);
    EXPECT_FALSE(irq.level());
}

TEST_F(SerialTest, DlabSwitchesOffsetsZeroAndOneToDivisorLatch) {
    h.outb(kIer, 0x05);
    h.outb(kLcr, 0x83);
    h.outb(kBase + 0, 0x34);
    h.outb(kBase + 1, 0x12);
    EXPECT_EQ(h.inb(kBase + 0), 0x34);
    EXPECT_EQ(h.inb(kBase + 1), 0x12);
    h.outb(kLcr, 0x03);
    EXPECT_EQ(h.inb(kIer), 0x05);
    EXPECT_TRUE(chr.output.empty()) << "DLL write must not transmit";
    // 0x1234 * 10 bits at 115200/divisor baud.
    EXPECT_EQ(uart.char_time_ns(), int64_t(10) * 0x1234 * 1'000'000'000 / 115200);
}

TEST_F(SerialTest, IerUpperBitsReadAsZero) {
    h.outb(kIer, 0xff);
    EXPECT_EQ(h.inb(kIer), 0x0f);
    h.outb(kMcr, 0xff);
    EXPECT_EQ(h.inb(kMcr), 0x1f);
}

TEST_F(SerialTest, TransmitGoesToChardevAtOnce) {
    h.outb(kThr, 'h');
    h.outb(kThr, 'i');
    EXPECT_EQ(chr.output, "hi");
    EXPECT_EQ(h.inb(kLsr) & 0x60, 0x60);
}

TEST_F(SerialTest, FifoEnableShowsInIirAndTogglingClearsRx) {
    h.outb(kFcr, 0x01);
    EXPECT_EQ(h.inb(kIir), 0xc1);
    EXPECT_EQ(chr.input("abc"), 3u);
    h.outb(kFcr, 0x00);
    EXPECT_EQ(h.inb(kIir), 0x01);
    EXPECT_EQ(h.inb(kLsr) & 0x01, 0) << "disabling the FIFOs empties them";
}

TEST_F(SerialTest, FcrClearRxEmptiesFifo) {
    h.outb(kFcr, 0x01);
    chr.input("abc");
    h.outb(kFcr, 0x03);
    EXPECT_EQ(h.inb(kLsr) & 0x01, 0);
    EXPECT_EQ(h.inb(kIir), 0xc1) << "FIFOs stay enabled";
}

TEST_F(SerialTest, RxTriggerLevels) {
    const std::pair<uint8_t, unsigned> levels[] = {{0x00, 1}, {0x40, 4}, {0x80, 8}, {0xc0, 14}};
    h.outb(kIer, 0x01);
    h.outb(kMcr, 0x08);
    for (auto [bits, level] : levels) {
        h.outb(kFcr, 0x03 | bits);
        for (unsigned i = 1; i < level; i++) {
            chr.input("x");
            EXPECT_EQ(h.inb(kIir), 0xc1) << "level " << level << " after " << i;
            EXPECT_FALSE(irq.level());
        }
        chr.input("x");
        EXPECT_EQ(h.inb(kIir), 0xc4) << "level " << level;
        EXPECT_TRUE(irq.level());
        h.inb(kThr);
        if (level > 1) {
            EXPECT_EQ(h.inb(kIir), 0xc1) << "below the trigger again";
        }
    }
}

TEST_F(SerialTest, NonFifoModeRaisesRdaOnFirstByte) {
    h.outb(kIer, 0x01);
    h.outb(kMcr, 0x08);
    chr.input("q");
    EXPECT_EQ(h.inb(kIir), 0x04);
    EXPECT_EQ(h.inb(kLsr) & 0x01, 0x01);
    EXPECT_EQ(h.inb(kThr), 'q');
    EXPECT_EQ(h.inb(kIir), 0x01);
    EXPECT_FALSE(irq.level());
}

TEST_F(SerialTest, InterruptPriorityRlsThenRdaThenThreThenMsr) {
    // A modem status change: leaving loopback moves the inputs from MCR back to the peer.
    h.outb(kMcr, 0x18);
    h.outb(kMcr, 0x08);
    // Overrun: a backend that ignores can_receive() pushes two bytes into RBR.
    const uint8_t two[] = {'1', '2'};
    uart.receive(two);
    h.outb(kIer, 0x0f);
    EXPECT_TRUE(irq.level());
    EXPECT_EQ(h.inb(kIir), 0x06);
    EXPECT_EQ(h.inb(kLsr) & 0x03, 0x03);  // OE and DR; reading clears OE
    EXPECT_EQ(h.inb(kIir), 0x04);
    EXPECT_EQ(h.inb(kThr), '2') << "without FIFOs the newer byte overwrites the older";
    EXPECT_EQ(h.inb(kIir), 0x02);
    EXPECT_EQ(h.inb(kIir), 0x00) << "reading IIR acknowledged THRE";
    EXPECT_EQ(h.inb(kMsr) & 0x0f, 0x03) << "DCTS and DDSR";
    EXPECT_EQ(h.inb(kIir), 0x01);
    EXPECT_FALSE(irq.level());
}

TEST_F(SerialTest, ThreRaisedWhenEnabledWithEmptyThrAndClearedByIirRead) {
    h.outb(kMcr, 0x08);
    h.outb(kIer, 0x02);
    EXPECT_TRUE(irq.level());
    EXPECT_EQ(h.inb(kIir), 0x02);
    EXPECT_FALSE(irq.level());
    EXPECT_EQ(h.inb(kIir), 0x01);
    // Rewriting IER with THRI already set is no new edge.
    h.outb(kIer, 0x02);
    EXPECT_EQ(h.inb(kIir), 0x01);
}

TEST_F(SerialTest, ThrWriteReArmsThreWithAFreshEdge) {
    h.outb(kMcr, 0x08);
    h.outb(kIer, 0x02);
    EXPECT_EQ(irq.raises(), 1);
    h.outb(kThr, 'a');
    EXPECT_EQ(irq.raises(), 2) << "the line drops on the THR write and rises when THR empties";
    EXPECT_TRUE(irq.level());
    EXPECT_EQ(h.inb(kIir), 0x02);
    h.outb(kThr, 'b');
    EXPECT_EQ(h.inb(kIir), 0x02);
}

TEST_F(SerialTest, LinuxThreStartupTestSeesNoBug) {
    // serial8250_do_startup: IER=THRI; read IIR; IER=0; IER=THRI; read IIR. Both must
    // report an interrupt or Linux marks the port UART_BUG_THRE.
    h.outb(kIer, 0x02);
    uint8_t iir1 = h.inb(kIir);
    h.outb(kIer, 0x00);
    h.outb(kIer, 0x02);
    uint8_t iir2 = h.inb(kIir);
    h.outb(kIer, 0x00);
    EXPECT_EQ(iir1 & 0x01, 0);
    EXPECT_EQ(iir2 & 0x01, 0);
}

TEST_F(SerialTest, LoopbackRoutesTxToRxAndOutputsToModemInputs) {
    h.outb(kMcr, 0x10 | 0x0a);  // what Linux's autoconfig writes: LOOP | OUT2 | RTS
    EXPECT_EQ(h.inb(kMsr) & 0xf0, 0x90);
    EXPECT_EQ(uart.can_receive(), 0u);
    h.outb(kThr, 'z');
    EXPECT_TRUE(chr.output.empty());
    EXPECT_EQ(h.inb(kLsr) & 0x01, 0x01);
    EXPECT_EQ(h.inb(kThr), 'z');
    h.outb(kMcr, 0x10 | 0x05);  // DTR | OUT1
    EXPECT_EQ(h.inb(kMsr) & 0xf0, 0x60);
}

TEST_F(SerialTest, ModemStatusDeltaBits) {
    h.outb(kMcr, 0x10);
    h.inb(kMsr);
    h.outb(kMcr, 0x10 | 0x02);  // RTS -> CTS
    EXPECT_EQ(h.inb(kMsr), 0x11);
    EXPECT_EQ(h.inb(kMsr), 0x10) << "reading MSR clears the deltas";
    h.outb(kMcr, 0x10 | 0x04);  // OUT1 -> RI rises: no TERI yet; CTS falls: DCTS
    EXPECT_EQ(h.inb(kMsr), 0x41);
    h.outb(kMcr, 0x10);  // RI trailing edge
    EXPECT_EQ(h.inb(kMsr), 0x04);
}

TEST_F(SerialTest, Out2GatesTheIrqLine) {
    h.outb(kIer, 0x02);
    EXPECT_EQ(h.inb(kIir) & 0x01, 0) << "pending inside the UART";
    h.outb(kIer, 0x00);
    h.outb(kIer, 0x02);
    EXPECT_FALSE(irq.level()) << "OUT2 clear: the IRQ buffer is disabled";
    h.outb(kMcr, 0x08);
    EXPECT_TRUE(irq.level());
    h.outb(kMcr, 0x18);
    EXPECT_TRUE(irq.level()) << "loopback forces the OUT2 pin inactive, not the OUT2 gate";
    h.outb(kMcr, 0x10);
    EXPECT_FALSE(irq.level()) << "loopback without OUT2: the gate is closed";
    h.outb(kMcr, 0x00);
    EXPECT_FALSE(irq.level());
}

TEST_F(SerialTest, CharacterTimeoutInterrupt) {
    program_115200_8n1();
    h.outb(kFcr, 0x81);  // trigger level 8
    h.outb(kIer, 0x01);
    h.outb(kMcr, 0x08);
    chr.input("ab");
    int64_t timeout = 4 * uart.char_time_ns();
    EXPECT_EQ(timeout, 4 * (int64_t(10) * 1'000'000'000 / 115200));
    h.step(timeout - 1);
    EXPECT_EQ(h.inb(kIir), 0xc1);
    h.step(1);
    EXPECT_TRUE(irq.level());
    EXPECT_EQ(h.inb(kIir), 0xcc);
    EXPECT_EQ(h.inb(kThr), 'a');
    EXPECT_EQ(h.inb(kIir), 0xc1) << "reading a byte clears the timeout and restarts the timer";
    EXPECT_FALSE(irq.level());
    h.step(timeout);
    EXPECT_EQ(h.inb(kIir), 0xcc);
    EXPECT_EQ(h.inb(kThr), 'b');
    h.step(10 * timeout);
    EXPECT_EQ(h.inb(kIir), 0xc1) << "an empty FIFO never times out";
}

TEST_F(SerialTest, NewByteRestartsTimeoutTimer) {
    program_115200_8n1();
    h.outb(kFcr, 0x81);
    h.outb(kIer, 0x01);
    int64_t timeout = 4 * uart.char_time_ns();
    chr.input("a");
    h.step(timeout - 10);
    chr.input("b");
    h.step(20);
    EXPECT_EQ(h.inb(kIir), 0xc1);
    h.step(timeout);
    EXPECT_EQ(h.inb(kIir), 0xcc);
}

TEST_F(SerialTest, BackPressureThroughCanReceive) {
    h.outb(kFcr, 0x01);
    EXPECT_EQ(uart.can_receive(), 16u);
    EXPECT_EQ(chr.input("0123456789abcdefXYZ"), 16u);
    EXPECT_EQ(uart.can_receive(), 0u);
    EXPECT_EQ(h.inb(kLsr) & 0x02, 0) << "back-pressure, not overrun";
    int ready_before = chr.ready_calls;
    std::string got;
    while (h.inb(kLsr) & 0x01)
        got += char(h.inb(kThr));
    EXPECT_EQ(got, "0123456789abcdef");
    EXPECT_GT(chr.ready_calls, ready_before) << "the backend is told the FIFO drained";
    EXPECT_EQ(uart.can_receive(), 16u);

    h.outb(kFcr, 0x00);
    EXPECT_EQ(chr.input("XY"), 1u) << "without FIFOs RBR holds one byte";
}

TEST_F(SerialTest, FifoOverrunKeepsOldDataAndSetsOe) {
    h.outb(kFcr, 0x01);
    std::vector<uint8_t> bytes(17);
    for (unsigned i = 0; i < bytes.size(); i++)
        bytes[i] = uint8_t(i);
    uart.receive(bytes);
    EXPECT_EQ(h.inb(kLsr) & 0x03, 0x03);
    EXPECT_EQ(h.inb(kLsr) & 0x02, 0) << "OE clears on read";
    for (unsigned i = 0; i < 16; i++)
        EXPECT_EQ(h.inb(kThr), i);
    EXPECT_EQ(h.inb(kLsr) & 0x01, 0);
}

TEST_F(SerialTest, BreakEventArrivesAsZeroCharacterWithBi) {
    h.outb(kIer, 0x05);
    h.outb(kMcr, 0x08);
    uart.event(CharEvent::Break);
    EXPECT_TRUE(irq.level());
    EXPECT_EQ(h.inb(kIir), 0x06);
    EXPECT_EQ(h.inb(kLsr), 0x71);
    EXPECT_EQ(h.inb(kIir), 0x04) << "the zero character is still to be read";
    EXPECT_EQ(h.inb(kThr), 0x00);
    EXPECT_FALSE(irq.level());
    uart.event(CharEvent::Opened);
    EXPECT_EQ(h.inb(kLsr), 0x60);
}

TEST_F(SerialTest, SaveLoadRoundTrip) {
    program_115200_8n1();
    h.outb(kFcr, 0x41);
    h.outb(kIer, 0x0d);
    h.outb(kMcr, 0x0b);
    h.outb(kScr, 0x77);
    chr.input("wxyz");
    EXPECT_EQ(h.inb(kIir), 0xc4);

    DeviceHarness h2;
    CaptureChardev chr2;
    Serial16550 copy{"serial0", &chr2, h2.timers};
    IrqRecorder irq2{copy.irq()};
    h2.map(kBase, copy.io());
    test::copy_state(uart, copy);

    EXPECT_TRUE(irq2.level());
    for (uint16_t port : {kLcr, kMcr, kScr, kIer, kMsr})
        EXPECT_EQ(h2.inb(port), h.inb(port));
    h2.outb(kLcr, 0x83);
    EXPECT_EQ(h2.inb(kBase + 0), 0x01);
    h2.outb(kLcr, 0x03);
    EXPECT_EQ(h2.inb(kThr), 'w');
    EXPECT_EQ(h2.inb(kIir), 0xc1);
    h2.step(4 * copy.char_time_ns());
    EXPECT_EQ(h2.inb(kIir), 0xcc) << "timeout timer state survives";
    EXPECT_EQ(h2.inb(kThr), 'x');
    EXPECT_EQ(h2.inb(kThr), 'y');
    EXPECT_EQ(h2.inb(kThr), 'z');
}

TEST_F(SerialTest, LoadRejectsNewerVersionAndShortStreams) {
    StateWriter w;
    uart.save(w);
    StateReader newer(w.data());
    EXPECT_FALSE(uart.load(newer, uart.state_version() + 1).ok());
    std::vector<uint8_t> truncated(w.data().begin(), w.data().end() - 1);
    h.outb(kScr, 0x42);
    StateReader shorter(truncated);
    EXPECT_FALSE(uart.load(shorter, uart.state_version()).ok());
    EXPECT_EQ(h.inb(kScr), 0x00) << "a rejected stream leaves the reset state";
}

TEST_F(SerialTest, DescribeNamesPortIrqAndChardevThenTheState) {
    EXPECT_EQ(uart.describe(),
              "iobase = 0x3f8, irq = 4, chardev = capture\n"
              "ier = 0x00, iir = 0x01, lcr = 0x00, mcr = 0x00, fcr = 0x00, rx fifo = 0 of 1, "
              "char timeout idle, irq line low");
    h.outb(kFcr, 0xc1);  // FIFO on, interrupt at 14 bytes: two wait for the character timeout
    h.outb(kMcr, 0x08);  // OUT2: the interrupt reaches the ISA line
    h.outb(kIer, 0x01);
    const uint8_t ab[] = {'a', 'b'};
    uart.receive(ab);
    EXPECT_EQ(uart.describe(),
              "iobase = 0x3f8, irq = 4, chardev = capture\n"
              "ier = 0x01, iir = 0x01, lcr = 0x00, mcr = 0x08, fcr = 0xc1, rx fifo = 2 of 16, "
              "char timeout armed, irq line low");
    h.step(10 * 4 * uart.char_time_ns());
    EXPECT_NE(uart.describe().find("iir = 0x0c, "), std::string::npos) << uart.describe();
    EXPECT_NE(uart.describe().find("char timeout idle, irq line high"), std::string::npos);
}

TEST(SerialNoChardev, WorksWithoutABackend) {
    DeviceHarness h;
    Serial16550 uart{"serial1", nullptr, h.timers, 0x2f8, 3};
    h.map(0x2f8, uart.io());
    h.outb(0x2f8, 'a');
    EXPECT_EQ(h.inb(0x2fd), 0x60);
    EXPECT_EQ(uart.describe().substr(0, uart.describe().find('\n')),
              "iobase = 0x2f8, irq = 3, chardev = none");
}

}  // namespace
}  // namespace kemu
