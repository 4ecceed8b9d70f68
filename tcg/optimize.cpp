#include "tcg/optimize.h"

#include <algorithm>
#include <array>
#include <bit>
#include <optional>
#include <vector>

namespace kemu::tcg {

namespace {

uint64_t mask(Type t) {
    return t == Type::I32 ? 0xffffffffull : ~0ull;
}

// The value of a pure op with constant inputs, where folding is simple; nullopt otherwise.
std::optional<uint64_t> fold(const Op& op, const uint64_t* in) {
    const uint64_t m = mask(op.type);
    const unsigned w = op.type == Type::I32 ? 32 : 64;
    const uint64_t a = in[0], b = in[1];
    switch (op.opc) {
        case Opc::mov:
            return a & m;
        case Opc::add:
            return (a + b) & m;
        case Opc::sub:
            return (a - b) & m;
        case Opc::mul:
            return (a * b) & m;
        case Opc::and_:
            return a & b & m;
        case Opc::or_:
            return (a | b) & m;
        case Opc::xor_:
            return (a ^ b) & m;
        case Opc::andc:
            return a & ~b & m;
        case Opc::shl:
            return (a << (b & (w - 1))) & m;
        case Opc::shr:
            return ((a & m) >> (b & (w - 1))) & m;
        case Opc::neg:
            return (0 - a) & m;
        case Opc::not_:
            return ~a & m;
        case Opc::ext8u:
            return uint8_t(a);
        case Opc::ext16u:
            return uint16_t(a);
        case Opc::ext32u:
            return uint32_t(a);
        case Opc::ext8s:
            return uint64_t(int64_t(int8_t(a))) & m;
        case Opc::ext16s:
            return uint64_t(int64_t(int16_t(a))) & m;
        case Opc::ext32s:
            return uint64_t(int64_t(int32_t(a))) & m;
        case Opc::setcond:
            return eval_cond(Cond(op.constant(0)), op.type, a, b) ? 1 : 0;
        case Opc::lea:
            return (a + (b << (op.constant(0) & 3)) + uint64_t(int64_t(int32_t(op.constant(1))))) &
                   m;
        default:
            return std::nullopt;
    }
}

bool is_call(const Op& op) {
    return op.info().flags & kCall;
}

const HelperInfo& helper_of(const Function& f, const Op& op) {
    return f.target().helpers[op.constant(0)];
}

// Whether an env load or store may touch a global's field (TargetInfo::global_homes).
class GlobalHomes {
  public:
    explicit GlobalHomes(const Function& f) : span_(f.target().global_homes()) {}
    bool touched_by(const Op& op) const {
        const uint32_t offset = op.constant(0);
        return offset < span_.second && span_.first < offset + env_access_size(op);
    }

  private:
    std::pair<uint32_t, uint32_t> span_;
};

// May the op observe the values of globals (read them from the CPU state, or let the
// exec loop or an exception handler see them)?
bool observes_globals(const Function& f, const GlobalHomes& homes, const Op& op) {
    const OpInfo& info = op.info();
    if (info.flags & (kBlockEnd | kMayFault)) return true;
    if (is_call(op)) return !(helper_of(f, op).flags & kHelperNoGlobals);
    return is_env_load(op.opc) && homes.touched_by(op);
}

// May the op change globals behind the IR's back (through the CPU state)?
bool clobbers_globals(const Function& f, const GlobalHomes& homes, const Op& op) {
    if (is_call(op)) return !(helper_of(f, op).flags & (kHelperNoGlobals | kHelperPure));
    return is_env_store(op.opc) && homes.touched_by(op);
}

bool removable(const Function& f, const Op& op) {
    const OpInfo& info = op.info();
    if (is_call(op)) return helper_of(f, op).flags & kHelperPure;
    return !(info.flags & kSideEffects);
}

class Propagation {
  public:
    struct Copy {
        TempId src;
        uint32_t version;
    };
    // What a setcond's result says, while its inputs still hold the values it compared.
    struct Condition {
        Cond cond;
        Type type;
        TempId a, b;
        uint32_t version_a, version_b;
    };
    // What is known of one temp's current value, learnt in `epoch`.
    struct Facts {
        uint64_t epoch = 0;           // 64 bits: never wraps back to a stale epoch
        std::optional<TempId> value;  // the constant temp that holds it
        std::optional<Copy> copy;     // a copy of another temp's
        std::optional<Condition> condition;
        std::optional<Copy> low32;  // ext32u/ext32s of another temp
        uint8_t width = 64;         // the value fits this many low bits (the rest are clear)
    };

