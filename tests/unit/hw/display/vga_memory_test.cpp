#include <gtest/gtest.h>

#include <array>

#include "tests/unit/hw/display/vga_test_util.h"

namespace kemu {
namespace {

using test::VgaFixture;
using Planes = std::array<uint8_t, 4>;

// Plane `p` byte at plane offset `offset` (VRAM interleaves the planes).
class VgaMemoryTest : public VgaFixture {
  protected:
    VgaMemoryTest() { set_mode(test::kMode12); }
    uint8_t plane(unsigned p, uint64_t offset) { return vga->vram()[offset * 4 + p]; }
    // The four plane bytes at `offset`, plane 0 first.
    Planes planes(uint64_t offset) {
        return {plane(0, offset), plane(1, offset), plane(2, offset), plane(3, offset)};
    }
    // Writes `values[p]` into each plane p at `offset` with write mode 0, one plane at a time.
    void fill_planes(uint64_t offset, Planes values) {
        for (unsigned p = 0; p < 4; p++) {
            write_seq(2, uint8_t(1 << p));
            writeb(0xa0000 + offset, values[p]);
        }
        write_seq(2, 0x0f);
    }
};

TEST_F(VgaMemoryTest, WriteMode0SetResetAndBitMask) {
    fill_planes(10, {0x0f, 0x0f, 0x0f, 0x0f});
    readb(0xa0000 + 10);  // latches = 0x0f in every plane
    write_gc(1, 0x0f);    // set/reset drives all planes ...
    write_gc(0, 0x05);    // ... with colour 5: planes 0 and 2 set
    write_gc(8, 0xf0);    // only the high nibble comes from the write
    writeb(0xa0000 + 10, 0x00);
    EXPECT_EQ(planes(10), (Planes{0xff, 0x0f, 0xff, 0x0f}));
}

TEST_F(VgaMemoryTest, WriteMode0RotatesCpuDataAndAppliesLogicalOp) {
    fill_planes(3, {0xf0, 0xf0, 0x00, 0x00});
    readb(0xa0000 + 3);
    write_gc(3, (3 << 3) | 4);  // XOR with the latches, rotate right by 4
    writeb(0xa0000 + 3, 0x0f);  // becomes 0xf0
    EXPECT_EQ(planes(3), (Planes{0x00, 0x00, 0xf0, 0xf0}));
}

TEST_F(VgaMemoryTest, WriteMode1CopiesLatches) {
    fill_planes(0, {0x11, 0x22, 0x33, 0x44});
    readb(0xa0000);
    write_gc(5, 0x01);
    writeb(0xa0000 + 100, 0xee);  // the data byte is ignored
    EXPECT_EQ(planes(100), (Planes{0x11, 0x22, 0x33, 0x44}));
}

TEST_F(VgaMemoryTest, WriteMode2SpreadsColourBitsUnderBitMask) {
    fill_planes(7, {0x3c, 0x3c, 0x3c, 0x3c});
    readb(0xa0000 + 7);
    write_gc(5, 0x02);
    write_gc(8, 0x81);
    writeb(0xa0000 + 7, 0x0a);  // colour 10: planes 1 and 3
    EXPECT_EQ(planes(7), (Planes{0x3c, 0xbd, 0x3c, 0xbd}));
}

TEST_F(VgaMemoryTest, WriteMode3MasksBitMaskWithRotatedData) {
    readb(0xa0000 + 20);  // zero latches
    write_gc(5, 0x03);
    write_gc(0, 0x0c);  // colour 12: planes 2 and 3
    write_gc(8, 0xf0);
    writeb(0xa0000 + 20, 0x3c);  // effective mask 0x30
    EXPECT_EQ(planes(20), (Planes{0x00, 0x00, 0x30, 0x30}));
}

TEST_F(VgaMemoryTest, ReadMode0ReturnsReadMapPlane) {
    fill_planes(5, {0xa1, 0xb2, 0xc3, 0xd4});
    for (uint8_t p = 0; p < 4; p++) {
        write_gc(4, p);
        EXPECT_EQ(readb(0xa0000 + 5), uint8_t(0xa1 + 0x11 * p));
    }
}

TEST_F(VgaMemoryTest, ReadMode1ComparesColoursAcrossPlanes) {
    // Pixels 0-3 colour 9 (planes 0,3), pixels 4-7 colour 1.
    fill_planes(6, {0xff, 0x00, 0x00, 0xf0});
    write_gc(5, 0x08);
    write_gc(2, 0x09);
    write_gc(7, 0x0f);
    EXPECT_EQ(readb(0xa0000 + 6), 0xf0);
    write_gc(7, 0x07);  // ignore plane 3: colours 1 and 9 both match
    EXPECT_EQ(readb(0xa0000 + 6), 0xff);
}

TEST_F(VgaMemoryTest, Chain4UsesLowAddressBitsAsPlane) {
    set_mode(test::kMode13);
    writeb(0xa0000 + 5, 0x42);
    EXPECT_EQ(plane(1, 4), 0x42);
    EXPECT_EQ(readb(0xa0000 + 5), 0x42);
    EXPECT_EQ(readb(0xa0000 + 4), 0x00);
}

TEST_F(VgaMemoryTest, OddEvenSendsEvenBytesToPlaneZeroOddToPlaneOne) {
    set_mode(test::kMode3);
    writeb(0xb8000, 'A');
    writeb(0xb8001, 0x1f);
    writeb(0xb8002, 'B');
    EXPECT_EQ(plane(0, 0), 'A');
    EXPECT_EQ(plane(1, 0), 0x1f);
    EXPECT_EQ(plane(0, 2), 'B');
    EXPECT_EQ(readb(0xb8001), 0x1f);
}

TEST_F(VgaMemoryTest, MemoryMapSelectHidesTheRestOfTheWindow) {
    set_mode(test::kMode3);  // GR6 maps 0xB8000-0xBFFFF only
    writeb(0xa0000, 0x55);
    EXPECT_EQ(readb(0xa0000), 0xff);
    EXPECT_EQ(plane(0, 0), 0x00);
    write_gc(6, 0x00);  // the whole 128 KiB
    writeb(0xb8000, 'Q');
    EXPECT_EQ(plane(0, 0x18000 & 0xffff), 'Q') << "planes are 64 KiB: the offset wraps";
}

}  // namespace
}  // namespace kemu
