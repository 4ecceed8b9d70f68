#include "hw/i386/fw_cfg_pc.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "hw/acpi/bios_linker_loader.h"
#include "tests/unit/hw/boot/firmware_reads.h"
#include "tests/unit/hw/boot/guest_ram.h"
#include "tests/unit/hw/devices/device_harness.h"

namespace kemu {
namespace {

using ::testing::HasSubstr;

constexpr uint64_t MiB = 1ull << 20, GiB = 1ull << 30;

std::string text(const std::vector<uint8_t>& b) {
    return {b.begin(), b.end()};
}

std::vector<uint8_t> bytes(std::string_view s) {
    return {s.begin(), s.end()};
}

template <typename T>
T get(const std::vector<uint8_t>& b, size_t off) {
    (void)b.at(off + sizeof(T) - 1);  // throws when the field runs past the end
    T v;
    std::memcpy(&v, &b[off], sizeof v);
    return v;
}

TEST(FwCfgPc, IdeBootPathsFollowQemu) {
    EXPECT_EQ(pc_ide_boot_path(0, 0), "/pci@i0cf8/ide@1,1/drive@0/disk@0");
    EXPECT_EQ(pc_ide_boot_path(1, 0), "/pci@i0cf8/ide@1,1/drive@1/disk@0");
    EXPECT_EQ(pc_ide_boot_path(0, 1), "/pci@i0cf8/ide@1,1/drive@0/disk@1");
    EXPECT_EQ(pc_ide_boot_path(1, 1, 0x1f, 2), "/pci@i0cf8/ide@1f,2/drive@1/disk@1");
    EXPECT_EQ(pc_rom_boot_path("genroms/linuxboot_dma.bin"), "/rom@genroms/linuxboot_dma.bin");
}

TEST(FwCfgPc, BootorderSortsByBootindexAndEndsWithNul) {
    std::vector<PcBootDevice> devices = {
        {2, pc_ide_boot_path(0, 0)},
        {0, pc_ide_boot_path(1, 0)},
        {2, "/pci@i0cf8/ethernet@3"},  // a tie keeps its order
    };
    EXPECT_EQ(text(pc_bootorder(devices)), std::string("/pci@i0cf8/ide@1,1/drive@1/disk@0\n"
                                                       "/pci@i0cf8/ide@1,1/drive@0/disk@0\n"
                                                       "/pci@i0cf8/ethernet@3") +
                                               '\0');
    EXPECT_EQ(text(pc_bootorder({{5, "/rom@genroms/x"}}, true)),
              std::string("/rom@genroms/x\nHALT") + '\0');
    EXPECT_TRUE(pc_bootorder({}).empty());
}

TEST(FwCfgPc, E820HasTheRamOnBothSidesOf4GAndExtraReservations) {
    std::vector<uint8_t> e820 =
        pc_fw_cfg_e820({3 * GiB, 2 * GiB}, {{0xfeffc000, 0x4000, E820Type::Reserved}});
    ASSERT_EQ(e820.size(), 3 * 20u);
    struct Expected {
        uint64_t addr, len;
        uint32_t type;
    } expected[] = {{0, 3 * GiB, 1}, {4 * GiB, 2 * GiB, 1}, {0xfeffc000, 0x4000, 2}};
    for (size_t i = 0; i < 3; i++) {
        EXPECT_EQ(get<uint64_t>(e820, 20 * i), expected[i].addr) << i;
        EXPECT_EQ(get<uint64_t>(e820, 20 * i + 8), expected[i].len) << i;
        EXPECT_EQ(get<uint32_t>(e820, 20 * i + 16), expected[i].type) << i;
    }
    EXPECT_EQ(pc_fw_cfg_e820({128 * MiB, 0}, {}).size(), 20u);
}

TEST(FwCfgPc, UserFileNamesMustBeInTheOptNamespace) {
    EXPECT_TRUE(check_user_fw_cfg_name("opt/org.example/x").ok());
    EXPECT_THAT(check_user_fw_cfg_name("etc/e820").error().message(), HasSubstr("opt/"));
    EXPECT_FALSE(check_user_fw_cfg_name("opt/").ok());
    EXPECT_FALSE(check_user_fw_cfg_name("opt" + std::string(60, 'x')).ok());
}

class FwCfgPcFill : public ::testing::Test {
  protected:
    FwCfgPcFill() {
        h.map(0x510, fw.ctl_region());
        h.map(0x514, fw.dma_region());
    }

