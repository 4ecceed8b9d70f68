// GoogleTest fixture over VgaBench.
#pragma once

#include <gtest/gtest.h>

#include "tests/unit/hw/display/vga_bench.h"

namespace kemu::test {

class VgaFixture : public ::testing::Test, public VgaBench {};

}  // namespace kemu::test
