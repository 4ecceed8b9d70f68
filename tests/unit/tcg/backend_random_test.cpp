// The x86-64 backend held to the interpreter on randomized IR programs (seeded, so a
// failure names its seed): every op kind in both types, forward branches around nested
// regions, counted backward loops, early exits, helper calls of every kind, guest memory
// accesses (mostly near pages a random TLB maps, for each TLB layout of the fake target)
// and env loads/stores that alias globals. Locals are only read where they hold a value on
// every path, as a frontend guarantees.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tcg/builder.h"
#include "tests/unit/tcg/backend_harness.h"

namespace kemu::tcg::backend_test {
namespace {

constexpr uint64_t kInteresting[] = {0,           1,
                                     31,          32,
                                     63,          0x80,
                                     0xffff,      0x7fffffff,
                                     0x80000000,  0xffffffff,
                                     0x100000000, 0x8000000000000000,
                                     ~0ull,       0x123456789abcdef0};

// Where the random TLB maps pages: entry i of an MMU index maps base + i pages. Each
// program and its machine favour one base (so that about a third of the accesses hit).
constexpr uint64_t kPageBases[] = {0, 0x1000, 0x80000000, 0xffffffffffffff00};
uint64_t favoured_base(uint64_t seed) {
    return kPageBases[(seed / 3) % std::size(kPageBases)];
}
// Offsets into a page: both ends, the last that fit each size, and (with size) crossing.
constexpr uint64_t kPageOffsets[] = {
    0, 1, 6, kPageSize - 8, kPageSize - 4, kPageSize - 2, kPageSize - 1};

class ProgramGenerator {
  public:
    ProgramGenerator(Function& f, uint64_t seed) : b_(f), rng_(seed), base_(favoured_base(seed)) {}

    void generate() {
        const unsigned length = 5 + unsigned(rng_() % 80);
        for (unsigned i = 0; i < length; i++)
            step();
        while (!regions_.empty())
            close_region();
        exit();
    }

  private:
    struct Region {
        LabelId label;
        size_t defined;  // locals defined when the region opened
        TempId counter;  // a loop's counter, or kNoCounter for a forward branch
    };
    static constexpr TempId kNoCounter = ~0u;

    unsigned pick(unsigned n) { return unsigned(rng_() % n); }
    bool chance(unsigned percent) { return pick(100) < percent; }
    Type type() { return chance(50) ? Type::I32 : Type::I64; }
    uint64_t value() {
        return chance(60) ? kInteresting[pick(std::size(kInteresting))] : uint64_t(rng_());
    }

    TempId input(Type t) {
        const unsigned r = pick(10);
        if (r < 4 || (r < 8 && defined_.empty())) return TempId(pick(kGlobals));
        if (r < 8) return defined_[pick(unsigned(defined_.size()))];
        return b_.cst(value(), t);
    }

    // A guest address: any input, or mostly one in or next to a page the TLB may map, as a
    // constant or in a local.
    TempId guest_address() {
        if (chance(30)) return input(Type::I64);
        uint64_t addr = chance(85) ? base_ : kPageBases[pick(std::size(kPageBases))];
        addr += pick(kTlbEntries) * kPageSize;
        addr += chance(70) ? kPageOffsets[pick(std::size(kPageOffsets))] : pick(kPageSize);
        if (chance(50)) return b_.cst(addr);
        TempId t = b_.temp();
        b_.mov(t, b_.cst(addr));
        defined_.push_back(t);
        return t;
    }

    // Where a result goes: a global, an existing local, or a new one (defined from here).
    TempId output() {
        const unsigned r = pick(10);
        if (r < 4) return TempId(pick(kGlobals));
        if (r < 6 && !defined_.empty()) return defined_[pick(unsigned(defined_.size()))];
        TempId t = b_.temp(chance(50) ? Type::I32 : Type::I64);
        pending_.push_back(t);
        return t;
    }

    // New locals count as defined once the op writing them is emitted.
    void emit(Opc opc, Type t, std::initializer_list<uint32_t> args) {
        b_.emit(opc, t, args);
        defined_.insert(defined_.end(), pending_.begin(), pending_.end());
        pending_.clear();
    }

    // divu2/divs2 on inputs shaped into their contract: an unsigned divisor with its top bit
    // set above a high half without it; a signed high half that is the low half's sign, and a
    // divisor with bit 1 set and bit 0 clear (never 0 or -1).
    void division() {
        Type t = type();
        const unsigned w = t == Type::I32 ? 32 : 64;
        TempId a = input(t), low = input(t), c = input(t);
        TempId high = b_.temp(), divisor = b_.temp();
        if (chance(50)) {
            b_.emit(Opc::shr, t, {high, a, b_.cst(1, t)});
            b_.emit(Opc::or_, t, {divisor, c, b_.cst(1ull << (w - 1), t)});
            return emit(Opc::divu2, t, {output(), output(), high, low, divisor});
        }
        b_.emit(Opc::sar, t, {high, low, b_.cst(w - 1, t)});
        b_.emit(Opc::or_, t, {divisor, c, b_.cst(2, t)});
        b_.emit(Opc::andc, t, {divisor, divisor, b_.cst(1, t)});
        emit(Opc::divs2, t, {output(), output(), high, low, divisor});
    }

