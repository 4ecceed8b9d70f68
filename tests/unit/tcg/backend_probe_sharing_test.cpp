// Which guest accesses share a TLB probe (tcg/backend_x86_64_probe_sharing.h): members must be
// a constant distance from their leader's address, on straight-line code with no call in
// between; everything else probes alone.
#include <gtest/gtest.h>

#include <vector>

#include "tcg/backend_x86_64_probe_sharing.h"
#include "tcg/builder.h"
#include "tests/unit/tcg/backend_harness.h"

namespace kemu::tcg::backend_test {
namespace {

using x64::ProbeShare;
using Role = ProbeShare::Role;

const MemOp kQword = MemOp::make(3, false, 0);
const std::vector<uint32_t> kSlots = {0x100, 0x108, 0x110, 0x118};

// The roles of f's accesses, in order.
std::vector<Role> roles(const Function& f, std::vector<ProbeShare>* out = nullptr) {
    std::vector<ProbeShare> share;
    x64::ProbeSharingMemory memory;
    x64::share_probes(f, true, kSlots, share, memory);
    std::vector<Role> r;
    for (size_t i = 0; i < f.ops().size(); i++)
        if (f.ops()[i].opc == Opc::guest_ld || f.ops()[i].opc == Opc::guest_st)
            r.push_back(i < share.size() ? share[i].role : Role::Alone);
    if (out) *out = share;
    return r;
}

TEST(ProbeSharing, OffsetsFromOneValueShareAndTheSpanIsTheLeaders) {
    Function f(test_target());
    Builder b(f);
    const TempId p = b.addi(0, 0x40);
    b.guest_ld(p, kQword);
    b.guest_st(1, b.addi(0, 0x10), kQword);                         // 0x30 below the leader
    b.guest_ld(b.addi(b.addi(p, 8), 4), MemOp::make(1, false, 0));  // 2 bytes at +12
    b.guest_ld(b.binop(Opc::sub, p, b.cst(8)), kQword);             // -8
    b.guest_ld(b.copy(p), kQword);
    b.emit(Opc::exit_tb, Type::I64, {});
    std::vector<ProbeShare> share;
    EXPECT_EQ(roles(f, &share), (std::vector<Role>{Role::Leader, Role::Follower, Role::Follower,
                                                   Role::Follower, Role::Follower}));
    const ProbeShare& lead = share[1];
    EXPECT_EQ(lead.first, -0x30);
    EXPECT_EQ(lead.last, 13);
    EXPECT_TRUE(lead.read && lead.write);
}

TEST(ProbeSharing, ConstantAddressesShare) {
    Function f(test_target());
    Builder b(f);
    b.guest_ld(b.cst(0xffffffff81000000ull), kQword);
    b.guest_ld(b.cst(0xffffffff81000020ull), kQword);
    b.guest_ld(b.cst(0xffffffff81004000ull), kQword);  // too far: a group of its own
    b.emit(Opc::exit_tb, Type::I64, {});
    EXPECT_EQ(roles(f), (std::vector<Role>{Role::Leader, Role::Follower, Role::Alone}));
}

TEST(ProbeSharing, LabelsCallsAndRedefinitionsEndWhatMayShare) {
    Function f(test_target());
    Builder b(f);
    const LabelId l = b.label();
    b.guest_ld(0, kQword);
    b.set_label(l);  // another path may arrive here without the leader's probe
    b.guest_ld(b.addi(0, 8), kQword);
    b.call(kMix, {});  // may change the TLB and g0
    b.guest_ld(b.addi(0, 16), kQword);
    b.emit(Opc::mul, Type::I64, {0, 0, b.cst(3)});  // g0 is another value now
    b.guest_ld(b.addi(0, 24), kQword);
    b.st(Opc::st, 2, kGlobalOffset);  // an env store may rewrite g0 behind its temp
    b.guest_ld(b.addi(0, 32), kQword);
    b.emit(Opc::exit_tb, Type::I64, {});
    EXPECT_EQ(roles(f), (std::vector<Role>(5, Role::Alone)));
}

TEST(ProbeSharing, OnlyPlainSameIndexAccessesOf64BitOffsetsShare) {
    Function f(test_target());
    Builder b(f);
    b.guest_ld(0, kQword);
    b.guest_ld(b.binop(Opc::add, 0, b.cst(8), Type::I32), kQword);  // wraps at 4 GiB
    b.guest_ld(b.addi(0, 16), MemOp::make(3, false, 1));            // another MMU index
    b.guest_ld(b.addi(0, 24), kQword.with_alignment(8));            // checks its alignment
    b.guest_ld(b.addi(0, 512), kQword);                             // beyond the span
    b.emit(Opc::exit_tb, Type::I64, {});
    EXPECT_EQ(roles(f),
              (std::vector<Role>{Role::Alone, Role::Alone, Role::Alone, Role::Alone, Role::Alone}));
}

// Groups open at once are limited by the slots: the least recently used gives its slot up.
TEST(ProbeSharing, GroupsBeyondTheSlotsEvictTheOldest) {
    Function f(test_target());
    Builder b(f);
    std::vector<uint32_t> leaders, followers;  // op indices, by global
    for (TempId g = 0; g < 5; g++) {
        leaders.push_back(uint32_t(f.ops().size()));
        b.guest_ld(g, kQword);
    }
    followers.resize(5);
    for (TempId g = 5; g-- > 0;) {
        const TempId a = b.addi(g, 8);
        followers[g] = uint32_t(f.ops().size());
        b.guest_ld(a, kQword);
    }
    b.emit(Opc::exit_tb, Type::I64, {});
    std::vector<ProbeShare> share;
    // g0's group gave its slot to g4's; g0's second access finds no group of its own.
    EXPECT_EQ(roles(f, &share),
              (std::vector<Role>{Role::Alone, Role::Leader, Role::Leader, Role::Leader,
                                 Role::Leader, Role::Follower, Role::Follower, Role::Follower,
                                 Role::Follower, Role::Alone}));
    for (unsigned g = 1; g < 5; g++)
        EXPECT_EQ(share[leaders[g]].slot, share[followers[g]].slot);
    EXPECT_EQ(share[leaders[4]].slot, kSlots[0]);
}

TEST(ProbeSharing, ALoneAccessSharesNothing) {
    Function f(test_target());
    Builder b(f);
    b.guest_ld(0, kQword);
    b.guest_st(1, b.addi(0, 8), MemOp::make(3, false, 0).with_alignment(8));
    b.emit(Opc::exit_tb, Type::I64, {});
    EXPECT_EQ(roles(f), (std::vector<Role>{Role::Alone, Role::Alone}));
}

TEST(ProbeSharing, NoSlotsNoSharing) {
    Function f(test_target());
    Builder b(f);
    b.guest_ld(0, kQword);
    b.guest_ld(b.addi(0, 8), kQword);
    b.emit(Opc::exit_tb, Type::I64, {});
    std::vector<ProbeShare> share;
    x64::ProbeSharingMemory memory;
    x64::share_probes(f, true, {}, share, memory);
    EXPECT_TRUE(share.empty());
    x64::share_probes(f, false, kSlots, share, memory);
    EXPECT_TRUE(share.empty());
    x64::share_probes(f, true, kSlots, share, memory);
    EXPECT_EQ(share[0].role, Role::Leader);
}

}  // namespace
}  // namespace kemu::tcg::backend_test
