#include "monitor/monitor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <string>
#include <utility>

#include "chardev/mux_chardev.h"
#include "fake_host.h"
#include "monitor/hmp_table.h"

namespace kemu {
namespace {

using test::CaptureChardev;
using test::FakeHost;

class MonitorTest : public ::testing::Test {
  protected:
    MonitorTest() { chardev.take(); }

    // Runs `line` as typed and returns the output after the echo, prompt stripped.
    std::string run(const std::string& line) {
        chardev.input(line + "\r");
        std::string out = chardev.take();
        std::string echo = line + "\r\n";
        EXPECT_EQ(out.substr(0, echo.size()), echo);
        std::string prompt = Monitor::kPrompt;
        EXPECT_GE(out.size(), echo.size() + prompt.size());
        EXPECT_EQ(out.substr(out.size() - prompt.size()), prompt);
        return out.substr(echo.size(), out.size() - echo.size() - prompt.size());
    }

    struct Exchange {
        std::string line;
        std::string output;
    };
    // Runs each line in order, as typed, and checks what it printed.
    void expect_outputs(std::initializer_list<Exchange> exchanges) {
        for (const Exchange& e : exchanges)
            EXPECT_EQ(run(e.line), e.output) << "line: " << e.line;
    }

    FakeHost host;
    CaptureChardev chardev;
    Monitor mon{chardev, host};
};

// The reports come from the host as data; without them the host's reason is the answer.
TEST_F(MonitorTest, InfoReportsFormatTheHostsDataOrSayWhyThereIsNone) {
    expect_outputs({
        {"info pic", "PIC state is not available\r\n"},
        {"info pci", "PCI devices not supported\r\n"},
        {"info lapic", "local APIC state is not available\r\n"},
        {"info irq", "IRQ statistics are not available\r\n"},
        {"info jit", "JIT information is not available\r\n"},
        {"info vnc", "None\r\n"},
    });
    host.irqs = IrqStatsInfo{"isa-i8259", {0, 3}};
    host.lapics.resize(2);
    host.lapics[1].cpu = 1;
    host.vnc = VncInfo{};
    EXPECT_EQ(run("info irq"), "IRQ statistics for isa-i8259:\r\n 1: 3\r\n");
    EXPECT_EQ(run("info vnc"), "default:\r\n");
    EXPECT_EQ(run("cpu 1"), "");
    std::string lapic = run("info lapic");
    EXPECT_EQ(lapic.substr(0, lapic.find('\r')), "dumping local APIC state for CPU 1") << lapic;
}

TEST(MonitorBanner, PrintedWhenAttachedToAnOpenChardev) {
    FakeHost host;
    CaptureChardev chardev;
    Monitor mon(chardev, host);
    EXPECT_EQ(chardev.output, "KEMU 0.1.0 monitor - type 'help' for more information\r\n(kemu) ");
}

TEST(MonitorBanner, OnAMuxItWaitsForTheFocus) {
    FakeHost host;
    CaptureChardev backend;
    MuxChardev mux("serial0", backend);
    struct Sink : CharFrontend {
        size_t can_receive() override { return 100; }
        void receive(std::span<const uint8_t> d) override { got.append(d.begin(), d.end()); }
        std::string got;
    } serial;
    mux.attach(&serial);
    Monitor mon(mux, host);
    EXPECT_EQ(backend.take(), "");
    backend.input(
        "\x01"
        "c");
    EXPECT_EQ(backend.take(), "KEMU 0.1.0 monitor - type 'help' for more information\r\n(kemu) ");
    backend.input("info kvm\r");
    EXPECT_EQ(backend.take(), "info kvm\r\nkvm support: enabled\r\n(kemu) ");
    backend.input(
        "\x01"
        "c"
        "ab");
    EXPECT_EQ(serial.got, "ab");
    backend.input(
        "\x01"
        "c");
    EXPECT_EQ(backend.take(), "(kemu) ");  // the banner only once
}

TEST_F(MonitorTest, InfoStatus) {
    EXPECT_EQ(run("info status"), "VM status: running\r\n");
    const std::pair<RunState, const char*> stopped[] = {
        {RunState::Paused, "VM status: paused\r\n"},
        {RunState::Shutdown, "VM status: paused (shutdown)\r\n"},
        {RunState::InternalError, "VM status: paused (internal-error)\r\n"},
        {RunState::Prelaunch, "VM status: paused (prelaunch)\r\n"},
    };
    for (const auto& [state, status] : stopped) {
        host.state = state;
        EXPECT_EQ(run("info status"), status);
    }
}

TEST_F(MonitorTest, InfoVersionAndKvm) {
    expect_outputs({
        {"info version", "0.1.0\r\n"},
        {"info kvm", "kvm support: enabled\r\n"},
    });
    host.kvm = false;
    EXPECT_EQ(run("info kvm"), "kvm support: disabled\r\n");
}

TEST_F(MonitorTest, InfoCpusAndCpuSelection) {
    host.cpu_states.push_back(reset_cpu_state(false));
    host.cpu_states[1].regs[RAX] = 1;
    expect_outputs({
        {"info cpus", "* CPU #0: thread_id=1234\r\n  CPU #1: thread_id=1235\r\n"},
        {"cpu 1", ""},
        {"info cpus", "  CPU #0: thread_id=1234\r\n* CPU #1: thread_id=1235\r\n"},
    });
    // The monitor formats the selected CPU's registers itself.
    EXPECT_TRUE(run("info registers").starts_with("EAX=00000001 EBX=00000000"));
    expect_outputs({
        {"cpu 2", "invalid CPU index\r\n"},
        {"cpu 0x100000000", "invalid CPU index\r\n"},
    });
    EXPECT_EQ(mon.cpu_index(), 1);
    expect_outputs({
        {"cpu", "cpu: missing argument 'index'\r\n"},
        {"cpu one", "cpu: invalid char in expression: 'o'\r\n"},
    });
}

TEST_F(MonitorTest, InfoReportsFromHost) {
    std::string registers = run("info registers");
    EXPECT_TRUE(registers.starts_with("EAX=00000000 ")) << registers;
    EXPECT_NE(registers.find("\r\nEIP=0000fff0 "), std::string::npos) << registers;
    host.cpu_states.clear();
    EXPECT_EQ(run("info registers"), "CPU state not available\r\n");
    expect_outputs({
        {"info mtree", "address-space: memory\r\n  ram\r\n"},
        {"info qtree", "bus: main-system-bus\r\n"},
        {"info chardev", "serial0: filename=null\r\n"},
        {"info version", "0.1.0\r\n"},
    });
}

TEST_F(MonitorTest, InfoListsSubcommandsAndRejectsUnknownOnes) {
    std::string list = run("info");
    EXPECT_NE(list.find("info status  -- show the current VM status (running or paused)\r\n"),
              std::string::npos);
    size_t lines = 0;
    for (char c : list)
        lines += c == '\n';
    EXPECT_EQ(lines, hmp_info_commands().size());
    expect_outputs({
        {"info foo", "info: unknown subcommand 'foo'\r\n"},
        {"info status now", "info: extraneous characters at the end of line\r\n"},
    });
}

TEST_F(MonitorTest, Help) {
    std::string all = run("help");
    size_t lines = 0;
    for (char c : all)
        lines += c == '\n';
    EXPECT_EQ(lines, hmp_commands().size());
    EXPECT_NE(all.find("cont|c  -- resume emulation\r\n"), std::string::npos);
    EXPECT_NE(all.find("x /fmt addr -- virtual memory dump starting at 'addr'"), std::string::npos);
    expect_outputs({
        {"help cont", "cont|c  -- resume emulation\r\n"},
        {"help c", "cont|c  -- resume emulation\r\n"},
        {"? quit", "quit|q  -- quit the emulator\r\n"},
        {"help info", run("info")},
        {"help foo", "unknown command: 'foo'\r\n"},
    });
}

TEST_F(MonitorTest, Actions) {
    EXPECT_EQ(run("stop"), "");
    EXPECT_EQ(host.stops, 1);
    expect_outputs({
        {"info status", "VM status: paused\r\n"},
        {"c", ""},
        {"cont", ""},
    });
    EXPECT_EQ(host.conts, 2);
    EXPECT_EQ(run("s"), "");
    EXPECT_EQ(host.stops, 2);
    EXPECT_EQ(run("system_reset"), "");
    EXPECT_EQ(host.resets, 1);
    EXPECT_EQ(run("system_powerdown"), "");
    EXPECT_EQ(host.powerdowns, 1);
    expect_outputs({
        {"q", ""},
        {"quit", ""},
    });
    EXPECT_EQ(host.quits, 2);
}

TEST_F(MonitorTest, BlockOperationsHoldThePromptAndInputUntilDone) {
    chardev.input("commit ide0-hd0\rinfo status\r");
    EXPECT_EQ(chardev.take(), "commit ide0-hd0\r\n");  // no prompt, next line not run yet
    ASSERT_EQ(host.block_ops.size(), 1u);
    EXPECT_EQ(host.block_ops[0].operation, "commit");
    EXPECT_EQ(host.block_ops[0].argument, "ide0-hd0");
    host.block_ops[0].done(Error("'commit' error for 'ide0-hd0': Operation not supported"));
    EXPECT_EQ(chardev.take(),
              "'commit' error for 'ide0-hd0': Operation not supported\r\n(kemu) "
              "info status\r\nVM status: running\r\n(kemu) ");
}

TEST_F(MonitorTest, BlockResizeTakesSizeSuffixes) {
    chardev.input("block_resize disk0 2G\r");
    ASSERT_EQ(host.block_ops.size(), 1u);
    EXPECT_EQ(host.block_ops[0].argument, "disk0 2147483648");
    host.block_ops[0].done(Error("Device 'disk0' not found"));
    EXPECT_EQ(chardev.take(), "block_resize disk0 2G\r\nDevice 'disk0' not found\r\n(kemu) ");
    EXPECT_EQ(run("block_resize disk0 lots"), "block_resize: invalid size 'lots'\r\n");
    EXPECT_EQ(host.block_ops.size(), 1u);
}

TEST_F(MonitorTest, SnapshotBlkdevArguments) {
    chardev.input("snapshot_blkdev disk0 /tmp/over.qcow2 qcow2\r");
    ASSERT_EQ(host.block_ops.size(), 1u);
    EXPECT_EQ(host.block_ops[0].operation, "snapshot_blkdev");
    EXPECT_EQ(host.block_ops[0].argument, "disk0 /tmp/over.qcow2 qcow2");
    host.block_ops[0].done(std::string());
    chardev.take();
    EXPECT_EQ(run("snapshot_blkdev disk0"), "snapshot_blkdev: missing argument 'file'\r\n");
}

TEST_F(MonitorTest, SnapshotCommandsReachTheHost) {
    chardev.input("savevm\r");
    ASSERT_EQ(host.block_ops.size(), 1u);
    host.block_ops[0].done(std::string());
    chardev.take();
    for (const char* line : {"savevm before-upgrade", "loadvm 1", "delvm before-upgrade"}) {
        chardev.input(std::string(line) + "\r");
        host.block_ops.back().done(std::string());
        EXPECT_EQ(chardev.take(), std::string(line) + "\r\n(kemu) ");
    }
    ASSERT_EQ(host.block_ops.size(), 4u);
    EXPECT_EQ(host.block_ops[0].argument, "");  // savevm without a tag: the host names it
    EXPECT_EQ(host.block_ops[1].argument, "before-upgrade");
    EXPECT_EQ(host.block_ops[2].operation, "loadvm");
    EXPECT_EQ(host.block_ops[3].operation, "delvm");
    expect_outputs({
        {"loadvm", "loadvm: missing argument 'name'\r\n"},
        {"info snapshots", "There is no snapshot available.\r\n"},
    });
}

TEST_F(MonitorTest, BlockReportsComeFromTheHostsData) {
    host.drives.push_back(
        {.device = "drive0",
         .medium = BlockDeviceInfo::Medium{.file = "disk.qcow2", .format = "qcow2"}});
    host.drive_stats.push_back({"drive0", {.rd_bytes = 512}});
    expect_outputs({
        {"info block", "drive0: disk.qcow2 (qcow2)\r\n    Cache mode:       writeback\r\n"},
        {"info blockstats",
         "drive0: rd_bytes=512 wr_bytes=0 unmap_bytes=0 rd_operations=0 wr_operations=0 "
         "unmap_operations=0 flush_operations=0\r\n"},
    });
    host.snapshots = Error("No block device can accept snapshots");
    EXPECT_EQ(run("info snapshots"), "No block device can accept snapshots\r\n");
}

TEST_F(MonitorTest, ActionErrorsArePrinted) {
    host.refuse_cont = true;
    EXPECT_EQ(run("cont"), "resetting the machine is required\r\n");
}

TEST_F(MonitorTest, UnknownCommandsAndStrayArguments) {
    expect_outputs({
        {"foo", "unknown command: 'foo'\r\n"},
        {"foo bar baz", "unknown command: 'foo'\r\n"},
        {"stop now", "stop: extraneous characters at the end of line\r\n"},
    });
    EXPECT_EQ(host.stops, 0);
    expect_outputs({
        {"", ""},
        {"   ", ""},
    });
}

TEST_F(MonitorTest, XpFormats) {
    expect_outputs({
        {"xp /4wx 0x100", "0000000000000100: 0x03020100 0x07060504 0x0b0a0908 0x0f0e0d0c\r\n"},
        {"xp /10xb 0",
         "0000000000000000: 0x00 0x01 0x02 0x03 0x04 0x05 0x06 0x07\r\n"
         "0000000000000008: 0x08 0x09\r\n"},
        {"xp /3xg 0",
         "0000000000000000: 0x0706050403020100 0x0f0e0d0c0b0a0908\r\n"
         "0000000000000010: 0x1716151413121110\r\n"},
        {"xp /2xh 0x20", "0000000000000020: 0x2120 0x2322\r\n"},
        {"xp /4ub 0xfc", "00000000000000fc: 252 253 254 255\r\n"},
        {"xp /2dw 0xf8", "00000000000000f8:  -67438088     -66052\r\n"},
        {"xp /2db 0x7f", "000000000000007f: 127 -128\r\n"},
        {"xp /2oh 0", "0000000000000000:   0400  01402\r\n"},
        {"xp /1ow 0", "0000000000000000:  0300400400\r\n"},
        {"xp /1ug 0", "0000000000000000:   506097522914230528\r\n"},
        {"xp /5c 0x200", "0000000000000200: 'A' '\\n' '\\'' '\\\\' '\\x07'\r\n"},
    });
}

TEST_F(MonitorTest, XpRemembersFormatAndUnit) {
    // QEMU's defaults: one 32-bit word in hex.
    expect_outputs({
        {"xp 0x10", "0000000000000010: 0x13121110\r\n"},
        {"xp /2ub 0x10", "0000000000000010:  16  17\r\n"},
        {"xp 0x10", "0000000000000010:  16\r\n"},
        {"xp /x 0x10", "0000000000000010: 0x10\r\n"},
        {"xp /h 0x10", "0000000000000010: 0x1110\r\n"},
        // A character dump does not change the remembered unit.
        {"xp /2c 0x41", "0000000000000041: 'A' 'B'\r\n"},
        {"xp /x 0x10", "0000000000000010: 0x1110\r\n"},
    });
}

TEST_F(MonitorTest, XpAddressExpressions) {
    expect_outputs({
        {"xp /1xb 0x10+2*3", "0000000000000016: 0x16\r\n"},
        {"xp /1xb (0x20 - 8) * 2", "0000000000000030: 0x30\r\n"},
        {"xp /1xb 100", "0000000000000064: 0x64\r\n"},
    });
}

TEST_F(MonitorTest, XpUnreadableMemory) {
    expect_outputs({
        {"xp /4wx 0x100000", "0000000000100000: Cannot access memory\r\n"},
        // The lines before the hole still print.
        {"xp /8wx 0xff0",
         "0000000000000ff0: 0xf3f2f1f0 0xf7f6f5f4 0xfbfaf9f8 0xfffefdfc\r\n"
         "0000000000001000: Cannot access memory\r\n"},
    });
}

TEST_F(MonitorTest, XUsesTheSelectedCpusView) {
    expect_outputs({
        {"x /2xb 0x10004", "0000000000010004: 0x04 0x05\r\n"},
        {"cpu 1", ""},
        {"x /2xb 0x10004", "0000000000010004: Cannot access memory\r\n"},
        {"x /2xb 0x20004", "0000000000020004: 0x04 0x05\r\n"},
    });
}

TEST_F(MonitorTest, XArgumentErrors) {
    expect_outputs({
        {"xp /4z 0", "xp: invalid char in format: 'z'\r\n"},
        {"xp /2000i 0", "xp: at most 1024 instructions\r\n"},
        {"xp /4x", "xp: missing argument 'addr'\r\n"},
        {"x", "x: missing argument 'addr'\r\n"},
        {"xp /4x 0x10+", "xp: number expected\r\n"},
        {"xp /4x 0x10q", "xp: invalid char in expression: 'q'\r\n"},
        {"xp /4x 1/0", "xp: division by zero\r\n"},
        {"xp /4x (1", "xp: ')' expected\r\n"},
        {"xp /999999999xg 0", "xp: dump too large (at most 1048576 bytes)\r\n"},
        {"xp /99999999999999999999xg 0", "xp: format count too large\r\n"},
        {"xp /0x 0", ""},
    });
}

TEST_F(MonitorTest, LineEditing) {
    chardev.input("info staX\x7ftus\r");
    EXPECT_EQ(chardev.take(), "info staX\b \btus\r\nVM status: running\r\n(kemu) ");
    chardev.input("garbage\x15info kvm\r");
    EXPECT_EQ(
        chardev.take(),
        "garbage\b \b\b \b\b \b\b \b\b \b\b \b\b \binfo kvm\r\nkvm support: enabled\r\n(kemu) ");
    chardev.input("\x08");  // backspace on an empty line echoes nothing
    EXPECT_EQ(chardev.take(), "");
}

TEST_F(MonitorTest, CrLfRunsOneCommand) {
    chardev.input("stop\r\n");
    EXPECT_EQ(host.stops, 1);
    EXPECT_EQ(chardev.take(), "stop\r\n(kemu) ");
    chardev.input("cont\n");
    EXPECT_EQ(host.conts, 1);
}

TEST_F(MonitorTest, HistoryWithArrowKeys) {
    run("info version");
    run("info kvm");
    chardev.input("\x1b[A");
    EXPECT_EQ(chardev.take(), "info kvm");
    chardev.input("\x1b[A");
    EXPECT_EQ(chardev.take(), "\b \b\b \b\b \b\b \b\b \b\b \b\b \b\b \binfo version");
    chardev.input("\x1b[B\x1b[B");
    chardev.take();
    chardev.input("\x1bOA\r");  // ESC O A is the other spelling of up
    EXPECT_EQ(chardev.take(), "info kvm\r\nkvm support: enabled\r\n(kemu) ");
    chardev.input("\x1b[5~x");  // an unknown sequence (PgUp) types nothing
    EXPECT_EQ(chardev.take(), "x");
}

TEST_F(MonitorTest, ControlBytesAndOverlongLinesAreIgnored) {
    chardev.input("\x03\x04\t");
    EXPECT_EQ(chardev.take(), "");
    chardev.input(std::string(LineEditor::kMaxLine + 100, 'a'));
    EXPECT_EQ(chardev.take().size(), LineEditor::kMaxLine);
}

TEST_F(MonitorTest, NewSocketClientGetsTheBannerAgain) {
    chardev.input("stop");
    chardev.take();
    chardev.reopen();
    EXPECT_EQ(chardev.take(), "KEMU 0.1.0 monitor - type 'help' for more information\r\n(kemu) ");
    // The half-typed line of the client that left is gone.
    chardev.input("\r");
    EXPECT_EQ(host.stops, 0);
}

TEST_F(MonitorTest, DisassemblesWithTheCpusCodeSize) {
    const uint8_t code[] = {0xb8, 0x01, 0x00, 0x00, 0x00, 0xf4};
    std::memcpy(&host.memory[0x300], code, sizeof code);
    EXPECT_EQ(run("xp /2i 0x300"),
              "0x0000000000000300:  mov eax, 1\r\n0x0000000000000305:  hlt\r\n");
    host.code_bits = 16;
    EXPECT_EQ(run("xp /1i 0x300"), "0x0000000000000300:  mov ax, 1\r\n");
}

TEST_F(MonitorTest, FormatMayBeGluedToTheCommandName) {
    expect_outputs({
        {"xp/4xb 0x10", "0000000000000010: 0x10 0x11 0x12 0x13\r\n"},
        {"x/2xb 0x10004", "0000000000010004: 0x04 0x05\r\n"},
        {"xp/2ub", "xp: missing argument 'addr'\r\n"},
        {"xp/4z 0", "xp: invalid char in format: 'z'\r\n"},
        {"p/x 255", "0xff\r\n"},
        {"help/x", "unknown command: '/x'\r\n"},
    });
}

// The two spellings: `x/4i $pc` and `x /8i $pc`.
TEST_F(MonitorTest, DisassemblesAtTheProgramCounter) {
    const uint8_t code[] = {0xb8, 0x01, 0x00, 0x00, 0x00, 0xf4, 0x90};
    std::memcpy(&host.memory[0x300], code, sizeof code);
    host.cpu_states[0].rip = 0x300;
    host.cpu_states[0].seg[CS].base = FakeHost::kVirtualBase;  // x reads CPU 0's view at +64 KiB
    expect_outputs({
        {"x/2i $pc", "0x0000000000010300:  mov eax, 1\r\n0x0000000000010305:  hlt\r\n"},
        {"x /3i $pc",
         "0x0000000000010300:  mov eax, 1\r\n0x0000000000010305:  hlt\r\n"
         "0x0000000000010306:  nop\r\n"},
        {"xp /1i $eip + 5", "0x0000000000000305:  hlt\r\n"},
    });
}

TEST_F(MonitorTest, RegistersInAddressExpressions) {
    host.cpu_states[0].regs[RSI] = 0x10;
    host.cpu_states[0].regs[RSP] = 0x10020;
    expect_outputs({
        {"xp /2xb $esi", "0000000000000010: 0x10 0x11\r\n"},
        {"xp /1xb $rsi * 2 + 1", "0000000000000021: 0x21\r\n"},
        {"x /1xw $rsp", "0000000000010020: 0x23222120\r\n"},
        {"x /1xw ($esp + 4)", "0000000000010024: 0x27262524\r\n"},
        {"xp /1xb $foo", "xp: unknown register '$foo'\r\n"},
    });
}

TEST_F(MonitorTest, RegistersOfTheSelectedCpu) {
    host.cpu_states.push_back(reset_cpu_state(false));
    host.cpu_states[0].regs[RAX] = 1;
    host.cpu_states[1].regs[RAX] = 2;
    expect_outputs({
        {"p $eax", "0x1\r\n"},
        {"cpu 1", ""},
        {"p $eax", "0x2\r\n"},
    });
    host.cpu_states.pop_back();
    expect_outputs({
        {"p $eax", "print: CPU state not available\r\n"},
        {"p 7", "0x7\r\n"},  // no register named: the state is not needed
    });
}

TEST_F(MonitorTest, PrintFormats) {
    // Without a format, the remembered one (first x), as QEMU.
    expect_outputs({
        {"print 10", "0xa\r\n"},
        {"p 0", "0\r\n"},
        {"p/d -1", "-1\r\n"},
        {"p 0x10 * 2", "32\r\n"},
        {"p/u -1", "18446744073709551615\r\n"},
        {"p/o 8", "010\r\n"},
        {"p/c 65", "'A'\r\n"},
        {"p/c 10", "'\\n'\r\n"},
        {"p/x 'a'", "0x61\r\n"},
        {"p/i 9", "9\r\n"},  // QEMU prints other formats in decimal
    });
    host.cpu_states[0].rip = 0xfff0;
    host.cpu_states[0].seg[CS].base = 0xffff0000;
    expect_outputs({
        {"p/x $pc", "0xfffffff0\r\n"},
        {"p/x $cs.base | $eip", "0xfffffff0\r\n"},
        {"p", "print: missing argument 'val'\r\n"},
        // A format given to print is remembered for the next dump, as in QEMU.
        {"p/u 1", "1\r\n"},
        {"xp /1b 0x10", "0000000000000010:  16\r\n"},
    });
}

TEST_F(MonitorTest, InfoTlbWithoutPaging) {
    EXPECT_EQ(run("info tlb"), "PG disabled\r\n");
    host.cpu_states.clear();
    EXPECT_EQ(run("info tlb"), "CPU state not available\r\n");
}

// 32-bit paging with 4 MiB pages: the page directory is the fake's whole memory.
TEST_F(MonitorTest, InfoTlbWalksTheSelectedCpusTables) {
    std::fill(host.memory.begin(), host.memory.end(), 0);
    auto set_pde = [&](unsigned index, uint32_t pde) {
        std::memcpy(&host.memory[index * 4], &pde, 4);
    };
    set_pde(0, 0x00000000 | 0x83);               // 0 -> 0, present, writable, large
    set_pde(3, 0x01c00000 | 0x1e7);              // global, dirty, accessed, user, writable
    set_pde(0x300, 0x00400000 | 0x80);           // not present
    set_pde(0x3ff, 0x00800000 | 0x2000 | 0x99);  // PSE-36: physical bit 32 set; PCD, PWT
    X86CpuState& s = host.cpu_states[0];
    s.cr0 |= 0x80000001;
    s.cr4 = 1u << 4;
    s.cr3 = 0;
    EXPECT_EQ(run("info tlb"),
              "0000000000000000: 0000000000000000 --P-----W\r\n"
              "0000000000c00000: 0000000001c00000 -GPDA--UW\r\n"
              "00000000ffc00000: 0000000100800000 --P--CT--\r\n");
}

TEST_F(MonitorTest, PortReadAndWrite) {
    expect_outputs({
        {"i /b 0x80", "portb[0x0080] = 0x78\r\n"},
        {"i /h 0x3f8", "portw[0x03f8] = 0x5678\r\n"},
        {"o /h 0x604 0x2000", ""},
    });
    ASSERT_EQ(host.io_log.size(), 3u);
    EXPECT_TRUE(host.io_log[2].write);
    EXPECT_EQ(host.io_log[2].port, 0x604);
    EXPECT_EQ(host.io_log[2].size, 2u);
    EXPECT_EQ(host.io_log[2].value, 0x2000u);
    EXPECT_EQ(run("o /b 0x10000 1"), "o: port above 0xffff or unit wider than w\r\n");
}

}  // namespace
}  // namespace kemu
