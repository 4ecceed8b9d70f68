#include "block/qcow2/qcow2.h"
#include "tools/kemu-img/commands.h"
#include "tools/kemu-img/common.h"
#include "tools/kemu-img/image_options.h"

namespace kemu::img {

namespace {

int run(const ParsedArgs& args) {
    if (args.operands.size() != 1) return fail("Expecting one image file name");
    auto options = parse_option_lists(args.values("o"));
    if (!options) return fail(options.error());
    if (options->empty()) return fail("Must specify options (-o)");
    auto driver = open_for_tool(args.operands[0], args.value("f"), true);
    if (!driver) return fail(driver.error());
    auto* q = dynamic_cast<block::qcow2::Qcow2Driver*>(driver->get());
    if (!q) {
        return fail("Format driver '" + std::string((*driver)->format_name()) +
                    "' does not support option amendment");
    }
    for (const auto& [key, value] : *options) {
        if (key != "lazy_refcounts" && key != "compat") {
            return fail("Changing the " + key + " option is not supported");
        }
    }
    auto lazy = bool_option(*options, "lazy_refcounts");
    if (!lazy) return fail(lazy.error());
    auto version = qcow2_version_option(*options);
    if (!version) return fail(version.error());
    auto r = q->amend(*lazy, *version);
    if (!r) return fail(r.error());
    auto closed = q->close();
    if (!closed) return fail(closed.error());
    return 0;
}

}  // namespace

const Command kAmendCommand{{"amend", "filename", options_of("amend")}, run};

}  // namespace kemu::img
