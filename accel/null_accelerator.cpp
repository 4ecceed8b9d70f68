#include "accel/null_accelerator.h"

#include <condition_variable>

namespace kemu {

namespace {

class NullVcpu final : public VcpuBackend {
  public:
    // Blocks until kicked: there is no guest code to run.
    VcpuExit run() override {
        std::unique_lock<std::mutex> lock(mutex_);
        kicked_cv_.wait(lock, [this] { return kicked_; });
        kicked_ = false;
        return VcpuExit::Interrupted;
    }
    void kick() override {
        std::lock_guard<std::mutex> lock(mutex_);
        kicked_ = true;
        kicked_cv_.notify_all();
    }
    Result<void> get_state(X86CpuState& out) override {
        out = state_;
        return ok();
    }
    Result<void> put_state(const X86CpuState& in) override {
        state_ = in;
        return ok();
    }

  private:
    std::mutex mutex_;
    std::condition_variable kicked_cv_;
    bool kicked_ = false;
    X86CpuState state_;
};

}  // namespace

Result<std::unique_ptr<VcpuBackend>> NullAccelerator::create_vcpu(unsigned, const CpuidTable&,
                                                                  const VcpuContext&) {
    return std::unique_ptr<VcpuBackend>(std::make_unique<NullVcpu>());
}

}  // namespace kemu
