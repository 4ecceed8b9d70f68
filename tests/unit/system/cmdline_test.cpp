#include "system/cmdline.h"

#include <gtest/gtest.h>

#include "hw/i386/device_models.h"

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

TEST(Cmdline, FirmwareBootOptions) {
    auto r = parse({"-bios", "my.bin", "-L", "/fw", "-L", "/fw2", "-option-rom", "x.rom", "-boot",
                    "order=dc,once=n,menu=on,splash-time=500,strict=on", "-fw_cfg",
                    "name=opt/a,string=hello", "-fw_cfg", "opt/b,file=/etc/hostname"});
    ASSERT_TRUE(r.ok()) << r.error().message();
    const MachineConfig& c = r->config;
    EXPECT_EQ(c.bios, "my.bin");
    EXPECT_EQ(c.firmware_dirs, (std::vector<std::string>{"/fw", "/fw2"}));
    EXPECT_EQ(c.option_roms, (std::vector<std::string>{"x.rom"}));
    EXPECT_EQ(c.boot.order, "dc");
    EXPECT_EQ(c.boot.once, "n");
    EXPECT_TRUE(c.boot.menu);
    EXPECT_TRUE(c.boot.strict);
    EXPECT_EQ(c.boot.splash_time_ms, 500u);
    ASSERT_EQ(c.fw_cfg_strings.size(), 1u);
    EXPECT_EQ(c.fw_cfg_strings[0].second, "hello");
    ASSERT_EQ(c.fw_cfg_files.size(), 1u);
    EXPECT_EQ(c.fw_cfg_files[0].first, "opt/b");
    EXPECT_EQ(parse({"-boot", "d"})->config.boot.order, "d");
    for (std::vector<std::string> bad : {std::vector<std::string>{"-boot", "order=x"},
                                         {"-boot", "menu=maybe"},
                                         {"-boot", "splash-time=-3"},
                                         {"-fw_cfg", "name=etc/x,string=a"},
                                         {"-fw_cfg", "name=opt/x"},
                                         {"-fw_cfg", "name=opt/x,file=a,string=b"}})
        EXPECT_FALSE(parse(bad).ok()) << bad[1];
}

TEST(Cmdline, DriveBusAndUnit) {
    auto r = parse(
        {"-drive", "file=a.img,if=ide,bus=1,unit=1", "-drive", "file=b.iso,media=cdrom,bus=1"});
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->config.drives[0].index, 3);
    EXPECT_EQ(r->config.drives[1].index, 2);
    EXPECT_FALSE(parse({"-drive", "file=a.img,unit=2"}).ok());
    EXPECT_FALSE(parse({"-drive", "file=a.img,index=1,bus=0"}).ok());
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
    EXPECT_TRUE(parse({"-accel", "tcg,thread=single"})->config.tcg_single_thread);
    EXPECT_FALSE(parse({"-accel", "tcg,thread=multi"})->config.tcg_single_thread);
    EXPECT_EQ(parse({"-accel", "tcg,tb-size=64"})->config.tcg_tb_size_mib, 64u);
    EXPECT_FALSE(parse({"-accel", "tcg,tb-size=0"}).ok());
    EXPECT_EQ(parse({"-accel", "tcg"})->config.tcg_backend, "x86");
    EXPECT_EQ(parse({"-accel", "tcg,backend=interp"})->config.tcg_backend, "interp");
    EXPECT_FALSE(parse({"-accel", "tcg,backend=llvm"}).ok());
    auto bad = parse({"-accel", "tcg,thread=many"});
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().message(), "-accel tcg,thread=many: Invalid 'thread' setting many");
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
    EXPECT_FALSE(parse({"-display", "gtk"}).ok());
    EXPECT_FALSE(parse({"-display", "sdl,bogus=1"}).ok());
    EXPECT_FALSE(parse({"-display", "sdl,window-close=maybe"}).ok());
    auto sdl = parse({"-display", "sdl,window-close=off", "-full-screen"});
    ASSERT_TRUE(sdl.ok()) << sdl.error().message();
    EXPECT_TRUE(sdl->config.display_on());
    EXPECT_FALSE(sdl->config.sdl_window_close_quits);
    EXPECT_TRUE(sdl->config.full_screen);
    EXPECT_FALSE(parse({"-vnc", "none"})->config.display_on());
    EXPECT_TRUE(parse({"-vnc", ":0"})->config.display_on());
    EXPECT_FALSE(parse({"-vnc", ":0", "-nographic"})->config.display_on());
    EXPECT_FALSE(parse({"-d", "bogus"}).ok());
}