    void binary(Opc opc) {
        Type t = type();
        TempId a = input(t), c = input(t);
        emit(opc, t, {output(), a, c});
    }
    void unary(Opc opc, std::initializer_list<uint32_t> consts = {}) {
        Type t = type();
        TempId a = input(t);
        TempId d = output();
        Op op{opc, t, {}};
        op.args[0] = d;
        op.args[1] = a;
        unsigned k = 2;
        for (uint32_t c : consts)
            op.args[k++] = c;
        b_.function().ops().push_back(op);
        defined_.insert(defined_.end(), pending_.begin(), pending_.end());
        pending_.clear();
    }

    // An env offset for a load or store: plain fields, or the globals' own bytes.
    uint32_t env_offset(unsigned size) {
        if (chance(50)) return kFieldOffset + pick(32 - size + 1);
        return kGlobalOffset + pick(kGlobals * 8 - size + 1);
    }

    void open_region() {
        if (regions_.size() >= 4) return;
        if (chance(70)) {
            LabelId l = b_.label();
            Type t = type();
            TempId a = input(t), c = input(t);
            b_.brcond(Cond(pick(12)), a, c, l, t);
            regions_.push_back({l, defined_.size(), kNoCounter});
            return;
        }
        // A loop that runs its body 1 to 3 times; the counter is out of the generator's reach.
        TempId counter = b_.temp();
        b_.mov(counter, b_.cst(1 + pick(3)));
        LabelId l = b_.label();
        b_.set_label(l);
        regions_.push_back({l, defined_.size(), counter});
    }

    void close_region() {
        Region r = regions_.back();
        regions_.pop_back();
        if (r.counter == kNoCounter) {
            b_.set_label(r.label);
            defined_.resize(r.defined);  // the branch may have skipped their definitions
            return;
        }
        b_.emit(Opc::sub, Type::I64, {r.counter, r.counter, b_.cst(1)});
        b_.brcond(Cond::Ne, r.counter, b_.cst(0), r.label);
    }

    void exit() {
        switch (pick(4)) {
            case 0:
                b_.emit(Opc::goto_tb, Type::I64, {0});
                return;
            case 1:
                b_.emit(Opc::goto_tb, Type::I64, {1});
                return;
            case 2:
                b_.emit(Opc::goto_ptr, Type::I64, {});
                return;
            default:
                b_.emit(Opc::exit_tb, Type::I64, {});
                return;
        }
    }

    void step() {
        static constexpr Opc kBinary[] = {Opc::add,  Opc::sub,  Opc::mul, Opc::and_, Opc::or_,
                                          Opc::xor_, Opc::andc, Opc::shl, Opc::shr,  Opc::sar,
                                          Opc::rotl, Opc::rotr, Opc::clz, Opc::ctz};
        static constexpr Opc kUnary[] = {Opc::mov,    Opc::neg,   Opc::not_,   Opc::ctpop,
                                         Opc::ext8s,  Opc::ext8u, Opc::ext16s, Opc::ext16u,
                                         Opc::ext32s, Opc::ext32u};
        static constexpr Opc kLoads[] = {Opc::ld8u, Opc::ld16u, Opc::ld32u, Opc::ld32s, Opc::ld};
        static constexpr Opc kStores[] = {Opc::st8, Opc::st16, Opc::st32, Opc::st};
        static constexpr Opc kCalls[] = {Opc::call0, Opc::call1, Opc::call2, Opc::call3,
                                         Opc::call4};
        const unsigned r = pick(100);
        if (r < 30) return binary(kBinary[pick(std::size(kBinary))]);
        if (r < 42) return unary(kUnary[pick(std::size(kUnary))]);
        if (r < 44) return unary(Opc::bswap, {2u << pick(3)});
        if (r < 46) {
            const uint32_t pos = pick(64), len = pick(64 - pos + 1);
            return unary(Opc::extract, {pos, len});
        }
        if (r < 47) {
            const uint32_t pos = pick(64), len = 1 + pick(64 - pos);
            Type t = type();
            TempId a = input(t), c = input(t);
            return emit(Opc::deposit, t, {output(), a, c, pos, len});
        }
        if (r < 48) {
            Type t = type();
            TempId a = input(t), c = input(t);
            return emit(Opc::lea, t, {output(), a, c, pick(4), uint32_t(rng_())});
        }
        if (r < 52) {
            Type t = type();
            TempId a = input(t), c = input(t);
            return emit(Opc::setcond, t, {output(), a, c, pick(12)});
        }
        if (r < 56) {
            Type t = type();
            TempId a = input(t), c = input(t), v1 = input(t), v2 = input(t);
            return emit(Opc::movcond, t, {output(), a, c, v1, v2, pick(12)});
        }
        if (r < 58) {
            Type t = type();
            TempId a = input(t), c = input(t);
            TempId lo = output(), hi = output();
            return emit(chance(50) ? Opc::mulu2 : Opc::muls2, t, {lo, hi, a, c});
        }
        if (r < 59) return division();
        if (r < 62) {
            Opc opc = kLoads[pick(std::size(kLoads))];
            Type t = type();
            unsigned size = opc == Opc::ld8u ? 1 : opc == Opc::ld16u ? 2 : opc == Opc::ld ? 8 : 4;
            return emit(opc, t, {output(), env_offset(size)});
        }
        if (r < 66) {
            Opc opc = kStores[pick(std::size(kStores))];
            Type t = type();
            unsigned size = opc == Opc::st8 ? 1 : opc == Opc::st16 ? 2 : opc == Opc::st ? 8 : 4;
            return emit(opc, t, {input(t), env_offset(size)});
        }
        if (r < 70) {
            const uint32_t mop = MemOp::make(pick(4), chance(50), pick(3)).bits;
            TempId addr = guest_address();
            if (chance(50)) return emit(Opc::guest_ld, type(), {output(), addr, mop});
            TempId v = input(Type::I64);
            return emit(Opc::guest_st, Type::I64, {v, addr, mop});
        }
        if (r < 76) {
            const unsigned n = pick(5);
            Op op{kCalls[n], Type::I64, {}};
            for (unsigned i = 0; i < n; i++)
                op.args[1 + i] = input(Type::I64);
            op.args[0] = output();
            op.args[1 + n] = pick(kHelperCount);
            b_.function().ops().push_back(op);
            defined_.insert(defined_.end(), pending_.begin(), pending_.end());
            pending_.clear();
            return;
        }
        if (r < 78) return emit(Opc::insn_start, Type::I64, {uint32_t(rng_()), 0});
        if (r < 79) return emit(Opc::mb, Type::I64, {0});
        if (r < 81) {
            // Only locals defined inside the innermost region, so closing it stays exact.
            const size_t floor = regions_.empty() ? 0 : regions_.back().defined;
            if (defined_.size() > floor) {
                b_.emit(Opc::discard, Type::I64, {defined_.back()});
                defined_.pop_back();
            }
            return;
        }
        if (r < 89) return open_region();
        if (r < 96) {
            if (!regions_.empty()) close_region();
            return;
        }
        if (r < 98 && !regions_.empty() && regions_.back().counter == kNoCounter) {
            b_.br(regions_.back().label);
            return;
        }
        if (!regions_.empty() && regions_.back().counter == kNoCounter) exit();
    }

