#include "ui/frame_mirror.h"

#include <gtest/gtest.h>

#include "display_test_util.h"
#include "ui/console_link.h"

namespace kemu {
namespace {

TEST(FrameMirrorTest, CopiesOnlyTheDirtyRectangles) {
    DisplaySurface surface(64, 32);
    FrameMirror mirror;
    std::vector<uint32_t> pixels;
    mirror.capture_all(surface);
    auto first = mirror.take(pixels);
    ASSERT_TRUE(first);
    EXPECT_TRUE(first->resized);
    EXPECT_EQ(first->rects, (std::vector<Rect>{{0, 0, 64, 32}}));
    ASSERT_EQ(pixels.size(), 64u * 32u);

    // Pixels outside the reported rectangle change in the surface but must not be copied:
    // the front end only reads what it was told about.
    for (int y = 0; y < 32; y++)
        std::fill(surface.row(y), surface.row(y) + 64, 0x111111);
    Rect r{8, 4, 16, 2};
    mirror.capture(surface, std::span<const Rect>(&r, 1));
    auto update = mirror.take(pixels);
    ASSERT_TRUE(update);
    EXPECT_FALSE(update->resized);
    EXPECT_EQ(update->rects, (std::vector<Rect>{r}));
    EXPECT_EQ(pixels[4 * 64 + 8], 0x111111u);
    EXPECT_EQ(pixels[5 * 64 + 23], 0x111111u);
    EXPECT_EQ(pixels[4 * 64 + 7], 0u);
    EXPECT_EQ(pixels[6 * 64 + 8], 0u);
    EXPECT_FALSE(mirror.take(pixels));
}

// A mirror of a `width` x `height` surface whose front end already took the first,
// whole-picture update: what follows is only what the tests capture.
struct MirrorPastFirstFrame {
    MirrorPastFirstFrame(int width, int height) : surface(width, height) {
        mirror.capture_all(surface);
        mirror.take(pixels);
    }
    void capture(Rect r) { mirror.capture(surface, std::span<const Rect>(&r, 1)); }
    auto take() { return mirror.take(pixels); }

