// QEMU-style option strings: "value0,key=value,flag". A leading bare item takes the
// implied key ("pc" in "-M pc,accel=kvm"); ",," is a literal comma. Also size and
// boolean values as QEMU accepts them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "system/error.h"

namespace kemu {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

// Bare items after the first become key "item" with value "on" (as in "server,nowait").
Result<KeyValues> parse_keyvalues(std::string_view text, std::string_view implied_key);

// "512", "512M", "1.5G", "4k": a plain number is in units of `default_unit` bytes.
Result<uint64_t> parse_size(std::string_view text, uint64_t default_unit);
Result<uint64_t> parse_uint(std::string_view text);
// on/off, yes/no, true/false.
Result<bool> parse_bool(std::string_view text);

}  // namespace kemu