    Propagation(Function& f, const GlobalHomes& homes)
        : f_(f),
          homes_(homes),
          globals_(f.global_count()),
          facts_(storage().facts),
          version_(storage().version),
          next_epoch_(storage().next_epoch) {
        // The storage outlives the call (one per thread): a new epoch invalidates what an
        // earlier function left in it, without clearing.
        forget_all();
        grow();
    }

    unsigned run() {
        unsigned folded = 0;
        for (Op& op : f_.ops()) {
            const OpInfo& info = op.info();
            if (op.opc == Opc::set_label) forget_all();  // another path joins here
            const bool low_half = reads_low_half_only(op);
            for (unsigned i = 0; i < info.inputs; i++) {
                uint32_t& arg = op.args[info.outputs + i];
                arg = canonical(arg);
                if (low_half) arg = low32_source(arg);
            }
            if (op.opc == Opc::brcond || op.opc == Opc::movcond) test_condition_directly(op);
            if (clobbers_globals(f_, homes_, op)) forget_globals();
            if (!info.outputs) continue;
            for (unsigned i = 0; i < info.outputs; i++)
                forget(op.args[i]);
            if (info.outputs != 1 || is_call(op)) continue;
            TempId d = op.args[0];
            if (!removable(f_, op)) {  // a guest load: its width still counts
                if (const unsigned w = result_width(op); w < 64) learn(d).width = uint8_t(w);
                continue;
            }
            if (op.opc == Opc::xor_) invert_condition(op);
            if (op.opc == Opc::setcond) remember_condition(op);
            if (auto same = identity(op)) {
                const Type type = op.type;
                op = Op{Opc::mov, type, {}};
                op.args[0] = d;
                op.args[1] = *same;
                folded++;
            }
            if (const unsigned w = result_width(op); w < 64) learn(d).width = uint8_t(w);
            if ((op.opc == Opc::ext32u || op.opc == Opc::ext32s) && op.type == Type::I64 &&
                op.input(0) != d)
                learn(d).low32 = Copy{op.input(0), version_[op.input(0)]};
            if (op.opc == Opc::mov) {
                TempId src = op.args[1];
                if (f_.temp(src).kind == TempKind::Const)
                    remember_value(d, f_.temp(src).value & mask(op.type), src);
                else if (op.type == Type::I64 && f_.temp(d).type == f_.temp(src).type)
                    learn(d).copy = Copy{src, version_[src]};
                continue;
            }
            uint64_t in[2] = {0, 0};
            bool all_const = info.inputs <= 2;
            for (unsigned i = 0; i < info.inputs && all_const; i++) {
                const Temp& t = f_.temp(op.args[1 + i]);
                if (t.kind != TempKind::Const)
                    all_const = false;
                else
                    in[i] = t.value;
            }
            if (!all_const) continue;
            if (auto v = fold(op, in)) {
                Type type = op.type;
                op = Op{Opc::mov, type, {}};
                op.args[0] = d;
                op.args[1] = f_.new_const(type, *v);
                grow();
                remember_value(d, *v, op.args[1]);
                folded++;
            }
        }
        return folded;
    }

