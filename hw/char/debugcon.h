// isa-debugcon: Bochs' 0xe9 "port hack". Bytes written go straight to a Chardev;
// reads return the readback value so guests can detect the port.
#pragma once

#include <cstdint>
#include <string>

#include "chardev/chardev.h"
#include "hw/core/device.h"
#include "hw/i386/pc_layout.h"
#include "system/memory_region.h"

namespace kemu {

class Debugcon final : public Device {
  public:
    static constexpr uint8_t kDefaultReadback = 0xe9;

    // `chardev` may be null (output dropped). `iobase` only labels `info qtree`.
    Debugcon(std::string name, Chardev* chardev, uint16_t iobase = pc::kPortDebugcon,
             uint8_t readback = kDefaultReadback);

    MemoryRegion& io() { return io_; }
    // Bytes the guest wrote since power-on, with or without a chardev; not guest state.
    uint64_t bytes_transmitted() const { return bytes_transmitted_; }

    const char* type_name() const override { return "isa-debugcon"; }
    // Stateless apart from its configuration.
    void reset() override {}
    void save(StateWriter&) const override {}
    Result<void> load(StateReader& in, uint32_t version) override;
    std::string describe() const override;

  private:
    Chardev* chardev_;
    uint16_t iobase_;
    uint8_t readback_;
    uint64_t bytes_transmitted_ = 0;
    MemoryRegion io_;
};

}  // namespace kemu
