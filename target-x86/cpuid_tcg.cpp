#include "target-x86/cpuid_tcg.h"

#include <algorithm>
#include <string>
#include <string_view>

namespace kemu {

namespace {

// XSAVE state components (SDM vol. 1 13.1-13.4): x87 and SSE live in the 512-byte legacy
// region, the 64-byte XSAVE header follows, AVX (upper halves of YMM0-15) is component 2.
constexpr uint32_t kX87 = 1u << 0, kSse = 1u << 1, kAvx = 1u << 2;
constexpr uint32_t kLegacyAndHeaderBytes = 512 + 64;
constexpr uint32_t kAvxOffset = 576, kAvxBytes = 256;
constexpr uint32_t kXsaveopt = 1u << 0, kXsavec = 1u << 1;  // leaf 0xd subleaf 1 EAX
constexpr uint32_t kXsave = 1u << 26, kOsxsave = 1u << 27;  // leaf 1 ECX

// Set by the topology (HTT: leaf 1 EBX[23:16] counts logical processors), not by "max".
constexpr std::string_view kTopologyFeatures[] = {"ht"};

bool advertised(const CpuidTable& t, const char* name) {
    const CpuFeature* f = find_cpu_feature(name);
    const CpuidEntry* e = t.find(f->leaf, f->subleaf);
    return e && (e->regs[f->reg] >> f->bit & 1);
}

// Standard format: each component sits at its fixed offset, so the size is where the
// highest enabled one ends.
uint32_t standard_size(uint64_t components) {
    return (components & kAvx) ? kAvxOffset + kAvxBytes : kLegacyAndHeaderBytes;
}

// Compacted format: the components above SSE follow the header packed, in order (AVX needs
// no 64-byte alignment: subleaf 2 ECX[1] = 0).
uint32_t compacted_size(uint64_t components) {
    return kLegacyAndHeaderBytes + ((components & kAvx) ? kAvxBytes : 0);
}

// "max" under TCG: every feature the translator implements, then the user's edits.
CpuFeatureEdits max_edits(const CpuFeatureEdits& edits) {
    CpuFeatureEdits all;
    for (const CpuFeature& f : cpu_features()) {
        bool topology = std::find(std::begin(kTopologyFeatures), std::end(kTopologyFeatures),
                                  f.name) != std::end(kTopologyFeatures);
        if (f.tcg && !topology) all.add.push_back(&f);
    }
    all.add.insert(all.add.end(), edits.add.begin(), edits.add.end());
    all.remove = edits.remove;
    return all;
}

}  // namespace

Result<TcgCpuid> build_tcg_cpuid(const CpuModel& model, const CpuFeatureEdits& edits,
                                 const CpuTopology& topology, bool host_x87) {
    // QEMU refuses the same way ("CPU model 'host' requires KVM or HVF"); kemu has no HVF.
    if (model.host_cpuid_required)
        return Error(std::string("CPU model '") + model.name + "' requires KVM");
    TcgCpuid out;
    if (model.passthrough) {
        // Never the host's CPUID: every host bit kemu has no row for would leak through.
        CpuModel synthesized = model;
        synthesized.passthrough = false;
        out.table = build_model_cpuid(synthesized, max_edits(edits), topology);
    } else {
        out.table = build_model_cpuid(model, edits, topology);
    }
    std::vector<const CpuFeature*> cleared = restrict_to_tcg(out.table);
    // x87 instructions run on the host's x87: without one they are #UD, so no FPU either.
    if (!host_x87) {
        const CpuFeature* fpu = find_cpu_feature("fpu");
        if (remove_feature(out.table, *fpu)) cleared.push_back(fpu);
    }
    for (const CpuFeature* f : cleared)
        if (cpu_feature_requested(model, edits, *f)) out.unsupported.push_back(f);
    set_tcg_xsave_leaf(out.table);
    return out;
}

void set_tcg_xsave_leaf(CpuidTable& t) {
    std::erase_if(t.entries, [](const CpuidEntry& e) { return e.function == 0xd; });
    const CpuidEntry* l0 = t.find(0);
    // Absent subleaves read as zero, which is leaf 0xd without XSAVE.
    if (!l0 || l0->regs[EAX] < 0xd || !advertised(t, "xsave")) return;
    uint32_t components = kX87 | kSse | (advertised(t, "avx") ? kAvx : 0);
    // EBX of subleaves 0 and 1 depends on XCR0 (apply_cpuid_guest_state); here: XCR0 at reset.
    t.entries.push_back(
        {0xd, 0, true, {components, standard_size(kX87), standard_size(components), 0}});
    t.entries.push_back({0xd, 1, true, {kXsaveopt | kXsavec, compacted_size(kX87), 0, 0}});
    if (components & kAvx) t.entries.push_back({0xd, 2, true, {kAvxBytes, kAvxOffset, 0, 0}});
}

void apply_cpuid_guest_state(uint32_t leaf, uint32_t subleaf, uint32_t regs[4],
                             const CpuidGuestState& state) {
    if (leaf == 1) {
        bool osxsave = (regs[ECX] & kXsave) && state.cr4_osxsave;
        regs[ECX] = (regs[ECX] & ~kOsxsave) | (osxsave ? kOsxsave : 0);
    }
    if (leaf != 0xd || !regs[EAX]) return;
    // XCR0 itself, not masked by subleaf 0 EAX: the size is what XSAVE would write.
    if (subleaf == 0) regs[EBX] = standard_size(state.xcr0);
    if (subleaf == 1) regs[EBX] = compacted_size(state.xcr0);
}

}  // namespace kemu