    DisplaySurface surface;
    FrameMirror mirror;
    std::vector<uint32_t> pixels;
};

TEST(FrameMirrorTest, UpdatesAccumulateUntilTakenAndCollapseWhenMany) {
    MirrorPastFirstFrame m(200, 200);
    Rect a{0, 0, 1, 1}, b{10, 10, 1, 1};
    m.surface.row(0)[0] = 1;
    m.capture(a);
    m.surface.row(10)[10] = 1;
    m.capture(b);
    EXPECT_EQ(m.take()->rects, (std::vector<Rect>{a, b}));
    // A slow front end that missed many frames gets a bounding box, not 65 rectangles.
    for (int i = 0; i < 65; i++) {
        m.surface.row(i * 2)[i * 2] = 2;
        m.capture({i * 2, i * 2, 1, 1});
    }
    auto many = m.take();
    ASSERT_TRUE(many);
    EXPECT_EQ(many->rects, (std::vector<Rect>{{0, 0, 129, 129}}));
}

TEST(FrameMirrorTest, ASizeChangeIsReportedOnceWithTheWholePicture) {
    MirrorPastFirstFrame m(32, 32);
    m.surface.resize(48, 16);
    m.surface.row(15)[47] = 0xff0000;
    auto dirty = m.surface.take_dirty();
    m.mirror.capture(m.surface, dirty);
    auto update = m.take();
    ASSERT_TRUE(update);
    EXPECT_TRUE(update->resized);
    EXPECT_EQ(update->width, 48);
    EXPECT_EQ(update->height, 16);
    EXPECT_EQ(m.pixels.size(), 48u * 16u);
    EXPECT_EQ(m.pixels.back(), 0xff0000u);
    m.surface.row(0)[0] = 0x00ff00;
    m.capture({0, 0, 1, 1});
    EXPECT_FALSE(m.take()->resized);
}

TEST(FrameMirrorTest, StaleRectanglesAreClipped) {
    MirrorPastFirstFrame m(16, 16);
    m.surface.row(15)[15] = 1;
    m.capture({10, 10, 100, 100});
    EXPECT_EQ(m.take()->rects, (std::vector<Rect>{{10, 10, 6, 6}}));
}

TEST(FrameMirrorTest, OnlyWhatDiffersFromTheCopyIsReported) {
    // A 720x400 text screen redrawn whole (a scroll through the start address) on which
    // only two 16-pixel bands changed, one of them only in its middle.
    MirrorPastFirstFrame m(720, 400);
    std::fill(m.surface.row(32), m.surface.row(32) + 720, 0xaaaaaa);
    m.surface.row(200)[100] = 0x555555;
    m.surface.row(207)[300] = 0x555555;
    m.capture({0, 0, 720, 400});
    auto update = m.take();
    ASSERT_TRUE(update);
    EXPECT_EQ(update->rects, (std::vector<Rect>{{0, 32, 720, 16}, {96, 192, 208, 16}}))
        << "the changed tiles' span in each band, nothing of the unchanged bands";
    EXPECT_EQ(m.pixels[32 * 720 + 719], 0xaaaaaau);
    EXPECT_EQ(m.pixels[207 * 720 + 300], 0x555555u);
    m.capture({0, 0, 720, 400});
    EXPECT_FALSE(m.take()) << "a redraw that changed nothing is no update";
}

class ConsoleLinkTest : public ::testing::Test {
  protected:
    ConsoleLinkTest() {
        consoles_.add(std::make_unique<GraphicConsole>(
            "vga", [this] { refreshes_++; }, surface_, &sink_));
    }
    test::RecordingSink sink_;
    DisplaySurface surface_{32, 16};
    int refreshes_ = 0;
    ConsoleSet consoles_;
    test::Poster poster_;
};

TEST_F(ConsoleLinkTest, FrameRequestsDoNotPileUpOnTheMainLoop) {
    ConsoleLink link(consoles_, poster_.fn());
    std::vector<uint32_t> pixels;
    for (int i = 0; i < 10; i++)
        link.request_frame();
    EXPECT_EQ(poster_.queue.size(), 1u);
    EXPECT_FALSE(link.take_frame(pixels));  // nothing until the main loop ran it
    EXPECT_EQ(poster_.run_all(), 1u);
    EXPECT_EQ(refreshes_, 1);
    EXPECT_TRUE(link.active_wants_pointer());
    auto frame = link.take_frame(pixels);
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->width, 32);
    link.request_frame();
    EXPECT_EQ(poster_.queue.size(), 1u);  // the next request goes out again
    poster_.run_all();
}

TEST_F(ConsoleLinkTest, TheFrontEndHearsWhenItsFrameIsReadyAndNotAfterItIsGone) {
    int ready = 0;
    {
        ConsoleLink link(consoles_, poster_.fn());
        link.set_frame_ready([&ready] { ready++; });
        link.request_frame();
        EXPECT_EQ(ready, 0) << "not before the main loop served the request";
        poster_.run_all();
        EXPECT_EQ(ready, 1);
        link.request_frame();
    }
    poster_.run_all();
    EXPECT_EQ(ready, 1) << "a request that outlived its link calls nobody";
}

TEST_F(ConsoleLinkTest, InputRunsOnTheMainLoopInOrder) {
    ConsoleLink link(consoles_, poster_.fn());
    link.key(KEY_A, true);
    link.pointer({.dx = 5, .buttons = kButtonLeft});
    link.key(KEY_A, false);
    EXPECT_TRUE(sink_.keys.empty());
    poster_.run_all();
    EXPECT_EQ(sink_.keys.size(), 2u);
    ASSERT_EQ(sink_.motions.size(), 1u);
    EXPECT_EQ(sink_.motions[0].buttons, kButtonLeft);
}

TEST(ConsoleLinkLifetimeTest, WorkPostedBeforeTheConsolesWentAwayIsDropped) {
    test::Poster poster;
    test::RecordingSink sink;
    DisplaySurface surface(8, 8);
    {
        ConsoleSet consoles;
        consoles.add(std::make_unique<GraphicConsole>(
            "vga", [] {}, surface, &sink));
        ConsoleLink link(consoles, poster.fn());
        link.request_frame();
        link.key(KEY_A, true);
    }
    EXPECT_EQ(poster.run_all(), 2u);  // runs, finds no consoles, touches nothing
    EXPECT_TRUE(sink.keys.empty());
}

TEST_F(ConsoleLinkTest, ARequestOutlivingItsLinkIsHarmless) {
    {
        ConsoleLink link(consoles_, poster_.fn());
        link.request_frame();
    }
    EXPECT_EQ(poster_.run_all(), 1u);
}

}  // namespace
}  // namespace kemu
