#include "accel/tcg/tcg_accelerator.h"

#include "system/log.h"
#include "target-x86/cpuid_tcg.h"
#include "target-x86/tcg/simd_fp.h"
#include "target-x86/tcg/x87_host.h"

#include <cstdio>

#include <unistd.h>

namespace kemu {

Result<void> TcgAccelerator::init(const AcceleratorConfig& config) {
    shared_.single_thread = config.single_thread;
    shared_.cache.set_limit(size_t(config.tb_size_mib) << 20);
    if (config.jitdump) return Error("-jitdump is not supported yet (-perfmap is)");
    if (config.tcg_backend == "interp") {
        if (config.perfmap) return Error("-perfmap needs the JIT (backend=x86)");
        return ok();
    }
    // The JIT's code memory is sized like the block cache; without it blocks interpret.
    auto code = tcg::CodeBuffer::create(size_t(config.tb_size_mib) << 20);
    if (!code) return code.error().with_context("backend=x86");
    shared_.code = std::make_unique<tcg::CodeBuffer>(std::move(*code));
    shared_.cache.set_code(shared_.code.get());
    if (config.perfmap) {
        std::string path = "/tmp/perf-" + std::to_string(getpid()) + ".map";
        shared_.perfmap.reset(std::fopen(path.c_str(), "w"));
        if (!shared_.perfmap) return Error("-perfmap: cannot create " + path);
    }
    return ok();
}

// What the translator implements of the model (target-x86/cpuid_tcg.h); like QEMU (whose
// "check" is on by default), each requested feature TCG drops gets a warning.
Result<CpuidTable> TcgAccelerator::cpuid_for(const CpuModel& model, const CpuTopology& topology,
                                             const CpuFeatureEdits& edits) {
    auto cpuid = build_tcg_cpuid(model, edits, topology, x86::x87::host_x87_available());
    if (!cpuid) return cpuid.error();
    // SIMD floating point runs as the host's own instructions: what it lacks, TCG lacks.
    for (std::string_view name : x86::simd::fp_features_host_lacks()) {
        const CpuFeature* f = find_cpu_feature(name);
        if (f && remove_feature(cpuid->table, *f) && cpu_feature_requested(model, edits, *f))
            cpuid->unsupported.push_back(f);
    }
    for (const CpuFeature* f : cpuid->unsupported)
        log_host_warning("TCG doesn't support requested feature: %s",
                         describe_cpu_feature(*f).c_str());
    return std::move(cpuid->table);
}

Result<std::unique_ptr<VcpuBackend>> TcgAccelerator::create_vcpu(unsigned index,
                                                                 const CpuidTable& cpuid,
                                                                 const VcpuContext& context) {
    if (!context.lapic) return Error("TCG needs the board's userspace local APICs");
    return std::unique_ptr<VcpuBackend>(
        std::make_unique<tcg_accel::TcgVcpu>(index, cpuid, context, shared_));
}

void TcgAccelerator::Listener::commit(const FlatView&, const FlatView&) {
    std::lock_guard<std::mutex> g(shared_.vcpus_lock);
    for (tcg_accel::TcgVcpu* v : shared_.vcpus)
        v->request_tlb_flush();
}

void TcgAccelerator::Listener::ram_written(uint64_t addr, uint64_t size) {
    if (!size) return;
    constexpr uint64_t kPage = 4096;
    std::lock_guard<std::mutex> g(shared_.cache.lock());
    for (uint64_t page = addr & ~(kPage - 1); page < addr + size; page += kPage)
        if (shared_.cache.is_code_page(page)) shared_.cache.invalidate_page(page);
}

std::optional<JitInfo> TcgAccelerator::jit_info() const {
    std::lock_guard<std::mutex> g(shared_.cache.lock());
    const tcg_accel::TbStats& st = shared_.cache.stats();
    JitInfo info{
        .tb_count = shared_.cache.block_count(),
        .translations = st.translations,
        .guest_insns = st.guest_insns,
        .ir_ops = st.ir_ops,
        .invalidations = st.invalidations,
        .flushes = st.flushes,
        .cache_bytes = shared_.cache.bytes(),
        .frontend_ns = st.frontend_ns,
        .optimize_ns = st.optimize_ns,
        .backend_ns = st.backend_ns,
        .backend = shared_.code ? "x86-64 JIT" : "interpreter",
        .host_code = std::nullopt,
    };
    std::lock_guard code(shared_.code_lock);
    if (shared_.code) info.host_code = {shared_.code->used(), shared_.code->capacity()};
    return info;
}

}  // namespace kemu
