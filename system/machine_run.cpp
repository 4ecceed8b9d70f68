// Running the machine: the main loop, the requests vCPUs and devices raise for it (reset,
// power off, an internal error), parking and resuming the vCPUs around them, and the
// monitor's stop, cont, system_reset and system_powerdown.
#include "accel/kvm/guest_silence_hint.h"
#include "system/log.h"
#include "system/machine.h"

namespace kemu {

namespace {

std::string trim_newline(std::string text) {
    if (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
}

}  // namespace

void Machine::on_vcpu_exit(unsigned index, VcpuExit exit, const std::string& detail) {
    switch (exit) {
        case VcpuExit::Interrupted:
        case VcpuExit::Halted:
            return;
        case VcpuExit::TripleFault:
        case VcpuExit::ResetRequest:
            raise_request(reset_requested_);
            return;
        case VcpuExit::PowerOff:
            raise_request(poweroff_requested_);
            return;
        case VcpuExit::InternalError:
            log_host_error("vCPU %u: %s", index, trim_newline(detail).c_str());
            raise_request(internal_error_);
            return;
    }
}

// Machine lock held, on any thread. Every vCPU leaves the guest and parks (see
// vcpus_should_run) until the main loop has handled the request.
void Machine::raise_request(bool& flag) {
    flag = true;
    for (auto& v : vcpus_)
        v->kick();
    loop_.notify();
}

void Machine::pause_vcpus(std::unique_lock<std::mutex>& lock) {
    for (auto& v : vcpus_)
        v->kick();
    state_changed_.wait(lock, [this] {
        for (auto& v : vcpus_)
            if (!v->parked()) return false;
        return true;
    });
    clock_.pause();
}

void Machine::resume_vcpus() {
    clock_.resume();
    state_changed_.notify_all();
}

void Machine::stop() {
    if (run_state_ != RunState::Running) return;
    run_state_ = RunState::Paused;
    pause_vcpus(*main_lock_);
}

// As QEMU does, a guest that powered off or hit an accelerator error is not resumed
// where it stopped: `system_reset` first, then `cont`.
Result<void> Machine::cont() {
    if (run_state_ == RunState::Shutdown || run_state_ == RunState::InternalError)
        return Error("resetting the virtual machine is required");
    if (run_state_ == RunState::Running) return ok();
    run_state_ = RunState::Running;
    resume_vcpus();
    return ok();
}

void Machine::system_reset() {
    raise_request(reset_requested_);
}

Result<void> Machine::send_keys(std::vector<uint16_t> codes, int64_t hold_ns) {
    if (!board_->input_sink()) return Error("no keyboard");
    key_chord_.play(std::move(codes), hold_ns);
    return ok();
}

void Machine::system_powerdown() {
    board_->power_button();
}

Result<X86CpuState> Machine::cpu_state(unsigned index) {
    X86CpuState state;
    Result<void> r = ok();
    auto read = [&](VcpuBackend& b) { r = b.get_state(state); };
    if (main_lock_) {
        vcpus_[index]->run_on(*main_lock_, read);
    } else {
        std::unique_lock<std::mutex> lock(lock_);  // before run(): nobody holds the lock
        vcpus_[index]->run_on(lock, read);
    }
    if (!r) return r.error();
    return state;
}

// system_reset: devices and firmware tables to power-on state, the kernel loaded
// again (as QEMU's -kernel does through its option ROM), every vCPU reset.
void Machine::do_reset(std::unique_lock<std::mutex>& lock) {
    RunState before = run_state_;
    run_state_ = RunState::Paused;
    pause_vcpus(lock);
    accel_->reset_platform();
    auto r = board_->reset();
    if (r) r = load_boot_state();
    if (!r) log_host_error("reset: %s", r.error().message().c_str());
    for (auto& v : vcpus_) {
        unsigned i = v->index();
        X86CpuState state = i == 0 && boot_state_ ? *boot_state_ : reset_cpu_state(i == 0);
        v->run_on(lock, [&](VcpuBackend& b) {
            auto put = b.put_state(state);
            if (!put) log_host_error("reset: %s", put.error().message().c_str());
        });
    }
    // Running and prelaunch machines stay so; a reset is what lets a machine that shut down
    // or failed be continued.
    if (before == RunState::Running) {
        run_state_ = RunState::Running;
        resume_vcpus();
    } else if (before == RunState::Prelaunch) {
        run_state_ = RunState::Prelaunch;
    }
}

void Machine::handle_requests(std::unique_lock<std::mutex>& lock) {
    if (internal_error_) {
        internal_error_ = false;
        run_state_ = RunState::InternalError;
        pause_vcpus(lock);
    }
    if (reset_requested_) {
        reset_requested_ = false;
        if (config_.no_reboot) {
            exit_status_ = 0;
            loop_.request_quit();
            return;
        }
        do_reset(lock);
    }
    if (poweroff_requested_) {
        poweroff_requested_ = false;
        if (config_.no_shutdown) {
            run_state_ = RunState::Shutdown;
            pause_vcpus(lock);
        } else {
            exit_status_ = 0;
            loop_.request_quit();
        }
    }
}

int Machine::run() {
    std::unique_lock<std::mutex> lock(lock_);
    main_lock_ = &lock;
    run_state_ = config_.start_paused ? RunState::Prelaunch : RunState::Running;
    if (run_state_ == RunState::Running) clock_.resume();
    silence_watch_->start();
    for (auto& v : vcpus_)
        v->start();
    while (!loop_.quit_requested()) {
        loop_.run_once(-1);
        handle_requests(lock);
    }
    for (auto& v : vcpus_)
        v->request_stop();
    main_lock_ = nullptr;
    return exit_status_;
}

}  // namespace kemu
