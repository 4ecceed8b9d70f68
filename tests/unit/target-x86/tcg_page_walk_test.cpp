#include "target-x86/tcg/page_walk.h"

#include <gtest/gtest.h>

#include "tests/unit/target-x86/tcg_sys_fake.h"

namespace kemu::x86::test {
namespace {

constexpr uint64_t P = 1, RW = 2, US = 4, A = 0x20, D = 0x40, PS = 0x80, G = 0x100;
constexpr uint64_t XD = 1ull << 63;

class PageWalk : public ::testing::Test {
  protected:
    FakeSysContext m;
    X86CpuState s = reset_cpu_state(true);

    // 4-level: 0x1000 PML4 -> 0x2000 PDPT -> 0x3000 PD -> 0x4000 PT, va 0x401000 -> 0x9000.
    void four_level(uint64_t pml4 = P | RW | US, uint64_t pdpt = P | RW | US,
                    uint64_t pd = P | RW | US, uint64_t pte = P | RW | US) {
        s.cr0 |= cr0bit::PE | cr0bit::PG;
        s.cr4 |= cr4bit::PAE;
        s.efer |= eferbit::LME | eferbit::LMA;
        s.cr3 = 0x1000;
        m.store(0x1000, 8, 0x2000 | pml4);
        m.store(0x2000, 8, 0x3000 | pdpt);
        m.store(0x3000 + 2 * 8, 8, 0x4000 | pd);
        m.store(0x4000 + 1 * 8, 8, 0x9000 | pte);
    }
    WalkResult walk(uint64_t va, Access a, bool user, bool implicit = false) {
        return page_walk(s, m, va, a, user, implicit);
    }
};

TEST_F(PageWalk, NoPagingIsIdentityAndTruncatedOutsideLongMode) {
    WalkResult r = walk(0x1'2345'6789, Access::Write, true);
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.paddr, 0x23456789u);
}

TEST_F(PageWalk, FourLevelTranslatesAndSetsAccessedDirty) {
    four_level();
    WalkResult r = walk(0x401234, Access::Read, true);
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.paddr, 0x9234u);
    EXPECT_EQ(r.page_size, 4096u);
    EXPECT_TRUE(r.perms.writable && r.perms.user && r.perms.executable);
    EXPECT_FALSE(r.dirty);
    for (uint64_t e : {m.load(0x1000, 8), m.load(0x2000, 8), m.load(0x3010, 8), m.load(0x4008, 8)})
        EXPECT_TRUE(e & A);
    EXPECT_FALSE(m.load(0x4008, 8) & D);
    r = walk(0x401234, Access::Write, true);
    ASSERT_TRUE(r.ok);
    EXPECT_TRUE(r.dirty);
    EXPECT_TRUE(m.load(0x4008, 8) & D);
    EXPECT_FALSE(m.load(0x3010, 8) & D) << "D is set only in the leaf";
}

TEST_F(PageWalk, LostCompareExchangeRestartsTheWalk) {
    four_level();
    m.cmpxchg_failures_left = 2;
    WalkResult r = walk(0x401000, Access::Write, false);
    ASSERT_TRUE(r.ok);
    EXPECT_TRUE(m.load(0x4008, 8) & D);
    EXPECT_EQ(m.cmpxchg_failures_left, 0u);
}

TEST_F(PageWalk, NotPresentAtEachLevel) {
    for (int level = 0; level < 4; level++) {
        four_level();
        uint64_t addr[] = {0x1000, 0x2000, 0x3010, 0x4008};
        m.store(addr[level], 8, m.load(addr[level], 8) & ~P);
        WalkResult r = walk(0x401000, Access::Write, true);
        EXPECT_FALSE(r.ok);
        EXPECT_EQ(r.error_code, pferr::W | pferr::U) << level;
    }
}

