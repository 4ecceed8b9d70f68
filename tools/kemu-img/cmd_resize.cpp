#include <getopt.h>

#include <cstdio>
#include <cstring>

#include "block/qcow2/qcow2.h"
#include "block/raw.h"
#include "tools/kemu-img/commands.h"
#include "tools/kemu-img/common.h"

namespace kemu::img {

namespace {

// --preallocation for the range a resize added, as qemu-img: raw takes falloc and full,
// qcow2 also metadata.
Result<void> preallocate_growth(block::BlockDriver& d, uint64_t old_size, const std::string& mode) {
    std::optional<block::ImageFile::Prealloc> host;
    if (mode == "falloc") host = block::ImageFile::Prealloc::Falloc;
    if (mode == "full") host = block::ImageFile::Prealloc::Full;
    if (auto* q = dynamic_cast<block::qcow2::Qcow2Driver*>(&d)) {
        return q->preallocate_growth(old_size, host);
    }
    auto* raw = dynamic_cast<block::RawDriver*>(&d);
    if (!raw || !host) return Error("Unsupported preallocation mode: " + mode);
    return raw->preallocate(old_size, d.size() - old_size, *host);
}

}  // namespace

int cmd_resize(int argc, char** argv) {
    // A negative size ("-1G") would read as an option, so take it off argv first.
    std::string size_arg;
    if (argc >= 3 && argv[argc - 1][0] == '-' && argv[argc - 1][1] >= '0' &&
        argv[argc - 1][1] <= '9') {
        size_arg = argv[--argc];
    }
    std::string format, preallocation = "off";
    bool shrink = false, quiet = false;
    static const option longopts[] = {{"shrink", no_argument, nullptr, 'S'},
                                      {"preallocation", required_argument, nullptr, 'P'},
                                      {nullptr, 0, nullptr, 0}};
    int c;
    while ((c = getopt_long(argc, argv, ":f:q", longopts, nullptr)) != -1) {
        switch (c) {
            case 'f':
                format = optarg;
                break;
            case 'q':
                quiet = true;
                break;
            case 'S':
                shrink = true;
                break;
            case 'P':
                preallocation = optarg;
                if (preallocation != "off" && preallocation != "metadata" &&
                    preallocation != "falloc" && preallocation != "full") {
                    return fail("Invalid preallocation mode '" + preallocation + "'");
                }
                break;
            default:
                return fail("usage: kemu-img resize [-f fmt] [--shrink] filename [+ | -]size");
        }
    }
    if (size_arg.empty()) {
        if (optind != argc - 2) return fail("Expecting image file name and size");
        size_arg = argv[argc - 1];
        --argc;
    }
    if (optind != argc - 1) return fail("Expecting image file name and size");
    int sign = 0;
    if (size_arg[0] == '+' || size_arg[0] == '-') {
        sign = size_arg[0] == '+' ? 1 : -1;
        size_arg.erase(0, 1);
    }
    auto amount = parse_size(size_arg);
    if (!amount)
        return fail("Invalid image size specified. Must be between 0 and 9223372036854775807.");
    auto driver = open_for_tool(argv[optind], format, true);
    if (!driver) return fail(driver.error());
    uint64_t current = (*driver)->size();
    uint64_t target = *amount;
    if (sign > 0) target = current + *amount;
    if (sign < 0) {
        if (*amount > current) return fail("New image size must be positive");
        target = current - *amount;
    }
    if (preallocation != "off" && target < current) {
        return fail("Preallocation can only be used for growing images");
    }
    auto r = (*driver)->truncate(target, shrink);
    if (r && preallocation != "off") r = preallocate_growth(**driver, current, preallocation);
    if (!r) return fail(r.error());
    auto closed = (*driver)->close();
    if (!closed) return fail(closed.error());
    if (!quiet) std::printf("Image resized.\n");
    return 0;
}

}  // namespace kemu::img