TEST(Cmdline, HelpAndVersionExitEarly) {
    auto r = parse({"-version", "-bogus"});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->exit_text->rfind("QEMU emulator version 7.2.0 (kemu " KEMU_VERSION ")\n", 0), 0u)
        << *r->exit_text;
    EXPECT_NE(r->exit_text->find("Copyright"), std::string::npos);
    r = parse({"-h"});
    EXPECT_NE(r->exit_text->find("-nographic"), std::string::npos);
}

std::string first_line(const std::string& text) {
    return text.substr(0, text.find('\n'));
}

// kvm-unit-tests reads the version with IFS='[ .]' read _ _ _ MAJOR MINOR MICRO rest.
TEST(Cmdline, HelpFirstLineParsesAsQemuVersion) {
    for (const char* option : {"-h", "--help", "-help"}) {
        auto r = parse({option});
        ASSERT_TRUE(r.ok() && r->exit_text);
        std::string line = first_line(*r->exit_text);
        EXPECT_EQ(line.rfind("QEMU emulator version ", 0), 0u) << line;
        EXPECT_EQ(line.substr(22, 6), std::string(kQemuCompatVersion) + " ");
        EXPECT_NE(line.find("kemu"), std::string::npos);
    }
    // "-h" must list every option of options.def, the new ones included.
    auto help = *parse({"-h"})->exit_text;
    for (const char* option : {"-global ", "-dfilter ", "-perfmap ", "-jitdump ", "-D "})
        EXPECT_NE(help.find(option), std::string::npos) << option;
}

TEST(CmdlineDevices, HelpListsModelsByCategoryInQemuFormat) {
    for (const char* spelling : {"help", "?"}) {
        auto r = parse({"-device", spelling});
        ASSERT_TRUE(r.ok() && r->exit_text) << spelling;
        const std::string& text = *r->exit_text;
        size_t input = text.find("Input devices:\n"), misc = text.find("\n\nMisc devices:\n");
        ASSERT_NE(input, std::string::npos) << text;
        ASSERT_NE(misc, std::string::npos) << text;
        EXPECT_LT(input, misc) << "categories come in QEMU's order";
        size_t exit_dev = text.find("\nname \"isa-debug-exit\", bus ISA");
        size_t testdev = text.find("\nname \"pc-testdev\", bus ISA");
        EXPECT_GT(exit_dev, misc);
        EXPECT_GT(testdev, exit_dev) << "names are sorted within a category";
        EXPECT_NE(text.find("name \"isa-serial\", bus ISA, desc \"16550A UART (COM1-COM4 follow "
                            "-serial)\", no-user"),
                  std::string::npos);
        // kvm-unit-tests adds -device pci-testdev whenever the list mentions it.
        EXPECT_EQ(text.find("pci-testdev"), std::string::npos);
        EXPECT_NE(text.back(), '\n') << "main() adds the final newline";
    }
}

TEST(CmdlineDevices, ModelTableIsConsistent) {
    std::string_view previous;
    for (const DeviceModel& m : device_models()) {
        EXPECT_LT(previous, std::string_view(m.name)) << "sorted and unique";
        EXPECT_EQ(m.build != nullptr, m.availability == DeviceAvailability::UserCreatable)
            << m.name;
        EXPECT_EQ(find_device_model(m.name), &m);
        previous = m.name;
    }
    EXPECT_EQ(find_device_model("nosuch"), nullptr);
}

TEST(CmdlineDevices, DevicePropertiesHelp) {
    auto r = parse({"-device", "isa-debugcon,help"});
    ASSERT_TRUE(r.ok() && r->exit_text);
    EXPECT_EQ(*r->exit_text,
              "isa-debugcon options:\n"
              "  chardev=<str>          - ID of a chardev to use as a backend\n"
              "  iobase=<uint32>        - I/O port (0xe9) (default: 233)\n"
              "  readback=<uint32>      - value reads of the port return (default: 233)");
    r = parse({"-device", "isa-debug-exit,?"});
    ASSERT_TRUE(r.ok() && r->exit_text);
    EXPECT_EQ(r->exit_text->rfind("isa-debug-exit options:\n  iobase=<uint32>", 0), 0u);
    r = parse({"-device", "pc-testdev,help"});
    ASSERT_TRUE(r.ok() && r->exit_text);
    EXPECT_EQ(*r->exit_text, "There are no options for pc-testdev.");
    auto bad = parse({"-device", "nosuch,help"});
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().message(),
              "-device nosuch,help: 'nosuch' is not a valid device model name");
}

