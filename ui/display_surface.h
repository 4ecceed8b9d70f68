// What a display device draws into and a front end (SDL, VNC, screendump) shows: a
// width x height array of 32-bit xRGB pixels plus the rectangles changed since the
// front end last looked. Devices own their surface and update it under the machine lock.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <vector>

namespace kemu {

struct Rect {
    int x = 0;
    int y = 0;
    int width = 0;
    int height = 0;

    bool empty() const { return width <= 0 || height <= 0; }
    bool operator==(const Rect&) const = default;
};

// 0x00RRGGBB, the layout SDL calls XRGB8888 and VNC's default true-colour format.
inline constexpr uint32_t xrgb(uint8_t r, uint8_t g, uint8_t b) {
    return (uint32_t(r) << 16) | (uint32_t(g) << 8) | b;
}

class DisplaySurface {
  public:
    // Past this many separate rectangles the dirty list collapses into its bounding box:
    // a front end gains nothing from hundreds of slivers.
    static constexpr size_t kMaxDirtyRects = 64;

    DisplaySurface(int width, int height);

    int width() const { return width_; }
    int height() const { return height_; }
    // Bumped by every resize() that changes the size, so a front end knows to recreate
    // its texture or send a desktop-size update.
    uint64_t size_generation() const { return size_generation_; }

    uint32_t* row(int y) { return pixels_.get() + size_t(y) * size_t(width_); }
    const uint32_t* row(int y) const { return pixels_.get() + size_t(y) * size_t(width_); }
    uint32_t pixel(int x, int y) const { return row(y)[x]; }
    std::span<const uint32_t> pixels() const {
        return {pixels_.get(), size_t(width_) * size_t(height_)};
    }

    // New size, cleared to black and entirely dirty. The same size is a no-op.
    void resize(int width, int height);
    // Clipped to the surface; empty rectangles are dropped.
    void mark_dirty(Rect rect);
    void mark_all_dirty() { mark_dirty({0, 0, width_, height_}); }
    bool has_dirty() const { return !dirty_.empty(); }
    // The changed rectangles since the last call, then forgets them.
    std::vector<Rect> take_dirty();

  private:
    int width_;
    int height_;
    uint64_t size_generation_ = 0;
    // From calloc, whose large blocks are fresh zero pages: a surface nothing draws into
    // (no display, no screendump) takes no memory.
    struct Free {
        void operator()(uint32_t* p) const { std::free(p); }
    };
    static std::unique_ptr<uint32_t[], Free> zeroed(int width, int height);
    std::unique_ptr<uint32_t[], Free> pixels_;
    std::vector<Rect> dirty_;
};

}  // namespace kemu
