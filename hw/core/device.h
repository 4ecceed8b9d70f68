// The device interface every model implements. Devices know nothing of the
// accelerator: they expose MemoryRegions the machine maps, hold IrqLines the
// machine wires, and save/load their state in a versioned stream.
#pragma once

#include <cstdint>
#include <string>

#include "hw/core/state_io.h"
#include "system/error.h"

namespace kemu {

class Device {
  public:
    explicit Device(std::string name) : name_(std::move(name)) {}
    virtual ~Device() = default;
    Device(const Device&) = delete;
    Device& operator=(const Device&) = delete;

    // Instance name shown by `info qtree` ("serial0", "i8042").
    const std::string& name() const { return name_; }
    // Model name ("isa-serial"); what -device would call it.
    virtual const char* type_name() const = 0;

    // Power-on / system_reset state.
    virtual void reset() = 0;

    virtual uint32_t state_version() const { return 1; }
    virtual void save(StateWriter& out) const = 0;
    // `version` is what save() wrote with; reject versions newer than state_version().
    virtual Result<void> load(StateReader& in, uint32_t version) = 0;

    // Extra lines for `info qtree` (ports, IRQ, properties), one per entry.
    virtual std::string describe() const { return {}; }

  private:
    std::string name_;
};

}  // namespace kemu
