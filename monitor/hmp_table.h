// The rows of hmp_commands.def and hmp_info_commands.def as data, and the text
// made from them (`help`, docs/monitor.md).
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace kemu {

class Monitor;
class HmpArgs;

struct HmpCommand {
    const char* name;
    const char* aliases;  // '|' separated
    const char* args;
    const char* params;
    const char* help;
    void (*handler)(Monitor&, const HmpArgs&);
};

struct HmpInfoCommand {
    const char* name;
    const char* params;
    const char* help;
    void (*handler)(Monitor&);
};

std::span<const HmpCommand> hmp_commands();
std::span<const HmpInfoCommand> hmp_info_commands();

// Whether `name` is one of the '|'-separated `names` (command aliases, register names).
bool names_contain(std::string_view names, std::string_view name);

// By name or alias; nullptr if none.
const HmpCommand* find_hmp_command(std::string_view name);
const HmpInfoCommand* find_hmp_info_command(std::string_view name);

// "cont|c  -- resume emulation": QEMU's help line layout.
std::string hmp_help_line(const HmpCommand& command);
std::string hmp_info_help_line(const HmpInfoCommand& command);

// The generated command reference in docs/monitor.md.
std::string hmp_commands_markdown();

}  // namespace kemu
