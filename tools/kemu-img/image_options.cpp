#include "tools/kemu-img/image_options.h"

#include <algorithm>
#include <span>

#include "block/qcow2/qcow2.h"
#include "block/raw.h"
#include "system/keyval.h"

namespace kemu::img {

namespace {

template <typename T>
struct Choice {
    const char* word;
    T value;
};

using Qcow2Prealloc = block::qcow2::CreateOptions::Prealloc;
using HostPrealloc = std::optional<block::ImageFile::Prealloc>;

constexpr Choice<uint32_t> kQcow2Versions[] = {{"0.10", 2}, {"v2", 2}, {"1.1", 3}, {"v3", 3}};
constexpr Choice<block::qcow2::CompressionType> kCompressionTypes[] = {
    {"zlib", block::qcow2::CompressionType::Zlib}, {"zstd", block::qcow2::CompressionType::Zstd}};
constexpr Choice<Qcow2Prealloc> kQcow2Prealloc[] = {{"off", Qcow2Prealloc::Off},
                                                    {"metadata", Qcow2Prealloc::Metadata},
                                                    {"falloc", Qcow2Prealloc::Falloc},
                                                    {"full", Qcow2Prealloc::Full}};
// A raw image has no metadata to preallocate.
constexpr Choice<HostPrealloc> kRawPrealloc[] = {{"off", std::nullopt},
                                                 {"falloc", block::ImageFile::Prealloc::Falloc},
                                                 {"full", block::ImageFile::Prealloc::Full}};

constexpr const char* kQcow2Keys[] = {
    "size",           "backing_file",  "backing_fmt",      "cluster_size",  "compat",
    "lazy_refcounts", "preallocation", "compression_type", "refcount_bits", "extended_l2"};
constexpr const char* kRawKeys[] = {"size", "preallocation"};

template <typename T, size_t N>
Result<std::optional<T>> choice_option(const OptionMap& options, const std::string& key,
                                       const Choice<T> (&choices)[N]) {
    auto it = options.find(key);
    if (it == options.end()) return std::optional<T>();
    for (const Choice<T>& c : choices) {
        if (it->second == c.word) return std::optional<T>(c.value);
    }
    return Error("Parameter '" + key + "' does not accept value '" + it->second + "'");
}

Result<void> check_known(const OptionMap& options, std::span<const char* const> known) {
    for (const auto& [key, value] : options) {
        if (std::find_if(known.begin(), known.end(), [&](const char* k) { return key == k; }) ==
            known.end()) {
            return Error("Invalid parameter '" + key + "'");
        }
    }
    return ok();
}

bool is_power_of_two(uint64_t v) {
    return v && !(v & (v - 1));
}

Result<ImageCreation> prepare_qcow2(const CreateRequest& r) {
    block::qcow2::CreateOptions c;
    c.size = r.size;
    const OptionMap& o = r.options;
    KEMU_TRY_VOID(check_known(o, kQcow2Keys));
    KEMU_TRY(cluster_size, cluster_size_option(o));
    c.cluster_size = cluster_size.value_or(c.cluster_size);
    KEMU_TRY(version, qcow2_version_option(o));
    c.version = version.value_or(c.version);
    KEMU_TRY(lazy, bool_option(o, "lazy_refcounts"));
    c.lazy_refcounts = lazy.value_or(false);
    KEMU_TRY(extended_l2, bool_option(o, "extended_l2"));
    if (extended_l2.value_or(false)) {
        return Error("Unsupported qcow2 feature(s): extended L2 entries");
    }
    KEMU_TRY(refcount_bits, refcount_bits_option(o));
    c.refcount_bits = refcount_bits.value_or(c.refcount_bits);
    KEMU_TRY(compression, choice_option(o, "compression_type", kCompressionTypes));
    c.compression_type = compression.value_or(c.compression_type);
    KEMU_TRY(prealloc, choice_option(o, "preallocation", kQcow2Prealloc));
    c.preallocation = prealloc.value_or(Qcow2Prealloc::Off);
    if (auto it = o.find("backing_file"); it != o.end()) c.backing_file = it->second;
    if (auto it = o.find("backing_fmt"); it != o.end()) c.backing_format = it->second;
    if (!c.backing_format.empty() && c.backing_format != "raw" && c.backing_format != "qcow2") {
        return Error("Parameter 'backing-fmt' does not accept value '" + c.backing_format + "'");
    }
    if (c.backing_file.empty() && !c.backing_format.empty()) {
        return Error("Backing format cannot be used without backing file");
    }
    if (!c.backing_file.empty() && c.preallocation != Qcow2Prealloc::Off) {
        return Error(
            "Backing file and preallocation can only be used at the same time if "
            "extended_l2 is on");
    }
    return ImageCreation([path = r.path, c] { return block::qcow2::create(path, c); });
}

Result<ImageCreation> prepare_raw(const CreateRequest& r) {
    KEMU_TRY_VOID(check_known(r.options, kRawKeys));
    KEMU_TRY(prealloc, choice_option(r.options, "preallocation", kRawPrealloc));
    return ImageCreation([path = r.path, size = r.size, host = prealloc.value_or(std::nullopt)] {
        return block::RawDriver::create(path, size, host);
    });
}

}  // namespace

Result<OptionMap> parse_option_lists(const std::vector<std::string>& lists) {
    OptionMap out;
    for (const std::string& list : lists) {
        KEMU_TRY(items, parse_keyvalues(list, ""));
        for (auto& [key, value] : items) {
            if (key == "help" || key == "?") {
                return Error("Supported options: see docs/kemu-img.md");
            }
            out[key] = std::move(value);
        }
    }
    return out;
}

Result<std::optional<bool>> bool_option(const OptionMap& options, const std::string& key) {
    auto it = options.find(key);
    if (it == options.end()) return std::optional<bool>();
    KEMU_TRY(on, parse_bool(key, it->second));
    return std::optional<bool>(on);
}

Result<std::optional<uint32_t>> qcow2_version_option(const OptionMap& options) {
    return choice_option(options, "compat", kQcow2Versions);
}

Result<std::optional<uint32_t>> cluster_size_option(const OptionMap& options) {
    auto it = options.find("cluster_size");
    if (it == options.end()) return std::optional<uint32_t>();
    auto size = parse_size(it->second, 1);
    if (!size) {
        return Error("Parameter 'cluster_size' expects a size, not '" + it->second + "'");
    }
    if (*size < 512 || *size > (2u << 20) || !is_power_of_two(*size)) {
        return Error("Cluster size must be a power of two between 512 and 2048k");
    }
    return std::optional<uint32_t>(static_cast<uint32_t>(*size));
}

Result<std::optional<uint32_t>> refcount_bits_option(const OptionMap& options) {
    auto it = options.find("refcount_bits");
    if (it == options.end()) return std::optional<uint32_t>();
    auto bits = parse_uint(it->second);
    if (!bits) {
        return Error("Parameter 'refcount_bits' expects a number, not '" + it->second + "'");
    }
    if (*bits > 64 || !is_power_of_two(*bits)) {
        return Error("Refcount width must be a power of two and may not exceed 64 bits");
    }
    return std::optional<uint32_t>(static_cast<uint32_t>(*bits));
}

Result<ImageCreation> prepare_image(const CreateRequest& r) {
    if (r.format == "qcow2") return prepare_qcow2(r);
    if (r.format == "raw") return prepare_raw(r);
    return Error("Unknown file format '" + r.format + "'");
}

Result<void> create_image(const CreateRequest& r) {
    KEMU_TRY(creation, prepare_image(r));
    return creation();
}

}  // namespace kemu::img
