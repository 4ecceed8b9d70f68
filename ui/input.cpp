#include "ui/input.h"

#include <algorithm>

namespace kemu {

InputRouter::InputRouter(RunLocked run_locked) : run_locked_(std::move(run_locked)) {}

void InputRouter::set_sink(InputSink* sink) {
    if (sink_) sink_->set_led_listener(nullptr);
    sink_ = sink;
    if (sink_)
        sink_->set_led_listener(
            [this](uint8_t leds) { leds_.store(leds, std::memory_order_relaxed); });
}

void InputRouter::key(uint16_t code, bool down) {
    // KEY_RESERVED is what keymaps give for keys they do not know.
    if (code == KEY_RESERVED || code >= KEY_CNT) return;
    run_locked_([this, code, down] { deliver_key(code, down); });
}

void InputRouter::deliver_key(uint16_t code, bool down) {
    down_[code] = down;
    if (sink_) sink_->key(code, down);
}

void InputRouter::relative_motion(const PointerMotion& motion) {
    run_locked_([this, motion] {
        if (sink_) sink_->relative_motion(motion);
    });
}

void InputRouter::absolute_position(const PointerPosition& position) {
    run_locked_([this, position] {
        PointerMotion motion{.dz = position.dz, .buttons = position.buttons};
        if (last_position_) {
            motion.dx = position.x - last_position_->x;
            motion.dy = position.y - last_position_->y;
        }
        last_position_ = Point{position.x, position.y};
        if (sink_) sink_->relative_motion(motion);
    });
}

void InputRouter::release_all_keys() {
    run_locked_([this] {
        for (uint16_t code = 0; code < KEY_CNT; code++)
            if (down_[code]) deliver_key(code, false);
    });
}

KeyChordPlayer::KeyChordPlayer(TimerQueue& timers, KeyFn key)
    : key_(std::move(key)), release_timer_(timers, [this] { release(); }) {}

void KeyChordPlayer::play(std::vector<uint16_t> codes, int64_t hold_ns) {
    release();
    held_ = std::move(codes);
    for (uint16_t code : held_)
        key_(code, true);
    release_timer_.arm_in(hold_ns);
}

void KeyChordPlayer::release() {
    release_timer_.cancel();
    std::vector<uint16_t> keys = std::move(held_);
    held_.clear();
    std::reverse(keys.begin(), keys.end());
    for (uint16_t code : keys)
        key_(code, false);
}

}  // namespace kemu
