// The board's PCI devices as -device creates them: the VGA at addr= or the first free slot,
// QEMU's errors for a taken slot, secondary-vga, `info pci` and `info qtree` placing each
// device where the guest finds it (configuration mechanism #1 through 0xcf8/0xcfc), and the
// IDE drives' -device/-global properties in their IDENTIFY data.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "hw/i386/device_models.h"
#include "hw/i386/pc.h"
#include "hw/pci/pci_address.h"
#include "hw/pci/pci_regs.h"
#include "tests/unit/hw/devices/device_harness.h"

namespace kemu {
namespace {

constexpr uint16_t kVendorStdVga = 0x1234;

class PcPciDevices : public ::testing::Test {
  protected:
    Result<std::unique_ptr<PcBoard>> make_board(std::vector<DeviceSpec> devices,
                                                std::vector<BoardIdeDrive> drives = {}) {
        BoardConfig config;
        config.ram.below_4g = 16u << 20;
        config.acpi = false;
        config.devices = std::move(devices);
        config.ide_drives = std::move(drives);
        BoardServices services{memory,  h.io,    h.timers, nullptr,   nullptr,
                               nullptr, nullptr, nullptr,  ram.data()};
        return PcBoard::create(config, services);
    }
    // Configuration mechanism #1, as the guest reads a register.
    uint32_t config_read(unsigned devfn, unsigned reg) {
        h.outl(0xcf8, 0x80000000u | devfn << 8 | reg);
        uint32_t value = 0;
        for (unsigned i = 0; i < 4; i++)
            value |= uint32_t(h.inb(uint16_t(0xcfc + i))) << (8 * i);
        return value;
    }
    uint16_t vendor_at(unsigned slot, unsigned function = 0) {
        return uint16_t(config_read(pci::devfn(slot, function), 0));
    }
    uint32_t class_at(unsigned slot) { return config_read(pci::devfn(slot, 0), 8) >> 8; }

