// QEMU-style option strings: "value0,key=value,flag". A leading bare item takes the
// implied key ("pc" in "-M pc,accel=kvm"); ",," is a literal comma. Also size and
// boolean values as QEMU accepts them. The one parser for -M, -drive, -chardev and
// kemu-img's -o lists, so every option string reads the same way.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "system/error.h"

namespace kemu {

// One item of an option string as written: "key=value", or a bare "key" (no value).
struct KeyValueItem {
    std::string key;
    std::string value;
    bool has_value = false;
};

// Splits at single commas and each item at its first '='. Empty items are kept (a
// caller may give the first position a meaning); "=value" is an error.
Result<std::vector<KeyValueItem>> split_keyvalues(std::string_view text);

using KeyValues = std::vector<std::pair<std::string, std::string>>;

// QEMU's reading of split_keyvalues: a bare first item is the value of `implied_key`
// (when there is one), any other bare item is "item=on" (as in "server,nowait"), empty
// items are skipped.
Result<KeyValues> parse_keyvalues(std::string_view text, std::string_view implied_key);

// "512", "512M", "1.5G", "4k": a plain number is in units of `default_unit` bytes.
// Suffixes K, M, G, T, P, E (either case, optionally followed by B) are binary; a
// fraction needs a unit larger than a byte.
Result<uint64_t> parse_size(std::string_view text, uint64_t default_unit);
Result<uint64_t> parse_uint(std::string_view text);

// QEMU's boolean words: on/yes/true and off/no/false, nothing else. The error names the
// parameter and the value: "Parameter 'lazy_refcounts' expects 'on' or 'off', not 'maybe'".
Result<bool> parse_bool(std::string_view key, std::string_view value);

}  // namespace kemu
