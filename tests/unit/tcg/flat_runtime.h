// A CpuRuntime for running translated code in a unit test: guest memory is the test
// arena (physical = linear = host address, no paging), I/O ports are absent (reads
// return all ones, writes vanish), and raise() records the exception and unwinds with
// siglongjmp to the sigsetjmp in GuestRunner, as the TCG vCPU's exec loop does.
#pragma once

#include <csetjmp>
#include <optional>
#include <utility>

#include "target-x86/tcg/cpu_runtime.h"
#include "target-x86/tcg/translate.h"

namespace kemu::x86::difftest {

class FlatRuntime final : public CpuRuntime {
  public:
    FlatRuntime();

    // The landing point for raise(); GuestRunner sets it up before running blocks.
    sigjmp_buf jump;
    // The exception raised by the last run, if any, and the RIP it was raised at.
    std::optional<uint8_t> raised;
    // The block being run: current_rip() reads its instruction table.
    const TranslatedBlock* block = nullptr;

    CpuEnv& env() override { return env_; }
    uint64_t current_rip() override;
    uint64_t io_in(uint16_t, unsigned) override { return ~0ull; }
    void io_out(uint16_t, uint64_t, unsigned) override {}
    void halt() override {}
    void apply(const CrWriteEffect&) override {}
    void flush_tlb_page(uint64_t) override {}
    const CpuidTable& cpuid_table() override { return cpuid_; }
    void set_cpuid_table(CpuidTable table) { cpuid_ = std::move(table); }
    uint64_t read_tpr() override { return 0; }
    void write_tpr(uint64_t) override {}
    [[noreturn]] void raise_event(const InterruptEvent& event) override;
    uint8_t* host_pointer(uint64_t linear, unsigned size, Access access, Priv priv) override;
    bool should_yield() override { return false; }
    const void* goto_ptr_target() override { return nullptr; }
    uint64_t load_slow(uint64_t addr, uint32_t memop) override;
    void store_slow(uint64_t addr, uint64_t value, uint32_t memop) override;

    uint64_t read(uint64_t linear, unsigned size, Priv priv) override;
    void write(uint64_t linear, unsigned size, uint64_t value, Priv priv) override;
    uint64_t phys_read(uint64_t paddr, unsigned size) override;
    bool phys_cmpxchg(uint64_t paddr, unsigned size, uint64_t old, uint64_t value) override;
    [[noreturn]] void raise(uint8_t vector, std::optional<uint32_t> error_code) override;
    uint64_t read_tsc() override { return 0; }
    void write_tsc(uint64_t) override {}
    std::optional<uint64_t> read_apic_msr(uint32_t) override { return std::nullopt; }
    bool write_apic_msr(uint32_t, uint64_t) override { return false; }

  private:
    // Host address of `size` bytes at `addr`, or null outside the arena (or a write to code).
    uint8_t* locate(uint64_t addr, unsigned size, bool write);

    CpuEnv env_;
    CpuidTable cpuid_;
};

}  // namespace kemu::x86::difftest
