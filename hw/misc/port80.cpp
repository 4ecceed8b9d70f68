#include "hw/misc/port80.h"

#include <cstdio>

#include "hw/core/device_state.h"
#include "hw/i386/pc_layout.h"

namespace kemu {

Port80::Port80(std::string name)
    : Device(std::move(name)),
      io_(MemoryRegion::io(
          this->name(), 1,
          IoOps{
              .read = [this](uint64_t, unsigned) { return last_code_; },
              .write = [this](uint64_t, uint64_t value, unsigned) { last_code_ = uint8_t(value); },
              .valid = {1, 4, true},
              .impl = {1, 1, false},
          })) {}

Result<void> Port80::load(StateReader& in, uint32_t version) {
    KEMU_TRY_VOID(check_state_version(*this, version));
    in(last_code_);
    return finish_load(*this, in);
}

std::string Port80::describe() const {
    char line[48];
    std::snprintf(line, sizeof line, "iobase = 0x%x, last code = 0x%02x", pc::kPortPost,
                  last_code_);
    return line;
}

}  // namespace kemu
