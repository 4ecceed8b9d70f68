#include "ui/frame_mirror.h"

#include <algorithm>

namespace kemu {

namespace {

// The grid dirty rectangles are checked on; 16 pixels is a text row of the VGA's 8x16 and
// 9x16 fonts.
constexpr int kTileSize = 16;

}  // namespace

bool FrameMirror::differs(const DisplaySurface& surface, int x0, int x1, int y0, int y1) const {
    for (int y = y0; y < y1; y++)
        if (!std::equal(surface.row(y) + x0, surface.row(y) + x1, copy_.row(y) + x0)) return true;
    return false;
}

void FrameMirror::capture(const DisplaySurface& surface, std::span<const Rect> dirty) {
    std::lock_guard<std::mutex> guard(lock_);
    if (copy_.width() != surface.width() || copy_.height() != surface.height()) {
        copy_.resize(surface.width(), surface.height());  // marks it all dirty
        std::copy(surface.pixels().begin(), surface.pixels().end(), copy_.row(0));
        return;
    }
    // Renderers mark what they redrew, which is often more than what changed: the VGA
    // redraws the whole text screen when the guest scrolls by moving the start address, and
    // most rows may come out as they were. Only the part of each 16-pixel band between its
    // first and last tile that differs from the copy is copied and reported, so the front
    // ends send and upload what really changed (as a VNC server compares before it encodes).
    for (const Rect& r : dirty) {
        // The surface clipped its rectangles; clip again so a stale one cannot overrun.
        int x0 = std::max(r.x, 0), y0 = std::max(r.y, 0);
        int x1 = std::min(r.x + r.width, copy_.width());
        int y1 = std::min(r.y + r.height, copy_.height());
        for (int band = y0 / kTileSize * kTileSize; band < y1; band += kTileSize) {
            int top = std::max(band, y0), bottom = std::min(band + kTileSize, y1);
            int first = -1, last = -1;
            for (int tile = x0 / kTileSize * kTileSize; tile < x1; tile += kTileSize) {
                int left = std::max(tile, x0), right = std::min(tile + kTileSize, x1);
                if (!differs(surface, left, right, top, bottom)) continue;
                if (first < 0) first = left;
                last = right;
            }
            if (first < 0) continue;
            for (int y = top; y < bottom; y++)
                std::copy(surface.row(y) + first, surface.row(y) + last, copy_.row(y) + first);
            copy_.mark_dirty({first, top, last - first, bottom - top});
        }
    }
}

void FrameMirror::capture_all(const DisplaySurface& surface) {
    Rect all{0, 0, surface.width(), surface.height()};
    capture(surface, std::span<const Rect>(&all, 1));
}

std::optional<FrameMirror::Update> FrameMirror::take(std::vector<uint32_t>& pixels) {
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
        std::copy(copy_.pixels().begin(), copy_.pixels().end(), pixels.begin());
        update.rects.assign(1, Rect{0, 0, update.width, update.height});
        return update;
    }
    for (const Rect& r : update.rects)
        for (int y = r.y; y < r.y + r.height; y++)
            std::copy(copy_.row(y) + r.x, copy_.row(y) + r.x + r.width,
                      pixels.data() + size_t(y) * size_t(update.width) + size_t(r.x));
    return update;
}

}  // namespace kemu
