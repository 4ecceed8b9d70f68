// kemu-img: qemu-img compatible image utility. Dispatches on the subcommand name; each
// command's options table (commands.h) drives its parsing and its help.
#include <cstdio>
#include <cstring>

#include "tools/kemu-img/commands.h"
#include "tools/kemu-img/common.h"

namespace {

using kemu::img::Command;

void usage() {
    std::printf("kemu-img version " KEMU_VERSION
                "\nusage: kemu-img command [command options]\n\n"
                "Command syntax:\n");
    for (const Command* c : kemu::img::all_commands())
        std::printf("  %s\n", kemu::img::command_synopsis(c->spec).c_str());
    std::printf(
        "\n'kemu-img COMMAND --help' describes a command's options.\n"
        "See docs/kemu-img.md for details.\n");
}

int run(const Command& command, int argc, char** argv) {
    auto args = kemu::img::parse_command_line(command.spec, argc, argv);
    if (!args) {
        kemu::img::fail(args.error());
        return command.spec.usage_status;
    }
    if (args->help) {
        std::printf("%s", kemu::img::command_help(command.spec).c_str());
        return 0;
    }
    return command.run(*args);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr,
                     "kemu-img: Not enough arguments\nTry 'kemu-img --help' for more "
                     "information\n");
        return 1;
    }
    if (!std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
        usage();
        return 0;
    }
    if (!std::strcmp(argv[1], "--version") || !std::strcmp(argv[1], "-V")) {
        std::printf("kemu-img version " KEMU_VERSION "\n");
        return 0;
    }
    for (const Command* c : kemu::img::all_commands()) {
        if (!std::strcmp(argv[1], c->spec.name)) return run(*c, argc - 1, argv + 1);
    }
    std::fprintf(stderr, "kemu-img: Command not found: %s\n", argv[1]);
    return 1;
}
