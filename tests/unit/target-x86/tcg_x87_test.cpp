// The x87 model: tags, status-word merging, stack faults (run on the host x87 through
// the same image round trip the helpers use), environment layouts and the CR0 rules.
#include "target-x86/tcg/x87.h"

#include <gtest/gtest.h>

#include "target-x86/tcg/cpu_mode.h"
#include "target-x86/tcg/exceptions.h"

namespace kemu::x86::x87 {
namespace {

constexpr uint8_t kOne[10] = {0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f};
constexpr uint8_t kIndefinite[10] = {0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff};

bool holds(const std::array<uint8_t, 16>& reg, const uint8_t (&v)[10]) {
    return std::equal(v, v + 10, reg.begin());
}

// One instruction through the helpers' path: image out, host run, image back.
uint8_t run(FpuState& f, uint8_t escape, uint8_t modrm, uint8_t flags = 0) {
    HostImage image = to_host_image(f);
    alignas(16) uint8_t mem[16] = {};
    run_on_host(escape, modrm, image, mem, flags);
    from_host_image(f, image);
    return flags;
}
void fld1(FpuState& f) {
    run(f, 0xd9, 0xe8);
}

TEST(X87, ClassifiesValuesForTheTagWord) {
    const uint8_t zero[10] = {};
    const uint8_t denormal[10] = {1};
    const uint8_t unnormal[10] = {0, 0, 0, 0, 0, 0, 0, 0x40, 0xff, 0x3f};
    const uint8_t inf[10] = {0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x7f};
    EXPECT_EQ(classify(kOne), Tag::Valid);
    EXPECT_EQ(classify(zero), Tag::Zero);
    EXPECT_EQ(classify(denormal), Tag::Special);
    EXPECT_EQ(classify(unnormal), Tag::Special);
    EXPECT_EQ(classify(inf), Tag::Special);
}

TEST(X87, TagWordIsIndexedByPhysicalRegister) {
    FpuState f;
    f.fsw = 6 << fsw::kTopShift;  // ST(0) = R6, ST(1) = R7
    f.ftw = 0xc0;
    std::copy(kOne, kOne + 10, f.st[0].begin());  // R6 valid, R7 (ST(1)) zero
    EXPECT_EQ(full_tag_word(f), 0x4fff);
    EXPECT_EQ(abridged_tag_word(0x4fff), 0xc0);
}

TEST(X87, PushRotatesTopAndTags) {
    FpuState f;
    if (!host_x87_available()) GTEST_SKIP() << "no host x87";
    fld1(f);
    EXPECT_EQ(top(f), 7u);
    EXPECT_EQ(f.ftw, 0x80);
    EXPECT_TRUE(holds(f.st[0], kOne));
    run(f, 0xd9, 0xee);  // FLDZ
    EXPECT_EQ(top(f), 6u);
    EXPECT_EQ(full_tag_word(f), 0x1fff) << "R6 zero, R7 valid";
    EXPECT_TRUE(holds(f.st[1], kOne)) << "st[] is in ST(i) order";
    run(f, 0xdd, 0xd8);  // FSTP ST(0): pop
    EXPECT_EQ(top(f), 7u);
    EXPECT_EQ(f.ftw, 0x80);
}

TEST(X87, MaskedStackOverflowLoadsTheIndefinite) {
    if (!host_x87_available()) GTEST_SKIP() << "no host x87";
    FpuState f;
    for (int i = 0; i < 8; i++)
        fld1(f);
    EXPECT_EQ(f.fsw & fsw::kSticky, 0);
    fld1(f);
    EXPECT_EQ(f.fsw & (fsw::IE | fsw::SF | fsw::C1), fsw::IE | fsw::SF | fsw::C1);
    EXPECT_TRUE(holds(f.st[0], kIndefinite));
    EXPECT_FALSE(exception_pending(f)) << "IE is masked";
}

TEST(X87, StackUnderflowClearsC1) {
    if (!host_x87_available()) GTEST_SKIP() << "no host x87";
    FpuState f;
    f.fsw = fsw::C1;
    run(f, 0xd8, 0xc1);  // FADD ST(0), ST(1) on an empty stack
    EXPECT_EQ(f.fsw & (fsw::IE | fsw::SF | fsw::C1), fsw::IE | fsw::SF);
}

TEST(X87, UnmaskedExceptionIsPendingAndKeepsTheDestination) {
    if (!host_x87_available()) GTEST_SKIP() << "no host x87";
    FpuState f;
    f.fcw = 0x37b;       // ZE unmasked
    run(f, 0xd9, 0xee);  // FLDZ
    fld1(f);
    run(f, 0xd8, 0xf1);  // FDIV ST(0), ST(1): 1/0
    EXPECT_EQ(f.fsw & (fsw::ZE | fsw::ES | fsw::B), fsw::ZE | fsw::ES | fsw::B);
    EXPECT_TRUE(exception_pending(f));
    EXPECT_TRUE(holds(f.st[0], kOne));
    fclex(f);
    EXPECT_FALSE(exception_pending(f));
    EXPECT_EQ(f.fsw & fsw::kSticky, 0);
}

TEST(X87, StickyFlagsSurviveTheHostRun) {
    if (!host_x87_available()) GTEST_SKIP() << "no host x87";
    FpuState f;
    f.fsw = fsw::PE | fsw::DE;
    fld1(f);
    EXPECT_EQ(f.fsw & fsw::kSticky, fsw::PE | fsw::DE);
    f.fcw &= uint16_t(~fsw::PE);  // unmasking a sticky flag makes it pending
    update_summary(f);
    EXPECT_TRUE(exception_pending(f));
}

TEST(X87, FcomiFlagsComeBack) {
    if (!host_x87_available()) GTEST_SKIP() << "no host x87";
    FpuState f;
    run(f, 0xd9, 0xee);  // FLDZ
    fld1(f);
    EXPECT_EQ(run(f, 0xdb, 0xf1, 0xff) & 0x45, 0) << "1 > 0: ZF PF CF clear";
    EXPECT_EQ(run(f, 0xdb, 0xf0, 0) & 0x45, 0x40) << "ST(0) == ST(0): ZF";
}

TEST(X87, EnvironmentLayouts) {
    FpuState f;
    f.fcw = 0x27f;
    f.fsw = 0x3800 | fsw::PE;
    f.ftw = 0x80;
    std::copy(kOne, kOne + 10, f.st[0].begin());
    f.fop = 0x5d9;
    f.fip = 0x12345;
    f.fdp = 0x6789a;
    uint8_t out[28];

    store_env(f, {false, true}, out);  // 16-bit real mode
    EXPECT_EQ(out[0] | out[1] << 8, 0x27f);
    EXPECT_EQ(out[4] | out[5] << 8, 0x3fff);
    EXPECT_EQ(out[6] | out[7] << 8, 0x2345);
    EXPECT_EQ(out[8] | out[9] << 8, 0x15d9) << "FIP 19:16 above FOP";
    EXPECT_EQ(out[12] | out[13] << 8, 0x6000);

    store_env(f, {true, false}, out);  // 32-bit protected mode
    EXPECT_EQ(out[3], 0xff) << "reserved halves";
    EXPECT_EQ(out[12] | out[13] << 8 | out[14] << 16, 0x12345);
    EXPECT_EQ(out[18] | out[19] << 8, 0x5d9);

    for (EnvFormat fmt : {EnvFormat{false, false}, EnvFormat{false, true}, EnvFormat{true, false},
                          EnvFormat{true, true}}) {
        store_env(f, fmt, out);
        FpuState g;
        g.fsw = 0x3800;
        load_env(g, fmt, out);
        EXPECT_EQ(g.fcw, f.fcw);
        EXPECT_EQ(g.fsw, f.fsw);
        EXPECT_EQ(g.ftw, f.ftw);
        EXPECT_EQ(g.fip, fmt.size32 || fmt.real_mode ? 0x12345u : 0x2345u);
    }
}

TEST(X87, LoadedStatusWordRecomputesTheSummary) {
    FpuState f;
    f.fcw = 0x37e;  // IE unmasked
    f.fsw = fsw::IE;
    uint8_t out[14];
    store_env(f, {false, false}, out);
    FpuState g;
    load_env(g, {false, false}, out);
    EXPECT_TRUE(exception_pending(g));
}

TEST(X87, DeviceNotAvailableRules) {
    EXPECT_EQ(device_fault(cr0bit::PE, false), 0);
    EXPECT_EQ(device_fault(cr0bit::EM, false), vec::NM);
    EXPECT_EQ(device_fault(cr0bit::TS, false), vec::NM);
    EXPECT_EQ(device_fault(cr0bit::TS, true), 0) << "WAIT needs MP too";
    EXPECT_EQ(device_fault(cr0bit::EM, true), 0);
    EXPECT_EQ(device_fault(cr0bit::TS | cr0bit::MP, true), vec::NM);
}

TEST(X87, FormTable) {
    EXPECT_EQ(form_of(1, 0x28).kind, Kind::Fldcw);  // D9 /5 m16
    EXPECT_EQ(form_of(5, 0x30).kind, Kind::Fnsave);
    EXPECT_EQ(form_of(7, 0xe0).kind, Kind::Fnstsw);  // FNSTSW AX
    EXPECT_TRUE(form_of(3, 0xe9).sets_eflags);       // FUCOMI ST(1)
    EXPECT_TRUE(form_of(7, 0xf7).sets_eflags);       // FCOMIP ST(7)
    EXPECT_FALSE(form_of(0, 0xd1).sets_eflags);      // FCOM ST(1)
    Form fbstp = form_of(7, 0x30);
    EXPECT_EQ(fbstp.kind, Kind::Host);
    EXPECT_EQ(fbstp.access, MemAccess::Write);
    EXPECT_EQ(fbstp.size, 10);
    EXPECT_EQ(form_of(6, 0x00).size, 2);  // FIADD m16int
}

}  // namespace
}  // namespace kemu::x86::x87
