#include "hw/misc/debug_exit.h"

#include <cstdio>

#include "hw/core/device_state.h"

namespace kemu {

Result<void> DebugExit::validate_iosize(unsigned iosize) {
    if (iosize == 1 || iosize == 2 || iosize == 4) return ok();
    return Error("isa-debug-exit: iosize must be 1, 2 or 4");
}

DebugExit::DebugExit(std::string name, ExitRequest on_exit, uint16_t iobase, unsigned iosize)
    : Device(std::move(name)),
      on_exit_(std::move(on_exit)),
      iobase_(iobase),
      iosize_(iosize),
      io_(MemoryRegion::io(this->name(), iosize,
                           IoOps{
                               // Reads are not decoded: the bus returns all ones.
                               .read = nullptr,
                               .write =
                                   [this](uint64_t, uint64_t value, unsigned) {
                                       if (on_exit_) on_exit_(int((uint32_t(value) << 1) | 1));
                                   },
                               .valid = {1, 4, true},
                               // One write is one exit request: never split it.
                               .impl = {1, 4, true},
                           })) {}

Result<void> DebugExit::load(StateReader& in, uint32_t version) {
    KEMU_TRY_VOID(check_state_version(*this, version));
    return finish_load(*this, in);
}

std::string DebugExit::describe() const {
    char line[64];
    std::snprintf(line, sizeof line, "iobase = 0x%x, iosize = 0x%x", iobase_, iosize_);
    return line;
}

}  // namespace kemu
