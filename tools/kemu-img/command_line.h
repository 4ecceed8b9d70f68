// kemu-img's command lines, declared as data: every command's options are rows of
// commands.def (as system/options.def is for the emulator), and parsing, `kemu-img CMD
// --help` and the synopsis in `kemu-img --help` all come from those rows.
#pragma once

#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "system/error.h"

namespace kemu::img {

struct OptionSpec {
    const char* command;    // the command that takes it
    char short_name;        // 0: long form only
    const char* long_name;  // nullptr: short form only
    const char* argument;   // nullptr: a flag; else the argument's name in help ("fmt")
    const char* help;
};

inline constexpr OptionSpec kAllOptions[] = {
#define OPTION(command, short_name, long_name, argument, help) \
    {#command, short_name, long_name, argument, help},
#include "tools/kemu-img/commands.def"
#undef OPTION
};

// The rows of `command`, which stand together in commands.def (a build error otherwise).
consteval std::span<const OptionSpec> options_of(std::string_view command) {
    size_t first = 0, count = 0;
    for (size_t i = 0; i < std::size(kAllOptions); ++i) {
        if (command != kAllOptions[i].command) continue;
        if (count && first + count != i) throw "commands.def: a command's rows are not together";
        if (!count) first = i;
        ++count;
    }
    if (!count) throw "commands.def: no options for this command";
    return {kAllOptions + first, count};
}

struct CommandSpec {
    const char* name;
    const char* operands;  // as in the synopsis: "filename [size]"
    std::span<const OptionSpec> options;
    // The exit status for a command line that does not parse (compare's is 2).
    int usage_status = 1;
    // The last argument is an operand even when it looks like an option: resize's "-1G".
    bool last_argument_is_operand = false;
};

// What a command line said, in the table's terms. Options are named by their short
// letter ("f") or, when they have none, their long name ("output").
class ParsedArgs {
  public:
    explicit ParsedArgs(const CommandSpec& spec) : spec_(&spec) {}

    bool has(std::string_view name) const { return count(name) != 0; }
    size_t count(std::string_view name) const;
    // The argument given last (as with getopt, a later option overrides an earlier one).
    std::string value(std::string_view name, const std::string& fallback = "") const;
    // Every argument given, in order (-o accumulates).
    std::vector<std::string> values(std::string_view name) const;

    std::vector<std::string> operands;
    bool help = false;  // -h or --help: print command_help() instead of running

    // For the parser.
    void add(const OptionSpec& option, std::string argument);

  private:
    struct Given {
        const OptionSpec* option;
        std::string argument;
    };
    const OptionSpec& declared(std::string_view name) const;

    const CommandSpec* spec_;
    std::vector<Given> given_;
};

// argv[0] is the command's name. Errors name the option and point at --help.
Result<ParsedArgs> parse_command_line(const CommandSpec& spec, int argc, char** argv);

// "info [-f fmt] [--output=ofmt] [-U] filename"
std::string command_synopsis(const CommandSpec& spec);
// The usage line and one line per option.
std::string command_help(const CommandSpec& spec);

}  // namespace kemu::img
