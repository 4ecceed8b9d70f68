// The board's fw_cfg "bootorder" from its IDE drives' bootindexes (-device ide-hd/ide-cd),
// read back through the fw_cfg ports as SeaBIOS reads it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hw/i386/pc.h"
#include "tests/unit/hw/boot/firmware_reads.h"
#include "tests/unit/hw/devices/device_harness.h"

namespace kemu {
namespace {

constexpr uint16_t kFwCfgFileDir = 0x19;

class PcBootorder : public ::testing::Test {
  protected:
    std::unique_ptr<PcBoard> make_board(std::vector<BoardIdeDrive> drives) {
        BoardConfig config;
        config.ram.below_4g = 16u << 20;
        config.acpi = false;
        config.ide_drives = std::move(drives);
        config.firmware.bios.assign(64 * 1024, 0xf4);
        BoardServices services{memory,  h.io,    h.timers, nullptr,   nullptr,
                               nullptr, nullptr, nullptr,  ram.data()};
        auto board = PcBoard::create(config, services);
        EXPECT_TRUE(board.ok()) << board.error().message();
        return board.ok() ? std::move(*board) : nullptr;
    }

    std::vector<uint8_t> read_item(uint16_t key, size_t n) {
        return test::read_fw_cfg_item(h, key, n);
    }
    static uint32_t be(const std::vector<uint8_t>& b, size_t at, unsigned size) {
        uint32_t v = 0;
        for (unsigned i = 0; i < size; i++)
            v = v << 8 | b.at(at + i);
        return v;
    }
    // The fw_cfg file `name` as the firmware finds it in the file directory, or nullopt.
    std::optional<std::string> read_file(const std::string& name) {
        uint32_t count = be(read_item(kFwCfgFileDir, 4), 0, 4);
        std::vector<uint8_t> dir = read_item(kFwCfgFileDir, 4 + 64 * count);
        for (uint32_t i = 0; i < count; i++) {
            size_t entry = 4 + 64 * i;
            std::string entry_name(reinterpret_cast<const char*>(&dir[entry + 8]));
            if (entry_name != name) continue;
            auto data = read_item(uint16_t(be(dir, entry + 4, 2)), be(dir, entry, 4));
            return std::string(data.begin(), data.end());
        }
        return std::nullopt;
    }

    test::DeviceHarness h;
    AddressSpace memory{"memory", uint64_t(1) << 32};
    std::vector<uint8_t> ram = std::vector<uint8_t>(16u << 20);
};

TEST_F(PcBootorder, IdeBootindexesBecomeSeaBiosDevicePathsInOrder) {
    // Empty CD-ROM drives: the board needs no image for them.
    auto board = make_board({{"cd-slave", 3, true, nullptr, 0},
                             {"cd-master", 0, true, nullptr, 2},
                             {"cd-unlisted", 1, true, nullptr, -1}});
    ASSERT_TRUE(board);
    auto bootorder = read_file("bootorder");
    ASSERT_TRUE(bootorder);
    EXPECT_EQ(*bootorder, std::string("/pci@i0cf8/ide@1,1/drive@1/disk@1\n"
                                      "/pci@i0cf8/ide@1,1/drive@0/disk@0") +
                              '\0');
}

TEST_F(PcBootorder, NoBootindexNoBootorderFile) {
    auto board = make_board({{"cd", 2, true, nullptr, -1}});
    ASSERT_TRUE(board);
    EXPECT_FALSE(read_file("bootorder"));
    EXPECT_TRUE(read_file("etc/e820")) << "the directory reader finds files that exist";
}

}  // namespace
}  // namespace kemu
