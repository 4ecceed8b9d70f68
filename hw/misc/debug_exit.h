// isa-debug-exit: a write of value v ends the emulator with exit status
// (v << 1) | 1, so a test guest can report pass/fail distinct from a clean exit 0.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "hw/core/device.h"
#include "hw/i386/pc_layout.h"
#include "system/memory_region.h"

namespace kemu {

class DebugExit final : public Device {
  public:
    using ExitRequest = std::function<void(int status)>;

    // `iosize` is 1, 2 or 4 (the widest write the port takes); any other value is
    // a configuration error the machine rejects with validate_iosize() first.
    DebugExit(std::string name, ExitRequest on_exit, uint16_t iobase = pc::kPortDebugExit,
              unsigned iosize = 4);

    static Result<void> validate_iosize(unsigned iosize);

    MemoryRegion& io() { return io_; }
    uint16_t iobase() const { return iobase_; }

    const char* type_name() const override { return "isa-debug-exit"; }
    void reset() override {}
    void save(StateWriter&) const override {}
    Result<void> load(StateReader& in, uint32_t version) override;
    std::string describe() const override;

  private:
    ExitRequest on_exit_;
    uint16_t iobase_;
    unsigned iosize_;
    MemoryRegion io_;
};

}  // namespace kemu
