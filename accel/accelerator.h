// The accelerator interface: what runs vCPUs. KVM runs them in hardware; TCG
// translates; `null` never runs them (device and monitor tests). Devices never
// see this interface: port and MMIO accesses reach them through the AddressSpaces
// in VcpuContext, the same path whichever accelerator runs the CPU.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "hw/core/irq.h"
#include "monitor/jit_report.h"
#include "system/address_space.h"
#include "system/error.h"
#include "target-x86/cpu_state.h"
#include "target-x86/cpuid.h"

namespace kemu {

class Lapic;

// Why VcpuBackend::run() returned. PIO and MMIO are not here: the backend
// dispatches them itself through VcpuContext and keeps running.
enum class VcpuExit {
    Interrupted,    // kick() or a signal: the vCPU thread checks for requests
    Halted,         // HLT with nothing pending (userspace irqchip only)
    TripleFault,    // the machine resets (or exits with -no-reboot)
    ResetRequest,   // the guest asked for a reset through the accelerator
    PowerOff,       // the guest asked for power-off through the accelerator
    InternalError,  // the accelerator cannot go on; the machine pauses (see last_error())
};

// What a vCPU needs from the machine to handle exits.
struct VcpuContext {
    AddressSpace& memory;
    AddressSpace& io;
    std::mutex& machine_lock;  // held while dispatching an exit to a device
    Lapic* lapic = nullptr;    // this vCPU's userspace local APIC (null with an in-kernel irqchip)
    // Non-zero while the main loop waits for machine_lock: frequent lockers step aside.
    const std::atomic<int>* lock_waiters = nullptr;
};

class VcpuBackend {
  public:
    virtual ~VcpuBackend() = default;

    // Runs guest code until an exit the vCPU thread must handle. vCPU thread only.
    virtual VcpuExit run() = 0;
    // Any thread: makes a running or about-to-run run() return Interrupted soon.
    virtual void kick() = 0;

    // Whole-state transfer; called on the vCPU thread while it is not in run().
    virtual Result<void> get_state(X86CpuState& out) = 0;
    virtual Result<void> put_state(const X86CpuState& in) = 0;

    // Multi-line description of the last InternalError (reason, RIP, code bytes).
    virtual std::string last_error() const { return {}; }
};

struct AcceleratorConfig {
    unsigned cpus = 1;
    bool kernel_irqchip = true;
    bool single_thread = false;       // TCG: vCPUs take turns instead of running in parallel
    unsigned tb_size_mib = 256;       // TCG: translated blocks kept before a flush
    std::string tcg_backend = "x86";  // TCG: x86 (the JIT) or interp
    bool perfmap = false;             // TCG: name each JIT block in /tmp/perf-PID.map
    bool jitdump = false;
};

class Accelerator {
  public:
    virtual ~Accelerator() = default;

    virtual const char* name() const = 0;
    // Opens the device, checks capabilities, creates the VM. Errors are user-facing.
    virtual Result<void> init(const AcceleratorConfig& config) = 0;

    // Guest RAM layout changes arrive here (KVM keeps memslots in step). May be null.
    virtual MemoryListener* memory_listener() { return nullptr; }

    // Input `gsi` of the interrupt controller: in-kernel irqchip, or (TCG, kernel_irqchip=off)
    // null, in which case the machine wires its own PIC/IOAPIC models.
    virtual IrqLine::Sink irqchip_input(unsigned gsi) = 0;

    // Filters the CPU model's CPUID through what this accelerator can provide.
    virtual Result<CpuidTable> cpuid_for(const CpuModel& model, const CpuTopology& topology,
                                         const CpuFeatureEdits& edits) = 0;

    virtual Result<std::unique_ptr<VcpuBackend>> create_vcpu(unsigned index,
                                                             const CpuidTable& cpuid,
                                                             const VcpuContext& context) = 0;

    // Resets the in-kernel interrupt controllers and timers (system_reset).
    virtual void reset_platform() {}

    // Lines for `info kvm` and the like; "kvm support: enabled" comes from here.
    virtual bool is_kvm() const { return false; }
    // Returns from the hardware run loop so far, all vCPUs (the slow-guest hint's exit rate).
    virtual uint64_t exit_count() const { return 0; }
    // `info jit`: the translator's statistics; none for accelerators that translate nothing.
    virtual std::optional<JitInfo> jit_info() const { return std::nullopt; }
};

}  // namespace kemu
