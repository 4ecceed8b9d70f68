// The machine core with the null accelerator: construction, RAM layout, kernel
// loading and the errors a user sees.
#include "system/machine.h"
#include "system/cmdline.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

namespace kemu {
namespace {

// A Multiboot image using the a.out kludge: header at 0, loaded at 1 MiB, entry at +0x40.
std::string write_multiboot_image() {
    std::vector<uint8_t> image(0x100, 0x90);
    const uint32_t magic = 0x1badb002, flags = 1u << 16, load = 0x100000;
    const uint32_t header[] = {magic,        flags,      uint32_t(-(magic + flags)),
                               load,         load,       load + 0x100,
                               load + 0x200, load + 0x40};
    std::memcpy(image.data(), header, sizeof header);
    char path[] = "/tmp/kemu-machine-test-XXXXXX";
    int fd = mkstemp(path);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(write(fd, image.data(), image.size()), ssize_t(image.size()));
    close(fd);
    return path;
}

MachineConfig null_config(const std::string& kernel) {
    MachineConfig c;
    c.accel = "null";
    c.kernel = kernel;
    c.nodefaults = true;
    return c;
}

TEST(Machine, LoadsMultibootKernelIntoBootState) {
    std::string kernel = write_multiboot_image();
    MachineConfig config = null_config(kernel);
    config.cpus = 2;
    config.topology = {1, 2, 1};
    auto m = Machine::create(config);
    ASSERT_TRUE(m.ok()) << m.error().message();
    auto bsp = (*m)->cpu_state(0);
    ASSERT_TRUE(bsp.ok());
    EXPECT_EQ(bsp->rip, 0x100040u);
    EXPECT_EQ(bsp->regs[RAX], 0x2badb002u);
    auto ap = (*m)->cpu_state(1);
    ASSERT_TRUE(ap.ok());
    EXPECT_EQ(ap->mp_state, MpState::WaitForSipi);
    uint8_t* loaded = (*m)->memory().host_pointer(0x100000, 4);
    ASSERT_NE(loaded, nullptr);
    EXPECT_EQ(loaded[0], 0x02);  // first byte of the Multiboot magic
    EXPECT_EQ((*m)->run_state(), RunState::Prelaunch);
    unlink(kernel.c_str());
}

TEST(Machine, RamAbove4GiBGoesAbove4GiB) {
    std::string kernel = write_multiboot_image();
    MachineConfig config = null_config(kernel);
    config.ram_size = 5ull << 30;
    auto m = Machine::create(config);
    ASSERT_TRUE(m.ok()) << m.error().message();
    EXPECT_NE((*m)->memory().host_pointer(0xdffff000, 0x1000), nullptr);
    EXPECT_EQ((*m)->memory().host_pointer(0xe0000000, 1), nullptr);  // the PCI hole
    EXPECT_NE((*m)->memory().host_pointer(0x100000000ull + (1ull << 30) + 0x1fffffff, 1), nullptr);
    EXPECT_EQ((*m)->memory().host_pointer(0x100000000ull + (1536ull << 20), 1), nullptr);
    unlink(kernel.c_str());
}

TEST(Machine, UserErrors) {
    auto missing = Machine::create(null_config("/nonexistent/kernel"));
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message().find("/nonexistent/kernel"), std::string::npos);

    // Without -kernel the machine boots through firmware, which must exist and be sized right.
    MachineConfig missing_bios = null_config("");
    missing_bios.bios = "/nonexistent/bios.bin";
    auto no_bios = Machine::create(missing_bios);
    ASSERT_FALSE(no_bios.ok());
    EXPECT_NE(no_bios.error().message().find("/nonexistent/bios.bin"), std::string::npos);
    MachineConfig odd_bios = null_config("");
    odd_bios.bios = write_multiboot_image();  // not a multiple of 64 KiB
    auto odd = Machine::create(odd_bios);
    ASSERT_FALSE(odd.ok());
    EXPECT_NE(odd.error().message().find("64 KiB"), std::string::npos);
    unlink(odd_bios.bios.c_str());

