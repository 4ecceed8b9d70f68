#include "hw/ide/drive_io.h"

#include <utility>

namespace kemu::ide {

// Shared with every callback in flight, so a completion after ~DriveIo finds `alive` false.
struct DriveIo::State {
    bool alive = true;
    uint64_t generation = 0;
    unsigned in_flight = 0;
    std::vector<std::function<void()>> idle_waiters;
};

DriveIo::DriveIo() : state_(std::make_shared<State>()) {}

DriveIo::~DriveIo() {
    state_->alive = false;
    state_->idle_waiters.clear();
}

DriveIo::Done DriveIo::track(Done done) {
    state_->in_flight++;
    return
        [state = state_, generation = state_->generation, done = std::move(done)](bool ok) mutable {
            state->in_flight--;
            if (!state->alive) return;
            if (generation == state->generation) done(ok);
            if (state->in_flight == 0) {
                auto waiters = std::move(state->idle_waiters);
                state->idle_waiters.clear();
                for (auto& fn : waiters)
                    fn();
            }
        };
}

void DriveIo::read(block::BlockBackend& backend, uint64_t offset, IoBuffer buf, Done done) {
    auto tracked = track(std::move(done));
    std::span<uint8_t> span(*buf);
    backend.read(offset, span,
                 [buf, tracked = std::move(tracked)](Result<void> r) mutable { tracked(r.ok()); });
}

void DriveIo::write(block::BlockBackend& backend, uint64_t offset, IoBuffer buf, Done done) {
    auto tracked = track(std::move(done));
    std::span<const uint8_t> span(*buf);
    backend.write(offset, span,
                  [buf, tracked = std::move(tracked)](Result<void> r) mutable { tracked(r.ok()); });
}

void DriveIo::flush(block::BlockBackend& backend, Done done) {
    auto tracked = track(std::move(done));
    backend.flush([tracked = std::move(tracked)](Result<void> r) mutable { tracked(r.ok()); });
}

void DriveIo::cancel() {
    state_->generation++;
}

bool DriveIo::idle() const {
    return state_->in_flight == 0;
}

void DriveIo::when_idle(std::function<void()> fn) {
    if (idle()) {
        fn();
        return;
    }
    state_->idle_waiters.push_back(std::move(fn));
}

}  // namespace kemu::ide
