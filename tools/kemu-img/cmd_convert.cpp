#include <string>
#include <vector>

#include "block/block_backend.h"
#include "block/qcow2/qcow2.h"
#include "system/keyval.h"
#include "tools/kemu-img/commands.h"
#include "tools/kemu-img/common.h"
#include "tools/kemu-img/convert_copy.h"
#include "tools/kemu-img/image_options.h"

namespace kemu::img {

namespace {

struct ConvertArgs {
    std::string in_format, out_format = "raw";
    OptionMap options;
    std::string backing, backing_format;  // -B, -F
    // qemu-img's defaults: the target is written without syncs (a crash mid-convert leaves
    // a broken target either way, so syncing it buys nothing); sources use the page cache.
    std::string target_cache = "unsafe", source_cache = "writeback";
    bool compress = false, progress = false, no_create = false, quiet = false, share = false;
    uint64_t sparse_size = 4096;
    std::vector<std::string> inputs;
    std::string output;
};

Result<ConvertArgs> read_args(const ParsedArgs& args) {
    ConvertArgs a;
    if (args.operands.size() < 2) return Error("Expecting image file name");
    a.inputs.assign(args.operands.begin(), args.operands.end() - 1);
    a.output = args.operands.back();
    a.in_format = args.value("f");
    a.out_format = args.value("O", a.out_format);
    KEMU_TRY(options, parse_option_lists(args.values("o")));
    a.options = std::move(options);
    a.backing = args.value("B");
    a.backing_format = args.value("F");
    a.compress = args.has("c");
    a.progress = args.has("p");
    a.no_create = args.has("n");
    a.quiet = args.has("q");
    a.share = args.has("U");
    a.target_cache = args.value("t", a.target_cache);
    a.source_cache = args.value("T", a.source_cache);
    if (args.has("S")) {
        auto v = parse_size(args.value("S"), 1);
        if (!v || *v % 512) {
            return Error(
                "Invalid buffer size for sparse output specified. Valid sizes are "
                "multiples of 512.");
        }
        a.sparse_size = *v;
    }
    return a;
}

// -B and -F become the creation options backing_file and backing_fmt, checked in
// qemu-img's order and wording.
Result<void> apply_backing_options(ConvertArgs& a) {
    if (!a.no_create) {
        if (!a.backing.empty()) {
            if (a.out_format != "qcow2") {
                return Error("Backing file not supported for file format '" + a.out_format + "'");
            }
            a.options["backing_file"] = a.backing;
        }
        if (!a.backing_format.empty()) {
            if (a.out_format != "qcow2") {
                return Error("Backing file format not supported for file format '" + a.out_format +
                             "'");
            }
            a.options["backing_fmt"] = a.backing_format;
        }
    }
    if (auto it = a.options.find("backing_file"); it != a.options.end()) a.backing = it->second;
    if (a.inputs.size() > 1 && !a.backing.empty()) {
        return Error(
            "Having a backing file for the target makes no sense when concatenating multiple "
            "input images");
    }
    if (a.options.count("backing_file") && !a.options.count("backing_fmt")) {
        return Error("Use of backing file requires explicit backing format");
    }
    return ok();
}

Result<block::CacheFlags> cache_flags_for(const std::string& mode, const char* which) {
    auto parsed = block::parse_cache_mode(mode);
    if (!parsed) return Error(std::string("Invalid ") + which + "cache option: " + mode);
    return block::cache_flags(*parsed);
}

Result<std::vector<OpenedImage>> open_sources(const ConvertArgs& a,
                                              const block::CacheFlags& cache) {
    std::vector<OpenedImage> inputs;
    for (const std::string& path : a.inputs) {
        block::OpenOptions o;
        o.format = a.in_format;
        o.read_only = true;
        o.direct = cache.direct;
        KEMU_TRY(d, open_for_tool(path, o, a.share));
        inputs.push_back(std::move(d));
    }
    return inputs;
}

// With -n the target is opened as -O says, raw without it: as qemu-img does, never probed.
Result<OpenedImage> open_target(const ConvertArgs& a, const block::CacheFlags& cache) {
    block::OpenOptions o;
    o.format = a.out_format;
    o.direct = cache.direct;
    o.no_flush = cache.ignore_flush;
    return open_for_tool(a.output, o);
}

Result<void> convert(ConvertArgs& a) {
    KEMU_TRY(source_cache, cache_flags_for(a.source_cache, "source "));
    KEMU_TRY(target_cache, cache_flags_for(a.target_cache, ""));
    KEMU_TRY(inputs, open_sources(a, source_cache));
    std::vector<block::BlockDriver*> sources;
    uint64_t total = 0;
    for (const OpenedImage& in : inputs) {
        sources.push_back(in.get());
        total += in->size();
    }
    KEMU_TRY_VOID(apply_backing_options(a));
    if (a.compress && a.out_format != "qcow2") {
        return Error("Compression not supported for this file format");
    }
    if (!a.no_create) {
        auto created = create_image({a.output, a.out_format, total, a.options, true});
        if (!created) {
            return created.error().with_context(a.output + ": error while converting " +
                                                a.out_format);
        }
    }
    KEMU_TRY(out, open_target(a, target_cache));
    ConvertTarget target;
    target.driver = out.get();
    target.sparse_size = a.sparse_size;
    target.has_backing = !a.backing.empty();
    target.has_zeroes = !a.no_create && !target.has_backing;
    if (!a.no_create && out->backing()) target.backing_size = out->backing()->size();
    target.flush_each_write = target_cache.writethrough;
    if (a.compress) {
        target.compressed = dynamic_cast<block::qcow2::Qcow2Driver*>(out.get());
        if (!target.compressed) return Error("Compression not supported for this file format");
    }
    if (a.no_create && out->size() < total) {
        return Error("output file is smaller than input file");
    }
    Progress progress(a.progress && !a.quiet);
    progress.update(0);
    KEMU_TRY_VOID(copy_to_target(sources, target, progress));
    KEMU_TRY_VOID(out->flush());
    KEMU_TRY_VOID(out->close());
    progress.finish();
    return ok();
}

int run(const ParsedArgs& parsed) {
    auto args = read_args(parsed);
    if (!args) return fail(args.error());
    auto r = convert(*args);
    return r ? 0 : fail(r.error());
}

}  // namespace

const Command kConvertCommand{
    {"convert", "filename [filename2 [...]] output_filename", options_of("convert")}, run};

}  // namespace kemu::img
