// One thread per vCPU. It runs the backend while the machine is running and
// parks otherwise; other threads reach it with run_on() (state reads for the
// monitor, resets), which executes on the vCPU thread between runs.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "accel/accelerator.h"

namespace kemu {

// What the vCPU thread asks of the machine; implemented by Machine.
class VcpuOwner {
  public:
    virtual ~VcpuOwner() = default;
    // Called with the machine lock held.
    virtual bool vcpus_should_run() const = 0;
    virtual void on_vcpu_exit(unsigned index, VcpuExit exit, const std::string& detail) = 0;
};

class VcpuThread {
  public:
    VcpuThread(unsigned index, std::unique_ptr<VcpuBackend> backend, VcpuOwner& owner,
               std::mutex& lock, std::condition_variable& state_changed);
    ~VcpuThread();
    VcpuThread(const VcpuThread&) = delete;
    VcpuThread& operator=(const VcpuThread&) = delete;

    void start();
    // Machine lock held. Makes the thread leave run() and re-check the machine state.
    void kick() { backend_->kick(); }
    // Machine lock held (as `lock`): runs `fn` on the vCPU thread and waits for it.
    void run_on(std::unique_lock<std::mutex>& lock, const std::function<void(VcpuBackend&)>& fn);
    // Machine lock held: true once the thread sits parked (not in run()).
    bool parked() const { return parked_; }
    unsigned index() const { return index_; }
    long thread_id() const { return tid_; }
    // Machine lock held: asks the thread to exit; the destructor joins it.
    void request_stop();

  private:
    void main();

    unsigned index_;
    std::unique_ptr<VcpuBackend> backend_;
    VcpuOwner& owner_;
    std::mutex& lock_;
    std::condition_variable& state_changed_;
    std::deque<std::function<void(VcpuBackend&)>*> work_;
    bool parked_ = false;
    bool stop_ = false;
    long tid_ = 0;
    std::thread thread_;
};

}  // namespace kemu
