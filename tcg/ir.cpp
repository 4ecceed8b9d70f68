#include "tcg/ir.h"

#include <cinttypes>
#include <cstdio>

namespace kemu::tcg {

namespace {

static_assert(std::size(kOpInfo) == size_t(Opc::Count));
static_assert([] {
    for (const OpInfo& i : kOpInfo)
        if (unsigned(i.outputs + i.inputs + i.constants) > Op::kMaxArgs) return false;
    return true;
}());

constexpr const char* kCondNames[] = {"eq",  "ne",  "lt",  "ge",  "le",     "gt",
                                      "ltu", "geu", "leu", "gtu", "always", "never"};

}  // namespace

Cond invert(Cond c) {
    constexpr Cond kInverse[] = {Cond::Ne,  Cond::Eq,  Cond::Ge,    Cond::Lt,
                                 Cond::Gt,  Cond::Le,  Cond::Geu,   Cond::Ltu,
                                 Cond::Gtu, Cond::Leu, Cond::Never, Cond::Always};
    return kInverse[size_t(c)];
}

bool eval_cond(Cond c, Type type, uint64_t a, uint64_t b) {
    int64_t sa = int64_t(a), sb = int64_t(b);
    if (type == Type::I32) {
        a = uint32_t(a);
        b = uint32_t(b);
        sa = int32_t(a);
        sb = int32_t(b);
    }
    switch (c) {
        case Cond::Eq:
            return a == b;
        case Cond::Ne:
            return a != b;
        case Cond::Lt:
            return sa < sb;
        case Cond::Ge:
            return sa >= sb;
        case Cond::Le:
            return sa <= sb;
        case Cond::Gt:
            return sa > sb;
        case Cond::Ltu:
            return a < b;
        case Cond::Geu:
            return a >= b;
        case Cond::Leu:
            return a <= b;
        case Cond::Gtu:
            return a > b;
        case Cond::Always:
            return true;
        case Cond::Never:
            return false;
    }
    return false;
}

const char* cond_name(Cond c) {
    return kCondNames[size_t(c)];
}

Function::Function(const TargetInfo& target) : target_(&target) {
    clear();
}

void Function::clear() {
    temps_.clear();
    ops_.clear();
    labels_ = 0;
    fast_jump_key_.reset();
    entry_pc_.reset();
    host_simd_.clear();
    for (const GlobalInfo& g : target_->globals)
        temps_.push_back({TempKind::Global, g.type, g.env_offset, 0});
}

TempId Function::new_local(Type type) {
    temps_.push_back({TempKind::Local, type});
    return TempId(temps_.size() - 1);
}

TempId Function::new_const(Type type, uint64_t value) {
    if (type == Type::I32) value = uint32_t(value);
    temps_.push_back({TempKind::Const, type, 0, value});
    return TempId(temps_.size() - 1);
}

namespace {

std::string temp_text(const Function& f, TempId t) {
    const Temp& temp = f.temp(t);
    char buf[48];
    switch (temp.kind) {
        case TempKind::Global:
            return f.target().globals[t].name;
        case TempKind::Const:
            std::snprintf(buf, sizeof buf, "$0x%" PRIx64, temp.value);
            return buf;
        case TempKind::Local:
            std::snprintf(buf, sizeof buf, "t%u", t);
            return buf;
    }
    return "?";
}

}  // namespace

std::string format_function(const Function& f) {
    std::string out;
    for (const Op& op : f.ops()) {
        const OpInfo& info = op.info();
        if (op.opc == Opc::insn_start) out += "\n";
        out += " ";
        out += info.name;
        out += op.type == Type::I32 ? "_i32 " : "_i64 ";
        bool first = true;
        auto sep = [&] {
            if (!first) out += ",";
            first = false;
        };
        for (unsigned i = 0; i < info.outputs + info.inputs; i++) {
            sep();
            out += temp_text(f, op.args[i]);
        }
        for (unsigned i = 0; i < info.constants; i++) {
            sep();
            uint32_t c = op.constant(i);
            bool is_cond =
                (op.opc == Opc::setcond || op.opc == Opc::movcond || op.opc == Opc::brcond) &&
                i == 0;
            bool is_helper = info.flags & kCall;
            if (is_cond)
                out += cond_name(Cond(c));
            else if (is_helper)
                out += f.target().helpers[c].name;
            else if (op.opc == Opc::set_label || op.opc == Opc::br ||
                     (op.opc == Opc::brcond && i == 1))
                out += "L" + std::to_string(c);
            else
                out += "0x" + [c] {
                    char b[16];
                    std::snprintf(b, sizeof b, "%x", c);
                    return std::string(b);
                }();
        }
        out += "\n";
    }
    return out;
}

}  // namespace kemu::tcg