TEST(CmdlineDevices, ErrorsAreQemus) {
    const std::pair<const char*, const char*> cases[] = {
        {"pci-testdev", "-device pci-testdev: 'pci-testdev' is not a valid device model name"},
        {"bogus", "-device bogus: 'bogus' is not a valid device model name"},
        {"i8042", "-device i8042: Parameter 'driver' expects a pluggable device type"},
        {"isa-debug-exit,foo=1",
         "-device isa-debug-exit,foo=1: Property 'isa-debug-exit.foo' not found"},
        {"pc-testdev,bus=pci.0", "-device pc-testdev,bus=pci.0: Bus 'pci.0' not found"},
    };
    for (const auto& [arg, message] : cases) {
        auto r = parse({"-device", arg});
        ASSERT_FALSE(r.ok()) << arg;
        EXPECT_EQ(r.error().message(), message);
    }
    auto r = parse({"-device", "pc-testdev,id=t0,bus=isa.0"});
    ASSERT_TRUE(r.ok()) << r.error().message();
}

TEST(CmdlineGlobals, BothSpellingsBecomeDefaultsOfThatDriver) {
    auto r = parse({"-global", "isa-debug-exit.iobase=0x501", "-global",
                    "driver=isa-debug-exit,property=iosize,value=2", "-device", "isa-debug-exit",
                    "-device", "isa-debugcon"});
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->config.globals, (std::vector<GlobalProperty>{{"isa-debug-exit", "iobase", "0x501"},
                                                              {"isa-debug-exit", "iosize", "2"}}));
    ASSERT_EQ(r->config.devices.size(), 2u);
    EXPECT_EQ(r->config.devices[0].props,
              (std::map<std::string, std::string>{{"iobase", "0x501"}, {"iosize", "2"}}));
    EXPECT_TRUE(r->config.devices[1].props.empty()) << "another driver's globals do not apply";
    EXPECT_TRUE(r->warnings.empty());
}

TEST(CmdlineGlobals, DeviceOptionsAndLaterGlobalsWin) {
    auto r = parse({"-global", "isa-debugcon.iobase=0x402", "-global", "isa-debugcon.iobase=0x403",
                    "-device", "isa-debugcon,iobase=0x404", "-device", "isa-debugcon"});
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->config.devices[0].props.at("iobase"), "0x404");
    EXPECT_EQ(r->config.devices[1].props.at("iobase"), "0x403");
}

TEST(CmdlineGlobals, UnknownDriverWarnsAndGoesOn) {
    auto r = parse({"-global", "kvm-pit.lost_tick_policy=discard", "-m", "256"});
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->warnings,
              std::vector<std::string>{"global kvm-pit.lost_tick_policy has invalid class name"});
    EXPECT_EQ(r->config.ram_size, 256ull << 20) << "parsing went on";
}

TEST(CmdlineGlobals, Errors) {
    auto r = parse({"-global", "isa-debugcon.nosuch=1"});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message(),
              "-global isa-debugcon.nosuch=1: can't apply global isa-debugcon.nosuch=1: "
              "Property 'isa-debugcon.nosuch' not found");
    r = parse({"-global", "i8042.kbd-throttle=on"});
    ASSERT_FALSE(r.ok()) << "kemu's built-in devices take no properties yet";
    for (const char* bad : {"driver=a,property=b", "isa-debugcon", "=1"}) {
        r = parse({"-global", bad});
        ASSERT_FALSE(r.ok()) << bad;
    }
    r = parse({"-global", "driver=a,property=b"});
    EXPECT_EQ(r.error().message(),
              "-global driver=a,property=b: options 'driver', 'property', and 'value' are "
              "required");
}

