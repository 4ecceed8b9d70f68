// The backend's inline softmmu TLB probe held to the interpreter (which always calls
// guest_load/guest_store, whose fake makes the same test in C++): hits, misses, tags with
// flag bits, accesses that cross a page, every size and extension, every TLB layout of the
// fake target. Besides equal state, the backend must call out only for misses.
#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "tcg/backend_x86_64_probe_sharing.h"
#include "tcg/builder.h"
#include "tests/unit/tcg/backend_harness.h"

namespace kemu::tcg::backend_test {
namespace {

using x64::ProbeShare;

constexpr uint64_t kStoreValue = 0x8877665544332211ull;

Machine initial_machine() {
    Machine m;
    for (unsigned i = 0; i < kGlobals; i++)
        m.env.g[i] = 0x5a5a5a5a00000000ull + 0x1111 * i;
    m.env.g[1] = kStoreValue;
    m.env.trace = 29;
    for (unsigned i = 0; i < kGuestBytes; i++)
        m.guest[i] = uint8_t(0x9d * i + 0xb1);  // bytes with the top bit set and clear
    return m;
}

// One access and the TLB around it.
struct Scenario {
    const char* name;
    // Sets up the TLB for an access of `size` bytes with MMU index `mmu`; returns the
    // address and whether a load and a store should hit.
    std::function<uint64_t(Machine&, unsigned mmu, unsigned size, bool& load_hits,
                           bool& store_hits)>
        setup;
};

constexpr uint64_t kPage = 0x1040;
constexpr uint64_t kTopPage = 0xffffffffffffffc0;  // an access crossing it wraps to 0

void map(Machine& m, unsigned mmu, uint64_t page, uint64_t read_tag, uint64_t write_tag) {
    m.tlb[mmu][tlb_index(page)] = {page, read_tag, write_tag};
}

const std::vector<Scenario>& scenarios() {
    static const std::vector<Scenario> list = {
        {"hit at the page start",
         [](Machine& m, unsigned mmu, unsigned, bool& ld, bool& st) {
             map(m, mmu, kPage, kPage, kPage);
             ld = st = true;
             return kPage;
         }},
        {"hit at the last offset that fits",
         [](Machine& m, unsigned mmu, unsigned size, bool& ld, bool& st) {
             map(m, mmu, kTopPage, kTopPage, kTopPage);
             ld = st = true;
             return kTopPage + kPageSize - size;
         }},
        {"crossing into a mapped page",
         [](Machine& m, unsigned mmu, unsigned size, bool& ld, bool& st) {
             map(m, mmu, kPage, kPage, kPage);
             map(m, mmu, kPage + kPageSize, kPage + kPageSize, kPage + kPageSize);
             ld = st = size == 1;
             return kPage + kPageSize - size + 1;
         }},
        {"crossing the top of the address space",
         [](Machine& m, unsigned mmu, unsigned size, bool& ld, bool& st) {
             map(m, mmu, kTopPage, kTopPage, kTopPage);
             map(m, mmu, 0, 0, 0);
             ld = st = size == 1;
             return kTopPage + kPageSize - size + 1;
         }},
        {"flag bits in both tags",
         [](Machine& m, unsigned mmu, unsigned, bool& ld, bool& st) {
             map(m, mmu, kPage, kPage | kTlbFlag, kPage | 2 * kTlbFlag);
             ld = st = false;
             return kPage + 3;
         }},
        {"plain read tag, flagged write tag",
         [](Machine& m, unsigned mmu, unsigned, bool& ld, bool& st) {
             map(m, mmu, kPage, kPage, kPage | kTlbFlag);
             ld = true;
             st = false;
             return kPage;
         }},
        {"invalid read tag, plain write tag",
         [](Machine& m, unsigned mmu, unsigned, bool& ld, bool& st) {
             map(m, mmu, kPage, kTlbInvalid, kPage);
             ld = false;
             st = true;
             return kPage;
         }},
        {"mapped for another MMU index",
         [](Machine& m, unsigned mmu, unsigned, bool& ld, bool& st) {
             map(m, (mmu + 1) % kMmuCount, kPage, kPage, kPage);
             ld = st = false;
             return kPage;
         }},
        {"same low 32 bits, another page",
         [](Machine& m, unsigned mmu, unsigned, bool& ld, bool& st) {
             map(m, mmu, kPage, kPage, kPage);
             ld = st = false;
             return kPage + (1ull << 32);
         }},
    };
    return list;
}

enum class Source { Global, Local, Const };

// guest_ld into g6 (through a local when src is Local), or guest_st of g1, at `addr`.
Function access(const TargetInfo& target, bool store, Type type, uint32_t memop, uint64_t addr,
                Source src, Machine& m) {
    Function f(target);
    Builder b(f);
    TempId a = 0;
    if (src == Source::Const) a = b.cst(addr);
    if (src != Source::Const) m.env.g[0] = addr;
    if (src == Source::Local) a = b.unop(Opc::mov, 0, Type::I64);
    if (store) {
        b.emit(Opc::guest_st, type, {1, a, memop});
    } else {
        const TempId d = src == Source::Local ? b.temp(type) : 6;
        b.emit(Opc::guest_ld, type, {d, a, memop});
        if (d != 6) b.mov(6, d);
    }
    b.emit(Opc::exit_tb, Type::I64, {});
    return f;
}

TEST(TlbProbe, HitsMissesFlagsAndCrossings) {
    unsigned checks = 0;
    for (TlbShape shape : kTlbShapes)
        for (const Scenario& s : scenarios())
            for (unsigned log2 = 0; log2 < 4; log2++)
                for (unsigned mmu = 0; mmu < kMmuCount; mmu++)
                    for (bool store : {false, true})
                        for (bool sign : {false, true}) {
                            if (store && sign) continue;
                            for (Source src : {Source::Global, Source::Local, Source::Const}) {
                                Machine m = initial_machine();
                                bool load_hits = false, store_hits = false;
                                const uint64_t addr =
                                    s.setup(m, mmu, 1u << log2, load_hits, store_hits);
                                const bool hits = store ? store_hits : load_hits;
                                const Type type = log2 == 3 ? Type::I64 : Type::I32;
                                const uint32_t mop = MemOp::make(log2, sign, mmu).bits;
                                const Function f =
                                    access(test_target(shape), store, type, mop, addr, src, m);
                                const std::string where = std::string(s.name) + ", size " +
                                                          std::to_string(1 << log2) +
                                                          (store ? " store" : " load");
                                const Outcome ref = run_interpreter(f, m);
                                // The scenario is what it claims (in the fake's own test).
                                const bool expect_miss = !hits || shape == TlbShape::Absent;
                                ASSERT_EQ(ref.calls, 1u) << where;
                                ASSERT_EQ(ref.misses, expect_miss ? 1u : 0u) << where;
                                const Outcome jit = run_backend(f, m);
                                EXPECT_EQ(jit.calls, expect_miss ? 1u : 0u) << where;
                                ASSERT_EQ(compare_runs(f, m), "") << where;
                                checks++;
                            }
                        }
    std::printf("%u TLB probe checks\n", checks);
}

// The vector forms through the same scenarios: one probe for all 16 or 32 bytes, so only a
// miss or a page crossing calls out.
TEST(TlbProbe, VectorAccesses) {
    unsigned checks = 0;
    for (TlbShape shape : kTlbShapes)
        for (const Scenario& s : scenarios())
            for (unsigned log2 : {4u, 5u})
                for (unsigned mmu = 0; mmu < kMmuCount; mmu++)
                    for (bool store : {false, true}) {
                        Machine m = initial_machine();
                        bool load_hits = false, store_hits = false;
                        const uint64_t addr = s.setup(m, mmu, 1u << log2, load_hits, store_hits);
                        const bool expect_miss =
                            !(store ? store_hits : load_hits) || shape == TlbShape::Absent;
                        Function f(test_target(shape));
                        Builder b(f);
                        m.env.g[0] = addr;
                        const uint32_t mop = MemOp::make(log2, false, mmu).bits;
                        b.emit(store ? Opc::guest_st_vec : Opc::guest_ld_vec, Type::I64,
                               {0, mop, kVecOffset});
                        b.emit(Opc::exit_tb, Type::I64, {});
                        const std::string where = std::string(s.name) + ", size " +
                                                  std::to_string(1 << log2) +
                                                  (store ? " store" : " load");
                        const Outcome ref = run_interpreter(f, m);
                        ASSERT_EQ(ref.calls, 1u) << where;
                        ASSERT_EQ(ref.misses, expect_miss ? 1u : 0u) << where;
                        EXPECT_EQ(run_backend(f, m).calls, expect_miss ? 1u : 0u) << where;
                        ASSERT_EQ(compare_runs(f, m), "") << where;
                        checks++;
                    }
    EXPECT_GT(checks, 300u);
}

// An access that must be aligned misses the TLB (for the target's fault) exactly when its
// address is not a multiple of the alignment, whether the alignment is at least its size
// (one masked compare) or below it (a test of its own).
TEST(TlbProbe, MisalignedAccessesTakeTheSlowPath) {
    unsigned checks = 0;
    for (TlbShape shape : {TlbShape::PowerOfTwo, TlbShape::Odd})
        for (unsigned log2 = 0; log2 < 4; log2++)
            for (unsigned align : {2u, 4u, 8u, 16u})
                for (unsigned offset : {0u, 1u, 2u, 4u, 8u, 16u})
                    for (bool store : {false, true}) {
                        const unsigned size = 1u << log2;
                        if (offset + size > kPageSize) continue;
                        Machine m = initial_machine();
                        map(m, 0, kPage, kPage, kPage);
                        const uint64_t addr = kPage + offset;
                        const Type type = log2 == 3 ? Type::I64 : Type::I32;
                        const uint32_t mop = MemOp::make(log2, false, 0).with_alignment(align).bits;
                        const Function f =
                            access(test_target(shape), store, type, mop, addr, Source::Global, m);
                        const bool misaligned = addr % align != 0;
                        const std::string where = "size " + std::to_string(size) + " align " +
                                                  std::to_string(align) + " offset " +
                                                  std::to_string(offset);
                        EXPECT_EQ(run_backend(f, m).calls, misaligned ? 1u : 0u) << where;
                        ASSERT_EQ(compare_runs(f, m), "") << where;
                        checks++;
                    }
    EXPECT_GT(checks, 300u);
}

// Hits do not call out at all; misses do, once each.
TEST(TlbProbe, OnlyMissesCallOut) {
    Machine m = initial_machine();
    map(m, 0, kPage, kPage, kPage);
    Function f(test_target());
    Builder b(f);
    const uint32_t mop = MemOp::make(3, false, 0).bits;
    for (uint64_t offset = 0; offset < kPageSize; offset += 8) {
        b.emit(Opc::guest_ld, Type::I64, {6, b.cst(kPage + offset), mop});
        b.emit(Opc::guest_st, Type::I64, {6, b.cst(kPage + kPageSize - 8 - offset), mop});
    }
    b.emit(Opc::guest_ld, Type::I64, {7, b.cst(kPage + kPageSize - 4), mop});  // crosses
    b.emit(Opc::guest_st, Type::I64, {7, b.cst(kPage + 3 * kPageSize), mop});  // unmapped
    b.emit(Opc::exit_tb, Type::I64, {});
    const Outcome ref = run_interpreter(f, m);
    EXPECT_EQ(ref.calls, 2 * kPageSize / 8 + 2);
    EXPECT_EQ(ref.misses, 2u);
    EXPECT_EQ(run_backend(f, m).calls, 2u);
    EXPECT_EQ(compare_runs(f, m), "");
}

// Values in every allocatable register and dirty globals survive a slow path; the callee
// sees globals current (the fake load adds g5), including the old value of a global the
// load itself is about to overwrite.
TEST(TlbProbe, SlowPathKeepsRegistersAndShowsGlobals) {
    for (TlbShape shape : kTlbShapes)
        for (bool hit : {false, true}) {
            Machine m = initial_machine();
            m.env.g[5] = kPage + 8;
            if (hit) map(m, 1, kPage, kPage, kPage);
            Function f(test_target(shape));
            Builder b(f);
            std::vector<TempId> live;
            for (TempId g = 0; g < kGlobals; g++)
                b.emit(Opc::add, Type::I64, {g, g, b.cst(g + 1)});
            for (unsigned i = 0; i < 8; i++)
                live.push_back(b.add(TempId(i % kGlobals), b.cst(0x100 * i)));
            const uint32_t ld = MemOp::make(2, true, 1).bits;
            const uint32_t st = MemOp::make(1, false, 1).bits;
            b.emit(Opc::guest_ld, Type::I64, {5, 5, ld});  // address and destination: g5
            b.emit(Opc::guest_st, Type::I64, {live[3], b.cst(kPage + 2), st});
            const TempId v = b.temp();
            b.emit(Opc::guest_ld, Type::I32, {v, b.cst(kPage + 2), MemOp::make(1, true, 1).bits});
            TempId sum = v;
            for (TempId t : live)
                sum = b.add(sum, t);
            b.mov(7, sum);
            b.emit(Opc::exit_tb, Type::I64, {});
            const Outcome ref = run_interpreter(f, m);
            EXPECT_EQ(ref.misses, hit && shape != TlbShape::Absent ? 0u : 3u);
            EXPECT_EQ(compare_runs(f, m), "") << "hit " << hit;
        }
}

// Three accesses a few bytes apart from g0 share one probe (the analysis says so, checked
// first), and whatever the TLB holds for their pages, each calls out exactly when the
// interpreter's access misses: a span on one page, a span that runs into a second page
// (mapped or not), tags that allow the loads but not the store or the other way round.
TEST(TlbProbe, AGroupCallsOutExactlyForItsMembersMisses) {
    struct Layout {
        const char* name;
        uint64_t offset;  // of g0 within kPage
        bool second_page;
        uint64_t read_tag, write_tag;  // kPage's, as flags added to the page or invalid
        unsigned misses;
    };
    const Layout layouts[] = {
        {"one page", 8, false, 0, 0, 0},
        {"into a mapped next page", 50, true, 0, 0, 0},
        {"into an unmapped next page", 50, false, 0, 0, 1},
        {"store flagged", 8, false, 0, kTlbFlag, 1},
        {"loads invalid", 8, false, kTlbInvalid, 0, 2},
        {"nothing mapped", 8, false, kTlbInvalid, kTlbInvalid, 3},
    };
    for (TlbShape shape : {TlbShape::PowerOfTwo, TlbShape::Odd})
        for (const Layout& l : layouts) {
            Machine m = initial_machine();
            auto tag = [](uint64_t page, uint64_t how) {
                return how == kTlbInvalid ? kTlbInvalid : page | how;
            };
            map(m, 0, kPage, tag(kPage, l.read_tag), tag(kPage, l.write_tag));
            const uint64_t next = kPage + kPageSize;
            if (l.second_page) map(m, 0, next, next, next);
            m.env.g[0] = kPage + l.offset;
            Function f(test_target(shape));
            Builder b(f);
            b.emit(Opc::guest_ld, Type::I64, {6, 0, MemOp::make(3, false, 0).bits});
            b.guest_st(1, b.addi(0, 8), MemOp::make(2, false, 0));
            b.emit(Opc::guest_ld, Type::I64, {7, b.addi(0, 16), MemOp::make(1, true, 0).bits});
            b.emit(Opc::exit_tb, Type::I64, {});
            std::vector<ProbeShare> share;
            x64::ProbeSharingMemory memory;
            x64::share_probes(f, true, {0x1000}, share, memory);
            ASSERT_EQ(share[0].role, ProbeShare::Role::Leader);
            ASSERT_EQ(share[0].first, 0);
            ASSERT_EQ(share[0].last, 17);
            ASSERT_TRUE(share[0].read && share[0].write);
            ASSERT_EQ(share[2].role, ProbeShare::Role::Follower);
            ASSERT_EQ(share[4].role, ProbeShare::Role::Follower);
            Outcome ref;
            ASSERT_EQ(compare_runs(f, m, &ref), "") << l.name;
            EXPECT_EQ(ref.misses, l.misses) << l.name;
        }
}

}  // namespace
}  // namespace kemu::tcg::backend_test
