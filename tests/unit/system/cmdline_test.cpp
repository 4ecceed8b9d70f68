#include "system/cmdline.h"

#include <gtest/gtest.h>

namespace kemu {
namespace {

Result<CmdlineResult> parse(std::vector<std::string> args) {
    return parse_cmdline(args);
}

TEST(Cmdline, DefaultsMatchQemu) {
    auto r = parse({});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->config.ram_size, 128ull << 20);
    EXPECT_EQ(r->config.cpus, 1u);
    EXPECT_EQ(r->config.cpu, "qemu64");
    EXPECT_TRUE(r->config.accel.empty());
}

TEST(Cmdline, MemorySizes) {
    EXPECT_EQ(parse({"-m", "512"})->config.ram_size, 512ull << 20);
    EXPECT_EQ(parse({"-m", "2G"})->config.ram_size, 2ull << 30);
    EXPECT_EQ(parse({"-m", "size=1.5G"})->config.ram_size, 1536ull << 20);
    EXPECT_EQ(parse({"--m", "64M"})->config.ram_size, 64ull << 20);
    for (const char* bad : {"foo", "12Q", "", "0", "1.2.3M", "-5"}) {
        auto r = parse({"-m", bad});
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().message().rfind(std::string("-m ") + bad + ":", 0), 0u)
            << r.error().message();
    }
}

TEST(Cmdline, SmpTopology) {
    auto r = parse({"-smp", "4"});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->config.cpus, 4u);
    EXPECT_EQ(r->config.topology.cores, 4u);
    EXPECT_EQ(r->config.topology.sockets, 1u);
    r = parse({"-smp", "cpus=4,sockets=2,cores=2,threads=1"});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->config.topology.sockets, 2u);
    EXPECT_EQ(r->config.topology.cores, 2u);
    r = parse({"-smp", "2,maxcpus=4"});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->config.cpus, 2u);
    EXPECT_EQ(r->config.topology.cpus(), 4u);
    EXPECT_FALSE(parse({"-smp", "0"}).ok());
    EXPECT_FALSE(parse({"-smp", "4,sockets=3,cores=1,threads=1"}).ok());
    EXPECT_FALSE(parse({"-smp", "8,maxcpus=4"}).ok());
    EXPECT_FALSE(parse({"-smp", "2,bogus=1"}).ok());
}

TEST(Cmdline, Accelerators) {
    EXPECT_EQ(parse({"-enable-kvm"})->config.accel, "kvm");
    EXPECT_EQ(parse({"-accel", "tcg"})->config.accel, "tcg");
    EXPECT_EQ(parse({"-M", "pc,accel=kvm,kernel_irqchip=off"})->config.accel, "kvm");
    EXPECT_FALSE(parse({"-M", "pc,accel=kvm,kernel_irqchip=off"})->config.kernel_irqchip);
    EXPECT_FALSE(parse({"-accel", "bogus"}).ok());
    EXPECT_FALSE(parse({"-M", "q35"}).ok());
    EXPECT_TRUE(parse({"-accel", "help"})->exit_text.has_value());
}

TEST(Cmdline, CpuModels) {
    EXPECT_EQ(parse({"-cpu", "kvm64,+avx,-nx"})->config.cpu, "kvm64,+avx,-nx");
    auto help = parse({"-cpu", "help"});
    ASSERT_TRUE(help->exit_text.has_value());
    EXPECT_NE(help->exit_text->find("qemu64"), std::string::npos);
    EXPECT_NE(help->exit_text->find("host"), std::string::npos);
    EXPECT_FALSE(parse({"-cpu", "bogus"}).ok());
    EXPECT_FALSE(parse({"-cpu", "qemu64,+nosuchflag"}).ok());
}

TEST(Cmdline, BootAndConsoleOptions) {
    auto r = parse({"-kernel", "k", "-initrd", "i", "-append", "console=ttyS0", "-nographic",
                    "-serial", "stdio", "-monitor", "unix:/tmp/m,server=on,wait=off", "-S",
                    "-no-reboot", "-name", "vm1"});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->config.kernel, "k");
    EXPECT_EQ(r->config.initrd, "i");
    EXPECT_EQ(r->config.append, "console=ttyS0");
    EXPECT_TRUE(r->config.nographic);
    EXPECT_EQ(r->config.serials, std::vector<std::string>{"stdio"});
    EXPECT_EQ(r->config.monitor, "unix:/tmp/m,server=on,wait=off");
    EXPECT_TRUE(r->config.start_paused);
    EXPECT_TRUE(r->config.no_reboot);
    EXPECT_EQ(r->config.name, "vm1");
}

TEST(Cmdline, Devices) {
    auto r = parse({"-device", "isa-debug-exit,iobase=0xf4,iosize=0x4"});
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->config.devices.size(), 1u);
    EXPECT_EQ(r->config.devices[0].driver, "isa-debug-exit");
    EXPECT_EQ(r->config.devices[0].props.at("iobase"), "0xf4");
}

