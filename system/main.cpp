// kemu-system-x86_64: command line -> MachineConfig -> Machine -> run.
#include <cstdio>
#include <string>
#include <vector>

#include "system/cmdline.h"
#include "system/log.h"
#include "system/machine.h"

namespace {

int fail(const std::string& message) {
    std::fprintf(stderr, "kemu-system-x86_64: %s\n", message.c_str());
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    auto parsed = kemu::parse_cmdline(args);
    if (!parsed) return fail(parsed.error().message());
    if (parsed->exit_text) {
        std::printf("%s\n", parsed->exit_text->c_str());
        return 0;
    }
    for (const std::string& warning : parsed->warnings)
        std::fprintf(stderr, "kemu-system-x86_64: warning: %s\n", warning.c_str());
    const kemu::MachineConfig& config = parsed->config;
    kemu::log_set_mask(config.log_mask);
    kemu::log_set_filter(config.log_filter);
    if (auto r = kemu::log_set_file(config.log_file); !r)
        return fail("-D " + config.log_file + ": " + r.error().message());

    auto machine = kemu::Machine::create(config);
    if (!machine) return fail(machine.error().message());
    return (*machine)->run();
}
