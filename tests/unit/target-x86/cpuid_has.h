// Whether a built CPUID table reports `feature` (a name find_cpu_feature knows).
#pragma once

#include "target-x86/cpuid.h"

namespace kemu::test {

inline bool has(const CpuidTable& t, const char* feature) {
    const CpuFeature* f = find_cpu_feature(feature);
    const CpuidEntry* e = t.find(f->leaf, f->subleaf);
    return e && (e->regs[f->reg] >> f->bit & 1);
}

}  // namespace kemu::test
