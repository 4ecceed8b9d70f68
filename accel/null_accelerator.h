// The `null` accelerator: the machine is built and the guest loaded, but vCPUs
// never execute. Used by tests of devices, loaders and the monitor on hosts with
// neither KVM nor TCG; `info registers` shows the state a loader set up.
#pragma once

#include "accel/accelerator.h"

namespace kemu {

class NullAccelerator final : public Accelerator {
  public:
    const char* name() const override { return "null"; }
    Result<void> init(const AcceleratorConfig&) override { return ok(); }
    IrqLine::Sink irqchip_input(unsigned) override { return nullptr; }
    Result<CpuidTable> cpuid_for(const CpuModel& model, const CpuTopology& topology,
                                 const CpuFeatureEdits& edits) override {
        return build_model_cpuid(model, edits, topology);
    }
    Result<std::unique_ptr<VcpuBackend>> create_vcpu(unsigned index, const CpuidTable& cpuid,
                                                     const VcpuContext& context) override;
};

}  // namespace kemu
