// What the monitor needs from the machine. system/machine.cpp implements it;
// the monitor never reaches past this interface. Calls come on the main thread
// with the machine lock held.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "monitor/block_report.h"
#include "monitor/irqchip_report.h"
#include "monitor/jit_report.h"
#include "monitor/pci_report.h"
#include "monitor/vnc_report.h"
#include "system/error.h"
#include "system/runstate.h"
#include "target-x86/cpu_state.h"

namespace kemu {

class ChardevRegistry;

struct MonitorCpuInfo {
    int index;          // the N of `cpu N`
    int64_t thread_id;  // host thread id of the vCPU thread
};

class MonitorHost {
  public:
    virtual ~MonitorHost() = default;

    virtual RunState run_state() const = 0;
    virtual bool kvm_enabled() const = 0;
    // Every vCPU, in index order.
    virtual std::vector<MonitorCpuInfo> cpus() const = 0;

    // The registers of `cpu` as last saved (`info registers`, `$eax` in expressions, `info
    // tlb`); an error when they cannot be read.
    virtual Result<X86CpuState> cpu_state(int cpu) = 0;
    // Preformatted reports (`info mtree`, `info qtree`), each ending in a newline.
    virtual std::string mtree_text() = 0;
    virtual std::string qtree_text() = 0;
    // Every drive, in -drive order (`info block`, `info blockstats`).
    virtual std::vector<BlockDeviceInfo> block_info() = 0;
    virtual std::vector<BlockDeviceStats> blockstats() = 0;
    // The internal snapshots of the drives VM snapshots cover (`info snapshots`); an error
    // when no drive takes them.
    virtual Result<std::vector<DriveSnapshots>> drive_snapshots() = 0;
    virtual const ChardevRegistry& chardevs() const = 0;
    // `info pic`, `info lapic`, `info irq`: the userspace interrupt controllers' state. A
    // host without such models (an in-kernel irqchip) says why as the error.
    virtual Result<InterruptControllersInfo> interrupt_controllers() {
        return Error("PIC state is not available");
    }
    virtual Result<LapicInfo> lapic(int /*cpu*/) {
        return Error("local APIC state is not available");
    }
    virtual Result<IrqStatsInfo> irq_stats() { return Error("IRQ statistics are not available"); }
    virtual Result<std::vector<PciDeviceInfo>> pci_devices() {
        return Error("PCI devices not supported");
    }
    // `info vnc`; none without a VNC server.
    virtual std::optional<VncInfo> vnc_info() { return std::nullopt; }
    // `set_password vnc PW`, `change vnc password PW`.
    virtual Result<void> set_vnc_password(const std::string& /*password*/) {
        return Error("Could not set password");
    }
    // `info jit`: the translator's statistics, or why there are none.
    virtual Result<JitInfo> jit_info() { return Error("JIT information is not available"); }

    // Debug reads: false if any byte of the span is not backed by RAM or ROM
    // (read_physical) or not mapped by `cpu`'s page tables (read_virtual).
    virtual bool read_physical(uint64_t addr, std::span<uint8_t> out) = 0;
    virtual bool read_virtual(int cpu, uint64_t addr, std::span<uint8_t> out) = 0;
    // 16, 32 or 64: how `cpu` decodes instructions now (for x/i).
    virtual unsigned cpu_code_bits(int cpu) = 0;

    // Port I/O as the guest would do it (`i` and `o`): devices see a real access.
    virtual uint64_t io_read(uint16_t port, unsigned size) = 0;
    virtual void io_write(uint16_t port, unsigned size, uint64_t value) = 0;

    // Actions; an error is printed as one line and the monitor carries on.
    virtual Result<void> stop() = 0;
    virtual Result<void> cont() = 0;
    virtual Result<void> system_reset() = 0;
    virtual Result<void> system_powerdown() = 0;
    virtual void quit() = 0;

    // Block operations finish later, on the main loop; `done` gets the text to print (often
    // none) or the one-line error.
    using Done = std::function<void(Result<std::string>)>;
    // `commit DEVICE|all`.
    virtual void block_commit(const std::string& device, Done done) = 0;
    // `snapshot_blkdev DEVICE FILE [FORMAT]`.
    virtual void snapshot_blkdev(const std::string& device, const std::string& file,
                                 const std::string& format, Done done) = 0;
    // `block_resize DEVICE SIZE`.
    virtual void block_resize(const std::string& device, uint64_t size, Done done) = 0;
    // `savevm`/`loadvm`/`delvm`: internal snapshots on every drive that takes them.
    virtual void save_snapshot(const std::string& name, Done done) = 0;
    virtual void load_snapshot(const std::string& name, Done done) = 0;
    virtual void delete_snapshot(const std::string& name, Done done) = 0;

    // `screendump FILE [-f ppm|png]`: the screen as the guest drew it last.
    virtual Result<void> screendump(const std::string& /*path*/, const std::string& /*format*/) {
        return Error("no display device");
    }
    // `eject [-f] DEVICE` and `change DEVICE FILE [FORMAT]` on a removable drive.
    virtual Result<void> eject(const std::string& device, bool /*force*/) {
        return Error("Device '" + device + "' not found");
    }
    virtual Result<void> change_medium(const std::string& device, const std::string& /*file*/,
                                       const std::string& /*format*/) {
        return Error("Device '" + device + "' not found");
    }
    // `sendkey`: press `keycodes` (Linux evdev key codes, ui/input.h) in order, release them
    // in reverse order `hold_ms` later, without blocking the monitor.
    virtual Result<void> send_keys(std::vector<uint16_t> /*keycodes*/, unsigned /*hold_ms*/) {
        return Error("no keyboard");
    }
};

}  // namespace kemu
