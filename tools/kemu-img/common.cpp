#include "tools/kemu-img/common.h"

#include <cmath>
#include <cstdio>

#include "block/qcow2/qcow2.h"
#include "block/raw.h"

namespace kemu::img {

int fail(const std::string& message) {
    std::fprintf(stderr, "kemu-img: %s\n", message.c_str());
    return 1;
}

int fail(const Error& error) {
    return fail(error.message());
}

std::optional<uint64_t> parse_size(const std::string& text) {
    if (text.empty()) return std::nullopt;
    char* end = nullptr;
    errno = 0;
    double value = std::strtod(text.c_str(), &end);
    if (errno || end == text.c_str() || value < 0) return std::nullopt;
    std::string suffix(end);
    static const std::pair<const char*, int> units[] = {
        {"", 0},   {"b", 0},  {"B", 0},  {"k", 10}, {"K", 10}, {"M", 20}, {"m", 20}, {"G", 30},
        {"g", 30}, {"T", 40}, {"t", 40}, {"P", 50}, {"p", 50}, {"E", 60}, {"e", 60}};
    for (const auto& [name, shift] : units) {
        if (suffix != name) continue;
        double bytes = std::ldexp(value, shift);
        if (bytes >= 18446744073709551616.0) return std::nullopt;
        if (shift == 0 && value != std::floor(value)) return std::nullopt;
        return static_cast<uint64_t>(bytes);
    }
    return std::nullopt;
}

Result<void> parse_option_list(const std::string& text, OptionMap& out) {
    size_t i = 0;
    while (i < text.size()) {
        std::string key, value;
        bool in_value = false;
        for (; i < text.size(); ++i) {
            char c = text[i];
            if (c == ',') {
                if (in_value && i + 1 < text.size() && text[i + 1] == ',') {
                    value += ',';
                    ++i;
                    continue;
                }
                ++i;
                break;
            }
            if (c == '=' && !in_value) {
                in_value = true;
                continue;
            }
            (in_value ? value : key) += c;
        }
        if (key.empty()) continue;
        if (!in_value) {
            if (key == "help" || key == "?")
                return Error("Supported options: see docs/kemu-img.md");
            value = "on";
        }
        out[key] = value;
    }
    return ok();
}

Result<OpenedImage> open_for_tool(const std::string& path, const std::string& format, bool writable,
                                  bool open_backing, bool share) {
    block::OpenOptions o;
    o.format = format;
    o.read_only = !writable;
    o.open_backing = open_backing;
    return open_for_tool(path, o, share);
}

Result<OpenedImage> open_for_tool(const std::string& path, const block::OpenOptions& options,
                                  bool share) {
    OpenedImage image;
    if (!share) {
        auto lock = block::ImageLock::acquire(path, !options.read_only, false);
        if (!lock) return lock.error().with_context("Could not open '" + path + "'");
        image.lock.emplace(std::move(*lock));
    }
    auto driver = block::open_image(path, options);
    if (!driver) {
        // Errors from deeper in the chain do not name the image asked for; qemu-img's do.
        const std::string& message = driver.error().message();
        if (message.starts_with("Could not open backing file")) {
            return driver.error().with_context("Could not open '" + path + "'");
        }
        return driver.error();
    }
    image.driver = std::move(*driver);
    return image;
}

void Progress::update(double fraction) {
    if (!enabled_) return;
    double pct = fraction * 100.0;
    // qemu-img redraws when progress moves by at least 1%.
    if (last_ >= 0 && pct < 100.0 && pct - last_ < 1.0) return;
    last_ = pct;
    std::printf("    (%3.2f/100%%)\r", pct);
    std::fflush(stdout);
}

void Progress::finish() {
    if (!enabled_) return;
    update(1.0);
    std::printf("\n");
}

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    return out + "\"";
}

