// The root object: owns guest RAM, the two address spaces, the accelerator, the
// vCPU threads, the board's devices, chardevs and the monitor, and runs the main
// loop. Nothing else is global (logging aside, see system/log.h).
// Its parts: machine.cpp builds it, machine_run.cpp runs it, machine_block.cpp and
// machine_snapshot.cpp hold the drives and VM snapshots, machine_display.cpp the consoles
// and front ends, machine_monitor.cpp the monitor's view of it.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "accel/accelerator.h"
#include "block/block_backend.h"
#include "block/io/io_engine.h"
#include "chardev/registry.h"
#include "hw/i386/pc.h"
#include "monitor/block_report.h"
#include "monitor/vnc_report.h"
#include "system/address_space.h"
#include "system/clock.h"
#include "system/event_loop.h"
#include "system/machine_config.h"
#include "system/mapped_region.h"
#include "system/runstate.h"
#include "system/vcpu_thread.h"
#include "ui/input.h"

namespace kemu {

class GuestSilenceWatch;
class Monitor;
class MachineMonitorHost;

namespace ide {
class AtapiCdrom;
}
class ConsoleSet;
class SdlDisplay;
class VncServer;

class Machine final : public VcpuOwner {
  public:
    static Result<std::unique_ptr<Machine>> create(const MachineConfig& config);
    ~Machine() override;

    // Runs until the guest or the user ends it; returns the process exit status.
    int run();

    // --- for the monitor; all with the machine lock held ---
    RunState run_state() const { return run_state_; }
    void stop();
    Result<void> cont();
    void system_reset();
    void system_powerdown();
    void quit() {
        exit_status_ = 0;
        loop_.request_quit();
    }
    const MachineConfig& config() const { return config_; }
    const Accelerator& accelerator() const { return *accel_; }
    size_t cpu_count() const { return vcpus_.size(); }
    long cpu_thread_id(unsigned index) const { return vcpus_[index]->thread_id(); }
    Result<X86CpuState> cpu_state(unsigned index);
    AddressSpace& memory() { return memory_; }
    AddressSpace& io() { return io_; }
    const PcBoard& board() const { return *board_; }
    // Front ends (SDL, VNC) send host input here, from any thread.
    InputRouter& input() { return input_; }
    // `sendkey`: presses `codes` in order, releases them in reverse after `hold_ns`.
    Result<void> send_keys(std::vector<uint16_t> codes, int64_t hold_ns);
    ChardevRegistry& chardevs() { return *chardevs_; }
    // `info block`, `info blockstats`, `info snapshots`.
    std::vector<BlockDeviceInfo> block_info() const;
    std::vector<BlockDeviceStats> blockstats() const;
    Result<std::vector<DriveSnapshots>> drive_snapshots();
    // The monitor's block operations; `done` runs on the main loop with the text to print.
    using BlockDone = std::function<void(Result<std::string>)>;
    void block_commit(const std::string& device, BlockDone done);
    void block_resize(const std::string& device, uint64_t size, BlockDone done);
    void snapshot_blkdev(const std::string& device, const std::string& file,
                         const std::string& format, BlockDone done);
    void save_snapshot(const std::string& name, BlockDone done);
    void load_snapshot(const std::string& name, BlockDone done);
    void delete_snapshot(const std::string& name, BlockDone done);
    // `info vnc`, `set_password vnc`.
    std::optional<VncInfo> vnc_info() const;
    Result<void> set_vnc_password(const std::string& password);
    // `screendump`, `eject`, `change`.
    Result<void> screendump(const std::string& path, const std::string& format);
    Result<void> eject(const std::string& device, bool force);
    Result<void> change_medium(const std::string& device, const std::string& file,
                               const std::string& format);

  private:
    explicit Machine(const MachineConfig& config);
    Result<void> init();
    Result<void> init_ram();
    Result<std::vector<uint8_t>> load_firmware();
    Result<void> start_display();
    Result<void> init_chardevs_and_monitor();
    Result<void> init_vcpus();
    Result<void> open_drives();
    void add_monitor(Chardev* chardev);
    Result<void> load_boot_state();