TEST(CmdlineLogging, ItemsFilterAndPerfOptions) {
    auto r = parse({"-d", "in_asm,exec", "-d", "nochain", "-D", "/tmp/log", "-dfilter",
                    "0x1000+0x100,0xffff0000..0xffffffff", "-perfmap", "-jitdump"});
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->config.log_mask, (1ull << unsigned(LogItem::InAsm)) |
                                      (1ull << unsigned(LogItem::Exec)) |
                                      (1ull << unsigned(LogItem::Nochain)));
    EXPECT_EQ(r->config.log_file, "/tmp/log");
    EXPECT_EQ(r->config.log_filter,
              (std::vector<LogAddressRange>{{0x1000, 0x10ff}, {0xffff0000, 0xffffffff}}));
    EXPECT_TRUE(r->config.perfmap);
    EXPECT_TRUE(r->config.jitdump);
    EXPECT_FALSE(parse({})->config.perfmap);

    auto bad = parse({"-dfilter", "0x1000"});
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().message().rfind("-dfilter 0x1000: Bad range specifier", 0), 0u);

    auto help = parse({"-d", "help"});
    ASSERT_TRUE(help.ok() && help->exit_text);
    EXPECT_EQ(help->exit_text->rfind("Log items (comma separated):\n", 0), 0u);
    EXPECT_NE(help->exit_text->find("\nin_asm          show target assembly code"),
              std::string::npos)
        << "QEMU's layout: name padded to 15 columns";
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

