#include "ui/display_surface.h"

#include <gtest/gtest.h>

namespace kemu {
namespace {

TEST(DisplaySurfaceTest, ResizeClearsMarksAllDirtyAndBumpsGeneration) {
    DisplaySurface s(4, 4);
    s.row(1)[2] = 0x123456;
    uint64_t generation = s.size_generation();
    s.resize(8, 2);
    EXPECT_EQ(s.width(), 8);
    EXPECT_EQ(s.height(), 2);
    EXPECT_EQ(s.pixel(2, 1), 0u);
    EXPECT_EQ(s.size_generation(), generation + 1);
    std::vector<Rect> dirty = s.take_dirty();
    ASSERT_EQ(dirty.size(), 1u);
    EXPECT_EQ(dirty[0], (Rect{0, 0, 8, 2}));
    s.resize(8, 2);
    EXPECT_FALSE(s.has_dirty()) << "same size is a no-op";
    EXPECT_EQ(s.size_generation(), generation + 1);
}

TEST(DisplaySurfaceTest, DirtyRectsAreClippedAndVerticalRunsMerge) {
    DisplaySurface s(10, 10);
    s.mark_dirty({-5, 8, 20, 5});
    s.mark_dirty({20, 20, 3, 3});  // entirely outside
    std::vector<Rect> dirty = s.take_dirty();
    ASSERT_EQ(dirty.size(), 1u);
    EXPECT_EQ(dirty[0], (Rect{0, 8, 10, 2}));
    for (int y = 0; y < 4; y++)
        s.mark_dirty({0, y, 10, 1});
    dirty = s.take_dirty();
    ASSERT_EQ(dirty.size(), 1u);
    EXPECT_EQ(dirty[0], (Rect{0, 0, 10, 4}));
    EXPECT_TRUE(s.take_dirty().empty());
}

TEST(DisplaySurfaceTest, TooManyRectsCollapseToTheirBoundingBox) {
    DisplaySurface s(1000, 10);
    for (int i = 0; i <= int(DisplaySurface::kMaxDirtyRects); i++)
        s.mark_dirty({i * 10 + 5, i % 3, 2, 1});
    std::vector<Rect> dirty = s.take_dirty();
    ASSERT_EQ(dirty.size(), 1u);
    EXPECT_EQ(dirty[0], (Rect{5, 0, int(DisplaySurface::kMaxDirtyRects) * 10 + 2, 3}));
}

}  // namespace
}  // namespace kemu
