#include "hw/misc/port80.h"

#include <cstdio>

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
    if (version > state_version()) return Error(name() + ": unsupported state version");
    last_code_ = in.u8();
    return in.finish(name());
}

std::string Port80::describe() const {
    char line[48];
    std::snprintf(line, sizeof line, "iobase = 0x%x, last code = 0x%02x", pc::kPortPost,
                  last_code_);
    return line;
}

}  // namespace kemu
