// The qemu-style command line, driven by system/options.def.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "system/error.h"
#include "system/machine_config.h"

namespace kemu {

struct CmdlineResult {
    MachineConfig config;
    // Set for -h, -version and the various "help" arguments: print it and exit 0.
    std::optional<std::string> exit_text;
    // Printed as "kemu-system-x86_64: warning: <text>" before the machine starts.
    std::vector<std::string> warnings;
};

// The QEMU release kemu's command line answers as (-version, the first line of -h).
extern const char* const kQemuCompatVersion;

// Errors read "<option>: <message>" ready for "kemu-system-x86_64: " in front.
Result<CmdlineResult> parse_cmdline(const std::vector<std::string>& args);

std::string usage_text();

}  // namespace kemu
