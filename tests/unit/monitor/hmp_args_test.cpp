#include "monitor/hmp_args.h"

#include <gtest/gtest.h>

#include <set>
#include <span>
#include <string>
#include <vector>

#include "monitor/hmp_table.h"

namespace kemu {
namespace {

uint64_t eval(std::string_view text) {
    auto r = evaluate_expression(text);
    EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message());
    return r.ok() ? *r : 0;
}

std::string eval_error(std::string_view text) {
    auto r = evaluate_expression(text);
    EXPECT_FALSE(r.ok()) << text;
    return r.ok() ? "" : r.error().message();
}

struct ValueCase {
    const char* text;
    uint64_t value;
};

void expect_values(std::span<const ValueCase> cases) {
    for (const ValueCase& c : cases)
        EXPECT_EQ(eval(c.text), c.value) << c.text;
}

struct ErrorCase {
    std::string text;
    const char* message;
};

void expect_errors(std::span<const ErrorCase> cases) {
    for (const ErrorCase& c : cases)
        EXPECT_EQ(eval_error(c.text), c.message) << c.text;
}

TEST(Expression, NumbersAndOperators) {
    const ValueCase cases[] = {
        {"0x1000", 0x1000u},
        {"4096", 4096u},
        {"0X1f", 0x1fu},
        {"0x1000+16", 0x1010u},
        {" 0x1000 + 16 ", 0x1010u},
        {"2+3*4", 14u},
        {"(2+3)*4", 20u},
        {"100/7", 14u},
        {"100%7", 2u},
        {"10-3-2", 5u},
        {"-1", ~uint64_t(0)},
        {"0xffffffffffffffff+2", 1u},
        {"--5", 5u},
        {"18446744073709551615", ~uint64_t(0)},
    };
    expect_values(cases);
}

// QEMU's grammar: * / % bind tighter than & | ^, which bind tighter than + -. The
// expected values are what QEMU 7.2's `p` printed for the same expressions.
TEST(Expression, BitwiseOperatorsAndTheirPrecedence) {
    const ValueCase cases[] = {
        {"0xf0 | 0x0f", 0xffu}, {"0xff & 0x3c", 0x3cu}, {"0xff ^ 0x0f", 0xf0u},
        {"~0", ~uint64_t(0)},   {"~0&0xff", 0xffu},     {"~0xfff & 0x12345", 0x12000u},
        {"2*3|4", 6u},  // (2 * 3) | 4
        {"6&3*2", 6u},  // 6 & (3 * 2)
        {"2+6&3", 4u},  // 2 + (6 & 3)
        {"2|1+1", 4u},  // (2 | 1) + 1
        {"(2+6)&3", 0u},
    };
    expect_values(cases);
}

TEST(Expression, OctalAndCharacterConstants) {
    const ValueCase cases[] = {
        {"010", 8u}, {"0", 0u}, {"0777", 511u}, {"'A'", 65u}, {"' ' + 1", 33u}, {"'a' - 'A'", 32u},
    };
    expect_values(cases);
}

TEST(Expression, RegistersComeFromTheReader) {
    std::vector<std::string> asked;
    RegisterReader registers = [&](std::string_view name) -> Result<uint64_t> {
        asked.emplace_back(name);
        if (name == "pc") return uint64_t(0x1000);
        if (name == "cs.base") return uint64_t(0xf0000);
        return Error("unknown register '$" + std::string(name) + "'");
    };
    auto a = evaluate_expression("$pc + 4*2", registers);
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(*a, 0x1008u);
    auto b = evaluate_expression("($cs.base|$pc)-1", registers);
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(*b, 0xf0fffu);
    EXPECT_EQ(asked, (std::vector<std::string>{"pc", "cs.base", "pc"}));
    auto c = evaluate_expression("$pc+$bogus", registers);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().message(), "unknown register '$bogus'");
    MemoryFormat sticky;
    auto d = parse_hmp_args("fmt:/,addr:l", "/2i $pc + 0x10", sticky, registers);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->number("addr"), 0x1010u);
    EXPECT_EQ(d->format("fmt").count, 2u);
    EXPECT_EQ(d->format("fmt").format, 'i');
}

