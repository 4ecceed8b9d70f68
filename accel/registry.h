// Accelerator names accepted by -accel / -machine accel= and their factories.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "accel/accelerator.h"

namespace kemu {

// Fails when `name` is unknown or not built into this binary; the error says which.
Result<std::unique_ptr<Accelerator>> create_accelerator(std::string_view name);
// "Accelerators supported in KEMU binary:\nkvm\n..." for -accel help.
std::string accelerators_help();

}  // namespace kemu
