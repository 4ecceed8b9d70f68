// Accelerator names accepted by -accel / -machine accel= and their factories.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "accel/accelerator.h"

namespace kemu {

// Null when `name` is unknown or not built in; `error` then says which.
Result<std::unique_ptr<Accelerator>> create_accelerator(std::string_view name);
// "Accelerators supported in KEMU binary:\nkvm\n..." for -accel help.
std::string accelerators_help();

}  // namespace kemu
