#include "target-x86/tcg/segments.h"

#include <gtest/gtest.h>

#include "target-x86/tcg/exceptions.h"
#include "tests/unit/target-x86/tcg_sys_fake.h"

namespace kemu::x86::test {
namespace {

constexpr uint16_t kSpare = 0x88;  // a free GDT slot each test fills

TEST(TcgSegments, RealModeKeepsCachedLimit) {
    FakeSysContext m;
    X86CpuState s = reset_cpu_state(true);
    s.seg[DS].limit = 0xffffffff;  // "unreal mode"
    load_segment(s, m, DS, 0x1234);
    EXPECT_EQ(s.seg[DS].base, 0x12340u);
    EXPECT_EQ(s.seg[DS].selector, 0x1234);
    EXPECT_EQ(s.seg[DS].limit, 0xffffffffu);
}

TEST(TcgSegments, Vm86LoadsFixedAttributes) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 0);
    s.rflags |= rflag::VM;
    load_segment(s, m, ES, 0xb800);
    EXPECT_EQ(s.seg[ES].base, 0xb8000u);
    EXPECT_EQ(s.seg[ES].limit, 0xffffu);
    EXPECT_EQ(s.seg[ES].dpl, 3);
}

TEST(TcgSegments, DataSegmentLoadSetsAccessedBit) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 0);
    put_gdt(m, kSpare, seg_desc(0x100000, 0xfff, 0x2, true, 0));  // not yet accessed
    load_segment(s, m, DS, kSpare);
    EXPECT_EQ(s.seg[DS].base, 0x100000u);
    EXPECT_EQ(s.seg[DS].limit, 0xfffu);
    EXPECT_EQ(s.seg[DS].type, 0x3);
    EXPECT_EQ((m.load(kGdt + kSpare, 8) >> 40) & 1, 1u);
    EXPECT_EQ(m.privs.back(), Priv::Supervisor);
}

TEST(TcgSegments, DataSegmentChecks) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 3);
    load_segment(s, m, FS, 0);
    EXPECT_TRUE(s.seg[FS].unusable);
    const Segment before = s.seg[DS];
    EXPECT_FAULT(load_segment(s, m, DS, kData0), vec::GP, kData0);  // DPL < CPL
    put_gdt(m, kSpare, seg_desc(0, 0xffff, 0x3, true, 2));
    EXPECT_FAULT(load_segment(s, m, DS, kSpare | 3), vec::GP, kSpare);  // DPL 2 < CPL 3
    put_gdt(m, kSpare, seg_desc(0, 0xffff, 0x3, true, 3, false));
    EXPECT_FAULT(load_segment(s, m, DS, kSpare | 3), vec::NP, kSpare);
    put_gdt(m, kSpare, seg_desc(0, 0xffff, 0x8, true, 3));  // execute-only code
    EXPECT_FAULT(load_segment(s, m, DS, kSpare | 3), vec::GP, kSpare);
    put_gdt(m, kSpare, seg_desc(0, 0xffff, 0x2, false, 3));  // an LDT descriptor
    EXPECT_FAULT(load_segment(s, m, DS, kSpare | 3), vec::GP, kSpare);
    EXPECT_FAULT(load_segment(s, m, DS, 0x1003), vec::GP, 0x1000);  // beyond the GDT limit
    EXPECT_FAULT(load_segment(s, m, DS, 0x000f), vec::GP, 0x000c);  // LDT selector, no LDT
    EXPECT_EQ(s.seg[DS].selector, before.selector);
    EXPECT_EQ(s.seg[DS].dpl, before.dpl);
    // A readable conforming code segment is loadable from any level.
    put_gdt(m, kSpare, seg_desc(0, 0xffff, 0xe, true, 0));
    load_segment(s, m, DS, kSpare | 3);
    EXPECT_EQ(s.seg[DS].selector, kSpare | 3);
}

TEST(TcgSegments, RplAboveDplFaults) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 0);
    EXPECT_FAULT(load_segment(s, m, ES, kData1 | 3), vec::GP, kData1 & 0xfffc);
    load_segment(s, m, ES, kData1);
    EXPECT_EQ(s.seg[ES].dpl, 1);
}

TEST(TcgSegments, StackSegmentChecks) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 0);
    EXPECT_FAULT(load_segment(s, m, SS, 0), vec::GP, 0);
    EXPECT_FAULT(load_segment(s, m, SS, kData0 | 1), vec::GP, kData0);  // RPL != CPL
    EXPECT_FAULT(load_segment(s, m, SS, kData1 & 0xfffc), vec::GP, kData1 & 0xfffc);
    put_gdt(m, kSpare, seg_desc(0, 0xffff, 0x1, true, 0));  // read-only data
    EXPECT_FAULT(load_segment(s, m, SS, kSpare), vec::GP, kSpare);
    put_gdt(m, kSpare, seg_desc(0, 0xffff, 0x3, true, 0, false));
    EXPECT_FAULT(load_segment(s, m, SS, kSpare), vec::SS, kSpare);
    put_gdt(m, kSpare, seg_desc(0x5000, 0xffff, 0x7, true, 0, true, false, false));
    load_segment(s, m, SS, kSpare);
    EXPECT_EQ(s.seg[SS].base, 0x5000u);
    EXPECT_EQ(s.seg[SS].type, 0x7);
}