    test::DeviceHarness h;
    AddressSpace memory{"memory", uint64_t(1) << 32};
    std::vector<uint8_t> ram = std::vector<uint8_t>(16u << 20);
};

TEST(PciAddress, ParsesQemuSpellings) {
    EXPECT_EQ(pci::parse_address("02.0"), pci::devfn(2, 0));
    EXPECT_EQ(pci::parse_address("0x2"), pci::devfn(2, 0));
    EXPECT_EQ(pci::parse_address("2"), pci::devfn(2, 0));
    EXPECT_EQ(pci::parse_address("1f.7"), pci::devfn(31, 7));
    EXPECT_EQ(pci::parse_address("0A.2"), pci::devfn(10, 2));
    for (const char* bad : {"20", "0x20", "3.8", "foo", "", "-1", "2.", ".1", "0x"})
        EXPECT_FALSE(pci::parse_address(bad)) << bad;
    EXPECT_EQ(pci::format_address(pci::devfn(31, 7)), "1f.7");
}

TEST_F(PcPciDevices, DefaultVgaTakesTheFirstFreeSlot) {
    auto board = make_board({});
    ASSERT_TRUE(board.ok()) << board.error().message();
    EXPECT_EQ(vendor_at(2), kVendorStdVga);
    EXPECT_EQ(class_at(2), 0x030000u);
    EXPECT_EQ(vendor_at(3), 0xffff) << "nothing else on the bus";
    EXPECT_NE((*board)->vga(), nullptr);
}

TEST_F(PcPciDevices, DeviceVgaAddrMovesTheVga) {
    auto board = make_board({{"VGA", {{"addr", "05.0"}, {"id", "video0"}}}});
    ASSERT_TRUE(board.ok()) << board.error().message();
    EXPECT_EQ(vendor_at(2), 0xffff) << "-device VGA replaces the default one";
    EXPECT_EQ(vendor_at(5), kVendorStdVga);
    ASSERT_NE((*board)->vga(), nullptr) << "the display shows the user's VGA";
    auto pci = (*board)->pci_devices();
    auto vga =
        std::find_if(pci.begin(), pci.end(), [](const PciDeviceInfo& d) { return d.slot == 5; });
    ASSERT_NE(vga, pci.end()) << "`info pci` lists slot 5";
    EXPECT_EQ(vga->function, 0u);
    EXPECT_EQ(vga->class_info.desc, "VGA controller");
    EXPECT_EQ(vga->id.vendor, 0x1234);
    EXPECT_EQ(vga->id.device, 0x1111);
    EXPECT_EQ(vga->qdev_id, "video0");
    std::string qtree = (*board)->qtree_text();
    EXPECT_NE(qtree.find("      dev: VGA, id \"vga-pci\"\n        addr = 05.0\n"),
              std::string::npos)
        << qtree;
}

TEST_F(PcPciDevices, SecondaryVgaTakesTheNextFreeSlotOrItsAddr) {
    auto board = make_board({{"secondary-vga", {}}, {"secondary-vga", {{"addr", "0x1f.3"}}}});
    ASSERT_TRUE(board.ok()) << board.error().message();
    EXPECT_EQ(vendor_at(2), kVendorStdVga);
    EXPECT_EQ(class_at(2), 0x030000u) << "the default VGA came first";
    EXPECT_EQ(vendor_at(3), kVendorStdVga);
    EXPECT_EQ(class_at(3), 0x038000u) << "a display controller, not VGA-compatible";
    EXPECT_EQ(config_read(pci::devfn(3, 0), 0x30), 0u) << "no expansion ROM";
    // Function 3 of slot 31 exists, but enumeration skips a slot without function 0.
    EXPECT_EQ(vendor_at(31, 3), 0xffff);
    EXPECT_NE((*board)->qtree_text().find("addr = 1f.3"), std::string::npos);
}

TEST_F(PcPciDevices, TakenSlotIsQemusError) {
    auto board = make_board({{"VGA", {{"addr", "2"}, {"id", "v0"}}},
                             {"secondary-vga", {{"addr", "02.0"}, {"id", "s"}}}});
    ASSERT_FALSE(board.ok());
    EXPECT_EQ(board.error().message(),
              "PCI: slot 2 function 0 not available for secondary-vga, in use by VGA,id=v0");
}

TEST_F(PcPciDevices, BoardFunctionsAreNamedInTheError) {
    auto board = make_board({{"VGA", {{"addr", "00.0"}}}});
    ASSERT_FALSE(board.ok());
    EXPECT_EQ(board.error().message(),
              "PCI: slot 0 function 0 not available for VGA, in use by i440FX,id=(null)");
}

TEST_F(PcPciDevices, EveryBoardDeviceHasATableRowAndQtreeNestsThem) {
    auto board = make_board({{"secondary-vga", {}}}, {{"cd0", 2, true, nullptr, -1, {}}});
    ASSERT_TRUE(board.ok()) << board.error().message();
    for (const auto& d : (*board)->devices())
        EXPECT_NE(model_of(*d), nullptr) << d->type_name() << " has no row in device_models.cpp";
    std::string qtree = (*board)->qtree_text();
    size_t piix3 = qtree.find("      dev: PIIX3, id \"piix3\"\n        addr = 01.0\n");
    size_t isa = qtree.find("        bus: isa.0\n          type ISA\n");
    size_t rtc = qtree.find("          dev: mc146818rtc");
    size_t ide = qtree.find("      dev: piix3-ide");
    size_t ide1 = qtree.find(
        "        bus: ide.1\n          type IDE\n"
        "          dev: ide-cd, id \"cd0\"\n");
    size_t secondary = qtree.find("      dev: secondary-vga");
    EXPECT_NE(piix3, std::string::npos) << qtree;
    EXPECT_LT(piix3, isa);
    EXPECT_LT(isa, rtc);
    EXPECT_LT(rtc, ide);
    EXPECT_LT(ide, ide1) << qtree;
    EXPECT_LT(ide1, secondary) << "functions come in address order";
    EXPECT_EQ(qtree.rfind("bus: main-system-bus\n  type System\n", 0), 0u);
    EXPECT_NE(qtree.find("  dev: i440FX-pcihost"), std::string::npos);
}

// -device ide-cd,model=...,ver=...,wwn=... (or -global ide-cd.model=...) as the guest reads
// it with IDENTIFY PACKET DEVICE on the secondary channel, and the defaults without.
TEST_F(PcPciDevices, IdeDrivePropertiesReachIdentifyData) {
    std::map<std::string, std::string> props = {
        {"model", "XYZ CD"}, {"ver", "9.1"}, {"wwn", "0x5000c50015ea71ac"}, {"bus", "ide.1"}};
    auto board =
        make_board({}, {{"cd0", 2, true, nullptr, -1, props}, {"cd1", 3, true, nullptr, -1, {}}});
    ASSERT_TRUE(board.ok()) << board.error().message();
    auto identify = [&](unsigned unit) {
        h.outb(0x176, uint8_t(0xa0 | unit << 4));
        h.outb(0x177, 0xa1);  // IDENTIFY PACKET DEVICE: PIO, no medium needed
        std::vector<uint16_t> words(256);
        for (uint16_t& w : words)
            w = h.inw(0x170);
        return words;
    };
    auto text = [](const std::vector<uint16_t>& w, unsigned first, unsigned n) {
        std::string s;
        for (unsigned i = first; i < first + n; i++)
            s += std::string{char(w[i] >> 8), char(w[i] & 0xff)};
        return s;
    };
    auto w = identify(0);
    EXPECT_EQ(text(w, 27, 20), "XYZ CD" + std::string(34, ' '));
    EXPECT_EQ(text(w, 23, 4), "9.1     ");
    EXPECT_EQ(text(w, 10, 10), "QM00003" + std::string(13, ' ')) << "serial: QEMU's default";
    EXPECT_EQ(w[108], 0x5000);
    EXPECT_EQ(w[111], 0x71ac);
    EXPECT_TRUE(w[84] & w[87] & 0x0100) << "WWN supported";
    w = identify(1);
    EXPECT_EQ(text(w, 27, 20), "KEMU DVD-ROM" + std::string(28, ' '));
    EXPECT_EQ(text(w, 23, 4), "2.5+    ");
    EXPECT_EQ(w[108] | w[109] | w[110] | w[111], 0);
    EXPECT_FALSE(w[84] & 0x0100);
}

TEST(DeviceModelProperties, ValuesAreCheckedByType) {
    const DeviceModel* hd = find_device_model("ide-hd");
    ASSERT_NE(hd, nullptr);
    auto global = [&](const char* property, const char* value) {
        return check_global_property(*hd, {"ide-hd", property, value});
    };
    EXPECT_TRUE(global("model", "anything at all").ok());
    EXPECT_TRUE(global("wwn", "0x5000c50015ea71ac").ok());
    EXPECT_TRUE(global("rotation_rate", "7200").ok());
    EXPECT_EQ(global("wwn", "zz").error().message(),
              "can't apply global ide-hd.wwn=zz: Parameter 'wwn' expects integer");
    EXPECT_EQ(global("rotation_rate", "70000").error().message(),
              "can't apply global ide-hd.rotation_rate=70000: Parameter 'rotation_rate' expects "
              "uint16_t");
    EXPECT_EQ(global("nosuch", "1").error().message(),
              "can't apply global ide-hd.nosuch=1: Property 'ide-hd.nosuch' not found");
    auto spec = check_device_spec({"VGA", {{"addr", "0x20"}}});
    ASSERT_FALSE(spec.ok());
    EXPECT_EQ(spec.error().message(), "Property 'VGA.addr' doesn't take value '0x20'");
    EXPECT_TRUE(check_device_spec({"ide-hd", {{"bootindex", "-1"}, {"drive", "d"}}}).ok());
    EXPECT_EQ(device_properties_help(*find_device_model("VGA")),
              "VGA options:\n  addr=<int32>           - Slot and optional function number, "
              "example: 06.0 or 06 (default: -1)");
}

}  // namespace
}  // namespace kemu