    // A pending request parks the vCPUs at once, so a vCPU that hit a triple fault or an
    // internal error does not re-enter the guest before the main loop handles it.
    bool vcpus_should_run() const override {
        return run_state_ == RunState::Running && !reset_requested_ && !poweroff_requested_ &&
               !internal_error_;
    }
    void on_vcpu_exit(unsigned index, VcpuExit exit, const std::string& detail) override;

    void raise_request(bool& flag);
    void pause_vcpus(std::unique_lock<std::mutex>& lock);
    void resume_vcpus();
    void handle_requests(std::unique_lock<std::mutex>& lock);
    void do_reset(std::unique_lock<std::mutex>& lock);

    MachineConfig config_;
    std::mutex lock_;  // the machine lock: devices, run state, address-space dispatch
    std::atomic<int> main_loop_waiting_{0};  // see EventLoop::set_lock_waiters
    std::condition_variable state_changed_;
    VirtualClock clock_;
    TimerQueue timers_{clock_};
    EventLoop loop_{lock_, timers_};
    // Host keys and mouse reach the guest's i8042 on the main loop; `sendkey` plays chords.
    InputRouter input_{[this](std::function<void()> fn) { loop_.post(std::move(fn)); }};
    KeyChordPlayer key_chord_{timers_, [this](uint16_t code, bool down) {
                                  if (InputSink* sink = board_->input_sink()) sink->key(code, down);
                              }};

    MappedRegion ram_;
    std::optional<MemoryRegion> ram_below_4g_, ram_above_4g_;
    AddressSpace memory_{"memory", 1ull << 52};
    AddressSpace io_{"I/O", 1u << 16};

    std::unique_ptr<Accelerator> accel_;
    std::unique_ptr<ChardevRegistry> chardevs_;
    struct Drive {
        DriveSpec spec;
        std::unique_ptr<block::BlockBackend> backend;
    };
    Drive* find_drive(const std::string& id);
    Result<ide::AtapiCdrom*> removable_drive(const std::string& device);
    Result<std::vector<Drive*>> snapshot_drives();
    void run_stopped(std::vector<std::function<void(BlockDone)>> steps, BlockDone done);
    Result<block::IoEngine*> engine_for(block::EngineKind kind);
    std::map<block::EngineKind, std::unique_ptr<block::IoEngine>> io_engines_;
    std::vector<Drive> drives_;
    // Media `change` replaced; kept open until the machine ends, as a request the guest
    // started on one may still be in flight.
    std::vector<std::unique_ptr<block::BlockBackend>> retired_media_;
    std::unique_ptr<PcBoard> board_;
    std::unique_ptr<MachineMonitorHost> monitor_host_;
    std::vector<Chardev*> monitor_chardevs_;
    std::vector<std::unique_ptr<Monitor>> monitors_;
    // Declared after the board, chardevs and monitors, so the front ends close first, then
    // the consoles, before what they show goes away.
    std::unique_ptr<ConsoleSet> consoles_;
    std::unique_ptr<VncServer> vnc_;
    std::unique_ptr<SdlDisplay> sdl_;
    std::vector<std::unique_ptr<VcpuThread>> vcpus_;
    std::optional<X86CpuState> boot_state_;  // BSP entry state from the kernel loader
    // Warns when a KVM guest prints nothing for a minute (kvm-pvm hosts boot Linux slowly).
    std::unique_ptr<GuestSilenceWatch> silence_watch_;

    RunState run_state_ = RunState::Prelaunch;
    // Requests raised by devices and vCPU threads, handled by the main loop.
    bool reset_requested_ = false;
    bool poweroff_requested_ = false;
    bool internal_error_ = false;
    std::vector<std::string> serial_ids_;  // chardev ids of COM1.., "" for none
    std::unique_lock<std::mutex>* main_lock_ = nullptr;
    int exit_status_ = 0;
};

}  // namespace kemu
