#include "hw/i386/linux_boot_firmware.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "hw/i386/optionrom/linuxboot_rom.h"

namespace kemu {
namespace {

using ::testing::HasSubstr;

constexpr uint64_t MiB = 1ull << 20;
constexpr PcRamLayout kRam{128 * MiB, 0};

// Setup header offsets in the image, as Documentation/arch/x86/boot.rst lists them.
constexpr size_t kVidMode = 0x1fa, kTypeOfLoader = 0x210, kLoadflags = 0x211, kRamdiskImage = 0x218,
                 kRamdiskSize = 0x21c, kHeapEndPtr = 0x224, kCmdLinePtr = 0x228;

// A synthetic bzImage: the boot sector and setup sectors with a hand-written header, then
// `kernel_size` bytes of protected-mode "code" (a recognisable pattern).
struct FakeBzImage {
    uint8_t setup_sects = 4;
    uint16_t version = 0x020f;
    uint8_t loadflags = 0x01;  // LOADED_HIGH
    uint32_t initrd_addr_max = 0x7fffffff;
    uint32_t cmdline_size = 2047;
    uint32_t init_size = 0x10000;
    size_t kernel_size = 0x3000;

    std::vector<uint8_t> build() const {
        size_t setup = (setup_sects ? setup_sects : 4) + 1;
        std::vector<uint8_t> img(setup * 512 + kernel_size, 0);
        for (size_t i = 0; i < setup * 512; i++)
            img[i] = uint8_t(i * 3 + 5);  // code around the header must be kept as it is
        auto put = [&](size_t off, uint64_t v, unsigned n) {
            for (unsigned i = 0; i < n; i++)
                img[off + i] = uint8_t(v >> (8 * i));
        };
        put(0x1f1, setup_sects, 1);
        put(kVidMode, 0x0301, 2);  // a mode the loader must replace with "normal"
        put(0x1fe, 0xaa55, 2);
        put(0x202, 0x53726448, 4);  // "HdrS"
        put(0x206, version, 2);
        put(kTypeOfLoader, 0, 1);
        put(kLoadflags, loadflags, 1);
        put(kRamdiskImage, 0, 8);
        put(kHeapEndPtr, 0, 2);
        put(kCmdLinePtr, 0, 4);
        put(0x22c, initrd_addr_max, 4);
        put(0x238, cmdline_size, 4);
        put(0x260, init_size, 4);
        for (size_t i = 0; i < kernel_size; i++)
            img[setup * 512 + i] = uint8_t(i * 7 + 1);
        return img;
    }
};

template <typename T>
T field(const std::vector<uint8_t>& setup, size_t off) {
    (void)setup.at(off + sizeof(T) - 1);  // throws when the field runs past the end
    T v;
    std::memcpy(&v, &setup[off], sizeof v);
    return v;
}

std::string error_of(const Result<PcFwCfgKernel>& r) {
    return r.ok() ? "(accepted)" : r.error().message();
}

TEST(FirmwareLinuxKernel, SplitsAndFillsTheSetupHeader) {
    auto image = FakeBzImage{}.build();
    std::vector<uint8_t> initrd(0x1234, 0x1d);
    auto r = firmware_linux_kernel(image, initrd, "console=ttyS0 quiet", kRam);
    ASSERT_TRUE(r.ok()) << r.error().message();

    EXPECT_EQ(r->setup_addr, 0x10000u);
    ASSERT_EQ(r->setup.size(), 5u * 512);
    EXPECT_EQ(field<uint16_t>(r->setup, kVidMode), 0xffff);
    EXPECT_EQ(r->setup[kTypeOfLoader], 0xff);
    EXPECT_EQ(r->setup[kLoadflags], 0x81);  // LOADED_HIGH kept, CAN_USE_HEAP added
    EXPECT_EQ(field<uint16_t>(r->setup, kHeapEndPtr), 0xfe00);
    EXPECT_EQ(field<uint32_t>(r->setup, kCmdLinePtr), 0x20000u);
    // The initrd ends at most at the top of RAM less the firmware's megabyte, page-aligned.
    uint32_t initrd_addr = (128 * MiB - MiB - 0x1234) & ~0xfffu;
    EXPECT_EQ(field<uint32_t>(r->setup, kRamdiskImage), initrd_addr);
    EXPECT_EQ(field<uint32_t>(r->setup, kRamdiskSize), 0x1234u);
    // Every other byte of the setup code is the image's own.
    std::vector<uint8_t> expected(image.begin(), image.begin() + 5 * 512);
    for (auto [off, len] : {std::pair<size_t, size_t>{kVidMode, 2},
                            {kTypeOfLoader, 2},
                            {kRamdiskImage, 8},
                            {kHeapEndPtr, 2},
                            {kCmdLinePtr, 4}})
        std::memcpy(&expected[off], &r->setup[off], len);
    EXPECT_EQ(r->setup, expected);

    EXPECT_EQ(r->kernel_addr, 0x100000u);
    EXPECT_EQ(r->kernel, std::vector<uint8_t>(image.begin() + 5 * 512, image.end()));
    EXPECT_EQ(r->initrd_addr, initrd_addr);
    EXPECT_EQ(r->initrd, initrd);
    EXPECT_EQ(r->cmdline_addr, 0x20000u);
    EXPECT_EQ(r->cmdline, "console=ttyS0 quiet");
}

TEST(FirmwareLinuxKernel, WithoutInitrdTheRamdiskFieldsAreZero) {
    auto r = firmware_linux_kernel(FakeBzImage{}.build(), {}, "", kRam);
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->initrd_addr, 0u);
    EXPECT_TRUE(r->initrd.empty());
    EXPECT_EQ(field<uint32_t>(r->setup, kRamdiskImage), 0u);
    EXPECT_EQ(field<uint32_t>(r->setup, kRamdiskSize), 0u);
}

TEST(FirmwareLinuxKernel, ZeroSetupSectsMeansFour) {
    FakeBzImage fk;
    fk.setup_sects = 0;
    auto image = fk.build();
    auto r = firmware_linux_kernel(image, {}, "", kRam);
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->setup.size(), 5u * 512);
    EXPECT_EQ(r->kernel.size(), 0x3000u);
}

