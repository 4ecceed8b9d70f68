// Committing an overlay: what the layers above a base define is copied down into the base.
// Shared by `kemu-img commit` and the monitor's `commit` command.
#pragma once

#include <cstdint>
#include <functional>

#include "block/block_driver.h"

namespace kemu::block {

// Copies every range that `top` or a layer less than `base_depth` links below it defines
// (data and zeroes) into `base`, which must be the image `base_depth` links down the
// chain opened writable on its own. `progress` gets the fraction done.
Result<void> commit_into(BlockDriver& top, int base_depth, BlockDriver& base,
                         const std::function<void(double)>& progress = {});

}  // namespace kemu::block