    static PcFwCfgConfig typical() {
        PcFwCfgConfig c;
        c.ram = {512 * MiB, 0};
        c.cpus = 2;
        c.apic_id_limit = 4;
        c.boot_devices = {{1, pc_ide_boot_path(0, 0)}, {0, pc_ide_boot_path(1, 0)}};
        c.boot_menu = true;
        c.boot_menu_wait_ms = 1500;
        c.acpi = AcpiConfig{2, {{0x3f8, 4}}};
        c.option_roms = {{"linuxboot_dma.bin", {0x55, 0xaa, 1}}};
        c.vga_option_roms = {{"vgabios-stdvga.bin", {0x55, 0xaa, 2}}};
        c.user_files = {{"opt/org.kemu/hello", bytes("hi")}};
        return c;
    }

    std::vector<uint8_t> read_item(uint16_t key, size_t n) {
        return test::read_fw_cfg_item(h, key, n);
    }

    test::DeviceHarness h;
    test::GuestRam ram{0x10000};
    FwCfg fw{"fw_cfg", ram.mem()};
};

TEST_F(FwCfgPcFill, LegacyKeysSeaBiosReads) {
    ASSERT_TRUE(fill_pc_fw_cfg(fw, typical()).ok());
    EXPECT_EQ(get<uint64_t>(read_item(fw_cfg_key::kRamSize, 8), 0), 512 * MiB);
    EXPECT_EQ(get<uint16_t>(read_item(fw_cfg_key::kNbCpus, 2), 0), 2);
    EXPECT_EQ(get<uint16_t>(read_item(fw_cfg_key::kMaxCpus, 2), 0), 4);
    EXPECT_EQ(get<uint16_t>(read_item(fw_cfg_key::kBootMenu, 2), 0), 1);
    EXPECT_EQ(read_item(fw_cfg_key::kIrq0Override, 1)[0], 1);
    // NUMA: node count 0, then one zero u64 per possible APIC ID.
    std::vector<uint8_t> numa = read_item(fw_cfg_key::kNuma, 8 * 6);
    EXPECT_EQ(numa, std::vector<uint8_t>(8 * 6, 0));
}

TEST_F(FwCfgPcFill, FilesSeaBiosReads) {
    ASSERT_TRUE(fill_pc_fw_cfg(fw, typical()).ok());
    ASSERT_NE(fw.file("etc/e820"), nullptr);
    EXPECT_EQ(*fw.file("etc/e820"), pc_fw_cfg_e820({512 * MiB, 0}, {}));
    ASSERT_NE(fw.file("bootorder"), nullptr);
    EXPECT_EQ(text(*fw.file("bootorder")),
              pc_ide_boot_path(1, 0) + "\n" + pc_ide_boot_path(0, 0) + std::string(1, '\0'));
    EXPECT_EQ(*fw.file("etc/boot-fail-wait"), (std::vector<uint8_t>{0xff, 0xff, 0xff, 0xff}));
    EXPECT_EQ(*fw.file("etc/boot-menu-wait"), (std::vector<uint8_t>{0xdc, 0x05}));  // 1500
    EXPECT_EQ(*fw.file("genroms/linuxboot_dma.bin"), (std::vector<uint8_t>{0x55, 0xaa, 1}));
    EXPECT_EQ(*fw.file("vgaroms/vgabios-stdvga.bin"), (std::vector<uint8_t>{0x55, 0xaa, 2}));
    EXPECT_EQ(text(*fw.file("opt/org.kemu/hello")), "hi");
    EXPECT_EQ(fw.file("etc/smbios/smbios-tables"), nullptr);  // SeaBIOS builds its own

    auto acpi = build_acpi_firmware_files(AcpiConfig{2, {{0x3f8, 4}}});
    ASSERT_TRUE(acpi.ok());
    EXPECT_EQ(*fw.file(kAcpiRsdpFile), acpi->rsdp);
    EXPECT_EQ(*fw.file(kAcpiTablesFile), acpi->tables);
    EXPECT_EQ(*fw.file(BiosLinkerLoader::kFileName), acpi->loader);
}

TEST_F(FwCfgPcFill, OptionalFilesAreLeftOut) {
    PcFwCfgConfig c;
    c.ram = {64 * MiB, 0};
    ASSERT_TRUE(fill_pc_fw_cfg(fw, c).ok());
    EXPECT_EQ(fw.file("bootorder"), nullptr);
    EXPECT_EQ(fw.file("etc/boot-menu-wait"), nullptr);
    EXPECT_EQ(fw.file(kAcpiRsdpFile), nullptr);
    EXPECT_EQ(fw.file(BiosLinkerLoader::kFileName), nullptr);
    EXPECT_EQ(get<uint16_t>(read_item(fw_cfg_key::kBootMenu, 2), 0), 0);
    EXPECT_EQ(read_item(fw_cfg_key::kKernelSize, 4), std::vector<uint8_t>(4, 0));
}

TEST_F(FwCfgPcFill, KernelKeysForALinuxbootRom) {
    PcFwCfgConfig c = typical();
    PcFwCfgKernel k;
    k.setup_addr = 0x10000;
    k.setup = std::vector<uint8_t>(0x2000, 0x5e);
    k.kernel_addr = 0x100000;
    k.kernel = std::vector<uint8_t>(0x3000, 0xce);
    k.initrd_addr = 0x7f00000;
    k.initrd = bytes("initrd");
    k.cmdline_addr = 0x20000;
    k.cmdline = "console=ttyS0";
    c.kernel = k;
    ASSERT_TRUE(fill_pc_fw_cfg(fw, c).ok());
    using namespace fw_cfg_key;
    auto u32 = [&](uint16_t key) { return get<uint32_t>(read_item(key, 4), 0); };
    EXPECT_EQ(u32(kSetupAddr), 0x10000u);
    EXPECT_EQ(u32(kSetupSize), 0x2000u);
    EXPECT_EQ(u32(kKernelAddr), 0x100000u);
    EXPECT_EQ(u32(kKernelSize), 0x3000u);
    EXPECT_EQ(u32(kInitrdAddr), 0x7f00000u);
    EXPECT_EQ(u32(kInitrdSize), 6u);
    EXPECT_EQ(u32(kCmdlineAddr), 0x20000u);
    EXPECT_EQ(u32(kKernelCmdline), 0x20000u);
    EXPECT_EQ(u32(kCmdlineSize), 14u);  // with the NUL
    EXPECT_EQ(text(read_item(kCmdlineData, 14)), std::string("console=ttyS0") + '\0');
    EXPECT_EQ(read_item(kSetupData, 0x2000), k.setup);
    EXPECT_EQ(read_item(kKernelData, 0x3000), k.kernel);
    EXPECT_EQ(text(read_item(kInitrdData, 6)), "initrd");
}

TEST_F(FwCfgPcFill, ConfigurationErrors) {
    PcFwCfgConfig bad_name = typical();
    bad_name.user_files = {{"etc/evil", {1}}};
    Result<void> r = fill_pc_fw_cfg(fw, bad_name);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message(), HasSubstr("-fw_cfg"));

    FwCfg fw2("fw_cfg", ram.mem());
    PcFwCfgConfig dup = typical();
    dup.user_files.push_back({"opt/org.kemu/hello", {2}});
    EXPECT_THAT(fill_pc_fw_cfg(fw2, dup).error().message(), HasSubstr("duplicate"));

    FwCfg fw3("fw_cfg", ram.mem());
    PcFwCfgConfig cpus = typical();
    cpus.apic_id_limit = 1;  // below the CPU count
    EXPECT_FALSE(fill_pc_fw_cfg(fw3, cpus).ok());

    FwCfg fw4("fw_cfg", ram.mem());
    PcFwCfgConfig acpi = typical();
    acpi.acpi->cpu_count = 0;
    EXPECT_THAT(fill_pc_fw_cfg(fw4, acpi).error().message(), HasSubstr("ACPI"));
}

}  // namespace
}  // namespace kemu