TEST(FirmwareLinuxKernel, InitrdStaysBelowInitrdAddrMax) {
    FakeBzImage fk;
    fk.initrd_addr_max = 0x3fffffff;
    std::vector<uint8_t> initrd(0x2000, 1);
    auto r = firmware_linux_kernel(fk.build(), initrd, "", {3072 * MiB, 1024 * MiB});
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->initrd_addr, 0x40000000u - 0x2000);
}

// 2.02 is the oldest accepted: no cmdline_size (255 bytes), no initrd_addr_max (0x37ffffff)
// and no init_size in its header, whatever those bytes hold.
TEST(FirmwareLinuxKernel, Protocol202UsesTheDocumentedDefaults) {
    FakeBzImage fk;
    fk.version = 0x0202;
    fk.cmdline_size = 4096;
    fk.initrd_addr_max = 0xffffffff;
    fk.init_size = 0x7fffffff;
    std::vector<uint8_t> initrd(0x1000, 1);
    auto r = firmware_linux_kernel(fk.build(), initrd, std::string(255, 'a'), {2048 * MiB, 0});
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->initrd_addr, 0x38000000u - 0x1000);
    EXPECT_THAT(error_of(firmware_linux_kernel(fk.build(), {}, std::string(256, 'a'), kRam)),
                HasSubstr("command line too long (256 bytes, kernel accepts 255)"));
}

