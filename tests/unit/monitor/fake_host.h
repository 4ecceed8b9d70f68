// A MonitorHost with 4 KiB of physical memory (byte i holds i & 0xff, with a few
// characters planted at 0x200), virtual addresses mapped at +0x10000 per CPU
// index, CPU states the test sets, and counters for every action.
#pragma once

#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "chardev/chardev.h"
#include "chardev/registry.h"
#include "monitor/monitor_host.h"
#include "system/clock.h"
#include "system/event_loop.h"
#include "tests/unit/common/fixtures.h"

namespace kemu::test {

class FakeHost : public MonitorHost {
  public:
    static constexpr uint64_t kMemorySize = 0x1000;
    static constexpr uint64_t kVirtualBase = 0x10000;

    FakeHost() : memory(kMemorySize) {
        for (size_t i = 0; i < memory.size(); i++)
            memory[i] = uint8_t(i);
        std::memcpy(&memory[0x200], "A\n'\\\x07", 5);
        (void)registry.add_chardev_option("null,id=serial0");
    }

    RunState run_state() const override { return state; }
    bool kvm_enabled() const override { return kvm; }
    std::vector<MonitorCpuInfo> cpus() const override { return cpu_list; }
    Result<X86CpuState> cpu_state(int cpu) override {
        if (cpu < 0 || size_t(cpu) >= cpu_states.size()) return Error("CPU state not available");
        return cpu_states[size_t(cpu)];
    }
    std::string mtree_text() override { return "address-space: memory\n  ram\n"; }
    std::string qtree_text() override { return "bus: main-system-bus\n"; }
    std::vector<BlockDeviceInfo> block_info() override { return drives; }
    std::vector<BlockDeviceStats> blockstats() override { return drive_stats; }
    Result<std::vector<DriveSnapshots>> drive_snapshots() override { return snapshots; }
    const ChardevRegistry& chardevs() const override { return registry; }
    // The reports the test sets; without one, MonitorHost's "not available".
    Result<IrqStatsInfo> irq_stats() override {
        return irqs ? Result<IrqStatsInfo>(*irqs) : MonitorHost::irq_stats();
    }
    Result<LapicInfo> lapic(int cpu) override {
        if (cpu < 0 || size_t(cpu) >= lapics.size()) return MonitorHost::lapic(cpu);
        return lapics[size_t(cpu)];
    }
    std::optional<VncInfo> vnc_info() override { return vnc; }

    bool read_physical(uint64_t addr, std::span<uint8_t> out) override {
        if (addr >= kMemorySize || out.size() > kMemorySize - addr) return false;
        std::memcpy(out.data(), &memory[addr], out.size());
        return true;
    }
    bool read_virtual(int cpu, uint64_t addr, std::span<uint8_t> out) override {
        uint64_t base = kVirtualBase * uint64_t(cpu + 1);
        if (addr < base) return false;
        return read_physical(addr - base, out);
    }

    unsigned cpu_code_bits(int) override { return code_bits; }
    uint64_t io_read(uint16_t port, unsigned size) override {
        io_log.push_back({false, port, size, 0});
        return 0x12345678ull & ((1ull << (size * 8)) - 1);
    }
    void io_write(uint16_t port, unsigned size, uint64_t value) override {
        io_log.push_back({true, port, size, value});
    }

    Result<void> stop() override {
        stops++;
        state = RunState::Paused;
        return ok();
    }
    Result<void> cont() override {
        conts++;
        if (refuse_cont) return Error("resetting the machine is required");
        state = RunState::Running;
        return ok();
    }
    Result<void> system_reset() override {
        resets++;
        return ok();
    }
    Result<void> system_powerdown() override {
        powerdowns++;
        return ok();
    }
    void quit() override { quits++; }
    // Block operations wait in block_ops until the test completes them.
    void block_commit(const std::string& device, Done done) override {
        block_ops.push_back({"commit", device, std::move(done)});
    }
    void snapshot_blkdev(const std::string& device, const std::string& file,
                         const std::string& format, Done done) override {
        block_ops.push_back(
            {"snapshot_blkdev", device + " " + file + " " + format, std::move(done)});
    }
    void block_resize(const std::string& device, uint64_t size, Done done) override {
        block_ops.push_back({"block_resize", device + " " + std::to_string(size), std::move(done)});
    }
    void save_snapshot(const std::string& name, Done done) override {
        block_ops.push_back({"savevm", name, std::move(done)});
    }
    void load_snapshot(const std::string& name, Done done) override {
        block_ops.push_back({"loadvm", name, std::move(done)});
    }
    void delete_snapshot(const std::string& name, Done done) override {
        block_ops.push_back({"delvm", name, std::move(done)});
    }
    struct BlockOp {
        std::string operation, argument;
        Done done;
    };
    std::vector<BlockOp> block_ops;

    RunState state = RunState::Running;
    bool kvm = true;
    bool refuse_cont = false;
    std::vector<MonitorCpuInfo> cpu_list{{0, 1234}, {1, 1235}};
    // CPU 0 and 1 as `$reg` and `info tlb` see them (only CPU 0 by default).
    std::vector<X86CpuState> cpu_states{reset_cpu_state(true)};
    std::vector<uint8_t> memory;
    std::vector<BlockDeviceInfo> drives;
    std::vector<BlockDeviceStats> drive_stats;
    std::optional<IrqStatsInfo> irqs;
    std::vector<LapicInfo> lapics;  // by CPU index
    std::optional<VncInfo> vnc;
    Result<std::vector<DriveSnapshots>> snapshots = std::vector<DriveSnapshots>{};
    int stops = 0, conts = 0, resets = 0, powerdowns = 0, quits = 0;
    unsigned code_bits = 32;
    struct IoAccess {
        bool write;
        uint16_t port;
        unsigned size;
        uint64_t value;
    };
    std::vector<IoAccess> io_log;

    std::mutex lock;
    HostClock clock;
    TimerQueue timers{clock};
    EventLoop loop{lock, timers};
    ChardevRegistry registry{loop};
};

}  // namespace kemu::test
