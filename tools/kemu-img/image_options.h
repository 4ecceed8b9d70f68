// Image options as -o gives them (create, convert, measure, amend): one key=value syntax
// (system/keyval), typed readers whose errors name the parameter and the bad value, and
// image creation from them.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "system/error.h"

namespace kemu::img {

using OptionMap = std::map<std::string, std::string>;

// Every -o argument in order ("a=b,c=d", commas in values doubled); a later key wins.
// "help" or "?" among them is refused with a pointer to the documentation.
Result<OptionMap> parse_option_lists(const std::vector<std::string>& lists);

// The value of `key`, or nullopt when absent: on/off (system/keyval's vocabulary).
Result<std::optional<bool>> bool_option(const OptionMap& options, const std::string& key);
// compat: "0.10"/"v2" is version 2, "1.1"/"v3" version 3.
Result<std::optional<uint32_t>> qcow2_version_option(const OptionMap& options);
// cluster_size: a size, a power of two from 512 bytes to 2 MiB.
Result<std::optional<uint32_t>> cluster_size_option(const OptionMap& options);
// refcount_bits: a power of two from 1 to 64.
Result<std::optional<uint32_t>> refcount_bits_option(const OptionMap& options);

// Uses the image's format-specific creation: qcow2 or raw.
struct CreateRequest {
    std::string path;
    std::string format = "raw";
    uint64_t size = 0;
    OptionMap options;
    bool quiet = false;
};
// Checks every option, so nothing is written unless all of them are valid; the returned
// function then creates the image.
using ImageCreation = std::function<Result<void>()>;
Result<ImageCreation> prepare_image(const CreateRequest& request);
// prepare_image and run it.
Result<void> create_image(const CreateRequest& request);

}  // namespace kemu::img