    Builder b_;
    std::mt19937_64 rng_;
    uint64_t base_;
    std::vector<TempId> defined_;
    std::vector<TempId> pending_;
    std::vector<Region> regions_;
};

Machine random_machine(std::mt19937_64& rng, uint64_t base) {
    Machine m;
    for (uint64_t& g : m.env.g)
        g = rng();
    for (uint64_t& f : m.env.field)
        f = rng();
    m.env.trace = rng();
    m.env.insn_index = uint32_t(rng());
    for (uint8_t& byte : m.guest)
        byte = uint8_t(rng());
    // Tags that hit, carry a flag, are invalid, or name another page with the same index
    // (which a probe that compared only the index bits would take for a hit).
    const auto tag = [&](uint64_t page) {
        const unsigned r = unsigned(rng() % 20);
        if (r < 12) return page;
        if (r < 15) return page | kTlbFlag;
        if (r < 17) return kTlbInvalid;
        return page + kTlbEntries * kPageSize;
    };
    for (auto& table : m.tlb)
        for (unsigned i = 0; i < kTlbEntries; i++) {
            const uint64_t other = kPageBases[rng() % std::size(kPageBases)];
            const uint64_t page = (rng() % 5 ? base : other) + i * kPageSize;
            table[i] = {page, tag(page), tag(page)};
        }
    return m;
}

TEST(RandomPrograms, MatchTheInterpreter) {
    constexpr unsigned kPrograms = 20000;
    unsigned ops = 0, probed = 0, hits = 0;
    for (uint64_t seed = 1; seed <= kPrograms; seed++) {
        const TlbShape shape = kTlbShapes[seed % std::size(kTlbShapes)];
        Function f(test_target(shape));
        ProgramGenerator(f, seed).generate();
        ops += unsigned(f.ops().size());
        std::mt19937_64 rng(seed * 0x9e3779b97f4a7c15ull);
        const Machine m = random_machine(rng, favoured_base(seed));
        Outcome ref;
        const std::string diff = compare_runs(f, m, &ref);
        ASSERT_EQ(diff, "") << "seed " << seed;
        if (shape == TlbShape::Absent) continue;
        probed += ref.calls;
        hits += ref.calls - ref.misses;
    }
    RecordProperty("ops", int(ops));
    std::printf("%u random programs, %u ops, all equivalent; %u of %u accesses hit the TLB\n",
                kPrograms, ops, hits, probed);
    // Both paths of the probe get a fair share of the accesses.
    EXPECT_GT(hits, probed / 5);
    EXPECT_GT(probed - hits, probed / 5);
}

}  // namespace
}  // namespace kemu::tcg::backend_test
