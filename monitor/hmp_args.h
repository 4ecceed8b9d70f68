// Argument parsing for HMP commands, driven by the spec strings of
// hmp_commands.def ("fmt:/,addr:l"), plus the small expression language of
// addresses (0x1000+16, (0x2000-8)*2).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "system/error.h"

namespace kemu {

// The /Nfu of x and xp: how many units, shown how, each how wide.
struct MemoryFormat {
    uint64_t count = 1;
    char format = 'x';  // x d u o c, or i (instructions)
    unsigned unit = 4;  // bytes: 1 (b), 2 (h), 4 (w), 8 (g)
};

struct HmpArgSpec {
    std::string name;
    char kind;  // s S i l /
    bool optional;
};

// Splits "fmt:/,addr:l". Table rows are ours, so a malformed spec is a bug the
// table test catches, reported here as an Error rather than an assertion.
Result<std::vector<HmpArgSpec>> parse_arg_spec(std::string_view spec);

// The value of a `$name` in an expression, or why there is none.
using RegisterReader = std::function<Result<uint64_t>(std::string_view name)>;

// QEMU's HMP expressions: "+ - * / %", "& | ^", unary "- + ~", parentheses, numbers in C
// notation (0x hex, leading-0 octal, decimal), character constants ('a') and `$name`
// registers read through `registers` (none without one), with 64-bit wrap-around.
Result<uint64_t> evaluate_expression(std::string_view text,
                                     const RegisterReader& registers = nullptr);

// Parses "/Nfu" (the leading '/' included). Missing parts come from `sticky`,
// which then remembers what was used, as QEMU's monitor does.
Result<MemoryFormat> parse_memory_format(std::string_view token, MemoryFormat& sticky);

class HmpArgs {
  public:
    bool has(const std::string& name) const { return values_.count(name) != 0; }
    // The empty string / zero / default format when the argument was omitted.
    const std::string& text(const std::string& name) const;
    uint64_t number(const std::string& name) const;
    const MemoryFormat& format(const std::string& name) const;

  private:
    friend Result<HmpArgs> parse_hmp_args(std::string_view, std::string_view, MemoryFormat&,
                                          const RegisterReader&);
    struct Value {
        std::string text;
        uint64_t number = 0;
        MemoryFormat format;
    };
    std::map<std::string, Value> values_;
};

// Parses the text after the command name against `spec`; expressions read `$name`s
// through `registers`.
Result<HmpArgs> parse_hmp_args(std::string_view spec, std::string_view line,
                               MemoryFormat& sticky_format,
                               const RegisterReader& registers = nullptr);

}  // namespace kemu