  private:
    // i32 ops that read nothing but the low 32 bits of every input (not memory or env
    // accesses, whose address is whole, nor calls).
    static bool reads_low_half_only(const Op& op) {
        static constexpr auto kLowHalf = [] {
            std::array<bool, size_t(Opc::Count)> low{};
            for (Opc o : {Opc::mov, Opc::add, Opc::sub, Opc::mul, Opc::and_, Opc::or_, Opc::xor_,
                          Opc::andc, Opc::shl, Opc::shr, Opc::sar, Opc::rotl, Opc::rotr, Opc::neg,
                          Opc::not_, Opc::setcond, Opc::brcond, Opc::movcond})
                low[size_t(o)] = true;
            return low;
        }();
        return op.type == Type::I32 && kLowHalf[size_t(op.opc)];
    }

    // What an ext32u/ext32s result was made from, while that is unchanged: an op that reads
    // only the low half can read it directly, and the extension may die.
    TempId low32_source(TempId t) const {
        const Facts* k = known(t);
        if (!k || !k->low32) return t;
        return version_[k->low32->src] == k->low32->version ? k->low32->src : t;
    }

    bool is_const(TempId t, uint64_t v, Type type) const {
        const Temp& temp = f_.temp(t);
        return temp.kind == TempKind::Const && (temp.value & mask(type)) == (v & mask(type));
    }

    // The input an op passes through unchanged: x + 0, x | 0, x ^ 0, x - 0, shifts and
    // rotates by 0, x * 1, x & ~0, and a zero-extension of what is zero-extended already.
    std::optional<TempId> identity(const Op& op) const {
        const Type t = op.type;
        switch (op.opc) {
            case Opc::add:
            case Opc::or_:
            case Opc::xor_:
                if (is_const(op.input(0), 0, t)) return op.input(1);
                [[fallthrough]];
            case Opc::sub:
            case Opc::shl:
            case Opc::shr:
            case Opc::sar:
            case Opc::rotl:
            case Opc::rotr:
                if (is_const(op.input(1), 0, t)) return op.input(0);
                return std::nullopt;
            case Opc::mul:
                if (is_const(op.input(0), 1, t)) return op.input(1);
                if (is_const(op.input(1), 1, t)) return op.input(0);
                return std::nullopt;
            case Opc::and_:
                if (is_const(op.input(0), ~0ull, t)) return op.input(1);
                if (is_const(op.input(1), ~0ull, t)) return op.input(0);
                return std::nullopt;
            case Opc::ext8u:
                if (width_of(op.input(0)) <= 8) return op.input(0);
                return std::nullopt;
            case Opc::ext16u:
                if (width_of(op.input(0)) <= 16) return op.input(0);
                return std::nullopt;
            case Opc::ext32u:
                if (width_of(op.input(0)) <= 32) return op.input(0);
                return std::nullopt;
            default:
                return std::nullopt;
        }
    }

    // How many low bits the op's result can have set, whatever its inputs (64: any). A
    // narrow zero-extending load or extension makes a later extension of it a copy.
    unsigned result_width(const Op& op) const {
        switch (op.opc) {
            case Opc::ext8u:
            case Opc::ld8u:
            case Opc::setcond:
                return 8;
            case Opc::ext16u:
            case Opc::ld16u:
                return 16;
            case Opc::ext32u:
            case Opc::ld32u:
                return 32;
            case Opc::guest_ld: {
                const MemOp mop{op.constant(0)};
                return !mop.sign() && mop.size() <= 4 ? 8 * mop.size() : 64;
            }
            case Opc::mov: {
                const Temp& src = f_.temp(op.input(0));
                if (src.kind != TempKind::Const)
                    return std::min(width_of(op.input(0)), width(op.type));
                return std::min(unsigned(std::bit_width(src.value & mask(op.type))),
                                width(op.type));
            }
            default:
                return width(op.type);  // every i32 result is kept zero-extended
        }
    }
    static unsigned width(Type t) { return t == Type::I32 ? 32 : 64; }

    const Condition* condition_of(TempId t) const {
        const Facts* k = known(t);
        if (!k || !k->condition) return nullptr;
        const Condition& c = *k->condition;
        if (version_[c.a] != c.version_a || version_[c.b] != c.version_b) return nullptr;
        return &c;
    }

