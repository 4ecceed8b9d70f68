#include "hw/input/ps2_device.h"

namespace kemu {

uint8_t Ps2Device::read() {
    if (queue_.empty()) return last_read_;
    last_read_ = queue_.front();
    queue_.pop_front();
    return last_read_;
}

void Ps2Device::send(uint8_t byte) {
    if (queue_.size() < kQueueSize) queue_.push_back(byte);
}

void Ps2Device::save_queue(StateWriter& out) const {
    out.u8(last_read_);
    out.u8(uint8_t(queue_.size()));
    for (uint8_t byte : queue_)
        out.u8(byte);
}

bool Ps2Device::load_queue(StateReader& in) {
    last_read_ = in.u8();
    unsigned count = in.u8();
    if (count > kQueueSize) return false;
    queue_.clear();
    for (unsigned i = 0; i < count; i++)
        queue_.push_back(in.u8());
    return true;
}

}  // namespace kemu
