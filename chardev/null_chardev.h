// Discards output and never produces input (-serial null).
#pragma once

#include "chardev/chardev.h"

namespace kemu {

class NullChardev final : public Chardev {
  public:
    explicit NullChardev(std::string id) : Chardev(std::move(id)) {}
    std::string filename() const override { return "null"; }
    void write(std::span<const uint8_t>) override {}
};

}  // namespace kemu
