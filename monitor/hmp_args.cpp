#include "monitor/hmp_args.h"

#include <cctype>

namespace kemu {

namespace {

std::string_view trim_left(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    return s;
}

std::string_view trim(std::string_view s) {
    s = trim_left(s);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.remove_suffix(1);
    return s;
}

// Takes the next whitespace-separated word off `line`.
std::string_view next_word(std::string_view& line) {
    line = trim_left(line);
    size_t end = 0;
    while (end < line.size() && !std::isspace(static_cast<unsigned char>(line[end])))
        end++;
    std::string_view word = line.substr(0, end);
    line.remove_prefix(end);
    return word;
}

// Recursive descent over QEMU's HMP grammar, whose bitwise operators bind looser than
// multiplication but tighter than addition (QEMU 7.2 prints 6 for `p 2*3|4`, 4 for
// `p 2|1+1`): sum = logic {(+|-) logic}; logic = product {(&|'|'|^) product};
// product = unary {(*|/|%) unary}; unary = (-|+|~) unary | primary;
// primary = number | 'c' | $register | ( sum ). Numbers are C's: 0x hex, 0 octal, decimal.
class ExpressionParser {
  public:
    ExpressionParser(std::string_view text, const RegisterReader& registers)
        : text_(text), registers_(registers) {}

    Result<uint64_t> parse() {
        auto value = sum();
        if (!value) return value;
        skip_space();
        if (pos_ != text_.size()) return invalid_char();
        return value;
    }

  private:
    static constexpr int kMaxDepth = 64;  // parentheses nest no deeper than this

    using Operator = uint64_t (*)(uint64_t, uint64_t);
    struct BinaryOperator {
        char symbol;
        Operator apply;
        bool divides;  // a zero right operand is an error
    };
    static constexpr BinaryOperator kSumOperators[] = {
        {'+', [](uint64_t a, uint64_t b) { return a + b; }, false},
        {'-', [](uint64_t a, uint64_t b) { return a - b; }, false},
    };
    static constexpr BinaryOperator kProductOperators[] = {
        {'*', [](uint64_t a, uint64_t b) { return a * b; }, false},
        {'/', [](uint64_t a, uint64_t b) { return a / b; }, true},
        {'%', [](uint64_t a, uint64_t b) { return a % b; }, true},
    };
    static constexpr BinaryOperator kLogicOperators[] = {
        {'&', [](uint64_t a, uint64_t b) { return a & b; }, false},
        {'|', [](uint64_t a, uint64_t b) { return a | b; }, false},
        {'^', [](uint64_t a, uint64_t b) { return a ^ b; }, false},
    };

    Error invalid_char() const {
        return Error("invalid char in expression: '" + std::string(1, text_[pos_]) + "'");
    }

    void skip_space() {
        while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_])))
            pos_++;
    }
    bool take(char c) {
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == c) {
            pos_++;
            return true;
        }
        return false;
    }

    // One precedence level: operands from `operand`, operators from `ops`, left to right.
    template <size_t N>
    Result<uint64_t> binary(const BinaryOperator (&ops)[N],
                            Result<uint64_t> (ExpressionParser::*operand)()) {
        auto left = (this->*operand)();
        if (!left) return left;
        uint64_t value = *left;
        for (;;) {
            const BinaryOperator* op = nullptr;
            for (const BinaryOperator& candidate : ops)
                if (!op && take(candidate.symbol)) op = &candidate;
            if (!op) return value;
            auto right = (this->*operand)();
            if (!right) return right;
            if (op->divides && *right == 0) return Error("division by zero");
            value = op->apply(value, *right);
        }
    }

    Result<uint64_t> sum() { return binary(kSumOperators, &ExpressionParser::logic); }
    Result<uint64_t> logic() { return binary(kLogicOperators, &ExpressionParser::product); }
    Result<uint64_t> product() { return binary(kProductOperators, &ExpressionParser::unary); }

    Result<uint64_t> unary() {
        if (++depth_ > kMaxDepth) return Error("expression too deeply nested");
        Result<uint64_t> value = take('-')   ? apply(unary(), [](uint64_t v) { return 0 - v; })
                                 : take('~') ? apply(unary(), [](uint64_t v) { return ~v; })
                                 : take('+') ? unary()
                                             : primary();
        depth_--;
        return value;
    }

    static Result<uint64_t> apply(Result<uint64_t> v, uint64_t (*op)(uint64_t)) {
        if (!v) return v;
        return op(*v);
    }

    Result<uint64_t> primary() {
        if (take('(')) {
            auto value = sum();
            if (!value) return value;
            if (!take(')')) return Error("')' expected");
            return value;
        }
        if (take('\'')) return character();
        if (take('$')) return cpu_register();
        return number();
    }

    // 'c': the character's code.
    Result<uint64_t> character() {
        if (pos_ >= text_.size()) return Error("character constant expected");
        uint64_t value = static_cast<unsigned char>(text_[pos_++]);
        if (pos_ >= text_.size() || text_[pos_] != '\'')
            return Error("missing terminating ' character");
        pos_++;
        return value;
    }

    // $name: letters, digits, '_' and '.' ($cs.base), looked up in the selected CPU.
    Result<uint64_t> cpu_register() {
        size_t start = pos_;
        while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) ||
                                       text_[pos_] == '_' || text_[pos_] == '.'))
            pos_++;
        std::string_view name = text_.substr(start, pos_ - start);
        if (name.empty()) return Error("register name expected after '$'");
        if (!registers_) return Error("unknown register '$" + std::string(name) + "'");
        return registers_(name);
    }

    Result<uint64_t> number() {
        skip_space();
        if (pos_ >= text_.size()) return Error("number expected");
        int base = 10;
        std::string_view rest = text_.substr(pos_);
        if (rest.starts_with("0x") || rest.starts_with("0X")) {
            base = 16;
            pos_ += 2;
        } else if (rest.size() > 1 && rest[0] == '0' &&
                   std::isdigit(static_cast<unsigned char>(rest[1]))) {
            base = 8;
            pos_ += 1;
        }
        size_t start = pos_;
        uint64_t value = 0;
        while (pos_ < text_.size() && std::isxdigit(static_cast<unsigned char>(text_[pos_]))) {
            char c = char(std::tolower(static_cast<unsigned char>(text_[pos_])));
            unsigned digit = c <= '9' ? unsigned(c - '0') : unsigned(c - 'a' + 10);
            if (digit >= unsigned(base)) break;
            if (value > (UINT64_MAX - digit) / uint64_t(base)) return Error("number too large");
            value = value * uint64_t(base) + digit;
            pos_++;
        }
        if (pos_ == start) {
            if (pos_ < text_.size()) return invalid_char();
            return Error("number expected");
        }
        return value;
    }

    std::string_view text_;
    const RegisterReader& registers_;
    size_t pos_ = 0;
    int depth_ = 0;
};

