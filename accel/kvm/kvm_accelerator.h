// KVM: vCPUs run in the host kernel through /dev/kvm. The in-kernel irqchip
// (PIC, IOAPIC, LAPICs) and PIT are used; everything else is our devices.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "accel/accelerator.h"
#include "accel/kvm/kvm_abi.h"
#include "accel/kvm/memslot_plan.h"
#include "system/unique_fd.h"

namespace kemu {

class KvmAccelerator final : public Accelerator, private MemoryListener {
  public:
    KvmAccelerator() = default;

    const char* name() const override { return "kvm"; }
    Result<void> init(const AcceleratorConfig& config) override;
    MemoryListener* memory_listener() override { return this; }
    IrqLine::Sink irqchip_input(unsigned gsi) override;
    Result<CpuidTable> cpuid_for(const CpuModel& model, const CpuTopology& topology,
                                 const CpuFeatureEdits& edits) override;
    Result<std::unique_ptr<VcpuBackend>> create_vcpu(unsigned index, const CpuidTable& cpuid,
                                                     const VcpuContext& context) override;
    void reset_platform() override;
    bool is_kvm() const override { return true; }
    uint64_t exit_count() const override { return exits_.load(std::memory_order_relaxed); }

  private:
    void commit(const FlatView& old_view, const FlatView& new_view) override;
    void set_slot(uint32_t id, const Memslot* slot);
    Result<void> create_platform();

    UniqueFd kvm_;
    UniqueFd vm_;
    unsigned cpus_ = 1;
    size_t vcpu_mmap_size_ = 0;
    bool readonly_mem_ = false;
    bool platform_created_ = false;  // the in-kernel irqchip and PIT
    std::vector<Memslot> slots_;
    std::vector<uint32_t> free_slot_ids_;
    std::vector<kvm_cpuid_entry2> supported_cpuid_;
    std::atomic<uint64_t> exits_{0};  // shared by the vCPUs: one relaxed add per exit is cheap
};

}  // namespace kemu
