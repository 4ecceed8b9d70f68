// How a front end's thread reaches the consoles, which live on the main thread: input
// and frame requests are posted to the main loop (the machine passes EventLoop::post),
// and pictures come back through a FrameMirror. So no front end ever takes the machine
// lock, waits for a vCPU, or holds a lock while talking to its clients.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

#include "ui/console.h"
#include "ui/frame_mirror.h"

namespace kemu {

class ConsoleLink {
  public:
    using Post = std::function<void(std::function<void()>)>;

    // Main thread. `consoles` must outlive the link; work the link posted may run later
    // and finds the consoles gone without harm.
    ConsoleLink(ConsoleSet& consoles, Post post);
    // Main thread.
    ~ConsoleLink();
    ConsoleLink(const ConsoleLink&) = delete;
    ConsoleLink& operator=(const ConsoleLink&) = delete;

    // Before the front end's first request_frame(): `ready` runs on the main thread each
    // time a request has been served, so the front end can sleep until then instead of
    // polling the mirror. It must not block; the link's destructor drops it.
    void set_frame_ready(std::function<void()> ready) { shared_->frame_ready = std::move(ready); }

    // --- from the front end's thread ---
    // Asks the main loop to refresh the active console; a request still pending is enough.
    void request_frame();
    // What changed since the last call, copied into `pixels`.
    std::optional<FrameMirror::Update> take_frame(std::vector<uint32_t>& pixels) {
        return shared_->mirror.take(pixels);
    }
    void key(uint16_t code, bool down);
    void pointer(const PointerMotion& motion);
    // Whether the console shown at the last frame wants the pointer grabbed.
    bool active_wants_pointer() const { return shared_->wants_pointer.load(); }
    // Runs `fn` on the main thread under the machine lock.
    void post(std::function<void()> fn) { post_(std::move(fn)); }

  private:
    struct Shared {
        FrameMirror mirror;
        std::atomic<bool> wants_pointer{false};
        std::function<void()> frame_ready;  // main thread only, once set
    };
    ConsoleSet& consoles_;
    Post post_;
    std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
};

}  // namespace kemu
