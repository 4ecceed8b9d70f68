// What an interrupt controller tells the CPU it serves. The TCG vCPU (or any
// userspace vCPU) implements it; the LAPIC calls it whenever something the CPU
// polls (has_interrupt, take_nmi, take_init, take_sipi) may have changed.
#pragma once

namespace kemu {

// Called with the machine lock held, from any thread (device timers run on the main loop);
// it only sets a flag and kicks the vCPU, never calls back into the controller.
class CpuInterruptSink {
  public:
    virtual ~CpuInterruptSink() = default;
    virtual void interrupt_pending_changed() = 0;
};

}  // namespace kemu
