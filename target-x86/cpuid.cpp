#include "target-x86/cpuid.h"

#include <cpuid.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace kemu {

namespace {

constexpr CpuFeature kFeatures[] = {
#define CPUID_FEATURE(name, leaf, subleaf, reg, bit, tcg) {name, leaf, subleaf, reg, bit, tcg},
#include "target-x86/cpuid_features.def"
#undef CPUID_FEATURE
};

constexpr CpuModel kModels[] = {
#define CPU_MODEL(name, vendor, family, model, stepping, level, xlevel, passthrough, host_only, \
                  desc, features)                                                               \
    {name, vendor, family, model, stepping, level, xlevel, passthrough, host_only, desc, features},
#include "target-x86/cpu_models.def"
#undef CPU_MODEL
};

constexpr bool is_feature_name(std::string_view name) {
    return std::ranges::any_of(kFeatures, [&](const CpuFeature& f) { return name == f.name; });
}

// Calls fn for each word of a space-separated list.
template <typename Fn>
constexpr void for_each_word(std::string_view list, Fn&& fn) {
    while (!list.empty()) {
        size_t sp = list.find(' ');
        fn(list.substr(0, sp));
        list = sp == std::string_view::npos ? std::string_view{} : list.substr(sp + 1);
    }
}

constexpr bool names_only_known_features(const CpuModel& model) {
    bool known = true;
    for_each_word(model.features, [&](std::string_view name) { known &= is_feature_name(name); });
    return known;
}

// A model's feature list is a string so the .def rows stay readable; the build checks every
// name in it, so a misspelt one never reaches a guest as a silently missing feature.
static_assert(std::ranges::all_of(kModels, names_only_known_features),
              "cpu_models.def names a feature that cpuid_features.def does not define");

constexpr const char* kBrandString = "kemu Virtual CPU";

// Number of bits needed to hold values 0..n-1 (the x2APIC ID field widths).
unsigned field_width(unsigned n) {
    return n <= 1 ? 0 : unsigned(std::bit_width(n - 1));
}

void set_feature(CpuidTable& t, const CpuFeature& f, bool on) {
    CpuidEntry* e = t.find(f.leaf, f.subleaf);
    if (!e) return;
    if (on)
        e->regs[f.reg] |= 1u << f.bit;
    else
        e->regs[f.reg] &= ~(1u << f.bit);
}

// Calls fn for each feature named in the model's space-separated list.
template <typename Fn>
void for_each_model_feature(const CpuModel& model, Fn&& fn) {
    for_each_word(model.features, [&](std::string_view name) { fn(*find_cpu_feature(name)); });
}

void put_string(uint32_t* regs, const char* s, size_t len) {
    char buf[16] = {};
    std::memcpy(buf, s, std::min(len, sizeof buf));
    std::memcpy(regs, buf, 16);
}

uint32_t signature(const CpuModel& m) {
    unsigned base_family = std::min(m.family, 15u);
    unsigned ext_family = m.family > 15 ? m.family - 15 : 0;
    return (m.stepping & 0xf) | (m.model & 0xf) << 4 | base_family << 8 | (m.model >> 4) << 16 |
           ext_family << 20;
}

CpuidEntry host_leaf(uint32_t function, uint32_t index) {
    CpuidEntry e{function, index, false, {}};
    __cpuid_count(function, index, e.regs[EAX], e.regs[EBX], e.regs[ECX], e.regs[EDX]);
    return e;
}

// The caches kemu's synthesized CPUs report, per core: leaf 4 lists them, and leaves
// 0x80000005/6 describe the same ones again for software that reads those.
struct Cache {
    unsigned type, level, ways, sets;
};
constexpr unsigned kCacheLineSize = 64;
constexpr Cache kL1d{1, 1, 8, 64}, kL1i{2, 1, 8, 64}, kL2{3, 2, 16, 1024};

constexpr unsigned size_kib(const Cache& c) {
    return c.ways * c.sets * kCacheLineSize / 1024;
}
static_assert(size_kib(kL1d) == 32 && size_kib(kL1i) == 32 && size_kib(kL2) == 1024);

