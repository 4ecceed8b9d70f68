#include "block/open.h"

#include <limits.h>
#include <stdlib.h>

#include <cstdio>
#include <set>

#include "block/probe.h"
#include "block/raw.h"

namespace kemu::block {

namespace {

// Chains deeper than this are treated as broken; real chains are a handful of links.
constexpr int kMaxChainDepth = 256;

std::string canonical(const std::string& path) {
    char buf[PATH_MAX];
    return realpath(path.c_str(), buf) ? std::string(buf) : path;
}

Result<std::unique_ptr<BlockDriver>> open_chain(const std::string& path, const OpenOptions& options,
                                                std::set<std::string>& seen, int depth) {
    if (depth > kMaxChainDepth) return Error("Backing chain is too deep");
    if (!seen.insert(canonical(path)).second) {
        return Error("Backing file chain of '" + path + "' contains a loop");
    }
    std::string format = options.format;
    bool probed = format.empty() || options.format_probed;
    if (format.empty()) {
        KEMU_TRY(probed, probe_format(path));
        format = probed;
        if (format == "raw" && !options.read_only && options.warnings && depth == 0) {
            std::fprintf(options.warnings,
                         "WARNING: Image format was not specified for '%s' and probing guessed "
                         "raw.\n         Automatically detecting the format is dangerous for raw "
                         "images, write operations on block 0 will be restricted.\n         "
                         "Specify the 'raw' format explicitly to remove the restrictions.\n",
                         path.c_str());
        }
    }
    auto file = ImageFile::open(
        path,
        {.read_only = options.read_only, .direct = options.direct, .no_flush = options.no_flush});
    if (!file) return file.error();
    if (format == "raw") {
        KEMU_TRY(raw, RawDriver::open(std::move(*file), probed));
        return std::unique_ptr<BlockDriver>(std::move(raw));
    }
    if (format != "qcow2") return Error("Unknown driver '" + format + "'");

    // Peek at the header (read-only) for the backing link before opening the chain beneath.
    std::unique_ptr<BlockDriver> backing;
    if (options.open_backing) {
        KEMU_TRY(peek_file, ImageFile::open(path, {.read_only = true}));
        auto peek = qcow2::Qcow2Driver::open(std::move(peek_file), nullptr);
        if (!peek) return Error("Could not open '" + path + "': " + peek.error().message());
        std::string backing_name = (*peek)->header().backing_file;
        std::string backing_format = (*peek)->header().backing_format;
        if (!backing_name.empty()) {
            OpenOptions sub = options;
            sub.format = backing_format;
            sub.format_probed = false;
            sub.read_only = true;
            auto b = open_chain(resolve_backing_path(path, backing_name), sub, seen, depth + 1);
            if (!b) return Error("Could not open backing file: " + b.error().message());
            backing = std::move(*b);
        }
    }
    auto q = qcow2::Qcow2Driver::open(std::move(*file), std::move(backing),
                                      {.l2_cache_tables = options.l2_cache_tables});
    if (!q) return Error("Could not open '" + path + "': " + q.error().message());
    return std::unique_ptr<BlockDriver>(std::move(*q));
}

}  // namespace

Result<std::string> probe_format(const std::string& path) {
    KEMU_TRY(file, ImageFile::open(path, {.read_only = true}));
    uint8_t head[8] = {};
    auto size = file.size();
    if (size && *size >= sizeof(head)) KEMU_TRY_VOID(file.read(0, head));
    return probe_header(head);
}

std::string resolve_backing_path(const std::string& overlay, const std::string& backing) {
    if (backing.empty() || backing[0] == '/' || backing.find("://") != std::string::npos) {
        return backing;
    }
    size_t slash = overlay.rfind('/');
    if (slash == std::string::npos) return backing;
    return overlay.substr(0, slash + 1) + backing;
}

Result<std::unique_ptr<BlockDriver>> open_image(const std::string& path,
                                                const OpenOptions& options) {
    std::set<std::string> seen;
    return open_chain(path, options, seen, 0);
}

}  // namespace kemu::block
