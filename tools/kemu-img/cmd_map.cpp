#include <cstdio>

#include "tools/kemu-img/commands.h"
#include "tools/kemu-img/common.h"

namespace kemu::img {

namespace {

struct MapEntry {
    uint64_t start = 0;
    block::Extent e;
};

bool mergeable(const MapEntry& a, const block::Extent& b) {
    if (a.e.data != b.data || a.e.zero != b.zero || a.e.allocated != b.allocated ||
        a.e.depth != b.depth || a.e.host_offset.has_value() != b.host_offset.has_value() ||
        a.e.host_file != b.host_file) {
        return false;
    }
    return !b.host_offset || *b.host_offset == *a.e.host_offset + a.e.length;
}

void print_json(const MapEntry& m, bool first) {
    std::printf(
        "%s{ \"start\": %llu, \"length\": %llu, \"depth\": %d, \"present\": %s, "
        "\"zero\": %s, \"data\": %s",
        first ? "[" : ",\n", static_cast<unsigned long long>(m.start),
        static_cast<unsigned long long>(m.e.length), m.e.depth, m.e.allocated ? "true" : "false",
        m.e.zero ? "true" : "false", m.e.data ? "true" : "false");
    if (m.e.host_offset) {
        std::printf(", \"offset\": %llu", static_cast<unsigned long long>(*m.e.host_offset));
    }
    std::printf("}");
}

void print_human(const MapEntry& m) {
    if (!m.e.data || !m.e.host_offset) return;
    std::printf("%#-16llx%#-16llx%#-16llx%s\n", static_cast<unsigned long long>(m.start),
                static_cast<unsigned long long>(m.e.length),
                static_cast<unsigned long long>(*m.e.host_offset), m.e.host_file.c_str());
}

int run(const ParsedArgs& args) {
    auto json_result = json_output(args);
    if (!json_result) return fail(json_result.error());
    if (args.operands.size() != 1) return fail("Expecting one image file name");
    auto driver = open_for_tool(args.operands[0], args.value("f"), false, true, args.has("U"));
    if (!driver) return fail(driver.error());
    block::BlockDriver& d = **driver;
    bool json = *json_result;
    if (!json) std::printf("%-16s%-16s%-16s%s\n", "Offset", "Length", "Mapped to", "File");
    std::optional<MapEntry> cur;
    bool first = true;
    auto emit = [&](const MapEntry& m) {
        if (json)
            print_json(m, first);
        else
            print_human(m);
        first = false;
    };
    constexpr uint64_t kQuery = 1ull << 30;
    for (uint64_t pos = 0; pos < d.size();) {
        auto e = d.block_status(pos, std::min(kQuery, d.size() - pos));
        if (!e) return fail(e.error());
        if (cur && mergeable(*cur, *e)) {
            cur->e.length += e->length;
        } else {
            if (cur) emit(*cur);
            cur = MapEntry{pos, *e};
        }
        pos += e->length;
    }
    if (cur) emit(*cur);
    if (json) std::printf(first ? "[]\n" : "]\n");
    return 0;
}

}  // namespace

const Command kMapCommand{{"map", "filename", options_of("map")}, run};

}  // namespace kemu::img
