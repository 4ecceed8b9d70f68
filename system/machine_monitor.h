// The machine as the monitor sees it (monitor/monitor_host.h).
#pragma once

#include "monitor/monitor_host.h"

namespace kemu {

class Machine;

class MachineMonitorHost final : public MonitorHost {
  public:
    explicit MachineMonitorHost(Machine& machine) : machine_(machine) {}

    RunState run_state() const override;
    bool kvm_enabled() const override;
    std::vector<MonitorCpuInfo> cpus() const override;
    Result<X86CpuState> cpu_state(int cpu) override;
    std::string mtree_text() override;
    std::string qtree_text() override;
    Result<InterruptControllersInfo> interrupt_controllers() override;
    Result<LapicInfo> lapic(int cpu) override;
    Result<IrqStatsInfo> irq_stats() override;
    Result<std::vector<PciDeviceInfo>> pci_devices() override;
    std::optional<VncInfo> vnc_info() override;
    Result<void> set_vnc_password(const std::string& password) override;
    Result<JitInfo> jit_info() override;
    std::vector<BlockDeviceInfo> block_info() override;
    std::vector<BlockDeviceStats> blockstats() override;
    const ChardevRegistry& chardevs() const override;
    bool read_physical(uint64_t addr, std::span<uint8_t> out) override;
    bool read_virtual(int cpu, uint64_t addr, std::span<uint8_t> out) override;
    unsigned cpu_code_bits(int cpu) override;
    uint64_t io_read(uint16_t port, unsigned size) override;
    void io_write(uint16_t port, unsigned size, uint64_t value) override;
    Result<void> stop() override;
    Result<void> cont() override;
    Result<void> system_reset() override;
    Result<void> system_powerdown() override;
    void quit() override;
    Result<std::vector<DriveSnapshots>> drive_snapshots() override;
    void block_commit(const std::string& device, Done done) override;
    void block_resize(const std::string& device, uint64_t size, Done done) override;
    void snapshot_blkdev(const std::string& device, const std::string& file,
                         const std::string& format, Done done) override;
    void save_snapshot(const std::string& name, Done done) override;
    void load_snapshot(const std::string& name, Done done) override;
    void delete_snapshot(const std::string& name, Done done) override;
    Result<void> screendump(const std::string& path, const std::string& format) override;
    Result<void> send_keys(std::vector<uint16_t> keycodes, unsigned hold_ms) override;
    Result<void> eject(const std::string& device, bool force) override;
    Result<void> change_medium(const std::string& device, const std::string& file,
                               const std::string& format) override;

  private:
    Machine& machine_;
};

}  // namespace kemu