    void remember_condition(const Op& op) {
        const TempId d = op.output(0), a = op.input(0), b = op.input(1);
        if (a == d || b == d) return;
        learn(d).condition =
            Condition{Cond(op.constant(0)), op.type, a, b, version_[a], version_[b]};
    }

    // xor(setcond(c, a, b), 1) is setcond(!c, a, b).
    void invert_condition(Op& op) {
        const Temp& one = f_.temp(op.input(1));
        if (one.kind != TempKind::Const || one.value != 1) return;
        const Condition* c = condition_of(op.input(0));
        if (!c) return;
        const Condition inverted{invert(c->cond), c->type, c->a, c->b, c->version_a, c->version_b};
        const TempId d = op.output(0);
        op = Op{Opc::setcond, inverted.type, {}};
        op.args[0] = d;
        op.args[1] = inverted.a;
        op.args[2] = inverted.b;
        op.args[3] = uint32_t(inverted.cond);
        if (inverted.a != d && inverted.b != d) learn(d).condition = inverted;
    }

    // brcond or movcond on whether setcond(c, a, b) is (non)zero tests the comparison itself,
    // which leaves the setcond dead when nothing else reads it. A movcond must compare at the
    // setcond's width, as its values move at its own.
    void test_condition_directly(Op& op) {
        const Cond test = Cond(op.constant(0));
        const Temp& zero = f_.temp(op.input(1));
        if ((test != Cond::Eq && test != Cond::Ne) || zero.kind != TempKind::Const || zero.value)
            return;
        const Condition* c = condition_of(op.input(0));
        if (!c || (op.opc == Opc::movcond && c->type != op.type)) return;
        const OpInfo& info = op.info();
        op.type = c->type;
        op.args[info.outputs] = c->a;
        op.args[info.outputs + 1] = c->b;
        op.args[info.outputs + info.inputs] =
            uint32_t(test == Cond::Ne ? c->cond : invert(c->cond));
    }

    // t holds `value`, which `source` (a constant) has too: uses of t read a constant of t's
    // own type, made once here rather than at every use.
    void remember_value(TempId t, uint64_t value, TempId source) {
        const Temp& c = f_.temp(source);
        if (c.type != f_.temp(t).type || c.value != value) {
            source = f_.new_const(f_.temp(t).type, value);
            grow();
        }
        learn(t).value = source;
    }

    TempId canonical(TempId t) {
        const Facts* k = known(t);
        if (!k) return t;
        if (k->value) return *k->value;
        if (k->copy && version_[k->copy->src] == k->copy->version) return k->copy->src;
        return t;
    }
    unsigned width_of(TempId t) const {
        const Facts* k = known(t);
        return k ? k->width : 64;
    }
    void grow() {
        if (facts_.size() < f_.temps().size()) {
            facts_.resize(f_.temps().size());
            version_.resize(f_.temps().size());
        }
    }
    // What is known of t now: facts from an earlier epoch (before a label) are none.
    const Facts* known(TempId t) const { return facts_[t].epoch == epoch_ ? &facts_[t] : nullptr; }
    Facts& learn(TempId t) {
        Facts& k = facts_[t];
        if (k.epoch != epoch_) {  // field by field: assigning a whole Facts{} showed in profiles
            k.epoch = epoch_;
            k.value.reset();
            k.copy.reset();
            k.condition.reset();
            k.low32.reset();
            k.width = 64;
        }
        return k;
    }
    // Redefining t ends what is known of it, and every copy made of it: those carry the
    // version of t they copied, so this needs no search.
    void forget(TempId t) {
        facts_[t].epoch = 0;
        version_[t]++;
    }
    void forget_globals() {
        for (TempId t = 0; t < globals_; t++)
            forget(t);
    }
    void forget_all() { epoch_ = ++next_epoch_; }