TEST(FirmwareLinuxKernel, RejectsOldProtocolsAndZImages) {
    FakeBzImage old;
    old.version = 0x0201;
    EXPECT_THAT(error_of(firmware_linux_kernel(old.build(), {}, "", kRam)),
                HasSubstr("Linux boot protocol 2.1 is too old"));
    FakeBzImage zimage;
    zimage.loadflags = 0;
    EXPECT_THAT(error_of(firmware_linux_kernel(zimage.build(), {}, "", kRam)), HasSubstr("zImage"));
    auto no_magic = FakeBzImage{}.build();
    no_magic[0x202] = 'X';
    EXPECT_THAT(error_of(firmware_linux_kernel(no_magic, {}, "", kRam)), HasSubstr("HdrS"));
    EXPECT_THAT(error_of(firmware_linux_kernel(std::vector<uint8_t>(0x200), {}, "", kRam)),
                HasSubstr("too small"));
}

TEST(FirmwareLinuxKernel, RejectsSetupCodeBeyond32KiB) {
    FakeBzImage fk;
    fk.setup_sects = 63;  // 32 KiB with the boot sector: the most the layout allows
    EXPECT_TRUE(firmware_linux_kernel(fk.build(), {}, "", kRam).ok());
    fk.setup_sects = 64;
    EXPECT_THAT(error_of(firmware_linux_kernel(fk.build(), {}, "", kRam)),
                HasSubstr("setup code of 33280 bytes"));
}

TEST(FirmwareLinuxKernel, RejectsALongCommandLine) {
    auto image = FakeBzImage{}.build();
    EXPECT_TRUE(firmware_linux_kernel(image, {}, std::string(2047, 'x'), kRam).ok());
    EXPECT_THAT(error_of(firmware_linux_kernel(image, {}, std::string(2048, 'x'), kRam)),
                HasSubstr("command line too long (2048 bytes, kernel accepts 2047)"));
}

TEST(FirmwareLinuxKernel, RejectsWhatDoesNotFitInRam) {
    auto image = FakeBzImage{}.build();
    // 16 MiB: 15 MiB usable, the kernel's init_size reaches 1 MiB + 64 KiB.
    std::vector<uint8_t> fits(15 * MiB - MiB - 0x10000, 1);
    EXPECT_TRUE(firmware_linux_kernel(image, fits, "", {16 * MiB, 0}).ok());
    std::vector<uint8_t> too_big(fits.size() + 1, 1);
    EXPECT_THAT(error_of(firmware_linux_kernel(image, too_big, "", {16 * MiB, 0})),
                HasSubstr("initrd too big"));
    FakeBzImage huge;
    huge.init_size = 15 * MiB;
    EXPECT_THAT(error_of(firmware_linux_kernel(huge.build(), {}, "", {16 * MiB, 0})),
                HasSubstr("kernel too big for guest RAM"));
}

TEST(FirmwareLinuxBoot, AddsTheRomFirstInBootOrder) {
    PcFwCfgConfig config;
    config.boot_devices.push_back({0, pc_ide_boot_path(0, 0)});
    PcFwCfgKernel kernel;
    kernel.cmdline = "console=ttyS0";
    add_firmware_linux_boot(config, kernel);
    ASSERT_EQ(config.option_roms.size(), 1u);
    EXPECT_EQ(config.option_roms[0].name, "linuxboot.bin");
    std::span<const uint8_t> rom = linuxboot_option_rom();
    EXPECT_EQ(config.option_roms[0].data, std::vector<uint8_t>(rom.begin(), rom.end()));
    ASSERT_TRUE(config.kernel.has_value());
    EXPECT_EQ(config.kernel->cmdline, "console=ttyS0");
    std::vector<uint8_t> order = pc_bootorder(config.boot_devices);
    EXPECT_EQ(std::string(order.begin(), order.end()),
              std::string("/rom@genroms/linuxboot.bin\n/pci@i0cf8/ide@1,1/drive@0/disk@0") + '\0');
}

}  // namespace
}  // namespace kemu
