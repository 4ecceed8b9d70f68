#include "ui/console_link.h"

namespace kemu {

ConsoleLink::ConsoleLink(ConsoleSet& consoles, Post post)
    : consoles_(consoles), post_(std::move(post)) {
    consoles_.add_mirror(&shared_->mirror);
}

ConsoleLink::~ConsoleLink() {
    consoles_.remove_mirror(&shared_->mirror);
    // Requests still queued may run after the front end is gone: they must not call it.
    shared_->frame_ready = nullptr;
}

void ConsoleLink::request_frame() {
    if (!shared_->mirror.start_request()) return;
    // The lambda keeps the mirror alive: this link may be gone by the time it runs.
    post_([consoles = consoles_.handle(), shared = shared_] {
        shared->mirror.finish_request();
        ConsoleSet* set = *consoles;
        if (!set) return;
        set->update_mirrors();
        if (set->size()) shared->wants_pointer = set->active().wants_pointer();
        if (shared->frame_ready) shared->frame_ready();
    });
}

void ConsoleLink::key(uint16_t code, bool down) {
    post_([consoles = consoles_.handle(), code, down] {
        if (*consoles) (*consoles)->key(code, down);
    });
}

void ConsoleLink::pointer(const PointerMotion& motion) {
    post_([consoles = consoles_.handle(), motion] {
        if (*consoles) (*consoles)->pointer(motion);
    });
}

}  // namespace kemu