TEST(Expression, Errors) {
    const ErrorCase cases[] = {
        {"", "number expected"},
        {"0x", "number expected"},
        {"12ab", "invalid char in expression: 'a'"},
        {"1 2", "invalid char in expression: '2'"},
        {"$eax", "unknown register '$eax'"},  // no CPU to read from
        {"$", "register name expected after '$'"},
        {"'a", "missing terminating ' character"},
        {"'", "character constant expected"},
        {"09", "invalid char in expression: '9'"},  // octal
        {"1 & ", "number expected"},
        {"4/0", "division by zero"},
        {"4%(1-1)", "division by zero"},
        {"(1+2", "')' expected"},
        {"18446744073709551616", "number too large"},
        {"0x10000000000000000", "number too large"},
        {std::string(1000, '(') + "1" + std::string(1000, ')'), "expression too deeply nested"},
        {std::string(1000, '-') + "1", "expression too deeply nested"},
    };
    expect_errors(cases);
}

TEST(MemoryFormatParse, DefaultsAndStickiness) {
    MemoryFormat sticky;
    auto f = parse_memory_format("/10xb", sticky);
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(f->count, 10u);
    EXPECT_EQ(f->format, 'x');
    EXPECT_EQ(f->unit, 1u);
    EXPECT_EQ(sticky.unit, 1u);
    auto g = parse_memory_format("/gd", sticky);  // letters in any order, count 1
    ASSERT_TRUE(g.ok());
    EXPECT_EQ(g->count, 1u);
    EXPECT_EQ(g->format, 'd');
    EXPECT_EQ(g->unit, 8u);
    auto h = parse_memory_format("/3", sticky);
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->count, 3u);
    EXPECT_EQ(h->format, 'd');
    EXPECT_EQ(h->unit, 8u);
}

TEST(ArgParse, Kinds) {
    MemoryFormat sticky;
    auto a = parse_hmp_args("name:s,rest:S?", "  first   the rest  ", sticky);
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->text("name"), "first");
    EXPECT_EQ(a->text("rest"), "the rest");
    auto b = parse_hmp_args("name:s,rest:S?", "only", sticky);
    ASSERT_TRUE(b.ok());
    EXPECT_FALSE(b->has("rest"));
    auto c = parse_hmp_args("n:i,m:i?", "0x10 7", sticky);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->number("n"), 16u);
    EXPECT_EQ(c->number("m"), 7u);
    auto d = parse_hmp_args("n:i", "1 2", sticky);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().message(), "extraneous characters at the end of line");
}

TEST(ArgSpec, RejectsMalformedSpecs) {
    EXPECT_FALSE(parse_arg_spec("x").ok());
    EXPECT_FALSE(parse_arg_spec("x:").ok());
    EXPECT_FALSE(parse_arg_spec("x:q").ok());
    EXPECT_FALSE(parse_arg_spec("x:s??").ok());
    auto ok = parse_arg_spec("fmt:/,addr:l,opt:s?");
    ASSERT_TRUE(ok.ok());
    ASSERT_EQ(ok->size(), 3u);
    EXPECT_EQ((*ok)[2].name, "opt");
    EXPECT_EQ((*ok)[2].kind, 's');
    EXPECT_TRUE((*ok)[2].optional);
}

TEST(CommandTable, EveryRowIsWellFormedAndNamesAreUnique) {
    std::set<std::string> names;
    for (const HmpCommand& c : hmp_commands()) {
        EXPECT_TRUE(parse_arg_spec(c.args).ok()) << c.name;
        EXPECT_TRUE(names.insert(c.name).second) << c.name;
        std::string_view aliases = c.aliases;
        while (!aliases.empty()) {
            size_t bar = aliases.find('|');
            EXPECT_TRUE(names.insert(std::string(aliases.substr(0, bar))).second) << c.name;
            aliases = bar == std::string_view::npos ? std::string_view{} : aliases.substr(bar + 1);
        }
        EXPECT_EQ(find_hmp_command(c.name), &c);
    }
    std::set<std::string> infos;
    for (const HmpInfoCommand& c : hmp_info_commands()) {
        EXPECT_TRUE(infos.insert(c.name).second) << c.name;
        EXPECT_EQ(find_hmp_info_command(c.name), &c);
    }
    for (const char* required : {"help", "info", "stop", "cont", "system_reset", "system_powerdown",
                                 "quit", "x", "xp", "cpu", "print", "p"})
        EXPECT_TRUE(names.count(required)) << required;
    for (const char* required :
         {"version", "status", "kvm", "cpus", "registers", "mtree", "chardev", "qtree", "tlb"})
        EXPECT_TRUE(infos.count(required)) << required;
}

}  // namespace
}  // namespace kemu
