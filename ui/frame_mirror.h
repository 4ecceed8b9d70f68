// One front end's copy of the active console's picture, handed from the main thread
// (which copies what changed, under the machine lock) to the front end's own thread
// (which turns it into VNC updates or an SDL texture without ever taking that lock).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "ui/display_surface.h"

namespace kemu {

class FrameMirror {
  public:
    struct Update {
        int width = 0;
        int height = 0;
        bool resized = false;     // a new size since the last update: send all of it
        std::vector<Rect> rects;  // what changed, clipped and merged
    };

    // Main thread: copies the `dirty` parts of `surface` that differ from the copy (all of
    // it after a size change).
    void capture(const DisplaySurface& surface, std::span<const Rect> dirty);
    // Main thread: the console changed, so the whole picture is new.
    void capture_all(const DisplaySurface& surface);

    // Front-end thread: brings `pixels` (width x height xRGB, resized as needed) up to
    // date and says what changed; nothing when nothing did.
    std::optional<Update> take(std::vector<uint32_t>& pixels);

    // At most one capture request in flight on the main loop per front end.
    bool start_request() { return !requested_.exchange(true); }
    void finish_request() { requested_ = false; }

  private:
    // Whether columns [x0, x1) of rows [y0, y1) differ between `surface` and the copy.
    bool differs(const DisplaySurface& surface, int x0, int x1, int y0, int y1) const;

    std::mutex lock_;
    DisplaySurface copy_{1, 1};
    uint64_t taken_generation_ = ~0ull;  // copy_'s size generation at the last take()
    std::atomic<bool> requested_{false};
};

}  // namespace kemu
