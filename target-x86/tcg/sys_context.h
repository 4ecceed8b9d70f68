// The narrow interface through which x86 system helpers (interrupt delivery, segment loads,
// far transfers, task switches, the page walk, CR/MSR writes) reach the vCPU. Under TCG the
// exec loop implements it on top of the softmmu TLB; unit tests implement it with a flat
// memory vector. Helpers never touch guest memory any other way.
#pragma once

#include <cstdint>
#include <optional>

namespace kemu::x86 {

// How a helper accesses memory; determines the privilege used for paging checks.
enum class Access : uint8_t { Read, Write, Execute };

enum class Priv : uint8_t {
    Current,     // CPL==3 => user
    Supervisor,  // implicit system accesses: GDT/IDT/TSS/stack of the inner level
    User
};

// What system helpers need from the vCPU. raise() never returns: under TCG it unwinds to the
// exec loop; in the unit tests it throws.
class SysContext {
  public:
    virtual ~SysContext() = default;
    // Linear-address accesses (paging applied by the implementation), little-endian, size 1/2/4/8.
    virtual uint64_t read(uint64_t linear, unsigned size, Priv priv) = 0;
    virtual void write(uint64_t linear, unsigned size, uint64_t value, Priv priv) = 0;
    // Guest-physical accesses for the page walk (size 4 or 8).
    virtual uint64_t phys_read(uint64_t paddr, unsigned size) = 0;
    // Atomically replaces old with value; false when memory no longer held `old`.
    virtual bool phys_cmpxchg(uint64_t paddr, unsigned size, uint64_t old, uint64_t value) = 0;
    [[noreturn]] virtual void raise(uint8_t vector, std::optional<uint32_t> error_code) = 0;
    virtual uint64_t read_tsc() = 0;
    // WRMSR to IA32_TSC: the vCPU's counter continues from `value`.
    virtual void write_tsc(uint64_t value) = 0;
    // APIC base and x2APIC MSRs live in the LAPIC device: nullopt / false = #GP.
    virtual std::optional<uint64_t> read_apic_msr(uint32_t msr) = 0;
    virtual bool write_apic_msr(uint32_t msr, uint64_t value) = 0;
};

// Calls raise() in a way the compiler knows does not return (GCC does not carry [[noreturn]]
// through a virtual call).
[[noreturn]] inline void raise_exception(SysContext& ctx, uint8_t vector,
                                         std::optional<uint32_t> error_code) {
    ctx.raise(vector, error_code);
    __builtin_unreachable();
}

}  // namespace kemu::x86
