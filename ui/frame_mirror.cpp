#include "ui/frame_mirror.h"

#include <algorithm>

namespace kemu {

void FrameMirror::capture(const DisplaySurface& surface, std::span<const Rect> dirty) {
    std::lock_guard<std::mutex> guard(lock_);
    if (copy_.width() != surface.width() || copy_.height() != surface.height()) {
        copy_.resize(surface.width(), surface.height());  // marks it all dirty
        std::copy(surface.pixels().begin(), surface.pixels().end(), copy_.row(0));
        return;
    }
    for (const Rect& r : dirty) {
        // The surface clipped its rectangles; clip again so a stale one cannot overrun.
        int x0 = std::max(r.x, 0), y0 = std::max(r.y, 0);
        int x1 = std::min(r.x + r.width, copy_.width());
        int y1 = std::min(r.y + r.height, copy_.height());
        for (int y = y0; y < y1; y++)
            std::copy(surface.row(y) + x0, surface.row(y) + x1, copy_.row(y) + x0);
        copy_.mark_dirty(r);
    }
}

void FrameMirror::capture_all(const DisplaySurface& surface) {
    Rect all{0, 0, surface.width(), surface.height()};
    capture(surface, std::span<const Rect>(&all, 1));
}

namespace {

void copy_pixels(const uint32_t* from, size_t count, uint32_t* to, PixelOrder order) {
    if (order == PixelOrder::Xrgb) {
        std::copy(from, from + count, to);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        uint32_t p = from[i];
        to[i] = (p & 0x00ff00) | ((p >> 16) & 0xff) | ((p & 0xff) << 16);
    }
}

}  // namespace

std::optional<FrameMirror::Update> FrameMirror::take(std::vector<uint32_t>& pixels,
                                                     PixelOrder order) {
    std::lock_guard<std::mutex> guard(lock_);
    if (!copy_.has_dirty()) return std::nullopt;
    Update update;
    update.width = copy_.width();
    update.height = copy_.height();
    update.resized = copy_.size_generation() != taken_generation_;
    taken_generation_ = copy_.size_generation();
    update.rects = copy_.take_dirty();
    size_t size = size_t(update.width) * size_t(update.height);
    if (update.resized || pixels.size() != size) {
        update.resized = true;
        pixels.resize(size);
        copy_pixels(copy_.pixels().data(), size, pixels.data(), order);
        update.rects.assign(1, Rect{0, 0, update.width, update.height});
        return update;
    }
    for (const Rect& r : update.rects)
        for (int y = r.y; y < r.y + r.height; y++)
            copy_pixels(copy_.row(y) + r.x, size_t(r.width),
                        pixels.data() + size_t(y) * size_t(update.width) + size_t(r.x), order);
    return update;
}

}  // namespace kemu
