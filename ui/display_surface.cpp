#include "ui/display_surface.h"

#include <algorithm>
#include <new>

namespace kemu {

DisplaySurface::DisplaySurface(int width, int height)
    : width_(std::max(width, 1)), height_(std::max(height, 1)), pixels_(zeroed(width_, height_)) {}

std::unique_ptr<uint32_t[], DisplaySurface::Free> DisplaySurface::zeroed(int width, int height) {
    auto* p = static_cast<uint32_t*>(std::calloc(size_t(width) * size_t(height), sizeof(uint32_t)));
    if (!p) throw std::bad_alloc();
    return std::unique_ptr<uint32_t[], Free>(p);
}

void DisplaySurface::resize(int width, int height) {
    width = std::max(width, 1);
    height = std::max(height, 1);
    if (width == width_ && height == height_) return;
    width_ = width;
    height_ = height;
    pixels_ = zeroed(width, height);
    size_generation_++;
    dirty_.clear();
    mark_all_dirty();
}

void DisplaySurface::mark_dirty(Rect rect) {
    int x0 = std::max(rect.x, 0);
    int y0 = std::max(rect.y, 0);
    int x1 = std::min(rect.x + rect.width, width_);
    int y1 = std::min(rect.y + rect.height, height_);
    if (x1 <= x0 || y1 <= y0) return;
    Rect clipped{x0, y0, x1 - x0, y1 - y0};
    // Renderers report line runs top to bottom: grow the last rectangle when the new one
    // continues it with the same columns.
    if (!dirty_.empty()) {
        Rect& last = dirty_.back();
        if (last.x == clipped.x && last.width == clipped.width &&
            last.y + last.height == clipped.y) {
            last.height += clipped.height;
            return;
        }
    }
    dirty_.push_back(clipped);
    if (dirty_.size() <= kMaxDirtyRects) return;
    Rect box = dirty_.front();
    for (const Rect& r : dirty_) {
        int bx1 = std::max(box.x + box.width, r.x + r.width);
        int by1 = std::max(box.y + box.height, r.y + r.height);
        box.x = std::min(box.x, r.x);
        box.y = std::min(box.y, r.y);
        box.width = bx1 - box.x;
        box.height = by1 - box.y;
    }
    dirty_.assign(1, box);
}

std::vector<Rect> DisplaySurface::take_dirty() {
    std::vector<Rect> out;
    out.swap(dirty_);
    return out;
}

}  // namespace kemu
