#include "hw/misc/reset_control.h"

#include "hw/core/device_state.h"
#include "system/hex.h"
#include "system/log.h"

namespace kemu {
namespace {

constexpr uint8_t kWritableBits =
    ResetControl::kSysRst | ResetControl::kRstCpu | ResetControl::kFullRst;

}  // namespace

ResetControl::ResetControl(std::string name)
    : Device(std::move(name)), region_(MemoryRegion::io("reset-control", 1, [this] {
          IoOps ops;
          ops.read = [this](uint64_t, unsigned) { return uint64_t(value_); };
          ops.write = [this](uint64_t, uint64_t v, unsigned) { write(uint8_t(v)); };
          ops.valid = {1, 1, false};
          ops.impl = {1, 1, false};
          return ops;
      }())) {}

void ResetControl::write(uint8_t value) {
    if (value & ~kWritableBits)
        log_guest_error("%s: reserved bits written: 0x%02x", name().c_str(), value);
    bool starts_reset = (value & kRstCpu) && !(value_ & kRstCpu);
    value_ = value & kWritableBits;
    if (starts_reset && on_reset) on_reset();
}

Result<void> ResetControl::load(StateReader& in, uint32_t version) {
    KEMU_TRY_VOID(check_state_version(*this, version));
    in(value_);
    value_ &= kWritableBits;
    return finish_load(*this, in);
}

std::string ResetControl::describe() const {
    return "rcr=0x" + hex(value_);
}

}  // namespace kemu