TEST(TcgSegments, NullStackSegmentIn64BitMode) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 0, true);
    load_segment(s, m, SS, 0);
    EXPECT_TRUE(s.seg[SS].unusable);
    EXPECT_EQ(s.seg[SS].dpl, 0) << "SS.DPL keeps CPL";
    EXPECT_FAULT(load_segment(s, m, SS, 1), vec::GP, 0);  // RPL != CPL
    X86CpuState u = protected_state(m, 3, true);
    EXPECT_FAULT(load_segment(u, m, SS, 3), vec::GP, 0);  // CPL 3
}

TEST(TcgSegments, LoadLdt) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 0);
    load_ldt(s, m, kLdtSel);
    EXPECT_EQ(s.ldt.base, kLdt);
    EXPECT_EQ(s.ldt.limit, 0xfu);
    m.store(kLdt + 8, 8, seg_desc(0x7000, 0xff, 0x3, true, 0));
    load_segment(s, m, DS, 0x0c);  // index 1 in the LDT
    EXPECT_EQ(s.seg[DS].base, 0x7000u);
    EXPECT_FAULT(load_segment(s, m, DS, 0x14), vec::GP, 0x14);  // beyond the LDT limit
    EXPECT_FAULT(load_ldt(s, m, kTssSel), vec::GP, kTssSel);
    EXPECT_FAULT(load_ldt(s, m, kLdtSel | 4), vec::GP, kLdtSel | 4);
    put_gdt(m, kSpare, seg_desc(kLdt, 0xf, 0x2, false, 0, false));
    EXPECT_FAULT(load_ldt(s, m, kSpare), vec::NP, kSpare);
    load_ldt(s, m, 0);
    EXPECT_TRUE(s.ldt.unusable);
    X86CpuState u = protected_state(m, 3);
    EXPECT_FAULT(load_ldt(u, m, kLdtSel), vec::GP, 0);
}

TEST(TcgSegments, LoadTrMarksBusy) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 0);
    load_tr(s, m, kTss2Sel);
    EXPECT_EQ(s.tr.base, kTss2);
    EXPECT_EQ(s.tr.type, 0xb);
    EXPECT_EQ((m.load(kGdt + kTss2Sel, 8) >> 40) & 0xf, 0xbu);
    EXPECT_FAULT(load_tr(s, m, kTss2Sel), vec::GP, kTss2Sel);  // now busy
    EXPECT_FAULT(load_tr(s, m, 0), vec::GP, 0);
    EXPECT_FAULT(load_tr(s, m, kData0), vec::GP, kData0);
}

TEST(TcgSegments, LoadTrIn64BitModeReadsSixteenBytes) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 0, true);
    put_gdt(m, kSpare, seg_desc(0x4000, 0x67, 0x9, false, 0));
    put_gdt(m, kSpare + 8, 0x12);  // base bits 63:32
    load_tr(s, m, kSpare);
    EXPECT_EQ(s.tr.base, 0x12'0000'4000ull);
    put_gdt(m, kSpare, seg_desc(0x4000, 0x2b, 0x1, false, 0));  // 16-bit TSS: invalid
    EXPECT_FAULT(load_tr(s, m, kSpare), vec::GP, kSpare);
}

TEST(TcgSegments, LarLslVerrVerw) {
    FakeSysContext m;
    X86CpuState s = protected_state(m, 3);
    SelectorQuery q = lar(s, m, kCode3);
    EXPECT_TRUE(q.zf);
    EXPECT_EQ(q.value, 0x00c0fb00u);
    EXPECT_FALSE(lar(s, m, kCode0).zf) << "DPL 0 < CPL 3";
    EXPECT_FALSE(lar(s, m, 0).zf);
    EXPECT_FALSE(lar(s, m, kTssSel | 3).zf) << "system descriptor DPL 0";
    q = lsl(s, m, kData3);
    EXPECT_TRUE(q.zf);
    EXPECT_EQ(q.value, 0xffffffffu);
    EXPECT_TRUE(lsl(s, m, kConforming0).zf) << "conforming code is visible from every level";
    X86CpuState k = protected_state(m, 0);
    EXPECT_TRUE(lsl(k, m, kTssSel).zf);
    EXPECT_EQ(lsl(k, m, kTssSel).value, 0x67u);
    put_gdt(m, kSpare, gate_desc(kCode0, 0x1000, systype::INT_GATE32, 0));
    EXPECT_FALSE(lar(k, m, kSpare).zf) << "interrupt gates are not valid for LAR";
    put_gdt(m, kSpare, gate_desc(kCode0, 0x1000, systype::CALL_GATE32, 0));
    EXPECT_TRUE(lar(k, m, kSpare).zf);
    EXPECT_FALSE(lsl(k, m, kSpare).zf) << "gates have no limit";

    EXPECT_TRUE(verr(s, m, kCode3));
    EXPECT_FALSE(verw(s, m, kCode3));
    EXPECT_TRUE(verw(s, m, kData3));
    EXPECT_FALSE(verw(s, m, kData0));
    put_gdt(m, kSpare, seg_desc(0, 0xffff, 0x8, true, 3));  // execute-only
    EXPECT_FALSE(verr(s, m, kSpare | 3));
}

}  // namespace
}  // namespace kemu::x86::test
