// Port 0x80: where firmware writes POST codes and Linux's io_delay() writes to
// waste a bus cycle. Writes are absorbed; reads return the last code written.
#pragma once

#include <cstdint>
#include <string>

#include "hw/core/device.h"
#include "system/memory_region.h"

namespace kemu {

class Port80 final : public Device {
  public:
    explicit Port80(std::string name);

    MemoryRegion& io() { return io_; }
    uint8_t last_code() const { return last_code_; }

    const char* type_name() const override { return "port80"; }
    void reset() override { last_code_ = 0; }
    void save(StateWriter& out) const override { out(last_code_); }
    Result<void> load(StateReader& in, uint32_t version) override;
    std::string describe() const override;

  private:
    MemoryRegion io_;
    uint8_t last_code_ = 0;
};

}  // namespace kemu
