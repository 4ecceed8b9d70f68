#include "chardev/vc_chardev.h"

#include <algorithm>

namespace kemu {

void VcChardev::write(std::span<const uint8_t> data) {
    if (screen_) {
        screen_->show(data);
        return;
    }
    // Keep the newest output: the end of a long backlog is what a screen would show.
    backlog_.insert(backlog_.end(), data.begin(), data.end());
    if (backlog_.size() > kBacklogLimit)
        backlog_.erase(backlog_.begin(),
                       backlog_.begin() + ptrdiff_t(backlog_.size() - kBacklogLimit));
}

void VcChardev::set_screen(VcScreen* screen) {
    screen_ = screen;
    if (!screen_ || backlog_.empty()) return;
    std::vector<uint8_t> backlog;
    backlog.swap(backlog_);
    screen_->show(backlog);
}

void VcChardev::type(std::span<const uint8_t> bytes) {
    size_t room = kPendingInputLimit - std::min(kPendingInputLimit, pending_input_.size());
    pending_input_.insert(pending_input_.end(), bytes.begin(),
                          bytes.begin() + ptrdiff_t(std::min(room, bytes.size())));
    flush_input();
}

void VcChardev::flush_input() {
    while (!pending_input_.empty()) {
        uint8_t chunk[256];
        size_t n = std::min(pending_input_.size(), sizeof chunk);
        std::copy(pending_input_.begin(), pending_input_.begin() + ptrdiff_t(n), chunk);
        size_t taken = deliver(std::span<const uint8_t>(chunk, n));
        pending_input_.erase(pending_input_.begin(), pending_input_.begin() + ptrdiff_t(taken));
        if (taken < n) return;  // the frontend calls frontend_ready() when it has room
    }
}

}  // namespace kemu
