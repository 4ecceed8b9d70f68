#include "target-x86/cpuid.h"
#include <algorithm>

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <string_view>

#include "target-x86/cpuid_tcg.h"
#include "tests/unit/target-x86/cpuid_has.h"

namespace kemu {
namespace {

using test::has;

TEST(Cpuid, Qemu64IdentifiesAsQemusModel) {
    auto spec = parse_cpu_spec("qemu64");
    ASSERT_TRUE(spec.ok());
    CpuidTable t = build_model_cpuid(*spec->model, spec->edits, {1, 1, 1});
    const CpuidEntry* l0 = t.find(0);
    ASSERT_NE(l0, nullptr);
    char vendor[13] = {};
    std::memcpy(vendor, &l0->regs[EBX], 4);
    std::memcpy(vendor + 4, &l0->regs[EDX], 4);
    std::memcpy(vendor + 8, &l0->regs[ECX], 4);
    EXPECT_STREQ(vendor, "AuthenticAMD");
    EXPECT_EQ(l0->regs[EAX], 0xdu);
    // Family 15 model 107 stepping 1: base family 0xf, model 0xb, extended model 6.
    EXPECT_EQ(t.find(1)->regs[EAX], 0x00060fb1u);
    EXPECT_TRUE(has(t, "lm"));
    EXPECT_TRUE(has(t, "sse2"));
    EXPECT_TRUE(has(t, "hypervisor"));
    EXPECT_FALSE(has(t, "avx"));
}

TEST(Cpuid, FeatureEditsApply) {
    auto spec = parse_cpu_spec("qemu64,+avx,-nx,sse4.2=on");
    ASSERT_TRUE(spec.ok());
    CpuidTable t = build_model_cpuid(*spec->model, spec->edits, {1, 1, 1});
    EXPECT_TRUE(has(t, "avx"));
    EXPECT_TRUE(has(t, "sse4.2"));
    EXPECT_FALSE(has(t, "nx"));
    EXPECT_FALSE(parse_cpu_spec("qemu64,avx=maybe").ok());
    EXPECT_FALSE(parse_cpu_spec("qemu64,+bogus").ok());
    EXPECT_TRUE(parse_cpu_spec("qemu64,+lahf_lm").ok());
}

// Every name in a model's feature list is a known feature that the model's table then sets
// (a name whose leaf lies past the model's max leaf would be dropped just as silently).
TEST(Cpuid, ModelFeatureListsNameOnlyFeaturesTheirTablesSet) {
    for (const CpuModel& model : cpu_models()) {
        CpuidTable t = build_model_cpuid(model, {}, {1, 1, 1});
        std::string_view names(model.features);
        while (!names.empty()) {
            size_t sp = names.find(' ');
            std::string name(names.substr(0, sp));
            names = sp == std::string_view::npos ? std::string_view{} : names.substr(sp + 1);
            ASSERT_NE(find_cpu_feature(name), nullptr) << model.name << ": " << name;
            EXPECT_TRUE(has(t, name.c_str())) << model.name << ": " << name;
        }
    }
}

TEST(Cpuid, UnknownUserFeatureIsAOneLineError) {
    auto spec = parse_cpu_spec("qemu64,+avx,+bogus");
    ASSERT_FALSE(spec.ok());
    EXPECT_EQ(spec.error().message(), "unknown CPU feature 'bogus'");
    EXPECT_FALSE(parse_cpu_spec("qemu64,bogus=on").ok());
}

// TCG advertises only what the translator implements: the tcg column of cpuid_features.def.
TEST(Cpuid, RestrictToTcgClearsWhatTheTranslatorLacks) {
    auto spec = parse_cpu_spec("qemu64,+avx");
    ASSERT_TRUE(spec.ok());
    CpuidTable t = build_model_cpuid(*spec->model, spec->edits, {1, 1, 1});
    ASSERT_TRUE(has(t, "sse2"));
    auto cleared = restrict_to_tcg(t);
    // The tcg column changes as instruction sets land: read it rather than assume it.
    EXPECT_EQ(has(t, "sse2"), find_cpu_feature("sse2")->tcg);
    EXPECT_EQ(has(t, "avx"), find_cpu_feature("avx")->tcg);
    EXPECT_TRUE(has(t, "lm"));
    EXPECT_TRUE(has(t, "cx8"));
    for (const CpuFeature* f : cleared)
        EXPECT_FALSE(f->tcg) << f->name;
    EXPECT_EQ(std::find_if(cleared.begin(), cleared.end(),
                           [](const CpuFeature* f) { return std::string(f->name) == "avx"; }) !=
                  cleared.end(),
              !find_cpu_feature("avx")->tcg);
    for (const CpuFeature& f : cpu_features()) {
        if (!f.tcg) {
            EXPECT_FALSE(has(t, f.name)) << f.name;
        }
    }
}

TEST(Cpuid, TopologyLeaves) {
    CpuTopology topo{2, 2, 2};
    CpuidTable t = build_model_cpuid(*find_cpu_model("qemu64"), {}, topo);
    EXPECT_EQ(t.find(1)->regs[EBX] >> 16 & 0xff, 4u);  // logical processors per package
    EXPECT_TRUE(t.find(1)->regs[EDX] & (1u << 28));
    const CpuidEntry* smt = t.find(0xb, 0);
    const CpuidEntry* core = t.find(0xb, 1);
    ASSERT_TRUE(smt && core);
    EXPECT_EQ(smt->regs[EAX], 1u);   // one bit of thread ID
    EXPECT_EQ(core->regs[EAX], 2u);  // plus one bit of core ID
    EXPECT_EQ(core->regs[EBX], 4u);
    // index 5 = socket 1, core 0, thread 1
    EXPECT_EQ(apic_id_for_cpu(topo, 5), 0b101u);
    set_cpuid_apic_id(t, 5);
    EXPECT_EQ(t.find(1)->regs[EBX] >> 24, 5u);
    EXPECT_EQ(t.find(0xb, 1)->regs[EDX], 5u);
}

// A leaf-4 cache's size in KiB, associativity and line size, as software decodes them.
struct LeafFourCache {
    uint32_t kib, ways, line;
};
LeafFourCache leaf_four_cache(const CpuidTable& t, uint32_t index) {
    const CpuidEntry* e = t.find(4, index);
    EXPECT_NE(e, nullptr);
    if (!e) return {};
    uint32_t ways = (e->regs[EBX] >> 22) + 1, partitions = (e->regs[EBX] >> 12 & 0x3ff) + 1;
    uint32_t line = (e->regs[EBX] & 0xfff) + 1, sets = e->regs[ECX] + 1;
    return {ways * partitions * line * sets / 1024, ways, line};
}

TEST(Cpuid, ExtendedCacheLeavesDescribeTheLeafFourCaches) {
    for (const CpuModel& model : cpu_models()) {
        if (model.passthrough) continue;
        SCOPED_TRACE(model.name);
        CpuidTable t = build_model_cpuid(model, {}, {1, 2, 1});
        ASSERT_GE(t.find(0x80000000)->regs[EAX], 0x80000008u);
        const CpuidEntry* l1 = t.find(0x80000005);
        const CpuidEntry* l2 = t.find(0x80000006);
        ASSERT_TRUE(l1 && l2);
        // L1d in ECX, L1i in EDX: size KiB [31:24], ways [23:16], lines/tag [15:8], line [7:0].
        for (auto [reg, index] : {std::pair{ECX, 0u}, std::pair{EDX, 1u}}) {
            LeafFourCache c = leaf_four_cache(t, index);
            EXPECT_EQ(c.kib, 32u);
            EXPECT_EQ(l1->regs[reg] >> 24, c.kib);
            EXPECT_EQ(l1->regs[reg] >> 16 & 0xff, c.ways);
            EXPECT_EQ(l1->regs[reg] >> 8 & 0xff, 1u);
            EXPECT_EQ(l1->regs[reg] & 0xff, c.line);
        }
        // L2 in ECX: size KiB [31:16], associativity code [15:12] (8: 16-way), line [7:0].
        LeafFourCache c = leaf_four_cache(t, 2);
        EXPECT_EQ(c.kib, 1024u);
        EXPECT_EQ(c.ways, 16u);
        EXPECT_EQ(l2->regs[ECX], 1024u << 16 | 0x8u << 12 | 1u << 8 | 64u);
        EXPECT_EQ(l2->regs[ECX] & 0xff, c.line);
        // No L3: leaf 4 ends after the L2, and EDX says none.
        EXPECT_EQ(t.find(4, 3)->regs[EAX] & 0x1f, 0u);
        EXPECT_EQ(l2->regs[EDX], 0u);
        // TLB descriptors are present: L1 4K TLBs have entries, the L2 4K TLB is 4-way.
        EXPECT_NE(l1->regs[EBX] >> 16 & 0xff, 0u);
        EXPECT_NE(l1->regs[EBX] & 0xff, 0u);
        EXPECT_EQ(l2->regs[EBX] >> 28, 4u);
        EXPECT_EQ(l2->regs[EBX] >> 16 & 0xfff, 512u);
    }
}

TEST(Cpuid, TcgMaxHasTheExtendedCacheLeaves) {
    auto max = build_tcg_cpuid(*find_cpu_model("max"), {}, {1, 1, 1}, true);
    ASSERT_TRUE(max.ok()) << max.error().message();
    ASSERT_NE(max->table.find(0x80000006), nullptr);
    EXPECT_EQ(max->table.find(0x80000006)->regs[ECX] >> 16, 1024u);
    EXPECT_EQ(max->table.find(0x80000005)->regs[ECX] >> 24, 32u);
}

TEST(Cpuid, ExtendedCacheLeavesOnlyBelowTheMaximum) {
    CpuModel small = *find_cpu_model("kvm64");
    small.max_ext_leaf = 0x80000005;
    CpuidTable t = build_model_cpuid(small, {}, {1, 1, 1});
    EXPECT_NE(t.find(0x80000005), nullptr);
    EXPECT_EQ(t.find(0x80000006), nullptr);
}

TEST(Cpuid, ModelsHelpListsEveryModel) {
    std::string help = cpu_models_help();
    for (const CpuModel& m : cpu_models())
        EXPECT_NE(help.find(m.name), std::string::npos);
}

}  // namespace
}  // namespace kemu
