// TCG: guest code runs through kemu's translator, on any host. Interrupt controllers
// and timers are the userspace models the board creates (irqchip_input is null).
#pragma once

#include "accel/accelerator.h"
#include "accel/tcg/tcg_vcpu.h"

namespace kemu {

class TcgAccelerator final : public Accelerator {
  public:
    const char* name() const override { return "tcg"; }
    Result<void> init(const AcceleratorConfig& config) override;
    IrqLine::Sink irqchip_input(unsigned) override { return nullptr; }
    Result<CpuidTable> cpuid_for(const CpuModel& model, const CpuTopology& topology,
                                 const CpuFeatureEdits& edits) override;
    Result<std::unique_ptr<VcpuBackend>> create_vcpu(unsigned index, const CpuidTable& cpuid,
                                                     const VcpuContext& context) override;
    std::optional<JitInfo> jit_info() const override;

    MemoryListener* memory_listener() override { return &listener_; }

  private:
    // A new memory map drops every vCPU's TLB (host pointers may be stale); RAM written by
    // a loader or DMA invalidates the translated code on the pages it touched.
    class Listener final : public MemoryListener {
      public:
        explicit Listener(tcg_accel::TcgShared& shared) : shared_(shared) {}
        void commit(const FlatView&, const FlatView&) override;
        void ram_written(uint64_t addr, uint64_t size) override;

      private:
        tcg_accel::TcgShared& shared_;
    };

    mutable tcg_accel::TcgShared shared_;
    Listener listener_{shared_};
};

}  // namespace kemu
