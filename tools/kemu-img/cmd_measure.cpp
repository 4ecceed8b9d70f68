#include <getopt.h>

#include <cstdio>

#include "tools/kemu-img/commands.h"
#include "tools/kemu-img/common.h"

namespace kemu::img {

namespace {

uint64_t div_up(uint64_t a, uint64_t b) {
    return (a + b - 1) / b;
}

struct Qcow2Layout {
    uint64_t cs;
    uint64_t refcount_bits;
    uint64_t virtual_size;

    uint64_t l1_clusters() const { return div_up(div_up(virtual_size, cs * (cs / 8)) * 8, cs); }
    uint64_t all_l2_tables() const { return div_up(virtual_size, cs * (cs / 8)); }
    uint64_t all_data_clusters() const { return div_up(virtual_size, cs); }

    // Refcount blocks plus table, sized (as qemu-img does) for the fully allocated image so
    // the estimate holds however the image fills up later.
    uint64_t refcount_clusters() const {
        uint64_t covered = 1 + l1_clusters() + all_l2_tables() + all_data_clusters();
        uint64_t per_block = cs * 8 / refcount_bits;
        uint64_t blocks = 1, table = 1;
        for (;;) {
            uint64_t need_blocks = div_up(covered + blocks + table, per_block);
            uint64_t need_table = div_up(need_blocks * 8, cs);
            if (need_blocks <= blocks && need_table <= table) break;
            blocks = need_blocks;
            table = need_table;
        }
        return blocks + table;
    }

    uint64_t bytes(uint64_t l2_tables, uint64_t data_clusters) const {
        return (1 + l1_clusters() + l2_tables + data_clusters + refcount_clusters()) * cs;
    }
};

}  // namespace

int cmd_measure(int argc, char** argv) {
    std::string format, out_format = "raw", output = "human";
    OptionMap options;
    std::optional<uint64_t> size;
    bool share = false;
    static const option longopts[] = {{"output", required_argument, nullptr, 'J'},
                                      {"size", required_argument, nullptr, 'z'},
                                      {"force-share", no_argument, nullptr, 'U'},
                                      {nullptr, 0, nullptr, 0}};
    int c;
    while ((c = getopt_long(argc, argv, ":f:O:o:U", longopts, nullptr)) != -1) {
        switch (c) {
            case 'f':
                format = optarg;
                break;
            case 'O':
                out_format = optarg;
                break;
            case 'J':
                output = optarg;
                break;
            case 'o': {
                auto p = parse_option_list(optarg, options);
                if (!p) return fail(p.error());
                break;
            }
            case 'z':
                size = parse_size(optarg);
                if (!size) return fail("Invalid image size specified.");
                break;
            case 'U':
                share = true;
                break;
            default:
                return fail(
                    "usage: kemu-img measure [--output=ofmt] [-O output_fmt] "
                    "[--size N | [-f fmt] filename]");
        }
    }
    if (output != "human" && output != "json") {
        return fail("--output must be used with human or json as argument.");
    }
    bool have_file = optind < argc;
    if (have_file == size.has_value()) {
        return fail(have_file ? "--size N cannot be used together with a filename."
                              : "Either --size N or one filename must be specified.");
    }
    if (out_format != "raw" && out_format != "qcow2") {
        return fail("Unknown file format '" + out_format + "'");
    }
    uint64_t cs = 65536, refcount_bits = 16;
    if (auto it = options.find("cluster_size"); it != options.end()) {
        auto v = parse_size(it->second);
        if (!v || *v < 512 || (*v & (*v - 1))) return fail("Invalid cluster size");
        cs = *v;
    }
    if (auto it = options.find("refcount_bits"); it != options.end()) {
        refcount_bits = std::strtoull(it->second.c_str(), nullptr, 10);
        if (refcount_bits == 0 || refcount_bits > 64 || (refcount_bits & (refcount_bits - 1))) {
            return fail("Invalid refcount_bits");
        }
    }
    uint64_t virtual_size = size.value_or(0);
    uint64_t data_clusters = 0, l2_tables = 0;
    std::string source_format;
    if (have_file) {
        auto d = open_for_tool(argv[optind], format, false, true, share);
        if (!d) return fail(d.error());
        virtual_size = (*d)->size();
        source_format = (*d)->format_name();
        uint64_t l2_span = cs * (cs / 8);
        uint64_t last_cluster = ~0ull, last_table = ~0ull;
        for (uint64_t pos = 0; pos < virtual_size;) {
            auto e = (*d)->block_status(pos, std::min<uint64_t>(1ull << 30, virtual_size - pos));
            if (!e) return fail(e.error());
            if (e->data) {
                for (uint64_t cl = pos / cs; cl <= (pos + e->length - 1) / cs; ++cl) {
                    if (cl != last_cluster) ++data_clusters;
                    last_cluster = cl;
                    if (cl * cs / l2_span != last_table) ++l2_tables;
                    last_table = cl * cs / l2_span;
                }
            }
            pos += e->length;
        }
    }
    uint64_t required, full;
    if (out_format == "raw") {
        // A raw target is as large as the disk, sparse or not.
        required = virtual_size;
        full = virtual_size;
    } else {
        Qcow2Layout layout{cs, refcount_bits, virtual_size};
        // Without a source every L2 table is counted, as for metadata preallocation.
        uint64_t tables = have_file ? l2_tables : layout.all_l2_tables();
        required = layout.bytes(tables, data_clusters);
        full = layout.bytes(layout.all_l2_tables(), layout.all_data_clusters());
    }
    // Only a qcow2 source can carry persistent bitmaps (none are copied by kemu-img).
    bool bitmaps = have_file && out_format == "qcow2" && source_format == "qcow2";
    if (output == "json") {
        std::printf("{\n");
        if (bitmaps) std::printf("    \"bitmaps\": 0,\n");
        std::printf("    \"required\": %llu,\n    \"fully-allocated\": %llu\n}\n",
                    static_cast<unsigned long long>(required),
                    static_cast<unsigned long long>(full));
    } else {
        std::printf("required size: %llu\nfully allocated size: %llu\n",
                    static_cast<unsigned long long>(required),
                    static_cast<unsigned long long>(full));
        if (bitmaps) std::printf("bitmaps size: 0\n");
    }
    return 0;
}

}  // namespace kemu::img
