// kemu-img: qemu-img compatible image utility. Dispatches on the subcommand name.
#include <cstdio>
#include <cstring>
#include <iterator>

#include "tools/kemu-img/commands.h"

namespace {

struct Command {
    const char* name;
    int (*run)(int, char**);
    const char* synopsis;
};

constexpr Command kCommands[] = {
    {"amend", kemu::img::cmd_amend, "amend [-f fmt] -o options filename"},
    {"bench", kemu::img::cmd_bench,
     "bench [-c count] [-d depth] [-f fmt] [-n] [-o offset] [-s buffer_size] [-S step_size] "
     "[-t cache] [-w] [-U] filename"},
    {"check", kemu::img::cmd_check, "check [-f fmt] [--output=ofmt] [-r [leaks | all]] filename"},
    {"commit", kemu::img::cmd_commit, "commit [-f fmt] [-b base] [-d] [-p] filename"},
    {"compare", kemu::img::cmd_compare,
     "compare [-f fmt] [-F fmt] [-p] [-q] [-s] filename1 filename2"},
    {"convert", kemu::img::cmd_convert,
     "convert [-c] [-p] [-q] [-n] [-f fmt] [-t cache] [-T src_cache] [-O output_fmt] "
     "[-B backing_file [-F backing_fmt]] [-o options] [-S sparse_size] "
     "filename [filename2 [...]] output_filename"},
    {"create", kemu::img::cmd_create,
     "create [-q] [-f fmt] [-b backing_file [-F backing_fmt]] [-u] [-o options] filename [size]"},
    {"info", kemu::img::cmd_info, "info [-f fmt] [--output=ofmt] [--backing-chain] filename"},
    {"map", kemu::img::cmd_map, "map [-f fmt] [--output=ofmt] filename"},
    {"measure", kemu::img::cmd_measure,
     "measure [--output=ofmt] [-O output_fmt] [-o options] [--size N | [-f fmt] filename]"},
    {"rebase", kemu::img::cmd_rebase,
     "rebase [-f fmt] [-p] [-u] [-b backing_file [-F backing_fmt]] filename"},
    {"resize", kemu::img::cmd_resize, "resize [-f fmt] [--shrink] [-q] filename [+ | -]size"},
    {"snapshot", kemu::img::cmd_snapshot,
     "snapshot [-q] [-l | -a snapshot | -c snapshot | -d snapshot] filename"},
};

void usage() {
    std::printf("kemu-img version " KEMU_VERSION
                "\nusage: kemu-img command [command options]\n\n"
                "Command syntax:\n");
    for (const Command& c : kCommands)
        std::printf("  %s\n", c.synopsis);
    std::printf("\nSee docs/kemu-img.md for details.\n");
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
    for (const Command& c : kCommands) {
        if (!std::strcmp(argv[1], c.name)) return c.run(argc - 1, argv + 1);
    }
    std::fprintf(stderr, "kemu-img: Command not found: %s\n", argv[1]);
    return 1;
}