namespace {

Result<bool> parse_bool(const OptionMap& o, const std::string& key, bool fallback) {
    auto it = o.find(key);
    if (it == o.end()) return fallback;
    if (it->second == "on" || it->second == "true" || it->second == "yes") return true;
    if (it->second == "off" || it->second == "false" || it->second == "no") return false;
    return Error("Parameter '" + key + "' expects 'on' or 'off'");
}

Result<void> create_qcow2(const CreateRequest& r) {
    block::qcow2::CreateOptions c;
    c.size = r.size;
    const OptionMap& o = r.options;
    static const char* const known[] = {
        "size",           "backing_file",  "backing_fmt",      "cluster_size",  "compat",
        "lazy_refcounts", "preallocation", "compression_type", "refcount_bits", "extended_l2"};
    for (const auto& [key, value] : o) {
        if (std::find(std::begin(known), std::end(known), key) == std::end(known)) {
            return Error("Invalid parameter '" + key + "'");
        }
    }
    if (auto it = o.find("cluster_size"); it != o.end()) {
        auto v = parse_size(it->second);
        if (!v) return Error("Parameter 'cluster_size' expects a non-negative number below 2^64");
        c.cluster_size = static_cast<uint32_t>(*v);
    }
    if (auto it = o.find("compat"); it != o.end()) {
        if (it->second == "0.10" || it->second == "v2")
            c.version = 2;
        else if (it->second == "1.1" || it->second == "v3")
            c.version = 3;
        else
            return Error("Invalid parameter 'compat'");
    }
    auto lazy = parse_bool(o, "lazy_refcounts", false);
    if (!lazy) return lazy.error();
    c.lazy_refcounts = *lazy;
    auto ext = parse_bool(o, "extended_l2", false);
    if (!ext) return ext.error();
    if (*ext) return Error("Unsupported qcow2 feature(s): extended L2 entries");
    if (auto it = o.find("refcount_bits"); it != o.end()) {
        c.refcount_bits = static_cast<uint32_t>(std::strtoul(it->second.c_str(), nullptr, 10));
    }
    if (auto it = o.find("compression_type"); it != o.end()) {
        if (it->second == "zlib")
            c.compression_type = block::qcow2::CompressionType::Zlib;
        else if (it->second == "zstd")
            c.compression_type = block::qcow2::CompressionType::Zstd;
        else
            return Error("Invalid parameter 'compression_type'");
    }
    if (auto it = o.find("preallocation"); it != o.end()) {
        using P = block::qcow2::CreateOptions::Prealloc;
        static const std::pair<const char*, P> modes[] = {
            {"off", P::Off}, {"metadata", P::Metadata}, {"falloc", P::Falloc}, {"full", P::Full}};
        auto m = std::find_if(std::begin(modes), std::end(modes),
                              [&](auto& p) { return it->second == p.first; });
        if (m == std::end(modes)) {
            return Error("Parameter 'preallocation' does not accept value '" + it->second + "'");
        }
        c.preallocation = m->second;
    }
    if (auto it = o.find("backing_file"); it != o.end()) c.backing_file = it->second;
    if (auto it = o.find("backing_fmt"); it != o.end()) c.backing_format = it->second;
    if (!c.backing_format.empty() && c.backing_format != "raw" && c.backing_format != "qcow2") {
        return Error("Parameter 'backing-fmt' does not accept value '" + c.backing_format + "'");
    }
    if (c.backing_file.empty() && !c.backing_format.empty()) {
        return Error("Backing format cannot be used without backing file");
    }
    if (!c.backing_file.empty() && c.preallocation != block::qcow2::CreateOptions::Prealloc::Off) {
        return Error(
            "Backing file and preallocation can only be used at the same time if "
            "extended_l2 is on");
    }
    return block::qcow2::create(r.path, c);
}

}  // namespace

Result<void> create_image(const CreateRequest& r) {
    if (r.format == "qcow2") return create_qcow2(r);
    if (r.format != "raw") return Error("Unknown file format '" + r.format + "'");
    for (const auto& [key, value] : r.options) {
        if (key != "preallocation" && key != "size")
            return Error("Invalid parameter '" + key + "'");
    }
    std::optional<block::ImageFile::Prealloc> preallocation;
    if (auto it = r.options.find("preallocation"); it != r.options.end()) {
        if (it->second == "full") {
            preallocation = block::ImageFile::Prealloc::Full;
        } else if (it->second == "falloc") {
            preallocation = block::ImageFile::Prealloc::Falloc;
        } else if (it->second != "off") {
            return Error("Parameter 'preallocation' does not accept value '" + it->second + "'");
        }
    }
    return block::RawDriver::create(r.path, r.size, preallocation);
}

}  // namespace kemu::img