// The 4-bit associativity code of leaf 0x80000006 (AMD APM vol. 3, CPUID Fn8000_0006;
// Intel SDM vol. 2A, CPUID leaf 80000006H ECX[15:12] uses the same codes).
constexpr uint32_t l2_assoc_code(unsigned ways) {
    struct Code {
        unsigned ways;
        uint32_t code;
    };
    constexpr Code kCodes[] = {{1, 1}, {2, 2}, {4, 4}, {8, 6}, {16, 8}, {32, 0xa}, {64, 0xc}};
    for (const Code& c : kCodes)
        if (c.ways == ways) return c.code;
    return 0xf;  // fully associative
}

// TLBs are not modelled; these sizes are plausible for a small core, and nothing but the
// guest's TLB flush heuristics reads them. AMD's L1 layout: associativity (0xff: fully
// associative) and entry count, data TLB in the high half, instruction TLB in the low half.
constexpr uint32_t kL1TlbFullyAssociative = 0xff;
constexpr uint32_t kL1Tlb2M = kL1TlbFullyAssociative << 24 | 32 << 16 |  // data: 32 entries
                              kL1TlbFullyAssociative << 8 | 32;          // code: 32 entries
constexpr uint32_t kL1Tlb4K = kL1TlbFullyAssociative << 24 | 64 << 16 |  // data: 64 entries
                              kL1TlbFullyAssociative << 8 | 64;          // code: 64 entries
// L2 TLB: 4-way, 512 entries each for 4 KiB pages; no second-level 2 MiB TLB.
constexpr uint32_t kL2Tlb4K = l2_assoc_code(4) << 28 | 512 << 16 | l2_assoc_code(4) << 12 | 512;
constexpr uint32_t kL2Tlb2M = 0;

// L1 caches: size in KiB, associativity, lines per tag (1), line size.
constexpr uint32_t l1_cache_descriptor(const Cache& c) {
    return size_kib(c) << 24 | c.ways << 16 | 1u << 8 | kCacheLineSize;
}

// Leaves 0x80000005 (L1 caches and TLBs) and 0x80000006 (L2 and L3) in AMD's layout,
// whatever the vendor: Intel reserves all of 0x80000005 and all of 0x80000006 but ECX, which
// it defines as AMD does, and guests read them on either (QEMU fills both the same way).
// EDX 0: no L3, as leaf 4 lists none.
void add_extended_cache_leaves(CpuidTable& t, uint32_t max_ext) {
    if (max_ext >= 0x80000005)
        t.entries.push_back(
            {0x80000005,
             0,
             false,
             {kL1Tlb2M, kL1Tlb4K, l1_cache_descriptor(kL1d), l1_cache_descriptor(kL1i)}});
    if (max_ext >= 0x80000006) {
        uint32_t l2 =
            size_kib(kL2) << 16 | l2_assoc_code(kL2.ways) << 12 | 1u << 8 | kCacheLineSize;
        t.entries.push_back({0x80000006, 0, false, {kL2Tlb2M, kL2Tlb4K, l2, 0}});
    }
}

void add_topology_leaves(CpuidTable& t, const CpuTopology& topo, uint32_t max_leaf) {
    unsigned thread_bits = field_width(topo.threads);
    unsigned core_bits = field_width(topo.cores);
    unsigned per_package = topo.cores * topo.threads;
    if (CpuidEntry* l1 = t.find(1)) {
        l1->regs[EBX] = (l1->regs[EBX] & 0xffff) | (per_package & 0xff) << 16;
        if (per_package > 1) l1->regs[EDX] |= 1u << 28;  // HTT: the count field is valid
    }
    if (max_leaf >= 4) {
        // Deterministic cache parameters: L1d, L1i, L2, then the null terminator.
        constexpr Cache kCaches[] = {kL1d, kL1i, kL2};
        std::erase_if(t.entries, [](const CpuidEntry& e) { return e.function == 4; });
        for (unsigned i = 0; i <= 3; i++) {
            CpuidEntry e{4, i, true, {}};
            if (i < 3) {
                const Cache& c = kCaches[i];
                e.regs[EAX] = c.type | c.level << 5 | 1u << 8 | (topo.threads - 1) << 14 |
                              ((topo.cores - 1) & 0x3f) << 26;
                e.regs[EBX] = (kCacheLineSize - 1) | (c.ways - 1) << 22;  // one partition
                e.regs[ECX] = c.sets - 1;
            }
            t.entries.push_back(e);
        }
    }
    if (max_leaf >= 0xb) {
        std::erase_if(t.entries, [](const CpuidEntry& e) { return e.function == 0xb; });
        t.entries.push_back({0xb, 0, true, {thread_bits, topo.threads, 1u << 8, 0}});
        t.entries.push_back({0xb, 1, true, {thread_bits + core_bits, per_package, 2u << 8 | 1, 0}});
        t.entries.push_back({0xb, 2, true, {0, 0, 2, 0}});
    }
}

}  // namespace

