#include "target-x86/cpuid_tcg.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <string>

#include "tests/unit/target-x86/cpuid_has.h"

namespace kemu {
namespace {

using test::has;

std::string vendor_of(const CpuidTable& t) {
    char vendor[13] = {};
    const CpuidEntry* l0 = t.find(0);
    std::memcpy(vendor, &l0->regs[EBX], 4);
    std::memcpy(vendor + 4, &l0->regs[EDX], 4);
    std::memcpy(vendor + 8, &l0->regs[ECX], 4);
    return vendor;
}

uint32_t bits(std::initializer_list<unsigned> list) {
    uint32_t mask = 0;
    for (unsigned b : list)
        mask |= 1u << b;
    return mask;
}

bool contains(const std::vector<const CpuFeature*>& list, const char* name) {
    return std::find(list.begin(), list.end(), find_cpu_feature(name)) != list.end();
}

TcgCpuid tcg(const char* spec_text, CpuTopology topology = {1, 1, 1}, bool host_x87 = true) {
    auto spec = parse_cpu_spec(spec_text);
    EXPECT_TRUE(spec.ok()) << spec_text;
    auto r = build_tcg_cpuid(*spec->model, spec->edits, topology, host_x87);
    EXPECT_TRUE(r.ok()) << spec_text;
    return r.ok() ? *r : TcgCpuid{};
}

// What the guest reads: the table's entry (or zeros), then the fields that follow its state.
CpuidEntry answer(const CpuidTable& t, uint32_t leaf, uint32_t subleaf,
                  const CpuidGuestState& state) {
    CpuidEntry out{leaf, subleaf, false, {}};
    if (const CpuidEntry* e = t.find(leaf, subleaf)) std::memcpy(out.regs, e->regs, 16);
    apply_cpuid_guest_state(leaf, subleaf, out.regs, state);
    return out;
}

void expect_regs(const CpuidEntry& e, uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
    EXPECT_EQ(e.regs[EAX], a) << std::hex << e.function << "." << e.index;
    EXPECT_EQ(e.regs[EBX], b) << std::hex << e.function << "." << e.index;
    EXPECT_EQ(e.regs[ECX], c) << std::hex << e.function << "." << e.index;
    EXPECT_EQ(e.regs[EDX], d) << std::hex << e.function << "." << e.index;
}

// The bits of one feature register that some tcg=true row of cpuid_features.def names.
uint32_t tcg_mask(uint32_t leaf, CpuidReg reg) {
    uint32_t mask = 0;
    for (const CpuFeature& f : cpu_features())
        if (f.leaf == leaf && f.subleaf == 0 && f.reg == reg && f.tcg) mask |= 1u << f.bit;
    return mask;
}

TEST(TcgCpuid, MaxAdvertisesExactlyTheTranslatorsFeatures) {
    TcgCpuid max = tcg("max");
    EXPECT_TRUE(max.unsupported.empty());
    for (const CpuFeature& f : cpu_features()) {
        bool topology = std::string(f.name) == "ht";  // HTT follows -smp, checked below
        EXPECT_EQ(has(max.table, f.name), f.tcg && !topology) << f.name;
    }
    // Every set bit of the feature registers is a tcg=true feature: nothing else leaks.
    struct Reg {
        uint32_t leaf;
        CpuidReg reg;
    };
    for (Reg r : {Reg{1, ECX}, Reg{1, EDX}, Reg{7, EBX}, Reg{7, ECX}, Reg{7, EDX},
                  Reg{0x80000001, ECX}, Reg{0x80000001, EDX}}) {
        const CpuidEntry* e = max.table.find(r.leaf, 0);
        ASSERT_NE(e, nullptr) << std::hex << r.leaf;
        EXPECT_EQ(e->regs[r.reg] & ~tcg_mask(r.leaf, r.reg), 0u) << std::hex << r.leaf;
    }
    // Identification: QEMU's TCG "max" (AuthenticAMD, family 15 model 107 stepping 1).
    EXPECT_EQ(vendor_of(max.table), "AuthenticAMD");
    EXPECT_EQ(max.table.find(0)->regs[EAX], 0xdu);
    EXPECT_EQ(max.table.find(1)->regs[EAX], 0x00060fb1u);
    EXPECT_EQ(max.table.find(0x80000001)->regs[EAX], 0x00060fb1u);
    EXPECT_EQ(max.table.find(0x80000001)->regs[EBX], 0u);
    // Leaf 1 EBX: CLFLUSH line size 8 qwords, one logical processor, APIC ID 0 (set per vCPU).
    EXPECT_EQ(max.table.find(1)->regs[EBX], 8u << 8 | 1u << 16);
    EXPECT_EQ(max.table.find(7, 0)->regs[EAX], 0u);  // no leaf 7 subleaf beyond 0
    EXPECT_EQ(max.table.find(0x80000000)->regs[EAX], 0x80000008u);
    // No leaf of the host's: only the basic leaves up to 0xd and the extended ones to 0x80000008.
    for (const CpuidEntry& e : max.table.entries)
        EXPECT_TRUE(e.function <= 0xd || (e.function >= 0x80000000 && e.function <= 0x80000008))
            << std::hex << e.function;
}

TEST(TcgCpuid, MaxHyperThreadingFollowsTheTopology) {
    EXPECT_FALSE(has(tcg("max", {1, 1, 1}).table, "ht"));
    CpuidTable smt = tcg("max", {1, 2, 2}).table;
    EXPECT_TRUE(has(smt, "ht"));
    EXPECT_EQ(smt.find(1)->regs[EBX] >> 16 & 0xff, 4u);
}

TEST(TcgCpuid, MaxTakesEditsAndWarnsOnlyAboutRequestedFeatures) {
    const CpuFeature* missing = nullptr;
    const CpuFeature* implemented = nullptr;
    for (const CpuFeature& f : cpu_features()) {
        if (!f.tcg && !missing) missing = &f;
        if (f.tcg && std::string(f.name) != "ht" && !implemented) implemented = &f;
    }
    ASSERT_NE(implemented, nullptr);
    TcgCpuid edited = tcg(("max,-" + std::string(implemented->name)).c_str());
    EXPECT_FALSE(has(edited.table, implemented->name));
    EXPECT_TRUE(edited.unsupported.empty());
    if (missing) {
        TcgCpuid asked = tcg(("max,+" + std::string(missing->name)).c_str());
        EXPECT_FALSE(has(asked.table, missing->name));
        ASSERT_EQ(asked.unsupported.size(), 1u);
        EXPECT_EQ(asked.unsupported[0], missing);
    }
    // Without a host x87 the FPU goes, and "max" never asked for it by name.
    TcgCpuid no_x87 = tcg("max", {1, 1, 1}, false);
    EXPECT_FALSE(has(no_x87.table, "fpu"));
    EXPECT_TRUE(no_x87.unsupported.empty());
}

TEST(TcgCpuid, HostIsRefused) {
    auto r = build_tcg_cpuid(*find_cpu_model("host"), {}, {1, 1, 1}, true);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message(), "CPU model 'host' requires KVM");
}

TEST(TcgCpuid, NamedModelsLoseAndReportWhatTcgLacks) {
    const CpuModel& model = *find_cpu_model("Skylake-Client");
    TcgCpuid sky = tcg("Skylake-Client");
    for (const CpuFeature& f : cpu_features()) {
        bool in_model = cpu_feature_requested(model, {}, f);
        EXPECT_EQ(has(sky.table, f.name), in_model && f.tcg) << f.name;
        EXPECT_EQ(contains(sky.unsupported, f.name), in_model && !f.tcg) << f.name;
    }
    // -feat takes a feature out of the request; +feat puts one in.
    TcgCpuid edited = tcg("qemu64,-sse2,-fpu,+avx", {1, 1, 1}, false);
    EXPECT_FALSE(contains(edited.unsupported, "sse2"));
    EXPECT_FALSE(contains(edited.unsupported, "fpu"));
    EXPECT_EQ(contains(edited.unsupported, "avx"), !find_cpu_feature("avx")->tcg);
    TcgCpuid no_x87 = tcg("qemu64", {1, 1, 1}, false);
    EXPECT_FALSE(has(no_x87.table, "fpu"));
    EXPECT_TRUE(contains(no_x87.unsupported, "fpu"));
}

TEST(TcgCpuid, FeaturesAreDescribedAsQemuWarns) {
    EXPECT_EQ(describe_cpu_feature(*find_cpu_feature("fma")), "CPUID.01H:ECX.fma [bit 12]");
    EXPECT_EQ(describe_cpu_feature(*find_cpu_feature("avx2")), "CPUID.07H:EBX.avx2 [bit 5]");
    EXPECT_EQ(describe_cpu_feature(*find_cpu_feature("lm")), "CPUID.80000001H:EDX.lm [bit 29]");
}

// QEMU's Skylake-Client v1, register by register (bit numbers from the SDM's CPUID tables).
TEST(TcgCpuid, SkylakeClientCarriesQemusBits) {
    CpuidTable t = build_model_cpuid(*find_cpu_model("Skylake-Client"), {}, {1, 1, 1});
    EXPECT_EQ(vendor_of(t), "GenuineIntel");
    EXPECT_EQ(t.find(0)->regs[EAX], 0xdu);
    EXPECT_EQ(t.find(1)->regs[EAX], 0x000506e3u);  // family 6, model 94 (0x5e), stepping 3
    EXPECT_EQ(t.find(1)->regs[EDX], 0x078bfbffu);
    EXPECT_EQ(t.find(1)->regs[ECX],
              bits({0, 1, 9, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 28, 29, 30, 31}));
    EXPECT_EQ(t.find(7, 0)->regs[EBX], bits({0, 3, 4, 5, 7, 8, 9, 10, 11, 18, 19, 20}));
    EXPECT_EQ(t.find(7, 0)->regs[ECX], 0u);
    EXPECT_EQ(t.find(7, 0)->regs[EDX], 0u);
    EXPECT_EQ(t.find(0x80000001)->regs[ECX], bits({0, 5, 8}));
    EXPECT_EQ(t.find(0x80000001)->regs[EDX], bits({11, 20, 27, 29}));
    EXPECT_EQ(t.find(0x80000000)->regs[EAX], 0x80000008u);
}

// Leaf 0xd for a CPU with XSAVE and AVX: the standard layout, EBX following XCR0.
TEST(TcgCpuid, XsaveLeafWithAvx) {
    CpuidTable t = build_model_cpuid(*find_cpu_model("Skylake-Client"), {}, {1, 1, 1});
    set_tcg_xsave_leaf(t);
    struct Case {
        uint64_t xcr0;
        uint32_t standard, compacted;
    };
    for (Case c : {Case{1, 576, 576}, Case{3, 576, 576}, Case{7, 832, 832}}) {
        CpuidGuestState state{true, c.xcr0};
        expect_regs(answer(t, 0xd, 0, state), 7, c.standard, 832, 0);
        expect_regs(answer(t, 0xd, 1, state), 3, c.compacted, 0, 0);  // XSAVEOPT, XSAVEC
        expect_regs(answer(t, 0xd, 2, state), 256, 576, 0, 0);
        for (uint32_t sub = 3; sub < 64; sub++)
            expect_regs(answer(t, 0xd, sub, state), 0, 0, 0, 0);
    }
}

TEST(TcgCpuid, XsaveLeafWithoutAvx) {
    auto spec = parse_cpu_spec("qemu64,+xsave");
    ASSERT_TRUE(spec.ok());
    CpuidTable t = build_model_cpuid(*spec->model, spec->edits, {1, 1, 1});
    set_tcg_xsave_leaf(t);
    CpuidGuestState state{true, 3};
    expect_regs(answer(t, 0xd, 0, state), 3, 576, 576, 0);
    expect_regs(answer(t, 0xd, 1, state), 3, 576, 0, 0);
    expect_regs(answer(t, 0xd, 2, state), 0, 0, 0, 0);
}

TEST(TcgCpuid, XsaveLeafIsZeroWithoutXsave) {
    CpuidTable t = build_model_cpuid(*find_cpu_model("Skylake-Client"), {}, {1, 1, 1});
    remove_feature(t, *find_cpu_feature("xsave"));
    set_tcg_xsave_leaf(t);
    for (uint32_t sub = 0; sub < 4; sub++)
        expect_regs(answer(t, 0xd, sub, {true, 7}), 0, 0, 0, 0);
}

// Whatever the tcg column says today, leaf 0xd agrees with the features TCG advertises.
TEST(TcgCpuid, XsaveLeafFollowsTheAdvertisedFeatures) {
    for (const char* model : {"max", "Skylake-Client", "qemu64"}) {
        CpuidTable t = tcg(model).table;
        CpuidEntry sub0 = answer(t, 0xd, 0, {});
        uint32_t expected = !has(t, "xsave") ? 0 : has(t, "avx") ? 7 : 3;
        EXPECT_EQ(sub0.regs[EAX], expected) << model;
    }
}

TEST(TcgCpuid, OsxsaveMirrorsCr4) {
    CpuidTable t = build_model_cpuid(*find_cpu_model("Skylake-Client"), {}, {1, 1, 1});
    constexpr uint32_t kOsxsave = 1u << 27;
    EXPECT_TRUE(answer(t, 1, 0, {true, 1}).regs[ECX] & kOsxsave);
    EXPECT_FALSE(answer(t, 1, 0, {false, 1}).regs[ECX] & kOsxsave);
    // Other leaf 1 bits are untouched.
    EXPECT_EQ(answer(t, 1, 0, {true, 1}).regs[ECX] & ~kOsxsave, t.find(1)->regs[ECX]);
    remove_feature(t, *find_cpu_feature("xsave"));
    EXPECT_FALSE(answer(t, 1, 0, {true, 1}).regs[ECX] & kOsxsave);
}

}  // namespace
}  // namespace kemu
