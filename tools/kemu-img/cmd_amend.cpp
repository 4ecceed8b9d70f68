#include <getopt.h>

#include <cstdio>

#include "block/qcow2/qcow2.h"
#include "tools/kemu-img/commands.h"
#include "tools/kemu-img/common.h"

namespace kemu::img {

int cmd_amend(int argc, char** argv) {
    std::string format;
    OptionMap options;
    static const option longopts[] = {{"force", no_argument, nullptr, 'F'},
                                      {nullptr, 0, nullptr, 0}};
    int c;
    while ((c = getopt_long(argc, argv, ":f:o:pqt:", longopts, nullptr)) != -1) {
        switch (c) {
            case 'f':
                format = optarg;
                break;
            case 'o': {
                auto p = parse_option_list(optarg, options);
                if (!p) return fail(p.error());
                break;
            }
            case 'q':
                break;  // these commands print nothing on success anyway
            case 'p':
            case 't':
            case 'F':
                break;
            default:
                return fail("usage: kemu-img amend [-f fmt] -o options filename");
        }
    }
    if (optind != argc - 1) return fail("Expecting one image file name");
    if (options.empty()) return fail("Must specify options (-o)");
    auto driver = open_for_tool(argv[optind], format, true);
    if (!driver) return fail(driver.error());
    auto* q = dynamic_cast<block::qcow2::Qcow2Driver*>(driver->get());
    if (!q)
        return fail("Format driver '" + std::string((*driver)->format_name()) +
                    "' does not support option amendment");
    std::optional<bool> lazy;
    std::optional<uint32_t> version;
    for (const auto& [key, value] : options) {
        if (key == "lazy_refcounts") {
            lazy = value == "on" || value == "true";
        } else if (key == "compat") {
            if (value == "0.10" || value == "v2")
                version = 2;
            else if (value == "1.1" || value == "v3")
                version = 3;
            else
                return fail("Invalid compatibility level: '" + value + "'");
        } else {
            return fail("Changing the " + key + " option is not supported");
        }
    }
    auto r = q->amend(lazy, version);
    if (!r) return fail(r.error());
    auto closed = q->close();
    if (!closed) return fail(closed.error());
    return 0;
}

}  // namespace kemu::img