namespace kemu {
namespace {

const DriveSpec* drive_named(const MachineConfig& c, const std::string& id) {
    for (const DriveSpec& d : c.drives)
        if (d.id == id) return &d;
    return nullptr;
}

TEST(CmdlineIdeDevices, DriveIfNoneBecomesAnIdeDriveWithBootindex) {
    // -device before its -drive: QEMU creates devices after every drive exists.
    auto r = parse({"-device", "ide-hd,drive=d0,bootindex=1", "-drive",
                    "if=none,id=d0,file=a.qcow2", "-drive", "if=none,id=c0,file=b.iso", "-device",
                    "ide-cd,drive=c0,bus=ide.1,unit=1,bootindex=0"});
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_TRUE(r->config.devices.empty()) << "IDE devices are drives, not board devices";
    const DriveSpec* disk = drive_named(r->config, "d0");
    ASSERT_NE(disk, nullptr);
    EXPECT_EQ(disk->interface, DriveInterface::Ide);
    EXPECT_EQ(disk->index, 0);
    EXPECT_FALSE(disk->cdrom);
    EXPECT_FALSE(disk->options.read_only);
    EXPECT_EQ(disk->bootindex, 1);
    const DriveSpec* cd = drive_named(r->config, "c0");
    ASSERT_NE(cd, nullptr);
    EXPECT_EQ(cd->interface, DriveInterface::Ide);
    EXPECT_EQ(cd->index, 3);
    EXPECT_TRUE(cd->cdrom);
    EXPECT_TRUE(cd->options.read_only) << "a CD-ROM never writes its image";
    EXPECT_EQ(cd->bootindex, 0);
}

TEST(CmdlineIdeDevices, FirstFreeSlotAfterLegacyDrives) {
    auto r = parse({"-hda", "a.img", "-cdrom", "c.iso", "-drive", "if=none,id=d0,file=d.img",
                    "-drive", "if=none,id=d1,file=e.img", "-device", "ide-hd,drive=d0", "-device",
                    "ide-hd,drive=d1,bus=ide.1"});
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(drive_named(r->config, "d0")->index, 1);  // primary slave: -hda is the master
    EXPECT_EQ(drive_named(r->config, "d1")->index, 3);  // -cdrom holds ide.1's master
    EXPECT_EQ(drive_named(r->config, "d1")->bootindex, -1);
    EXPECT_EQ(drive_named(r->config, "ide0-hd0")->index, 0);
    EXPECT_EQ(drive_named(r->config, "ide1-cd0")->index, 2);
}

TEST(CmdlineIdeDevices, IdeCdWithoutDriveHasAnEmptyTray) {
    auto r = parse({"-hda", "a.img", "-device", "ide-cd,bootindex=3", "-device",
                    "ide-cd,id=mycd,bus=ide.1,unit=1"});
    ASSERT_TRUE(r.ok()) << r.error().message();
    const DriveSpec* cd = drive_named(r->config, "ide0-cd1");
    ASSERT_NE(cd, nullptr);
    EXPECT_EQ(cd->interface, DriveInterface::Ide);
    EXPECT_TRUE(cd->cdrom);
    EXPECT_TRUE(cd->options.file.empty());
    EXPECT_EQ(cd->bootindex, 3);
    const DriveSpec* named = drive_named(r->config, "mycd");
    ASSERT_NE(named, nullptr);
    EXPECT_EQ(named->index, 3);
}

TEST(CmdlineIdeDevices, ErrorsAreQemus) {
    const std::pair<std::vector<std::string>, const char*> cases[] = {
        {{"-device", "ide-hd,drive=nope"},
         "-device ide-hd,drive=nope: Property 'ide-hd.drive' can't find value 'nope'"},
        {{"-device", "ide-hd"}, "-device ide-hd: No drive specified"},
        {{"-hda", "a.img", "-device", "ide-hd,drive=ide0-hd0"},
         "-device ide-hd,drive=ide0-hd0: Drive 'ide0-hd0' is already in use because it has been "
         "automatically connected to another device (did you need 'if=none' in the drive "
         "options?)"},
        {{"-drive", "if=none,id=d0,file=a.img", "-device", "ide-hd,drive=d0", "-device",
          "ide-cd,drive=d0"},
         "-device ide-cd,drive=d0: Drive 'd0' is already in use by another device"},
        {{"-hda", "a.img", "-drive", "if=none,id=d0,file=b.img", "-device",
          "ide-hd,drive=d0,bus=ide.0,unit=0"},
         "-device ide-hd,drive=d0,bus=ide.0,unit=0: IDE unit 0 is in use"},
        {{"-hda", "a.img", "-hdb", "b.img", "-drive", "if=none,id=d0,file=c.img", "-device",
          "ide-hd,drive=d0,bus=ide.0"},
         "-device ide-hd,drive=d0,bus=ide.0: IDE unit 1 is in use"},
        {{"-drive", "if=none,id=d0,file=a.img", "-device", "ide-hd,drive=d0,unit=2"},
         "-device ide-hd,drive=d0,unit=2: Can't create IDE unit 2, bus supports only 2 units"},
        {{"-drive", "if=none,id=d0,file=a.img", "-device", "ide-hd,drive=d0,unit=x"},
         "-device ide-hd,drive=d0,unit=x: Parameter 'unit' expects integer"},
        {{"-drive", "if=none,id=d0,file=a.img", "-device", "ide-hd,drive=d0,bus=ide.2"},
         "-device ide-hd,drive=d0,bus=ide.2: Bus 'ide.2' not found"},
        {{"-device", "ide-hd,drive=d0,bus=isa.0"},
         "-device ide-hd,drive=d0,bus=isa.0: Bus 'isa.0' not found"},
        {{"-device", "pc-testdev,bus=ide.0"},
         "-device pc-testdev,bus=ide.0: Bus 'ide.0' not found"},
        {{"-hda", "a", "-hdb", "b", "-hdc", "c", "-hdd", "d", "-device", "ide-cd"},
         "-device ide-cd: No 'IDE' bus found for device 'ide-cd'"},
        {{"-device", "ide-cd,bootindex=1", "-device", "ide-cd,bootindex=1"},
         "-device ide-cd,bootindex=1: The bootindex 1 has already been used"},
        {{"-device", "ide-cd,bootindex=first"},
         "-device ide-cd,bootindex=first: Parameter 'bootindex' expects integer"},
        {{"-drive", "if=none,id=e,media=cdrom", "-device", "ide-hd,drive=e"},
         "-device ide-hd,drive=e: Device needs media, but drive is empty"},
        {{"-hda", "a.img", "-device", "ide-cd,id=ide0-hd0"},
         "-device ide-cd,id=ide0-hd0: Duplicate ID 'ide0-hd0' for drive"},
    };
    for (const auto& [args, message] : cases) {
        auto r = parse(args);
        ASSERT_FALSE(r.ok()) << message;
        EXPECT_EQ(r.error().message(), message);
    }
}

TEST(CmdlineIdeDevices, HelpListsThemAsStorage) {
    auto r = parse({"-device", "help"});
    ASSERT_TRUE(r.ok() && r->exit_text);
    const std::string& text = *r->exit_text;
    size_t storage = text.find("Storage devices:\n");
    ASSERT_NE(storage, std::string::npos) << text;
    EXPECT_GT(text.find("\nname \"ide-cd\", bus IDE, desc \"virtual IDE CD-ROM\"\n"), storage);
    EXPECT_GT(text.find("\nname \"ide-hd\", bus IDE, desc \"virtual IDE disk\""), storage);
    r = parse({"-device", "ide-hd,help"});
    ASSERT_TRUE(r.ok() && r->exit_text);
    EXPECT_NE(r->exit_text->find("  drive=<str>"), std::string::npos) << *r->exit_text;
    EXPECT_NE(r->exit_text->find("  bootindex=<int32>"), std::string::npos);
    EXPECT_NE(r->exit_text->find("  unit=<uint32>"), std::string::npos);
}

}  // namespace
}  // namespace kemu
