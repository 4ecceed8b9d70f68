// CPU models and the CPUID table a vCPU is given. The model comes from -cpu
// (a row of cpu_models.def plus +feat/-feat edits); the accelerator filters it
// through what it supports (KVM_GET_SUPPORTED_CPUID); topology comes from -smp.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "system/error.h"

namespace kemu {

enum CpuidReg : unsigned { EAX, EBX, ECX, EDX };

struct CpuidEntry {
    uint32_t function = 0;
    uint32_t index = 0;
    bool indexed = false;  // the subleaf (ECX) selects among entries of this function
    uint32_t regs[4] = {};
};

struct CpuidTable {
    std::vector<CpuidEntry> entries;

    const CpuidEntry* find(uint32_t function, uint32_t index = 0) const;
    CpuidEntry* find(uint32_t function, uint32_t index = 0);
};

struct CpuFeature {
    const char* name;
    uint32_t leaf;
    uint32_t subleaf;
    CpuidReg reg;
    unsigned bit;
    bool tcg;  // implemented by kemu's translator
};
std::span<const CpuFeature> cpu_features();
const CpuFeature* find_cpu_feature(std::string_view name);
// "CPUID.01H:ECX.fma [bit 12]": how QEMU names a feature in its warnings.
std::string describe_cpu_feature(const CpuFeature& feature);

struct CpuModel {
    const char* name;
    const char* vendor;  // 12 characters, or empty for passthrough models
    unsigned family, model, stepping;
    uint32_t max_leaf, max_ext_leaf;
    bool passthrough;
    bool host_cpuid_required;  // the host CPU itself: only KVM can offer it
    const char* description;
    const char* features;  // space separated names from cpuid_features.def
};
std::span<const CpuModel> cpu_models();
const CpuModel* find_cpu_model(std::string_view name);
// "x86 qemu64   QEMU Virtual CPU version 2.5+" lines for -cpu help.
std::string cpu_models_help();

struct CpuFeatureEdits {
    std::vector<const CpuFeature*> add, remove;
};

// Whether the model's feature list or a +feat edit asks for `feature` (and no -feat undoes
// it): QEMU warns about each requested feature the accelerator cannot offer.
bool cpu_feature_requested(const CpuModel& model, const CpuFeatureEdits& edits,
                           const CpuFeature& feature);

// Parses "-cpu qemu64,+avx,-nx" (also "avx=on"/"avx=off" and "check"/"enforce").
struct CpuSpec {
    const CpuModel* model;
    CpuFeatureEdits edits;
};
Result<CpuSpec> parse_cpu_spec(std::string_view spec);

struct CpuTopology {
    unsigned sockets = 1, cores = 1, threads = 1;
    unsigned cpus() const { return sockets * cores * threads; }
};

// The model's own table: identification, features, brand string, topology. This is
// what a passthrough-free accelerator offers; KVM intersects it with what it supports.
CpuidTable build_model_cpuid(const CpuModel& model, const CpuFeatureEdits& edits,
                             const CpuTopology& topology);

// Clears every feature kemu's translator does not implement (the `tcg` column of
// cpuid_features.def) and returns the ones that were set.
std::vector<const CpuFeature*> restrict_to_tcg(CpuidTable& table);
// Clears one feature; true if it was set.
bool remove_feature(CpuidTable& table, const CpuFeature& feature);

// Patches the per-vCPU fields (initial APIC ID in leaf 1 and 0xb/0x1f x2APIC IDs).
void set_cpuid_apic_id(CpuidTable& table, uint32_t apic_id);

// APIC ID of CPU `index` for this topology (bit fields: thread, core, socket).
uint32_t apic_id_for_cpu(const CpuTopology& topology, unsigned index);

}  // namespace kemu
