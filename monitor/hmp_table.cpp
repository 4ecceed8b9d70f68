#include "monitor/hmp_table.h"

#include "monitor/hmp_handlers.h"

namespace kemu {

namespace {

constexpr HmpCommand kCommands[] = {
#define HMP_COMMAND(name, aliases, args, params, help, handler) \
    {name, aliases, args, params, help, handler},
#include "monitor/hmp_commands.def"
#undef HMP_COMMAND
};

constexpr HmpInfoCommand kInfoCommands[] = {
#define HMP_INFO(name, params, help, handler) {name, params, help, handler},
#include "monitor/hmp_info_commands.def"
#undef HMP_INFO
};

std::string names(const HmpCommand& c) {
    std::string text = c.name;
    if (*c.aliases) text += std::string("|") + c.aliases;
    return text;
}

}  // namespace

bool names_contain(std::string_view names, std::string_view name) {
    while (!names.empty()) {
        size_t bar = names.find('|');
        if (names.substr(0, bar) == name) return true;
        names = bar == std::string_view::npos ? std::string_view{} : names.substr(bar + 1);
    }
    return false;
}

std::span<const HmpCommand> hmp_commands() {
    return kCommands;
}
std::span<const HmpInfoCommand> hmp_info_commands() {
    return kInfoCommands;
}

const HmpCommand* find_hmp_command(std::string_view name) {
    for (const HmpCommand& c : kCommands)
        if (name == c.name || names_contain(c.aliases, name)) return &c;
    return nullptr;
}

const HmpInfoCommand* find_hmp_info_command(std::string_view name) {
    for (const HmpInfoCommand& c : kInfoCommands)
        if (name == c.name) return &c;
    return nullptr;
}

std::string hmp_help_line(const HmpCommand& c) {
    return names(c) + " " + c.params + " -- " + c.help + "\n";
}

std::string hmp_info_help_line(const HmpInfoCommand& c) {
    return std::string("info ") + c.name + " " + c.params + " -- " + c.help + "\n";
}

std::string hmp_commands_markdown() {
    std::string md = "| command | arguments | description |\n|---|---|---|\n";
    for (const HmpCommand& c : kCommands) {
        // '|' would split a table cell, so aliases are listed with commas here.
        std::string cell = std::string("`") + c.name + "`";
        std::string_view aliases = c.aliases;
        while (!aliases.empty()) {
            size_t bar = aliases.find('|');
            cell += ", `" + std::string(aliases.substr(0, bar)) + "`";
            aliases = bar == std::string_view::npos ? std::string_view{} : aliases.substr(bar + 1);
        }
        std::string params;
        for (char ch : std::string_view(c.params))
            params += ch == '|' ? std::string("\\|") : std::string(1, ch);
        md += "| " + cell + " | " + (params.empty() ? "" : "`" + params + "`") + " | " + c.help +
              " |\n";
    }
    md += "\n`info` subcommands:\n\n| subcommand | description |\n|---|---|\n";
    for (const HmpInfoCommand& c : kInfoCommands)
        md += std::string("| `info ") + c.name + "` | " + c.help + " |\n";
    return md;
}

}  // namespace kemu
