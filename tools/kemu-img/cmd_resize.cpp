#include <algorithm>
#include <cstdio>
#include <cstring>

#include "block/qcow2/qcow2.h"
#include "block/raw.h"
#include "system/keyval.h"
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

constexpr const char* kPreallocationModes[] = {"off", "metadata", "falloc", "full"};

int run(const ParsedArgs& args) {
    std::string preallocation = args.value("preallocation", "off");
    if (std::find(std::begin(kPreallocationModes), std::end(kPreallocationModes), preallocation) ==
        std::end(kPreallocationModes)) {
        return fail("Invalid preallocation mode '" + preallocation + "'");
    }
    if (args.operands.size() != 2) return fail("Expecting image file name and size");
    std::string size_arg = args.operands[1];
    int sign = 0;
    if (size_arg[0] == '+' || size_arg[0] == '-') {
        sign = size_arg[0] == '+' ? 1 : -1;
        size_arg.erase(0, 1);
    }
    auto amount = parse_size(size_arg, 1);
    if (!amount)
        return fail("Invalid image size specified. Must be between 0 and 9223372036854775807.");
    auto driver = open_for_tool(args.operands[0], args.value("f"), true);
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
    auto r = (*driver)->truncate(target, args.has("shrink"));
    if (r && preallocation != "off") r = preallocate_growth(**driver, current, preallocation);
    if (!r) return fail(r.error());
    auto closed = (*driver)->close();
    if (!closed) return fail(closed.error());
    if (!args.has("q")) std::printf("Image resized.\n");
    return 0;
}

}  // namespace

// The size is taken off the end first, so a negative one ("-1G") is not read as an option.
const Command kResizeCommand{{"resize", "filename [+ | -]size", options_of("resize"),
                              /*usage_status=*/1, /*last_argument_is_operand=*/true},
                             run};

}  // namespace kemu::img
