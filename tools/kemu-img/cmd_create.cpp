#include <cstdio>

#include "system/keyval.h"
#include "tools/kemu-img/commands.h"
#include "tools/kemu-img/common.h"
#include "tools/kemu-img/image_options.h"

namespace kemu::img {

namespace {

// The "Formatting ..." line qemu-img prints, with the options that shaped the image.
void print_formatting(const CreateRequest& r) {
    std::string line = "Formatting '" + r.path + "', fmt=" + r.format;
    auto opt = [&](const char* key, const std::string& fallback) {
        auto it = r.options.find(key);
        return it == r.options.end() ? fallback : it->second;
    };
    if (r.format == "qcow2") {
        line += " cluster_size=" + opt("cluster_size", "65536");
        if (r.options.count("compat")) line += " compat=" + opt("compat", "");
        if (r.options.count("backing_file")) line += " backing_file=" + opt("backing_file", "");
        if (r.options.count("backing_fmt")) line += " backing_fmt=" + opt("backing_fmt", "");
        if (r.options.count("preallocation")) line += " preallocation=" + opt("preallocation", "");
        line += " extended_l2=off compression_type=" + opt("compression_type", "zlib");
        line += " size=" + std::to_string(r.size);
        line += " lazy_refcounts=" + opt("lazy_refcounts", "off");
        line += " refcount_bits=" + opt("refcount_bits", "16");
    } else {
        line += " size=" + std::to_string(r.size);
    }
    std::printf("%s\n", line.c_str());
}

int run(const ParsedArgs& args) {
    CreateRequest r;
    r.format = args.value("f", r.format);
    r.quiet = args.has("q");
    bool unsafe = args.has("u");
    auto options = parse_option_lists(args.values("o"));
    if (!options) return fail(options.error());
    r.options = std::move(*options);
    if (args.operands.empty()) return fail("Expecting image file name");
    if (args.operands.size() > 2) return fail("Invalid parameter '" + args.operands[2] + "'");
    r.path = args.operands[0];
    if (args.has("b")) r.options["backing_file"] = args.value("b");
    if (args.has("F")) r.options["backing_fmt"] = args.value("F");
    std::string backing = r.options.count("backing_file") ? r.options["backing_file"] : "";
    bool have_size = false;
    if (args.operands.size() == 2) {
        auto size = parse_size(args.operands[1], 1);
        if (!size) {
            return fail(
                "Invalid image size specified. You may use k, M, G, T, P or E suffixes for\n"
                "kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes.");
        }
        r.size = *size;
        have_size = true;
    } else if (auto it = r.options.find("size"); it != r.options.end()) {
        auto size = parse_size(it->second, 1);
        if (!size) return fail("Invalid image size specified");
        r.size = *size;
        have_size = true;
    }
    r.options.erase("size");
    if (!backing.empty()) {
        if (!r.options.count("backing_fmt") && !unsafe) {
            auto probed = block::probe_format(block::resolve_backing_path(r.path, backing));
            return fail(r.path + ": Backing file specified without backing format\nDetected " +
                        "format of " + (probed ? *probed : std::string("unknown")) + ".");
        }
        // The backing file must open, unless -u and the size is given.
        if (!have_size || !unsafe) {
            std::string resolved = block::resolve_backing_path(r.path, backing);
            auto b = open_for_tool(resolved, r.options["backing_fmt"], false);
            if (!b) return fail(b.error());
            if (!have_size) {
                r.size = (*b)->size();
                have_size = true;
            }
        }
    }
    if (!have_size) return fail("Image creation needs a size parameter");
    auto creation = prepare_image(r);
    if (!creation) return fail(r.path + ": " + creation.error().message());
    if (!r.quiet) print_formatting(r);
    auto result = (*creation)();
    if (!result) return fail(r.path + ": " + result.error().message());
    return 0;
}

}  // namespace

const Command kCreateCommand{{"create", "filename [size]", options_of("create")}, run};

}  // namespace kemu::img