TEST_F(PageWalk, ReservedBitsAtEachLevelSetRsvd) {
    uint64_t high = 1ull << 45;  // above MAXPHYADDR = 40
    uint64_t addr[] = {0x1000, 0x2000, 0x3010, 0x4008};
    for (int level = 0; level < 4; level++) {
        four_level();
        m.store(addr[level], 8, m.load(addr[level], 8) | high);
        WalkResult r = walk(0x401000, Access::Read, false);
        EXPECT_FALSE(r.ok);
        EXPECT_EQ(r.error_code, pferr::P | pferr::RSVD) << level;
    }
    // PS in a PML4E is reserved; XD is reserved without EFER.NXE.
    four_level(P | RW | PS);
    EXPECT_EQ(walk(0x401000, Access::Read, false).error_code, pferr::P | pferr::RSVD);
    four_level(P | RW, P | RW, P | RW, P | RW | XD);
    EXPECT_EQ(walk(0x401000, Access::Read, false).error_code, pferr::P | pferr::RSVD);
    // A 2 MiB PDE with bits 20:13 set.
    four_level();
    m.store(0x3010, 8, 0x200000 | P | PS | (1u << 13));
    EXPECT_EQ(walk(0x401000, Access::Read, false).error_code, pferr::P | pferr::RSVD);
}

TEST_F(PageWalk, LargePages) {
    four_level();
    m.store(0x3010, 8, 0x1200000 | P | RW | PS | G);
    s.cr4 |= cr4bit::PGE;
    WalkResult r = walk(0x412345, Access::Read, false);
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.paddr, 0x1212345u);
    EXPECT_EQ(r.page_size, 2u << 20);
    EXPECT_TRUE(r.global);
    m.store(0x2000, 8, 0x40000000 | P | RW | PS);
    r = walk(0x3456789, Access::Read, false);
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.paddr, 0x43456789u);
    EXPECT_EQ(r.page_size, 1u << 30);
}

TEST_F(PageWalk, FiveLevelPaging) {
    four_level();
    s.cr4 |= cr4bit::LA57;
    s.cr3 = 0x5000;  // PML5 -> the PML4 at 0x1000, index 1 for bit 48
    m.store(0x5000 + 1 * 8, 8, 0x1000 | P | RW);
    WalkResult r = walk((1ull << 48) | 0x401234, Access::Read, false);
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.paddr, 0x9234u);
    EXPECT_TRUE(m.load(0x5008, 8) & A);
    EXPECT_FALSE(walk(0x401234, Access::Read, false).ok) << "PML5 entry 0 is not present";
}

TEST_F(PageWalk, UserSupervisorAndWriteProtect) {
    four_level(P | RW | US, P | RW | US, P | RW, P | RW | US);  // PD supervisor-only
    EXPECT_EQ(walk(0x401000, Access::Read, true).error_code, pferr::P | pferr::U);
    EXPECT_TRUE(walk(0x401000, Access::Write, false).ok);

    four_level(P | RW | US, P | US, P | RW | US, P | RW | US);  // PDPT read-only
    EXPECT_EQ(walk(0x401000, Access::Write, true).error_code, pferr::P | pferr::W | pferr::U);
    EXPECT_TRUE(walk(0x401000, Access::Read, true).ok);
    EXPECT_TRUE(walk(0x401000, Access::Write, false).ok) << "WP=0: supervisor writes anything";
    s.cr0 |= cr0bit::WP;
    m.store(0x4008, 8, m.load(0x4008, 8) & ~D);
    EXPECT_EQ(walk(0x401000, Access::Write, false).error_code, pferr::P | pferr::W);
    EXPECT_FALSE(m.load(0x4008, 8) & D) << "a denied write sets no D";
}

TEST_F(PageWalk, NoExecuteOnlyWithNxe) {
    four_level(P | RW | US, P | RW | US, P | RW | US | XD, P | RW | US);
    s.efer |= eferbit::NXE;
    WalkResult r = walk(0x401000, Access::Execute, true);
    EXPECT_EQ(r.error_code, pferr::P | pferr::U | pferr::I);
    r = walk(0x401000, Access::Read, true);
    ASSERT_TRUE(r.ok);
    EXPECT_FALSE(r.perms.executable);
}

