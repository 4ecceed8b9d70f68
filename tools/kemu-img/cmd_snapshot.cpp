#include <getopt.h>
#include <time.h>

#include <cstdio>

#include "tools/kemu-img/commands.h"
#include "tools/kemu-img/common.h"

namespace kemu::img {

int cmd_snapshot(int argc, char** argv) {
    enum class Action { None, List, Create, Apply, Delete } action = Action::None;
    std::string name, format;
    bool share = false;
    int c;
    auto set = [&](Action a) {
        if (action != Action::None) return false;
        action = a;
        if (optarg) name = optarg;
        return true;
    };
    static const option longopts[] = {{"force-share", no_argument, nullptr, 'U'},
                                      {nullptr, 0, nullptr, 0}};
    while ((c = getopt_long(argc, argv, ":la:c:d:f:qU", longopts, nullptr)) != -1) {
        bool fine = true;
        switch (c) {
            case 'l':
                fine = set(Action::List);
                break;
            case 'c':
                fine = set(Action::Create);
                break;
            case 'a':
                fine = set(Action::Apply);
                break;
            case 'd':
                fine = set(Action::Delete);
                break;
            case 'f':
                format = optarg;
                break;
            case 'q':
                break;  // these commands print nothing on success anyway
            case 'U':
                share = true;
                break;
            default:
                return fail("usage: kemu-img snapshot [-l | -a | -c | -d snapshot] filename");
        }
        if (!fine) return fail("Cannot mix '-l', '-a', '-c', '-d'");
    }
    if (optind != argc - 1) return fail("Expecting one image file name");
    if (action == Action::None) action = Action::List;
    std::string path = argv[optind];
    bool writable = action != Action::List;
    auto driver = open_for_tool(path, format, writable, true, share && !writable);
    if (!driver) return fail(driver.error());
    block::BlockDriver& d = **driver;
    if (action == Action::List) {
        block::ImageInfo info = d.info();
        if (!info.snapshots.empty()) print_snapshot_table(info.snapshots);
        return 0;
    }
    static const char* const verbs[] = {"", "", "create", "apply", "delete"};
    std::string what =
        std::string("Could not ") + verbs[static_cast<int>(action)] + " snapshot '" + name + "': ";
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

}  // namespace kemu::img
