#include "system/vcpu_thread.h"

#include <sys/syscall.h>
#include <unistd.h>

namespace kemu {

VcpuThread::VcpuThread(unsigned index, std::unique_ptr<VcpuBackend> backend, VcpuOwner& owner,
                       std::mutex& lock, std::condition_variable& state_changed)
    : index_(index),
      backend_(std::move(backend)),
      owner_(owner),
      lock_(lock),
      state_changed_(state_changed) {}

VcpuThread::~VcpuThread() {
    if (thread_.joinable()) thread_.join();
}

void VcpuThread::start() {
    thread_ = std::thread([this] { main(); });
}

void VcpuThread::request_stop() {
    stop_ = true;
    backend_->kick();
    state_changed_.notify_all();
}

void VcpuThread::run_on(std::unique_lock<std::mutex>& lock,
                        const std::function<void(VcpuBackend&)>& fn) {
    if (!thread_.joinable() || stop_) {
        fn(*backend_);  // no thread (yet, or any more): nothing else touches the backend
        return;
    }
    std::function<void(VcpuBackend&)> work = fn;
    bool done = false;
    std::function<void(VcpuBackend&)> wrapped = [&](VcpuBackend& b) {
        work(b);
        done = true;
    };
    work_.push_back(&wrapped);
    backend_->kick();
    state_changed_.notify_all();
    state_changed_.wait(lock, [&] { return done; });
}

void VcpuThread::main() {
    std::unique_lock<std::mutex> lock(lock_);
    tid_ = long(syscall(SYS_gettid));
    for (;;) {
        // Between runs: do queued work, then run, park or leave.
        while (!work_.empty()) {
            auto* fn = work_.front();
            work_.pop_front();
            (*fn)(*backend_);
            state_changed_.notify_all();
        }
        if (stop_) break;
        if (!owner_.vcpus_should_run()) {
            parked_ = true;
            state_changed_.notify_all();
            state_changed_.wait(lock);
            continue;
        }
        parked_ = false;
        lock.unlock();
        VcpuExit exit = backend_->run();
        lock.lock();
        if (exit != VcpuExit::Interrupted) {
            std::string detail = exit == VcpuExit::InternalError ? backend_->last_error() : "";
            owner_.on_vcpu_exit(index_, exit, detail);
        }
    }
    parked_ = true;
    state_changed_.notify_all();
}

}  // namespace kemu