TEST_F(PageWalk, SmepAndSmap) {
    four_level();
    s.cr4 |= cr4bit::SMEP;
    EXPECT_EQ(walk(0x401000, Access::Execute, false).error_code, pferr::P | pferr::I);
    EXPECT_TRUE(walk(0x401000, Access::Execute, true).ok);
    s.cr4 = (s.cr4 & ~cr4bit::SMEP) | cr4bit::SMAP;
    EXPECT_EQ(walk(0x401000, Access::Read, false).error_code, pferr::P);
    s.rflags |= rflag::AC;
    EXPECT_TRUE(walk(0x401000, Access::Read, false).ok) << "AC=1 lifts SMAP for explicit accesses";
    EXPECT_EQ(walk(0x401000, Access::Write, false, true).error_code, pferr::P | pferr::W)
        << "implicit supervisor accesses ignore AC";
}

TEST_F(PageWalk, Legacy32BitWith4kAnd4mPages) {
    s.cr0 |= cr0bit::PE | cr0bit::PG;
    s.cr3 = 0x1000;
    m.store(0x1000 + 1 * 4, 4, 0x2000 | P | RW | US);
    m.store(0x2000 + 2 * 4, 4, 0x7000 | P | US);
    WalkResult r = walk(0x402abc, Access::Read, true);
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.paddr, 0x7abcu);
    EXPECT_TRUE(m.load(0x2008, 4) & A);
    EXPECT_EQ(walk(0x402abc, Access::Write, true).error_code, pferr::P | pferr::W | pferr::U);
    // Without CR4.PSE the PS bit is ignored; with it, a PSE-36 4 MiB page above 4 GiB.
    m.store(0x1000 + 3 * 4, 4, 0xc00000 | P | RW | PS | (0x5u << 13));
    s.cr4 |= cr4bit::PSE;
    r = walk(0xc12345, Access::Read, false);
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.paddr, 0x5'00c1'2345ull);
    EXPECT_EQ(r.page_size, 4u << 20);
    m.store(0x1000 + 3 * 4, 4, 0xc00000 | P | RW | PS | (1u << 21));
    EXPECT_EQ(walk(0xc12345, Access::Read, false).error_code, pferr::P | pferr::RSVD);
    EXPECT_EQ(walk(0xc12345, Access::Execute, false).error_code & pferr::I, 0u)
        << "32-bit paging without SMEP does not report I/D";
}

TEST_F(PageWalk, PaeWithPdpteReservedBits) {
    s.cr0 |= cr0bit::PE | cr0bit::PG;
    s.cr4 |= cr4bit::PAE;
    s.cr3 = 0x1020;  // 32-byte aligned PDPT
    m.store(0x1020 + 1 * 8, 8, 0x3000 | P);
    m.store(0x3000 + 0 * 8, 8, 0x4000 | P | RW | US);
    m.store(0x4000 + 5 * 8, 8, 0x8000 | P | RW | US);
    WalkResult r = walk(0x40005678, Access::Write, true);
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.paddr, 0x8678u);
    EXPECT_EQ(m.load(0x1028, 8), 0x3000 | P) << "PDPTEs have no accessed bit in PAE paging";
    m.store(0x1028, 8, 0x3000 | P | RW);  // bit 1 is reserved in a PAE PDPTE
    EXPECT_EQ(walk(0x40005678, Access::Read, true).error_code, pferr::P | pferr::RSVD | pferr::U);
}

TEST_F(PageWalk, RaisePageFaultSetsCr2) {
    try {
        raise_page_fault(s, m, 0xdead000, pferr::W);
        FAIL();
    } catch (const GuestFault& f) {
        EXPECT_EQ(f.vector, 14);
        EXPECT_EQ(*f.error_code, pferr::W);
    }
    EXPECT_EQ(s.cr2, 0xdead000u);
}

}  // namespace
}  // namespace kemu::x86::test