TEST(Cmdline, ErrorsNameTheOption) {
    auto r = parse({"-bogus"});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message(), "-bogus: invalid option");
    r = parse({"-m"});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message(), "-m: requires an argument");
    EXPECT_FALSE(parse({"disk.img"}).ok());
    EXPECT_FALSE(parse({"-display", "sdl"}).ok());
    EXPECT_FALSE(parse({"-d", "bogus"}).ok());
}

TEST(Cmdline, HelpAndVersionExitEarly) {
    auto r = parse({"-version", "-bogus"});
    ASSERT_TRUE(r.ok());
    EXPECT_NE(r->exit_text->find("KEMU emulator version"), std::string::npos);
    r = parse({"-h"});
    EXPECT_NE(r->exit_text->find("-nographic"), std::string::npos);
}

}  // namespace
}  // namespace kemu

namespace kemu {
namespace {

TEST(CmdlineDrives, QemuDefaultNamesAndOptions) {
    auto r = parse_cmdline({"-hda", "a.img", "-cdrom", "c.iso", "-drive",
                            "file=b.qcow2,format=qcow2,cache=none", "-drive",
                            "file=n.raw,if=none,id=data,readonly=on", "-snapshot"});
    ASSERT_TRUE(r.ok()) << r.error().message();
    const auto& d = r->config.drives;
    ASSERT_EQ(d.size(), 4u);
    EXPECT_EQ(d[0].id, "ide0-hd0");
    EXPECT_EQ(d[1].id, "ide1-cd0");
    EXPECT_TRUE(d[1].options.read_only);
    EXPECT_EQ(d[2].id, "ide0-hd1");  // the first free IDE index after hda and the CD-ROM
    EXPECT_EQ(d[2].options.format, "qcow2");
    EXPECT_EQ(d[2].options.cache, block::CacheMode::None);
    EXPECT_EQ(d[3].id, "data");
    EXPECT_TRUE(d[3].options.read_only);
    for (const DriveSpec& drive : d)
        EXPECT_TRUE(drive.options.snapshot);
}

TEST(CmdlineDrives, AioDiscardAndDetectZeroes) {
    auto r = parse_cmdline({"-drive",
                            "file=a.qcow2,if=none,id=a,cache=none,aio=native,discard=unmap,"
                            "detect-zeroes=unmap",
                            "-drive", "file=b.raw,if=none,id=b,aio=threads,detect-zeroes=on"});
    ASSERT_TRUE(r.ok()) << r.error().message();
    const auto& d = r->config.drives;
    EXPECT_EQ(d[0].options.aio, block::AioMode::Native);
    EXPECT_EQ(d[0].options.discard, block::DiscardMode::Unmap);
    EXPECT_EQ(d[0].options.detect_zeroes, block::DetectZeroes::Unmap);
    EXPECT_EQ(d[1].options.aio, block::AioMode::Threads);
    EXPECT_EQ(d[1].options.discard, block::DiscardMode::Ignore);  // QEMU's default
    EXPECT_EQ(d[1].options.detect_zeroes, block::DetectZeroes::On);

    auto native = parse_cmdline({"-drive", "file=a,aio=native"});
    ASSERT_FALSE(native.ok());
    EXPECT_NE(native.error().message().find("requires cache.direct=on"), std::string::npos);
    auto unmap = parse_cmdline({"-drive", "file=a,detect-zeroes=unmap"});
    ASSERT_FALSE(unmap.ok());
    EXPECT_NE(unmap.error().message().find("without setting discard operation to unmap"),
              std::string::npos);
    EXPECT_FALSE(parse_cmdline({"-drive", "file=a,aio=posix"}).ok());
    EXPECT_FALSE(parse_cmdline({"-drive", "file=a,discard=maybe"}).ok());
}

TEST(CmdlineDrives, Errors) {
    EXPECT_FALSE(parse_cmdline({"-drive", "file=a,if=none"}).ok());  // needs an id
    EXPECT_FALSE(parse_cmdline({"-drive", "file=a,format=vmdk"}).ok());
    EXPECT_FALSE(parse_cmdline({"-drive", "file=a,cache=sometimes"}).ok());
    EXPECT_FALSE(parse_cmdline({"-drive", "file=a,bogus=1"}).ok());
    EXPECT_FALSE(parse_cmdline({"-hda", "a", "-drive", "file=b,index=0"}).ok());
    EXPECT_FALSE(parse_cmdline({"-drive", "file=a,index=4"}).ok());
    EXPECT_FALSE(
        parse_cmdline({"-drive", "file=a,if=none,id=x", "-drive", "file=b,if=none,id=x"}).ok());
}

}  // namespace
}  // namespace kemu
