// The embedded linuxboot option ROM has the shape SeaBIOS checks before it runs a ROM from
// fw_cfg "genroms/" and lists its Boot Entry Vector (the PnP BIOS specification's option
// ROM header and expansion header).
#include "hw/i386/optionrom/linuxboot_rom.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/hw/boot/firmware_reads.h"

namespace kemu {
namespace {

uint16_t word(std::span<const uint8_t> rom, size_t off) {
    return uint16_t(rom[off] | rom[off + 1] << 8);
}

TEST(LinuxbootRom, HeaderSizeAndChecksum) {
    std::span<const uint8_t> rom = linuxboot_option_rom();
    ASSERT_GE(rom.size(), 512u);
    EXPECT_EQ(rom.size() % 512, 0u);
    EXPECT_EQ(rom[0], 0x55);
    EXPECT_EQ(rom[1], 0xaa);
    EXPECT_EQ(rom[2] * 512u, rom.size());
    EXPECT_EQ(test::byte_sum(rom.data(), rom.size()), 0);
    // The init entry at offset 3 is a jump (short or near) within the ROM.
    ASSERT_TRUE(rom[3] == 0xeb || rom[3] == 0xe9) << int(rom[3]);
    size_t target = rom[3] == 0xeb ? 5 + int8_t(rom[4]) : 6 + word(rom, 4);
    EXPECT_LT(target, rom.size());
    EXPECT_EQ(rom[target], 0xcb);  // init has nothing to do: a far return to the BIOS
}

TEST(LinuxbootRom, PnpHeaderWithABootEntryVector) {
    std::span<const uint8_t> rom = linuxboot_option_rom();
    size_t pnp = word(rom, 0x1a);
    ASSERT_NE(pnp, 0u);
    ASSERT_LE(pnp + 32, rom.size());
    EXPECT_EQ(pnp % 16, 0u);
    EXPECT_EQ(std::string(rom.begin() + pnp, rom.begin() + pnp + 4), "$PnP");
    EXPECT_EQ(rom[pnp + 4], 1);        // revision
    EXPECT_EQ(rom[pnp + 5], 2);        // 2 x 16 bytes
    EXPECT_EQ(word(rom, pnp + 6), 0);  // no next header
    EXPECT_EQ(test::byte_sum(rom.data() + pnp, 32), 0);
    EXPECT_EQ(word(rom, pnp + 0x16), 0);  // no BCV: not a disk controller
    uint16_t bev = word(rom, pnp + 0x1a);
    EXPECT_GT(bev, pnp + 32);
    EXPECT_LT(bev, rom.size());
    EXPECT_EQ(rom[bev], 0xfa);  // the BEV starts with cli
    uint16_t name = word(rom, pnp + 0x10);
    ASSERT_LT(name, rom.size());
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(rom.data() + name)), "Linux loader");
}

}  // namespace
}  // namespace kemu
