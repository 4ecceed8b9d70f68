#include <time.h>

#include <cstdio>

#include "tools/kemu-img/commands.h"
#include "tools/kemu-img/common.h"

namespace kemu::img {

namespace {

enum class Action { List, Create, Apply, Delete };

struct ActionOption {
    const char* option;
    Action action;
    const char* verb;  // for "Could not <verb> snapshot"
};
constexpr ActionOption kActions[] = {{"l", Action::List, "list"},
                                     {"c", Action::Create, "create"},
                                     {"a", Action::Apply, "apply"},
                                     {"d", Action::Delete, "delete"}};

int run(const ParsedArgs& args) {
    const ActionOption* chosen = &kActions[0];
    size_t given = 0;
    for (const ActionOption& a : kActions) {
        given += args.count(a.option);
        if (args.has(a.option)) chosen = &a;
    }
    Action action = chosen->action;
    std::string name = args.value(chosen->option);
    if (given > 1) return fail("Cannot mix '-l', '-a', '-c', '-d'");
    if (args.operands.size() != 1) return fail("Expecting one image file name");
    const std::string& path = args.operands[0];
    std::string format = args.value("f");
    bool share = args.has("U");
    bool writable = action != Action::List;
    auto driver = open_for_tool(path, format, writable, true, share && !writable);
    if (!driver) return fail(driver.error());
    block::BlockDriver& d = **driver;
    if (action == Action::List) {
        block::ImageInfo info = d.info();
        if (!info.snapshots.empty()) print_snapshot_table(info.snapshots);
        return 0;
    }
    std::string what = std::string("Could not ") + chosen->verb + " snapshot '" + name + "': ";
    Result<void> r = ok();
    if (action == Action::Create) {
        struct timespec now {};
        clock_gettime(CLOCK_REALTIME, &now);
        r = d.snapshot_create({.name = name,
                               .date_sec = static_cast<uint32_t>(now.tv_sec),
                               .date_nsec = static_cast<uint32_t>(now.tv_nsec)});
    } else if (action == Action::Apply) {
        r = d.snapshot_apply(name);
    } else {
        r = d.snapshot_delete(name);
    }
    if (!r) return fail(what + r.error().message());
    auto closed = d.close();
    if (!closed) return fail(closed.error());
    return 0;
}

}  // namespace

const Command kSnapshotCommand{{"snapshot", "filename", options_of("snapshot")}, run};

}  // namespace kemu::img
