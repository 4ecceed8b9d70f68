#include <cstdio>

#include "system/keyval.h"
#include "tools/kemu-img/commands.h"
#include "tools/kemu-img/common.h"
#include "tools/kemu-img/image_options.h"

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

int run(const ParsedArgs& args) {
    std::optional<uint64_t> size;
    if (args.has("size")) {
        auto parsed = parse_size(args.value("size"), 1);
        if (!parsed) return fail("Invalid image size specified.");
        size = *parsed;
    }
    auto options = parse_option_lists(args.values("o"));
    if (!options) return fail(options.error());
    auto json = json_output(args);
    if (!json) return fail(json.error());
    bool have_file = !args.operands.empty();
    if (have_file == size.has_value()) {
        return fail(have_file ? "--size N cannot be used together with a filename."
                              : "Either --size N or one filename must be specified.");
    }
    std::string out_format = args.value("O", "raw");
    if (out_format != "raw" && out_format != "qcow2") {
        return fail("Unknown file format '" + out_format + "'");
    }
    auto cluster_size = cluster_size_option(*options);
    if (!cluster_size) return fail(cluster_size.error());
    auto refcount_bits = refcount_bits_option(*options);
    if (!refcount_bits) return fail(refcount_bits.error());
    uint64_t cs = cluster_size->value_or(65536);
    uint64_t virtual_size = size.value_or(0);
    uint64_t data_clusters = 0, l2_tables = 0;
    std::string source_format;
    if (have_file) {
        auto d = open_for_tool(args.operands[0], args.value("f"), false, true, args.has("U"));
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
        Qcow2Layout layout{cs, refcount_bits->value_or(16), virtual_size};
        // Without a source every L2 table is counted, as for metadata preallocation.
        uint64_t tables = have_file ? l2_tables : layout.all_l2_tables();
        required = layout.bytes(tables, data_clusters);
        full = layout.bytes(layout.all_l2_tables(), layout.all_data_clusters());
    }
    // Only a qcow2 source can carry persistent bitmaps (none are copied by kemu-img).
    bool bitmaps = have_file && out_format == "qcow2" && source_format == "qcow2";
    if (*json) {
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

}  // namespace

const Command kMeasureCommand{{"measure", "[filename]", options_of("measure")}, run};

}  // namespace kemu::img