    // By temp: what is known of its value, and how often it was redefined (versions
    // outlive epochs, so a copy of a global stays checkable across labels). One per thread,
    // reached once per function: every access to a thread_local with a constructor checks
    // that it was constructed, which showed in profiles.
    struct Storage {
        std::vector<Facts> facts;
        std::vector<uint32_t> version;
        uint64_t next_epoch = 0;
    };
    static Storage& storage() {
        thread_local Storage s;
        return s;
    }

    Function& f_;
    const GlobalHomes& homes_;
    const TempId globals_;
    std::vector<Facts>& facts_;
    std::vector<uint32_t>& version_;
    uint64_t& next_epoch_;
    uint64_t epoch_ = 0;
};

// A full-width product whose high half nobody reads is a plain multiply: the low half is the
// same signed or unsigned, and the host's two-operand multiply leaves its other registers alone.
void narrow_to_low_product(Op& op) {
    op = Op{Opc::mul, op.type, {op.args[0], op.args[2], op.args[3]}};
}

// Backward liveness. Branches are forward only (the frontend never jumps back inside a
// block), so the live set at each label is known by the time a branch to it is seen.
// Its sets live in per-thread vectors that only grow: a block is compiled in microseconds,
// and allocating them each time showed.
unsigned eliminate_dead_code(Function& f, const GlobalHomes& homes) {
    const size_t n = f.temps().size();
    const TempId globals = f.global_count();
    struct Storage {
        std::vector<char> live, at_labels, label_seen, keep;
    };
    thread_local Storage storage;  // reached once: see Propagation::storage
    std::vector<char>& live = storage.live;
    std::vector<char>& at_labels = storage.at_labels;
    std::vector<char>& label_seen = storage.label_seen;
    std::vector<char>& keep = storage.keep;
    live.assign(n, 0);
    at_labels.resize(size_t(f.label_count()) * n);
    label_seen.assign(f.label_count(), 0);
    auto at_label = [&](uint32_t label) { return at_labels.data() + size_t(label) * n; };
    auto globals_live = [&] { std::fill_n(live.begin(), globals, 1); };
    auto join_label = [&](uint32_t label) {
        if (!label_seen[label]) {
            std::fill(live.begin(), live.end(), 1);
            return;
        }
        const char* at = at_label(label);
        for (size_t t = 0; t < n; t++)
            live[t] |= at[t];
    };

    std::vector<Op>& ops = f.ops();
    keep.assign(ops.size(), 1);
    unsigned removed = 0;
    globals_live();
    for (size_t i = ops.size(); i-- > 0;) {
        const Op& op = ops[i];
        const OpInfo& info = op.info();
        if (op.opc == Opc::set_label) {
            std::copy(live.begin(), live.end(), at_label(op.constant(0)));
            label_seen[op.constant(0)] = 1;
            continue;
        }
        if (info.flags & kBlockEnd) {
            std::fill(live.begin(), live.end(), 0);
            globals_live();
        }
        if (op.opc == Opc::br) {
            std::fill(live.begin(), live.end(), 0);
            join_label(op.constant(0));
        }
        if (op.opc == Opc::brcond) join_label(op.constant(1));
        bool any_output_live = false;
        for (unsigned o = 0; o < info.outputs; o++)
            any_output_live |= live[op.args[o]] != 0;
        if (info.outputs && !any_output_live && removable(f, op)) {
            keep[i] = 0;
            removed++;
            continue;
        }
        if ((op.opc == Opc::mulu2 || op.opc == Opc::muls2) && !live[op.args[1]])
            narrow_to_low_product(ops[i]);
        const OpInfo& now = op.info();
        for (unsigned o = 0; o < now.outputs; o++)
            live[op.args[o]] = 0;
        if (observes_globals(f, homes, op)) globals_live();
        for (unsigned in = 0; in < now.inputs; in++)
            live[op.args[now.outputs + in]] = 1;
    }
    if (removed) {
        size_t out = 0;
        for (size_t i = 0; i < ops.size(); i++)
            if (keep[i]) ops[out++] = ops[i];
        ops.resize(out);
    }
    return removed;
}

// Whether x's definition `def` cannot write a global copied from x at `type` directly: an
// op of the same width can, and so can an i32 op for an i64 copy, as every i32 result is
// kept zero-extended.
bool def_type_mismatch(const Function& f, const Op& def, TempId x, Type type) {
    if (def.type != f.temp(x).type) return true;
    return !(def.type == type || (def.type == Type::I32 && type == Type::I64));
}

// The frontend computes a guest register's new value into a local and copies it over:
// `op x, ...; mov g, x`. When x is read again later (copy propagation made later reads of g
// read x), the backend must copy, and x holds a register of its own while g holds another.
// Computing into g instead (`op g, ...`) and reading g where x was read is the same program
// when x has no other definition and g keeps x's value for as long as x is read: nothing
// from the copy to x's last read writes g, directly or behind the IR's back. The op and the
// copy must be adjacent, so that nothing in between can observe g's old value. One pass
// backwards finds them, knowing where each global is next written.
unsigned compute_into_globals(Function& f, const GlobalHomes& homes) {
    std::vector<Op>& ops = f.ops();
    const TempId globals = f.global_count();
    const uint32_t n = uint32_t(ops.size());
    constexpr TempId kKept = UINT32_MAX;
    struct Uses {
        uint32_t defs = 0, last_read = 0;
        TempId renamed_to = kKept;  // a local computed into this global instead
    };
    struct Storage {
        std::vector<Uses> uses;
        std::vector<uint32_t> next_write;  // by global: op index, or n
        std::vector<char> copies;          // the movs made redundant
    };
    thread_local Storage storage;  // reached once: see Propagation::storage
    std::vector<Uses>& uses = storage.uses;
    std::vector<uint32_t>& next_write = storage.next_write;
    std::vector<char>& copies = storage.copies;
    // A copy of the op before's result into a global: what the rest looks at.
    auto candidate = [&](uint32_t i) {
        const Op& op = ops[i];
        return i > 0 && op.opc == Opc::mov && op.output(0) < globals &&
               f.temp(op.input(0)).kind == TempKind::Local && ops[i - 1].info().outputs == 1 &&
               ops[i - 1].output(0) == op.input(0);
    };
    uint32_t first = 0;
    while (first < n && !candidate(first))
        first++;
    if (first == n) return 0;
    uses.assign(f.temps().size(), Uses{});
    for (uint32_t i = 0; i < n; i++) {
        const Op& op = ops[i];
        const OpInfo& info = op.info();
        for (unsigned o = 0; o < info.outputs; o++)
            uses[op.args[o]].defs++;
        for (unsigned in = 0; in < info.inputs; in++)
            uses[op.args[info.outputs + in]].last_read = i;
    }
    next_write.assign(globals, n);
    copies.assign(n, 0);
    uint32_t next_clobber = n;
    unsigned renamed = 0;
    for (uint32_t i = n; i-- > first;) {
        Op& op = ops[i];
        if (candidate(i)) {
            const TempId g = op.output(0), x = op.input(0);
            Op& def = ops[i - 1];
            if (uses[x].defs == 1 && op.type == f.temp(g).type &&
                !def_type_mismatch(f, def, x, op.type) && !is_call(def) &&
                next_write[g] >= uses[x].last_read && next_clobber >= uses[x].last_read) {
                def.args[0] = g;  // the write of g moves to i - 1, which comes next
                uses[x].renamed_to = g;
                copies[i] = 1;
                renamed++;
                continue;
            }
        }
        const OpInfo& info = op.info();
        for (unsigned o = 0; o < info.outputs; o++)
            if (op.args[o] < globals) next_write[op.args[o]] = i;
        if (clobbers_globals(f, homes, op)) next_clobber = i;
    }
    if (!renamed) return 0;
    // Renamed locals are read only after their definitions, the first of which is the op
    // before `first`.
    uint32_t out = first;
    for (uint32_t i = out; i < n; i++) {
        if (copies[i]) continue;
        Op& op = ops[out++] = ops[i];
        const OpInfo& info = op.info();
        for (unsigned in = 0; in < info.inputs; in++)
            if (const TempId to = uses[op.args[info.outputs + in]].renamed_to; to != kKept)
                op.args[info.outputs + in] = to;
    }
    ops.resize(out);
    return renamed;
}

// What may read the instruction index an insn_start sets: a guest memory access (it may
// fault, or write into the running block and restart its instruction) and a helper that is
// not free of guest state (it may raise, or ask for the current RIP). Branches are judged by
// where they go (branch_observes_insn_index).
bool observes_insn_index(const Function& f, const Op& op) {
    const bool access = op.opc == Opc::guest_ld || op.opc == Opc::guest_st ||
                        op.opc == Opc::guest_ld_vec || op.opc == Opc::guest_st_vec;
    if (access && MemOp{op.constant(0)}.has_insn())
        return false;  // it hands the target its own instruction index
    if (op.info().flags & kMayFault) return true;
    if (is_call(op)) return !(helper_of(f, op).flags & (kHelperNoGlobals | kHelperPure));
    return false;
}

// A branch at `from` lets the index be observed unless it goes forward to ops that, up to the
// next insn_start, neither observe it nor branch again (a block's closing exits: stores of
// the next PC and goto_tb).
bool branch_observes_insn_index(const Function& f, const std::vector<size_t>& label_at,
                                size_t from) {
    const Op& branch = f.ops()[from];
    const size_t to = label_at[branch.constant(branch.opc == Opc::br ? 0 : 1)];
    if (to <= from) return true;
    const std::vector<Op>& ops = f.ops();
    for (size_t k = to + 1; k < ops.size() && ops[k].opc != Opc::insn_start; k++)
        if (ops[k].opc == Opc::br || ops[k].opc == Opc::brcond || observes_insn_index(f, ops[k]))
            return true;
    return false;
}

unsigned drop_unobserved_insn_starts(Function& f) {
    std::vector<Op>& ops = f.ops();
    struct Storage {
        std::vector<char> keep;
        std::vector<size_t> label_at;
    };
    thread_local Storage storage;  // reached once: see Propagation::storage
    std::vector<char>& keep = storage.keep;
    std::vector<size_t>& label_at = storage.label_at;
    keep.assign(ops.size(), 1);
    label_at.assign(f.label_count(), 0);
    constexpr size_t kNone = SIZE_MAX;
    size_t pending = kNone;
    unsigned removed = 0;
    for (size_t i = 0; i < ops.size(); i++)
        if (ops[i].opc == Opc::set_label) label_at[ops[i].constant(0)] = i;
    auto drop_pending = [&] {
        if (pending == kNone) return;
        keep[pending] = 0;
        removed++;
    };
    for (size_t i = 0; i < ops.size(); i++) {
        if (ops[i].opc == Opc::insn_start) {
            drop_pending();
            pending = i;
        } else if (pending != kNone) {
            const bool branch = ops[i].opc == Opc::br || ops[i].opc == Opc::brcond;
            if (branch ? branch_observes_insn_index(f, label_at, i)
                       : observes_insn_index(f, ops[i]))
                pending = kNone;
        }
    }
    drop_pending();
    if (!removed) return 0;
    size_t out = 0;
    for (size_t i = 0; i < ops.size(); i++)
        if (keep[i]) ops[out++] = ops[i];
    ops.resize(out);
    return removed;
}

}  // namespace

OptimizeStats optimize(Function& f) {
    OptimizeStats stats;
    const GlobalHomes homes(f);
    stats.folded = Propagation(f, homes).run();
    stats.removed = eliminate_dead_code(f, homes);
    stats.removed += drop_unobserved_insn_starts(f);
    stats.removed += compute_into_globals(f, homes);
    return stats;
}

}  // namespace kemu::tcg
