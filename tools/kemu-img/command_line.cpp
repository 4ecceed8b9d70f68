#include "tools/kemu-img/command_line.h"

#include <getopt.h>

#include <algorithm>

namespace kemu::img {

namespace {

// getopt_long's value for a long-only option: its row index above every character.
constexpr int kLongOnly = 256;

constexpr OptionSpec kHelpOption{"", 'h', "help", nullptr, "display this help and exit"};

bool is_named(const OptionSpec& o, std::string_view name) {
    return (o.short_name && name.size() == 1 && name[0] == o.short_name) ||
           (o.long_name && name == o.long_name);
}

bool declares(const CommandSpec& spec, std::string_view name) {
    return std::any_of(spec.options.begin(), spec.options.end(),
                       [&](const OptionSpec& o) { return is_named(o, name); });
}

// "-f fmt", "--output=ofmt", "-U": the option as the synopsis shows it.
std::string short_spelling(const OptionSpec& o) {
    std::string s =
        o.short_name ? std::string("-") + o.short_name : std::string("--") + o.long_name;
    if (o.argument) s += (o.short_name ? " " : "=") + std::string(o.argument);
    return s;
}

// "-U, --force-share", "-r, --repair=leaks|all": every name, for the option list.
std::string full_spelling(const OptionSpec& o) {
    if (!o.short_name || !o.long_name) return short_spelling(o);
    std::string s = std::string("-") + o.short_name + ", --" + o.long_name;
    if (o.argument) s += "=" + std::string(o.argument);
    return s;
}

// The option getopt_long stopped at, as the user wrote it. `code` is getopt's optopt:
// 0 for an unknown long option, a letter for a short one or a long one that has a letter.
std::string offending_option(const CommandSpec& spec, char** argv, int code) {
    std::string previous = optind > 0 ? argv[optind - 1] : "";
    bool long_form = previous.starts_with("--");
    if (long_form && code > 0 && code < kLongOnly) {
        // A letter: the long form counts only if that word is this option's long name.
        auto named = std::find_if(spec.options.begin(), spec.options.end(),
                                  [&](const OptionSpec& o) { return o.short_name == code; });
        long_form = named != spec.options.end() && named->long_name &&
                    previous.substr(2, previous.find('=') - 2) == named->long_name;
    }
    if (long_form || code == 0 || code >= kLongOnly) return previous.substr(0, previous.find('='));
    return std::string("-") + char(code);
}

}  // namespace

void ParsedArgs::add(const OptionSpec& option, std::string argument) {
    given_.push_back({&option, std::move(argument)});
}

size_t ParsedArgs::count(std::string_view name) const {
    KEMU_ASSERT(declares(*spec_, name));  // a misspelt name would read as "not given"
    return std::count_if(given_.begin(), given_.end(),
                         [&](const Given& g) { return is_named(*g.option, name); });
}

std::string ParsedArgs::value(std::string_view name, const std::string& fallback) const {
    KEMU_ASSERT(declares(*spec_, name));
    auto last = std::find_if(given_.rbegin(), given_.rend(),
                             [&](const Given& g) { return is_named(*g.option, name); });
    return last == given_.rend() ? fallback : last->argument;
}

std::vector<std::string> ParsedArgs::values(std::string_view name) const {
    KEMU_ASSERT(declares(*spec_, name));
    std::vector<std::string> out;
    for (const Given& g : given_) {
        if (is_named(*g.option, name)) out.push_back(g.argument);
    }
    return out;
}

Result<ParsedArgs> parse_command_line(const CommandSpec& spec, int argc, char** argv) {
    ParsedArgs args(spec);
    const char* trailing = nullptr;
    if (spec.last_argument_is_operand && argc >= 3) trailing = argv[--argc];
    std::string shorts = ":h";  // leading ':': report a missing argument as ':'
    std::vector<option> longs{{kHelpOption.long_name, no_argument, nullptr, 'h'}};
    for (size_t i = 0; i < spec.options.size(); ++i) {
        const OptionSpec& o = spec.options[i];
        if (o.short_name) shorts += std::string(1, o.short_name) + (o.argument ? ":" : "");
        if (o.long_name) {
            longs.push_back({o.long_name, o.argument ? required_argument : no_argument, nullptr,
                             o.short_name ? o.short_name : kLongOnly + int(i)});
        }
    }
    longs.push_back({nullptr, 0, nullptr, 0});
    auto usage_error = [&](const std::string& message) {
        return Error(message + "\nTry 'kemu-img " + spec.name + " --help' for more information");
    };
    optind = 0;  // glibc: start afresh, also for a second command line in one process
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, shorts.c_str(), longs.data(), nullptr)) != -1) {
        if (c == 'h') {
            args.help = true;
        } else if (c == '?') {
            return usage_error("unrecognized option '" + offending_option(spec, argv, optopt) +
                               "'");
        } else if (c == ':') {
            return usage_error("missing argument for option '" +
                               offending_option(spec, argv, optopt) + "'");
        } else {
            auto row = c >= kLongOnly
                           ? spec.options.begin() + (c - kLongOnly)
                           : std::find_if(spec.options.begin(), spec.options.end(),
                                          [c](const OptionSpec& o) { return o.short_name == c; });
            args.add(*row, optarg ? optarg : "");
        }
    }
    args.operands.assign(argv + optind, argv + argc);
    if (trailing) args.operands.push_back(trailing);
    return args;
}

std::string command_synopsis(const CommandSpec& spec) {
    std::string s = spec.name;
    for (const OptionSpec& o : spec.options)
        s += " [" + short_spelling(o) + "]";
    return s + " " + spec.operands;
}

std::string command_help(const CommandSpec& spec) {
    constexpr size_t kColumn = 28;
    std::string s = "usage: kemu-img " + command_synopsis(spec) + "\n\nOptions:\n";
    auto row = [&](const OptionSpec& o) {
        std::string names = "  " + full_spelling(o);
        names.resize(std::max(kColumn, names.size() + 2), ' ');
        s += names + o.help + "\n";
    };
    for (const OptionSpec& o : spec.options)
        row(o);
    row(kHelpOption);
    return s;
}

}  // namespace kemu::img
