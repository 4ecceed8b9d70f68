#include "hw/char/debugcon.h"

#include <cstdio>

#include "hw/core/device_state.h"

namespace kemu {

Debugcon::Debugcon(std::string name, Chardev* chardev, uint16_t iobase, uint8_t readback)
    : Device(std::move(name)),
      chardev_(chardev),
      iobase_(iobase),
      readback_(readback),
      io_(MemoryRegion::io(this->name(), 1,
                           IoOps{
                               .read = [this](uint64_t, unsigned) { return readback_; },
                               .write =
                                   [this](uint64_t, uint64_t value, unsigned) {
                                       uint8_t byte = uint8_t(value);
                                       bytes_transmitted_++;
                                       if (chardev_) chardev_->write({&byte, 1});
                                   },
                               // Wider accesses reach the port as their low byte.
                               .valid = {1, 4, true},
                               .impl = {1, 1, false},
                           })) {}

Result<void> Debugcon::load(StateReader& in, uint32_t version) {
    KEMU_TRY_VOID(check_state_version(*this, version));
    return finish_load(*this, in);
}

std::string Debugcon::describe() const {
    char line[96];
    std::snprintf(line, sizeof line, "iobase = 0x%x, readback = 0x%02x, chardev = %s", iobase_,
                  readback_, chardev_ ? chardev_->id().c_str() : "none");
    return line;
}

}  // namespace kemu
