// One KVM vCPU: the KVM_RUN loop, exit dispatch and X86CpuState transfer.
#pragma once

#include <pthread.h>

#include <atomic>
#include <memory>
#include <string>

#include "accel/accelerator.h"
#include "accel/kvm/kvm_abi.h"
#include "system/mapped_region.h"
#include "system/unique_fd.h"

namespace kemu {

class KvmVcpu final : public VcpuBackend {
  public:
    static Result<std::unique_ptr<VcpuBackend>> create(int vm_fd, unsigned index, size_t mmap_size,
                                                       const CpuidTable& cpuid,
                                                       const VcpuContext& context,
                                                       std::atomic<uint64_t>& exit_counter);

    VcpuExit run() override;
    void kick() override;
    Result<void> get_state(X86CpuState& out) override;
    Result<void> put_state(const X86CpuState& in) override;
    std::string last_error() const override { return last_error_; }

  private:
    KvmVcpu(UniqueFd fd, MappedRegion run, uint32_t apic_id, const VcpuContext& context,
            std::atomic<uint64_t>& exit_counter)
        : fd_(std::move(fd)),
          run_map_(std::move(run)),
          apic_id_(apic_id),
          context_(context),
          exit_counter_(exit_counter) {}

    kvm_run* run_struct() const { return reinterpret_cast<kvm_run*>(run_map_.data()); }
    void handle_io();
    void handle_mmio();
    std::string describe_failure(const std::string& reason);

    UniqueFd fd_;
    MappedRegion run_map_;
    uint32_t apic_id_;
    VcpuContext context_;
    std::atomic<uint64_t>& exit_counter_;  // the accelerator's, counts every KVM_RUN return
    std::atomic<bool> kick_pending_{false};
    std::atomic<bool> thread_known_{false};
    pthread_t thread_{};
    std::string last_error_;
};

}  // namespace kemu