constexpr struct {
    char letter;
    unsigned bytes;
} kUnits[] = {{'b', 1}, {'h', 2}, {'w', 4}, {'g', 8}};

constexpr std::string_view kFormats = "xduoci";

}  // namespace

Result<std::vector<HmpArgSpec>> parse_arg_spec(std::string_view spec) {
    std::vector<HmpArgSpec> out;
    while (!spec.empty()) {
        size_t comma = spec.find(',');
        std::string_view item = spec.substr(0, comma);
        spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
        size_t colon = item.find(':');
        if (colon == std::string_view::npos || colon + 1 >= item.size())
            return Error("bad argument spec '" + std::string(item) + "'");
        std::string_view kind = item.substr(colon + 1);
        bool optional = kind.size() == 2 && kind[1] == '?';
        if (kind.size() != (optional ? 2u : 1u) ||
            std::string_view("sSil/").find(kind[0]) == std::string_view::npos)
            return Error("bad argument kind in '" + std::string(item) + "'");
        out.push_back({std::string(item.substr(0, colon)), kind[0], optional});
    }
    return out;
}

Result<uint64_t> evaluate_expression(std::string_view text, const RegisterReader& registers) {
    return ExpressionParser(text, registers).parse();
}

Result<MemoryFormat> parse_memory_format(std::string_view token, MemoryFormat& sticky) {
    MemoryFormat fmt;
    token.remove_prefix(1);  // '/'
    size_t i = 0;
    if (i < token.size() && std::isdigit(static_cast<unsigned char>(token[i]))) {
        fmt.count = 0;
        for (; i < token.size() && std::isdigit(static_cast<unsigned char>(token[i])); i++) {
            if (fmt.count > (UINT64_MAX - 9) / 10) return Error("format count too large");
            fmt.count = fmt.count * 10 + uint64_t(token[i] - '0');
        }
    }
    char format = 0;
    unsigned unit = 0;
    for (; i < token.size(); i++) {
        char c = token[i];
        if (kFormats.find(c) != std::string_view::npos) {
            format = c;
            continue;
        }
        bool is_unit = false;
        for (const auto& u : kUnits) {
            if (u.letter == c) {
                unit = u.bytes;
                is_unit = true;
            }
        }
        if (is_unit) continue;
        return Error(std::string("invalid char in format: '") + c + "'");
    }
    fmt.format = format ? format : sticky.format;
    sticky.format = fmt.format;
    if (unit) sticky.unit = unit;
    // A character dump is bytewise whatever unit is remembered.
    fmt.unit = fmt.format == 'c' ? 1 : sticky.unit;
    return fmt;
}

const std::string& HmpArgs::text(const std::string& name) const {
    static const std::string kEmpty;
    auto it = values_.find(name);
    return it == values_.end() ? kEmpty : it->second.text;
}

uint64_t HmpArgs::number(const std::string& name) const {
    auto it = values_.find(name);
    return it == values_.end() ? 0 : it->second.number;
}

const MemoryFormat& HmpArgs::format(const std::string& name) const {
    static const MemoryFormat kDefault;
    auto it = values_.find(name);
    return it == values_.end() ? kDefault : it->second.format;
}

Result<HmpArgs> parse_hmp_args(std::string_view spec, std::string_view line,
                               MemoryFormat& sticky_format, const RegisterReader& registers) {
    KEMU_TRY(specs, parse_arg_spec(spec));
    HmpArgs args;
    for (const HmpArgSpec& arg : specs) {
        line = trim_left(line);
        HmpArgs::Value value;
        if (arg.kind == '/') {
            // Without a format, the count is 1 and the rest is remembered.
            if (!line.starts_with("/")) {
                value.format = MemoryFormat{1, sticky_format.format,
                                            sticky_format.format == 'c' ? 1 : sticky_format.unit};
                args.values_[arg.name] = value;
                continue;
            }
            KEMU_TRY(fmt, parse_memory_format(next_word(line), sticky_format));
            value.format = fmt;
            args.values_[arg.name] = value;
            continue;
        }
        if (line.empty()) {
            if (arg.optional) continue;
            return Error("missing argument '" + arg.name + "'");
        }
        if (arg.kind == 'S' || arg.kind == 'l') {
            value.text = std::string(trim(line));
            line = {};
        } else {
            value.text = std::string(next_word(line));
        }
        if (arg.kind == 'i' || arg.kind == 'l') {
            KEMU_TRY(number, evaluate_expression(value.text, registers));
            value.number = number;
        }
        args.values_[arg.name] = value;
    }
    if (!trim(line).empty()) return Error("extraneous characters at the end of line");
    return args;
}

}  // namespace kemu