const CpuidEntry* CpuidTable::find(uint32_t function, uint32_t index) const {
    for (const CpuidEntry& e : entries)
        if (e.function == function && (!e.indexed || e.index == index)) return &e;
    return nullptr;
}

CpuidEntry* CpuidTable::find(uint32_t function, uint32_t index) {
    return const_cast<CpuidEntry*>(static_cast<const CpuidTable*>(this)->find(function, index));
}

std::span<const CpuFeature> cpu_features() {
    return kFeatures;
}

const CpuFeature* find_cpu_feature(std::string_view name) {
    for (const CpuFeature& f : kFeatures) {
        // QEMU accepts both spellings of multi-word names (lahf_lm, lahf-lm).
        std::string canonical(name);
        std::replace(canonical.begin(), canonical.end(), '_', '-');
        if (canonical == f.name) return &f;
    }
    return nullptr;
}

std::string describe_cpu_feature(const CpuFeature& f) {
    static constexpr const char* kRegNames[] = {"EAX", "EBX", "ECX", "EDX"};
    char text[96];
    std::snprintf(text, sizeof text, "CPUID.%02XH:%s.%s [bit %u]", f.leaf, kRegNames[f.reg], f.name,
                  f.bit);
    return text;
}

bool cpu_feature_requested(const CpuModel& model, const CpuFeatureEdits& edits,
                           const CpuFeature& feature) {
    auto in = [&](const std::vector<const CpuFeature*>& list) {
        return std::find(list.begin(), list.end(), &feature) != list.end();
    };
    if (in(edits.remove)) return false;
    bool in_model = false;
    for_each_model_feature(model, [&](const CpuFeature& f) { in_model |= &f == &feature; });
    return in_model || in(edits.add);
}

std::span<const CpuModel> cpu_models() {
    return kModels;
}

const CpuModel* find_cpu_model(std::string_view name) {
    for (const CpuModel& m : kModels)
        if (name == m.name) return &m;
    return nullptr;
}

std::string cpu_models_help() {
    std::string out = "Available CPUs:";
    for (const CpuModel& m : kModels) {
        char line[160];
        std::snprintf(line, sizeof line, "\nx86 %-20s %s", m.name, m.description);
        out += line;
    }
    out += "\n\nRecognized CPUID flags:\n ";
    for (const CpuFeature& f : kFeatures) {
        out += ' ';
        out += f.name;
    }
    return out;
}

Result<CpuSpec> parse_cpu_spec(std::string_view spec) {
    size_t comma = spec.find(',');
    std::string_view name = spec.substr(0, comma);
    const CpuModel* model = find_cpu_model(name);
    if (!model) return Error("unable to find CPU model '" + std::string(name) + "'");
    CpuSpec out{model, {}};
    while (comma != std::string_view::npos) {
        spec = spec.substr(comma + 1);
        comma = spec.find(',');
        std::string_view item = spec.substr(0, comma);
        if (item == "check" || item == "enforce" || item.empty()) continue;
        bool on;
        std::string_view feat;
        if (item[0] == '+' || item[0] == '-') {
            on = item[0] == '+';
            feat = item.substr(1);
        } else if (size_t eq = item.find('='); eq != std::string_view::npos) {
            std::string_view value = item.substr(eq + 1);
            if (value != "on" && value != "off")
                return Error("invalid value '" + std::string(value) + "' for CPU property '" +
                             std::string(item.substr(0, eq)) + "'");
            on = value == "on";
            feat = item.substr(0, eq);
        } else {
            return Error("invalid CPU option '" + std::string(item) + "'");
        }
        const CpuFeature* f = find_cpu_feature(feat);
        if (!f) return Error("unknown CPU feature '" + std::string(feat) + "'");
        (on ? out.edits.add : out.edits.remove).push_back(f);
    }
    return out;
}

