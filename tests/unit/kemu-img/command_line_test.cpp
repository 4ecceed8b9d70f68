// kemu-img command lines parsed through the real command tables.
#include "tools/kemu-img/command_line.h"

#include <gtest/gtest.h>

#include <set>

#include "tools/kemu-img/commands.h"

namespace kemu::img {
namespace {

Result<ParsedArgs> parse(const Command& command, std::vector<std::string> words) {
    words.insert(words.begin(), command.spec.name);
    std::vector<char*> argv;
    for (std::string& w : words)
        argv.push_back(w.data());
    argv.push_back(nullptr);
    return parse_command_line(command.spec, int(words.size()), argv.data());
}

std::string parse_error(const Command& command, std::vector<std::string> words) {
    auto r = parse(command, std::move(words));
    EXPECT_FALSE(r.ok());
    return r.ok() ? "" : r.error().message();
}

TEST(KemuImgCommandLine, OptionsOperandsAndLongForms) {
    auto r = parse(kInfoCommand, {"-f", "qcow2", "--output=json", "disk.img", "--force-share"});
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->value("f"), "qcow2");
    EXPECT_EQ(r->value("output"), "json");
    EXPECT_TRUE(r->has("U"));
    EXPECT_TRUE(r->has("force-share"));
    EXPECT_FALSE(r->has("backing-chain"));
    EXPECT_FALSE(r->help);
    EXPECT_EQ(r->operands, std::vector<std::string>{"disk.img"});
    EXPECT_EQ(r->value("backing-chain", "absent"), "absent");
}

TEST(KemuImgCommandLine, RepeatedOptionsAccumulateAndTheLastWins) {
    auto r = parse(kCreateCommand, {"-o", "cluster_size=4k", "-f", "raw", "-qf", "qcow2", "-o",
                                    "compat=v2", "x.img"});
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->value("f"), "qcow2");
    EXPECT_EQ(r->count("f"), 2u);
    EXPECT_TRUE(r->has("q"));
    EXPECT_EQ(r->values("o"), (std::vector<std::string>{"cluster_size=4k", "compat=v2"}));
}

TEST(KemuImgCommandLine, UnknownOption) {
    const std::string hint = "\nTry 'kemu-img info --help' for more information";
    EXPECT_EQ(parse_error(kInfoCommand, {"-z", "x.img"}), "unrecognized option '-z'" + hint);
    EXPECT_EQ(parse_error(kInfoCommand, {"-Uz", "x.img"}), "unrecognized option '-z'" + hint);
    EXPECT_EQ(parse_error(kInfoCommand, {"--bogus=1", "x.img"}),
              "unrecognized option '--bogus'" + hint);
    // -o is convert's, not info's.
    EXPECT_EQ(parse_error(kInfoCommand, {"-o", "a=b", "x.img"}), "unrecognized option '-o'" + hint);
}

TEST(KemuImgCommandLine, MissingArgument) {
    EXPECT_EQ(parse_error(kCheckCommand, {"x.img", "-f"}),
              "missing argument for option '-f'\nTry 'kemu-img check --help' for more information");
    EXPECT_EQ(parse_error(kCheckCommand, {"x.img", "--output"}),
              "missing argument for option '--output'\n"
              "Try 'kemu-img check --help' for more information");
    EXPECT_EQ(parse_error(kCheckCommand, {"x.img", "--repair"}),
              "missing argument for option '--repair'\n"
              "Try 'kemu-img check --help' for more information");
}

TEST(KemuImgCommandLine, HelpInEitherSpelling) {
    for (const char* spelling : {"-h", "--help"}) {
        auto r = parse(kMapCommand, {spelling});
        ASSERT_TRUE(r.ok()) << spelling;
        EXPECT_TRUE(r->help) << spelling;
    }
}

TEST(KemuImgCommandLine, ResizeTakesANegativeSizeAsAnOperand) {
    auto r = parse(kResizeCommand, {"--shrink", "disk.img", "-1G"});
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_TRUE(r->has("shrink"));
    EXPECT_EQ(r->operands, (std::vector<std::string>{"disk.img", "-1G"}));
}

TEST(KemuImgCommandLine, CompareReportsUsageErrorsWithItsOwnStatus) {
    EXPECT_EQ(kCompareCommand.spec.usage_status, 2);
    EXPECT_EQ(kInfoCommand.spec.usage_status, 1);
}

// Every option a table declares shows in the command's --help, by every name, with its
// help text; the synopsis in `kemu-img --help` names each one too.
TEST(KemuImgCommandLine, HelpListsEveryOption) {
    ASSERT_EQ(all_commands().size(), 13u);
    for (const Command* c : all_commands()) {
        std::string help = command_help(c->spec);
        std::string synopsis = command_synopsis(c->spec);
        EXPECT_TRUE(help.starts_with("usage: kemu-img " + synopsis + "\n")) << help;
        EXPECT_NE(help.find("-h, --help"), std::string::npos) << c->spec.name;
        for (const OptionSpec& o : c->spec.options) {
            if (o.short_name) {
                std::string s = std::string("-") + o.short_name;
                EXPECT_NE(help.find("  " + s), std::string::npos) << c->spec.name << " " << s;
                EXPECT_NE(synopsis.find("[" + s), std::string::npos) << c->spec.name << " " << s;
            }
            if (o.long_name) {
                std::string l = std::string("--") + o.long_name;
                EXPECT_NE(help.find(l), std::string::npos) << c->spec.name << " " << l;
            }
            if (o.argument) {
                EXPECT_NE(help.find(o.argument), std::string::npos) << c->spec.name;
            }
            EXPECT_NE(help.find(o.help), std::string::npos) << c->spec.name << " " << o.help;
        }
    }
}

// getopt would take the first of two rows with one name; -h is every command's help.
TEST(KemuImgCommandLine, TablesDeclareEachNameOnce) {
    for (const Command* c : all_commands()) {
        std::set<std::string> names{"h", "help"};
        for (const OptionSpec& o : c->spec.options) {
            ASSERT_TRUE(o.short_name || o.long_name) << c->spec.name;
            ASSERT_NE(o.help, nullptr) << c->spec.name;
            if (o.short_name) {
                EXPECT_TRUE(names.insert(std::string(1, o.short_name)).second)
                    << c->spec.name << " -" << o.short_name;
            }
            if (o.long_name) {
                EXPECT_TRUE(names.insert(o.long_name).second)
                    << c->spec.name << " --" << o.long_name;
            }
        }
    }
}

// A row for a misspelt command would never be offered.
TEST(KemuImgCommandLine, EveryRowBelongsToACommand) {
    size_t rows = 0;
    for (const Command* c : all_commands()) {
        for (const OptionSpec& o : c->spec.options)
            EXPECT_EQ(std::string(o.command), c->spec.name);
        rows += c->spec.options.size();
    }
    EXPECT_EQ(rows, std::size(kAllOptions));
}

TEST(KemuImgCommandLine, SynopsisShowsArgumentsAndOperands) {
    EXPECT_EQ(command_synopsis(kMapCommand.spec), "map [-f fmt] [--output=ofmt] [-U] filename");
}

}  // namespace
}  // namespace kemu::img
