#include "accel/tcg/tcg_accelerator.h"

#include <algorithm>
#include <cstdio>

namespace kemu {

Result<void> TcgAccelerator::init(const AcceleratorConfig& config) {
    shared_.single_thread = config.single_thread;
    return ok();
}

// The model's table without what the translator cannot do; a feature the user asked for
// with +name gets QEMU's warning.
Result<CpuidTable> TcgAccelerator::cpuid_for(const CpuModel& model, const CpuTopology& topology,
                                             const CpuFeatureEdits& edits) {
    CpuidTable table = build_model_cpuid(model, edits, topology);
    for (const CpuFeature* f : restrict_to_tcg(table))
        if (std::find(edits.add.begin(), edits.add.end(), f) != edits.add.end())
            std::fprintf(stderr,
                         "kemu-system-x86_64: warning: TCG doesn't support requested feature: %s\n",
                         f->name);
    return table;
}

Result<std::unique_ptr<VcpuBackend>> TcgAccelerator::create_vcpu(unsigned index,
                                                                 const CpuidTable& cpuid,
                                                                 const VcpuContext& context) {
    if (!context.lapic) return Error("TCG needs the board's userspace local APICs");
    return std::unique_ptr<VcpuBackend>(
        std::make_unique<tcg_accel::TcgVcpu>(index, cpuid, context, shared_));
}

std::string TcgAccelerator::jit_text() const {
    std::lock_guard<std::mutex> g(shared_.cache.lock());
    const tcg_accel::TbStats& st = shared_.cache.stats();
    std::string out = "Translation buffer state:\n";
    out += "TB count            " + std::to_string(shared_.cache.block_count()) + "\n";
    out += "translations        " + std::to_string(st.translations) + "\n";
    out += "guest instructions  " + std::to_string(st.guest_insns) + "\n";
    out += "IR ops              " + std::to_string(st.ir_ops) + "\n";
    out += "TB invalidations    " + std::to_string(st.invalidations) + "\n";
    out += "translation time    " + std::to_string(st.translate_ns / 1000) + " us\n";
    out += "backend             interpreter\n";
    return out;
}

}  // namespace kemu