uint32_t apic_id_for_cpu(const CpuTopology& topo, unsigned index) {
    unsigned thread_bits = field_width(topo.threads);
    unsigned core_bits = field_width(topo.cores);
    unsigned thread = index % topo.threads;
    unsigned core = index / topo.threads % topo.cores;
    unsigned socket = index / (topo.threads * topo.cores);
    return socket << (core_bits + thread_bits) | core << thread_bits | thread;
}

bool remove_feature(CpuidTable& table, const CpuFeature& feature) {
    const CpuidEntry* e = table.find(feature.leaf, feature.subleaf);
    if (!e || !(e->regs[feature.reg] & (1u << feature.bit))) return false;
    set_feature(table, feature, false);
    return true;
}

std::vector<const CpuFeature*> restrict_to_tcg(CpuidTable& table) {
    std::vector<const CpuFeature*> cleared;
    for (const CpuFeature& f : cpu_features()) {
        if (!f.tcg && remove_feature(table, f)) cleared.push_back(&f);
    }
    return cleared;
}

CpuidTable build_model_cpuid(const CpuModel& model, const CpuFeatureEdits& edits,
                             const CpuTopology& topology) {
    CpuidTable t;
    uint32_t max_leaf, max_ext;
    if (model.passthrough) {
        // Without an accelerator to ask, "host" and "max" describe the host CPU itself.
        max_leaf = std::min<uint32_t>(host_leaf(0, 0).regs[EAX], 0xd);
        max_ext = std::min<uint32_t>(host_leaf(0x80000000, 0).regs[EAX], 0x80000008);
        for (uint32_t f = 0; f <= max_leaf; f++)
            if (f != 4 && f != 0xb) t.entries.push_back(host_leaf(f, 0));
        for (uint32_t f = 0x80000000; f <= max_ext; f++)
            t.entries.push_back(host_leaf(f, 0));
        if (CpuidEntry* l7 = t.find(7)) l7->indexed = true;
    } else {
        max_leaf = model.max_leaf;
        max_ext = model.max_ext_leaf;
        CpuidEntry l0{0, 0, false, {max_leaf, 0, 0, 0}};
        std::memcpy(&l0.regs[EBX], model.vendor, 4);
        std::memcpy(&l0.regs[EDX], model.vendor + 4, 4);
        std::memcpy(&l0.regs[ECX], model.vendor + 8, 4);
        t.entries.push_back(l0);
        t.entries.push_back({1, 0, false, {signature(model), 8u << 8, 0, 0}});
        t.entries.push_back({7, 0, true, {}});
        CpuidEntry e0{0x80000000, 0, false, {max_ext, l0.regs[EBX], l0.regs[ECX], l0.regs[EDX]}};
        t.entries.push_back(e0);
        t.entries.push_back({0x80000001, 0, false, {signature(model), 0, 0, 0}});
        for (uint32_t i = 0; i < 3; i++) {
            CpuidEntry b{0x80000002 + i, 0, false, {}};
            size_t len = std::strlen(kBrandString);
            size_t off = i * 16;
            if (off < len) put_string(b.regs, kBrandString + off, len - off);
            t.entries.push_back(b);
        }
        add_extended_cache_leaves(t, max_ext);
        // Advanced power management: only the invariant-TSC bit, set by the feature list.
        if (max_ext >= 0x80000007) t.entries.push_back({0x80000007, 0, false, {}});
        if (max_ext >= 0x80000008) t.entries.push_back({0x80000008, 0, false, {0x3028, 0, 0, 0}});
        for_each_model_feature(model, [&](const CpuFeature& f) { set_feature(t, f, true); });
    }
    for (const CpuFeature* f : edits.add)
        set_feature(t, *f, true);
    for (const CpuFeature* f : edits.remove)
        set_feature(t, *f, false);
    add_topology_leaves(t, topology, max_leaf);
    return t;
}

void set_cpuid_apic_id(CpuidTable& t, uint32_t apic_id) {
    if (CpuidEntry* l1 = t.find(1)) l1->regs[EBX] = (l1->regs[EBX] & 0x00ffffff) | apic_id << 24;
    for (CpuidEntry& e : t.entries)
        if (e.function == 0xb || e.function == 0x1f) e.regs[EDX] = apic_id;
}

}  // namespace kemu