    std::string kernel = write_multiboot_image();
    MachineConfig bad_device = null_config(kernel);
    bad_device.devices.push_back({"no-such-device", {}});
    auto dev = Machine::create(bad_device);
    ASSERT_FALSE(dev.ok());
    EXPECT_NE(dev.error().message().find("no-such-device"), std::string::npos);

    MachineConfig unknown = null_config(kernel);
    unknown.accel = "hax";
    auto t = Machine::create(unknown);
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.error().message(), "-accel hax: invalid accelerator hax");
    unlink(kernel.c_str());
}

// The slow-KVM-guest hint asks the board whether the guest has printed: bytes out of any
// UART (not its loopback) or isa-debugcon, with or without a backend.
TEST(Machine, GuestOutputCountsUartAndDebugconBytes) {
    std::string kernel = write_multiboot_image();
    MachineConfig config = null_config(kernel);
    config.nodefaults = false;  // COM1 without a backend
    config.devices.push_back({"isa-debugcon", {}});
    auto m = Machine::create(config);
    ASSERT_TRUE(m.ok()) << m.error().message();
    const PcBoard& board = (*m)->board();
    AddressSpace& io = (*m)->io();
    EXPECT_EQ(board.guest_output_bytes(), 0u);
    io.write(0x3f8, 1, 'a');
    EXPECT_EQ(board.guest_output_bytes(), 1u);
    io.write(0xe9, 1, 'b');
    EXPECT_EQ(board.guest_output_bytes(), 2u);
    io.write(0x3fc, 1, 0x10);  // MCR loopback: the byte stays inside the UART
    io.write(0x3f8, 1, 'c');
    EXPECT_EQ(board.guest_output_bytes(), 2u);
    unlink(kernel.c_str());
}

TEST(Machine, DebugExitDevicePortIsMapped) {
    std::string kernel = write_multiboot_image();
    MachineConfig config = null_config(kernel);
    config.devices.push_back({"isa-debug-exit", {{"iobase", "0x501"}, {"iosize", "2"}}});
    auto m = Machine::create(config);
    ASSERT_TRUE(m.ok()) << m.error().message();
    const FlatRange* r = (*m)->io().flat_view().lookup(0x502);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->start, 0x501u);
    EXPECT_EQ(r->size, 2u);
    unlink(kernel.c_str());
}

TEST(Machine, PcTestdevFromTheCommandLineIsWired) {
    std::string kernel = write_multiboot_image();
    auto parsed =
        parse_cmdline({"-accel", "null", "-nodefaults", "-kernel", kernel, "-device", "pc-testdev",
                       "-global", "isa-debug-exit.iobase=0x501", "-device", "isa-debug-exit"});
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    auto m = Machine::create(parsed->config);
    ASSERT_TRUE(m.ok()) << m.error().message();
    AddressSpace& io = (*m)->io();
    ASSERT_EQ(io.write(0xe0, 4, 0xdeadbeef), MemTxResult::Ok);
    uint64_t v = 0;
    ASSERT_EQ(io.read(0xea, 2, &v), MemTxResult::Ok);
    EXPECT_EQ(v, 0xdeadu);
    ASSERT_EQ((*m)->memory().write(0xff000008, 4, 0x600dcafe), MemTxResult::Ok);
    ASSERT_EQ((*m)->memory().read(0xff000008, 4, &v), MemTxResult::Ok);
    EXPECT_EQ(v, 0x600dcafeu);
    // Flushing a RAM page leaves its contents and the guest's view alone.
    uint8_t* page = (*m)->memory().host_pointer(0x200000, 4096);
    ASSERT_NE(page, nullptr);
    page[0x10] = 0x77;
    ASSERT_EQ(io.write(0xe4, 4, 0x200010), MemTxResult::Ok);
    EXPECT_EQ(page[0x10], 0x77);
    ASSERT_NE(io.flat_view().lookup(0x2000 + 23), nullptr);
    const FlatRange* exit_port = io.flat_view().lookup(0x501);
    ASSERT_NE(exit_port, nullptr) << "the -global iobase reached isa-debug-exit";
    EXPECT_EQ(exit_port->start, 0x501u);
    EXPECT_NE((*m)->board().qtree_text().find("dev: pc-testdev"), std::string::npos);
    unlink(kernel.c_str());
}

}  // namespace
}  // namespace kemu
