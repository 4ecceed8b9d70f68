#include <getopt.h>

#include <cstdio>

#include "tools/kemu-img/commands.h"
#include "tools/kemu-img/common.h"

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

}  // namespace

int cmd_create(int argc, char** argv) {
    CreateRequest r;
    std::string backing, backing_fmt;
    bool unsafe = false;
    static const option longopts[] = {{"help", no_argument, nullptr, 'h'},
                                      {nullptr, 0, nullptr, 0}};
    int c;
    while ((c = getopt_long(argc, argv, ":f:b:F:o:quh", longopts, nullptr)) != -1) {
        switch (c) {
            case 'f':
                r.format = optarg;
                break;
            case 'b':
                backing = optarg;
                break;
            case 'F':
                backing_fmt = optarg;
                break;
            case 'o': {
                auto p = parse_option_list(optarg, r.options);
                if (!p) return fail(p.error());
                break;
            }
            case 'q':
                r.quiet = true;
                break;
            case 'u':
                unsafe = true;
                break;
            case 'h':
                std::printf("usage: kemu-img create [-f fmt] [-o options] filename [size]\n");
                return 0;
            case ':':
                return fail(std::string("option requires an argument -- '") + char(optopt) + "'");
            default:
                return fail(std::string("invalid option -- '") + char(optopt) + "'");
        }
    }
    if (optind >= argc) return fail("Expecting image file name");
    r.path = argv[optind++];
    if (!backing.empty()) r.options["backing_file"] = backing;
    if (!backing_fmt.empty()) r.options["backing_fmt"] = backing_fmt;
    backing = r.options.count("backing_file") ? r.options["backing_file"] : "";
    bool have_size = false;
    if (optind < argc) {
        auto size = parse_size(argv[optind++]);
        if (!size) {
            return fail(
                "Invalid image size specified. You may use k, M, G, T, P or E suffixes for\n"
                "kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes.");
        }
        r.size = *size;
        have_size = true;
    } else if (auto it = r.options.find("size"); it != r.options.end()) {
        auto size = parse_size(it->second);
        if (!size) return fail("Invalid image size specified");
        r.size = *size;
        have_size = true;
    }
    if (optind < argc) return fail(std::string("Invalid parameter '") + argv[optind] + "'");
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
    if (!r.quiet) print_formatting(r);
    auto result = create_image(r);
    if (!result) return fail(r.path + ": " + result.error().message());
    return 0;
}

}  // namespace kemu::img
