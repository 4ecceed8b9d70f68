#include <cstdio>

#include "block/qcow2/qcow2.h"
#include "tools/kemu-img/commands.h"
#include "tools/kemu-img/common.h"

namespace kemu::img {

namespace {

// qemu-img check exit codes.
constexpr int kCheckClean = 0;
constexpr int kCheckIncomplete = 1;  // also what fail() returns
constexpr int kCheckCorrupt = 2;
constexpr int kCheckLeaks = 3;
constexpr int kCheckUnsupported = 63;

void print_human(const block::qcow2::CheckResult& r, bool quiet) {
    for (const std::string& m : r.messages)
        std::fprintf(stderr, "%s\n", m.c_str());
    if (r.leaks_fixed || r.corruptions_fixed) {
        std::printf(
            "The following inconsistencies were found and repaired:\n\n"
            "    %llu leaked clusters\n    %llu corruptions\n\n"
            "Double checking the fixed image now...\n",
            static_cast<unsigned long long>(r.leaks_fixed),
            static_cast<unsigned long long>(r.corruptions_fixed));
    }
    if (quiet) return;
    if (!r.corruptions && !r.leaks && !r.check_errors) {
        std::printf("No errors were found on the image.\n");
    } else {
        if (r.corruptions) {
            std::printf(
                "\n%llu errors were found on the image.\nData may be corrupted, or further "
                "writes to the image may corrupt it.\n",
                static_cast<unsigned long long>(r.corruptions));
        }
        if (r.leaks) {
            std::printf(
                "\n%llu leaked clusters were found on the image.\nThis means waste of disk "
                "space, but no harm to data.\n",
                static_cast<unsigned long long>(r.leaks));
        }
    }
    if (r.total_clusters && r.allocated_clusters) {
        std::printf("%llu/%llu = %.2f%% allocated, %.2f%% fragmented, %.2f%% compressed clusters\n",
                    static_cast<unsigned long long>(r.allocated_clusters),
                    static_cast<unsigned long long>(r.total_clusters),
                    100.0 * r.allocated_clusters / r.total_clusters,
                    100.0 * r.fragmented_clusters / r.allocated_clusters,
                    100.0 * r.compressed_clusters / r.allocated_clusters);
    }
    std::printf("Image end offset: %llu\n", static_cast<unsigned long long>(r.image_end_offset));
}

void print_json(const block::qcow2::CheckResult& r, const std::string& filename) {
    std::printf("{\n    \"image-end-offset\": %llu,\n",
                static_cast<unsigned long long>(r.image_end_offset));
    if (r.allocated_clusters) {
        std::printf("    \"compressed-clusters\": %llu,\n",
                    static_cast<unsigned long long>(r.compressed_clusters));
    }
    std::printf("    \"total-clusters\": %llu,\n    \"check-errors\": %llu,\n",
                static_cast<unsigned long long>(r.total_clusters),
                static_cast<unsigned long long>(r.check_errors));
    if (r.leaks) std::printf("    \"leaks\": %llu,\n", static_cast<unsigned long long>(r.leaks));
    if (r.corruptions) {
        std::printf("    \"corruptions\": %llu,\n", static_cast<unsigned long long>(r.corruptions));
    }
    if (r.leaks_fixed) {
        std::printf("    \"leaks-fixed\": %llu,\n", static_cast<unsigned long long>(r.leaks_fixed));
    }
    if (r.corruptions_fixed) {
        std::printf("    \"corruptions-fixed\": %llu,\n",
                    static_cast<unsigned long long>(r.corruptions_fixed));
    }
    if (r.allocated_clusters) {
        std::printf("    \"allocated-clusters\": %llu,\n",
                    static_cast<unsigned long long>(r.allocated_clusters));
    }
    std::printf("    \"filename\": %s,\n    \"format\": \"qcow2\"", json_string(filename).c_str());
    if (r.allocated_clusters) {
        std::printf(",\n    \"fragmented-clusters\": %llu",
                    static_cast<unsigned long long>(r.fragmented_clusters));
    }
    std::printf("\n}\n");
}

Result<block::qcow2::RepairMode> repair_mode(const ParsedArgs& args) {
    if (!args.has("r")) return block::qcow2::RepairMode::None;
    std::string mode = args.value("r");
    if (mode == "leaks") return block::qcow2::RepairMode::Leaks;
    if (mode == "all") return block::qcow2::RepairMode::All;
    return Error("Unknown option value for -r (expecting 'leaks' or 'all'): " + mode);
}

int run(const ParsedArgs& args) {
    auto mode = repair_mode(args);
    if (!mode) return fail(mode.error());
    auto json = json_output(args);
    if (!json) return fail(json.error());
    if (args.operands.size() != 1) return fail("Expecting one image file name");
    const std::string& path = args.operands[0];
    std::string format = args.value("f");
    bool repair = *mode != block::qcow2::RepairMode::None;
    auto fmt = format.empty() ? block::probe_format(path) : Result<std::string>(format);
    if (!fmt) return fail(fmt.error());  // exit 1: check incomplete
    if (*fmt != "qcow2") {
        fail("This image format does not support checks");
        return kCheckUnsupported;
    }
    std::optional<block::ImageLock> lock;
    if (!args.has("U")) {
        auto taken = block::ImageLock::acquire(path, repair, false);
        if (!taken) return fail("Could not open '" + path + "': " + taken.error().message());
        lock.emplace(std::move(*taken));
    }
    auto file = block::ImageFile::open(path, {.read_only = !repair});
    if (!file) return fail(file.error());  // exit 1: check incomplete
    auto driver = block::qcow2::Qcow2Driver::open(std::move(*file), nullptr, {.for_check = true});
    if (!driver) {
        return fail("Could not open '" + path + "': " + driver.error().message());
    }
    auto result = (*driver)->check(*mode);
    if (!result) {
        return fail("Check failed: " + result.error().message());
    }
    if (repair && (result->leaks_fixed || result->corruptions_fixed)) {
        // Double check, as qemu-img does, and report the state after repair.
        auto again = (*driver)->check(block::qcow2::RepairMode::None);
        if (!again) return fail(again.error());  // exit 1: check incomplete
        again->leaks_fixed = result->leaks_fixed;
        again->corruptions_fixed = result->corruptions_fixed;
        again->messages.insert(again->messages.begin(), result->messages.begin(),
                               result->messages.end());
        *result = std::move(*again);
    }
    if (repair) {
        auto closed = (*driver)->close();
        if (!closed) return fail(closed.error());  // exit 1: check incomplete
    }
    if (*json)
        print_json(*result, path);
    else
        print_human(*result, args.has("q"));
    if (result->check_errors) return kCheckIncomplete;
    if (result->corruptions) return kCheckCorrupt;
    if (result->leaks) return kCheckLeaks;
    return kCheckClean;
}

}  // namespace

const Command kCheckCommand{{"check", "filename", options_of("check")}, run};

}  // namespace kemu::img
