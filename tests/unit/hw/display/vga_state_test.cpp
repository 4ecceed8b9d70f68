// Saving and loading the VGA: its register file, the DISPI registers and VRAM.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "hw/display/vbe.h"
#include "tests/unit/hw/devices/device_harness.h"
#include "tests/unit/hw/display/vga_test_util.h"

namespace kemu {
namespace {

using test::kLfbBase;
using test::kMode13;
using test::VgaBench;
using test::VgaFixture;

class VgaStateTest : public VgaFixture {
  protected:
    // Mode 13h registers, DAC entry 1 written and entry 2 two components in, a VBE mode of
    // 640x480x32 over VRAM holding a few pixels: state in every part of the stream.
    void build_state() {
        set_mode(kMode13);
        writeb(0xa0004, 0x5c);
        readb(0xa0004);  // fills the latches
        outb(0x3c8, 1);
        for (uint8_t component : {10, 20, 30, 40, 50})
            outb(0x3c9, component);
        dispi(VbeDispi::kXres, 640);
        dispi(VbeDispi::kYres, 480);
        dispi(VbeDispi::kBpp, 32);
        dispi(VbeDispi::kEnable,
              VbeDispi::kEnabled | VbeDispi::kLfbEnabled | VbeDispi::kNoClearMem);
        for (uint64_t pixel = 0; pixel < 3; pixel++)
            (void)mem.write(kLfbBase + 4 * (641 + pixel), 4, 0x00112233u * (pixel + 1));
    }
    std::vector<uint8_t> saved() const {
        StateWriter w;
        vga->save(w);
        return w.data();
    }
};

void append_blob(std::vector<uint8_t>& out, std::span<const uint8_t> bytes) {
    uint32_t size = uint32_t(bytes.size());
    for (int i = 0; i < 4; i++)
        out.push_back(uint8_t(size >> (8 * i)));
    out.insert(out.end(), bytes.begin(), bytes.end());
}

// Snapshots taken by earlier builds must still load: this is the stream they hold.
TEST_F(VgaStateTest, SavedStateKeepsItsByteFormat) {
    build_state();
    // misc, feature control, VGA enable, SR/GR/AR/CR index, AR flip-flop, retrace, latches.
    std::vector<uint8_t> expected{0x63, 0, 0, 4, 8, 0x20, 0x18, 1, 1, 0x5c, 0, 0, 0};
    append_blob(expected, kMode13.seq);
    append_blob(expected, kMode13.gc);
    append_blob(expected, kMode13.ac);
    append_blob(expected, kMode13.crtc);
    std::vector<uint8_t> dac(768);
    dac[3] = 10, dac[4] = 20, dac[5] = 30;
    append_blob(expected, dac);
    // Pixel mask, write index, read index, component, reading; the pending entry (its last
    // byte still entry 1's).
    expected.insert(expected.end(), {0xff, 2, 0, 2, 0});
    append_blob(expected, std::vector<uint8_t>{40, 50, 30});
    // DISPI index, then ID, XRES, YRES, BPP, ENABLE, BANK, VIRT_WIDTH/HEIGHT, X/Y_OFFSET and
    // VIDEO_MEMORY_64K, 16 bits each.
    for (uint16_t v : {4, 0xb0c5, 640, 480, 32, 0xc1, 0, 640, 6553, 0, 0, 256}) {
        expected.push_back(uint8_t(v));
        expected.push_back(uint8_t(v >> 8));
    }
    append_blob(expected, vga->vram());
    std::vector<uint8_t> actual = saved();
    ASSERT_EQ(actual.size(), expected.size());
    auto [at, _] = std::mismatch(actual.begin(), actual.end(), expected.begin());
    EXPECT_EQ(at, actual.end()) << "first difference at byte " << (at - actual.begin());
}

TEST_F(VgaStateTest, LoadRestoresWhatTheGuestSees) {
    build_state();
    vga->refresh();
    VgaBench copy;
    test::copy_state(*vga, *copy.vga);
    copy.vga->refresh();
    ASSERT_EQ(copy.vga->surface().width(), 640);
    ASSERT_EQ(copy.vga->surface().height(), 480);
    EXPECT_EQ(copy.vga->surface().pixel(2, 1), 0x00224466u);
    EXPECT_EQ(copy.dispi_read(VbeDispi::kBpp), 32);
    EXPECT_EQ(copy.inb(0x3cc), kMode13.misc);
    copy.outb(0x3c4, 4);
    EXPECT_EQ(copy.inb(0x3c5), kMode13.seq[4]);
    // The DAC write in progress completes entry 2 with the two components saved.
    copy.outb(0x3c9, 60);
    copy.outb(0x3c7, 1);
    std::vector<uint8_t> entries;
    for (int i = 0; i < 6; i++)
        entries.push_back(copy.inb(0x3c9));
    EXPECT_EQ(entries, (std::vector<uint8_t>{10, 20, 30, 40, 50, 60}));
}

TEST_F(VgaStateTest, ImpossibleLoadedValuesAreTamedAndShortStreamsRefused) {
    build_state();
    std::vector<uint8_t> bytes = saved();
    // The DAC component counter (offset 13 + 4 blobs of registers + the DAC blob + 3) and
    // the DISPI depth (then 12 bytes on, past the pending entry, index, ID, XRES and YRES).
    size_t component = 13 + (4 + 5) + (4 + 9) + (4 + 21) + (4 + 25) + (4 + 768) + 3;
    size_t bpp = component + 2 + (4 + 3) + 2 + 6;
    ASSERT_EQ(bytes[component], 2);
    ASSERT_EQ(bytes[bpp], 32);
    bytes[component] = 7;
    bytes[bpp] = 13;
    VgaBench copy;
    StateReader in(bytes);
    ASSERT_TRUE(copy.vga->load(in, 1).ok());
    EXPECT_EQ(copy.dispi_read(VbeDispi::kBpp), 8) << "an unknown depth becomes 8 bpp";
    // Component 7 % 3 = 1: two more bytes complete entry 2 after its saved first one.
    copy.outb(0x3c9, 60);
    copy.outb(0x3c9, 33);
    copy.outb(0x3c7, 2);
    std::vector<uint8_t> entry;
    for (int i = 0; i < 3; i++)
        entry.push_back(copy.inb(0x3c9));
    EXPECT_EQ(entry, (std::vector<uint8_t>{40, 60, 33}));

    bytes.pop_back();
    StateReader short_stream(bytes);
    EXPECT_FALSE(copy.vga->load(short_stream, 1).ok());
    EXPECT_EQ(copy.dispi_read(VbeDispi::kEnable), 0) << "a refused stream leaves VBE off";
    std::vector<uint8_t> good = saved();
    StateReader newer(good);
    EXPECT_FALSE(copy.vga->load(newer, 2).ok());
}

}  // namespace
}  // namespace kemu
