#include <cstdio>
#include <ctime>

#include "tools/kemu-img/commands.h"
#include "tools/kemu-img/common.h"

namespace kemu::img {

namespace {

void print_human(const block::ImageInfo& i) {
    std::printf("image: %s\nfile format: %s\n", i.filename.c_str(), i.format.c_str());
    std::printf("virtual size: %s (%llu bytes)\n", block::human_size(i.virtual_size).c_str(),
                static_cast<unsigned long long>(i.virtual_size));
    std::printf("disk size: %s\n", block::human_size(i.actual_size).c_str());
    if (i.cluster_size) std::printf("cluster_size: %u\n", *i.cluster_size);
    if (!i.backing_file.empty()) {
        std::string full = block::resolve_backing_path(i.filename, i.backing_file);
        if (full != i.backing_file) {
            std::printf("backing file: %s (actual path: %s)\n", i.backing_file.c_str(),
                        full.c_str());
        } else {
            std::printf("backing file: %s\n", i.backing_file.c_str());
        }
        if (!i.backing_format.empty()) {
            std::printf("backing file format: %s\n", i.backing_format.c_str());
        }
    }
    if (i.dirty) std::printf("cleanly shut down: no\n");
    if (!i.snapshots.empty()) {
        print_snapshot_table(i.snapshots);
    }
    if (!i.specific.empty()) {
        std::printf("Format specific information:\n");
        for (const auto& f : i.specific)
            std::printf("    %s: %s\n", f.key.c_str(), f.value.c_str());
    }
}

std::string dashed(std::string key) {
    for (char& c : key) {
        if (c == ' ') c = '-';
    }
    return key;
}

std::string json_info(const block::ImageInfo& i, const std::string& indent) {
    std::string in = indent + "    ";
    std::string out = indent + "{\n";
    auto field = [&](const std::string& key, const std::string& value) {
        out += in + json_string(key) + ": " + value + ",\n";
    };
    if (!i.snapshots.empty()) {
        out += in + "\"snapshots\": [\n";
        for (size_t n = 0; n < i.snapshots.size(); ++n) {
            const block::SnapshotInfo& s = i.snapshots[n];
            std::string sp = in + "        ";
            out += in + "    {\n";
            if (s.icount_valid) out += sp + "\"icount\": " + std::to_string(s.icount) + ",\n";
            out +=
                sp + "\"vm-clock-nsec\": " + std::to_string(s.vm_clock_nsec % 1000000000) + ",\n";
            out += sp + "\"name\": " + json_string(s.name) + ",\n";
            out += sp + "\"date-sec\": " + std::to_string(s.date_sec) + ",\n";
            out += sp + "\"date-nsec\": " + std::to_string(s.date_nsec) + ",\n";
            out += sp + "\"vm-clock-sec\": " + std::to_string(s.vm_clock_nsec / 1000000000) + ",\n";
            out += sp + "\"id\": " + json_string(s.id) + ",\n";
            out += sp + "\"vm-state-size\": " + std::to_string(s.vm_state_size) + "\n";
            out += in + "    }" + (n + 1 < i.snapshots.size() ? ",\n" : "\n");
        }
        out += in + "],\n";
    }
    if (!i.backing_format.empty()) field("backing-filename-format", json_string(i.backing_format));
    field("virtual-size", std::to_string(i.virtual_size));
    field("filename", json_string(i.filename));
    if (i.cluster_size) field("cluster-size", std::to_string(*i.cluster_size));
    field("format", json_string(i.format));
    field("actual-size", std::to_string(i.actual_size));
    if (!i.specific.empty()) {
        out += in + "\"format-specific\": {\n";
        out += in + "    \"type\": " + json_string(i.format) + ",\n";
        out += in + "    \"data\": {\n";
        for (size_t n = 0; n < i.specific.size(); ++n) {
            const auto& f = i.specific[n];
            out += in + "        " + json_string(dashed(f.key)) + ": " +
                   (f.quoted ? json_string(f.value) : f.value) +
                   (n + 1 < i.specific.size() ? ",\n" : "\n");
        }
        out += in + "    }\n" + in + "},\n";
    }
    if (!i.backing_file.empty()) {
        field("full-backing-filename",
              json_string(block::resolve_backing_path(i.filename, i.backing_file)));
        field("backing-filename", json_string(i.backing_file));
    }
    out += in + "\"dirty-flag\": " + (i.dirty ? "true" : "false") + "\n";
    return out + indent + "}";
}

}  // namespace

void print_snapshot_table(const std::vector<block::SnapshotInfo>& snapshots) {
    std::printf("Snapshot list:\n%s", block::snapshot_table_header().c_str());
    for (const block::SnapshotInfo& s : snapshots)
        std::printf("%s", block::snapshot_table_row(s).c_str());
}

namespace {

int run(const ParsedArgs& args) {
    auto json = json_output(args);
    if (!json) return fail(json.error());
    if (args.operands.size() != 1) return fail("Expecting one image file name");
    bool chain = args.has("backing-chain");
    auto driver = open_for_tool(args.operands[0], args.value("f"), false, chain, args.has("U"));
    if (!driver) return fail(driver.error());
    std::vector<block::ImageInfo> infos;
    for (block::BlockDriver* d = driver->get(); d; d = chain ? d->backing() : nullptr) {
        infos.push_back(d->info());
    }
    if (*json) {
        if (!chain) {
            std::printf("%s\n", json_info(infos[0], "").c_str());
        } else {
            std::printf("[\n");
            for (size_t n = 0; n < infos.size(); ++n) {
                std::printf("%s%s\n", json_info(infos[n], "    ").c_str(),
                            n + 1 < infos.size() ? "," : "");
            }
            std::printf("]\n");
        }
        return 0;
    }
    for (size_t n = 0; n < infos.size(); ++n) {
        if (n) std::printf("\n");
        print_human(infos[n]);
    }
    return 0;
}

}  // namespace

const Command kInfoCommand{{"info", "filename", options_of("info")}, run};

}  // namespace kemu::img
