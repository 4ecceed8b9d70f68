// A vCPU under TCG: the exec loop (find or translate a block, run it, deliver
// exceptions and interrupts between blocks), the softmmu slow paths, and the
// SysContext/CpuRuntime services the x86 helpers use. Guest exceptions unwind from
// helpers to the loop with siglongjmp; no C++ exception ever crosses guest code.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <csetjmp>
#include <cstdio>
#include <memory>
#include <mutex>
#include <span>

#include "accel/accelerator.h"
#include "accel/tcg/tb_cache.h"
#include "hw/intc/cpu_interrupt.h"
#include "system/adaptive_mutex.h"
#include "target-x86/tcg/cpu_runtime.h"
#include "target-x86/tcg/page_walk.h"
#include "target-x86/tcg/translate.h"

namespace kemu {
class Lapic;
}

namespace kemu::tcg_accel {

// What every vCPU of one machine shares.
struct TcgShared {
    TbCache cache;
    std::mutex vcpus_lock;
    std::vector<class TcgVcpu*> vcpus;
    std::atomic<unsigned> vcpu_count{0};  // vcpus.size(), readable without the lock
    unsigned max_block_insns = 64;
    // The JIT backend and its code memory (null: every block runs on the interpreter).
    // A full buffer is reset only once no retired block can still be running.
    std::unique_ptr<tcg::CodeBuffer> code;
    tcg::X86Backend backend;
    bool code_reset_pending = false;  // under the cache lock
    // Taken alone to compile into `code`, or inside the cache lock to reset it. vCPUs that
    // translate at once wait here for a few microseconds; spinning first rather than sleeping
    // at once cut that wait in a -smp 2 boot from 0.85 to 0.55 us per translation.
    AdaptiveMutex code_lock;
    // -perfmap: "start size name" per JIT block, for perf report.
    struct FileCloser {
        void operator()(std::FILE* f) const { std::fclose(f); }
    };
    std::unique_ptr<std::FILE, FileCloser> perfmap;
    // thread=single: vCPUs still have their threads, but only one runs guest code at a time.
    bool single_thread = false;
    std::mutex exec_lock;
};

class TcgVcpu final : public VcpuBackend, public x86::CpuRuntime, public CpuInterruptSink {
  public:
    TcgVcpu(unsigned index, const CpuidTable& cpuid, const VcpuContext& context, TcgShared& shared);
    ~TcgVcpu() override;

    // VcpuBackend
    VcpuExit run() override;
    void kick() override;
    Result<void> get_state(X86CpuState& out) override;
    Result<void> put_state(const X86CpuState& in) override;
    std::string last_error() const override { return last_error_; }

    // CpuInterruptSink
    void interrupt_pending_changed() override;

    // SysContext
    uint64_t read(uint64_t linear, unsigned size, x86::Priv priv) override;
    void write(uint64_t linear, unsigned size, uint64_t value, x86::Priv priv) override;
    uint64_t phys_read(uint64_t paddr, unsigned size) override;
    bool phys_cmpxchg(uint64_t paddr, unsigned size, uint64_t old, uint64_t value) override;
    [[noreturn]] void raise(uint8_t vector, std::optional<uint32_t> error_code) override;
    uint64_t read_tsc() override;
    void write_tsc(uint64_t value) override;
    std::optional<uint64_t> read_apic_msr(uint32_t msr) override;
    bool write_apic_msr(uint32_t msr, uint64_t value) override;

    // CpuRuntime
    x86::CpuEnv& env() override { return *env_; }
    uint64_t current_rip() override;
    uint64_t io_in(uint16_t port, unsigned size) override;
    void io_out(uint16_t port, uint64_t value, unsigned size) override;
    void io_in_string(uint16_t port, unsigned size, uint8_t* first, size_t count,
                      bool down) override;
    void io_out_string(uint16_t port, unsigned size, const uint8_t* first, size_t count,
                       bool down) override;
    void halt() override { halted_ = true; }
    void apply(const x86::CrWriteEffect& effect) override;
    void flush_tlb_page(uint64_t linear) override;
    const CpuidTable& cpuid_table() override { return cpuid_; }
    uint64_t read_tpr() override;
    void write_tpr(uint64_t cr8) override;
    [[noreturn]] void raise_event(const x86::InterruptEvent& event) override;
    uint8_t* host_pointer(uint64_t linear, unsigned size, x86::Access access,
                          x86::Priv priv) override;
    bool should_yield() override;
    void spin_wait_hint() override;
    const void* goto_ptr_target() override;
    bool interrupt_waiting() override;
    uint64_t load_slow(uint64_t addr, uint32_t memop) override;
    void store_slow(uint64_t addr, uint64_t value, uint32_t memop) override;

    // The memory map changed: empty the TLB at the next block.
    void request_tlb_flush();
    // Another vCPU translated code from `phys_page`: from the next block on, this one's
    // writes to it must take the slow path (which invalidates the blocks they hit).
    void request_code_page_protection(uint64_t phys_page);

  private:
    static constexpr uint64_t kNoPage = ~0ull;  // no physical page (TLB info, block pages)
    enum class Jump : int { None = 0, Event = 1, TripleFault = 2, RetranslateOne = 3 };
    enum class PageKind : uint8_t { Ram, Rom, Io, Apic };
    struct TlbInfo {
        uint64_t phys_page;
        PageKind kind;
        bool global = false;  // a global page (G with CR4.PGE): kept across CR3 loads
    };
    // Visits the TLB entries filled since the last full flush (tlb_used_), the only ones that
    // can hold a page: flushes and code-page protection touch those, not the whole table. An
    // entry listed twice is visited twice.
    template <typename Visit>
    void for_each_used_tlb_entry(Visit visit) {
        for (unsigned m = 0; m < x86::kMmuCount; m++)
            for (const std::vector<uint16_t>& list : tlb_used_[m])
                for (uint16_t i : list)
                    visit(env_->tlb[m][i], tlb_info_[m][i]);
    }
    void reset_tlb_entry(unsigned mmu, unsigned index);
    // A jump-cache entry remembers whether the block's code lies in one global page, so a
    // CR3 load (an address-space switch) can keep it, and which TLB flushes it has seen.
    struct JumpEntry {
        TranslationBlock* tb = nullptr;
        uint32_t epoch = 0;    // page_epoch_ of tb->pc's page when the entry was made
        uint32_t flushes = 0;  // tlb_flushes_[global] then
        bool global = false;
    };
    class Code;

    // The machine lock, after letting a waiting main loop go first.
    std::unique_lock<std::mutex> lock_machine();
    bool exec_blocks(VcpuExit& exit);
    uint32_t block_flags() const;
    TranslationBlock* chained_successor();
    TranslationBlock* running_block() const;
    void chain(TranslationBlock& from, unsigned slot, TranslationBlock& to);
    void log_block_entry(const TranslationBlock& tb);
    void take_turn(bool take);
    bool instruction_breakpoint(uint64_t pc);
    void after_debug_step(const TranslationBlock* tb, bool resume_flag);
    uint64_t watched(uint64_t addr, unsigned size, bool write) const;
    bool page_watched(uint64_t page) const;
    bool poll_interrupts(VcpuExit& exit);
    void deliver_pending_event();
    void deliver(const x86::InterruptEvent& ev);
    TranslationBlock* find_block();
    TranslationBlock* translate(uint64_t pc, uint64_t phys_pc, uint32_t flags, unsigned max_insns,
                                bool cache_it);
    [[noreturn]] void jump_to_loop(Jump why);
    void log_translation(x86::CodeReader& code, const TranslationBlock& tb,
                         const x86::TranslatedBlock& out);

    // softmmu
    unsigned mmu_for(x86::Priv priv) const;
    const x86::TlbEntry& fill(uint64_t addr, x86::Access access, unsigned mmu);
    uint64_t translate_address(uint64_t addr, x86::Access access, unsigned mmu,
                               x86::PagePerms* perms, bool* dirty, uint64_t* page_size,
                               bool* global);
    PageKind classify(uint64_t phys_page, uint8_t** host);
    uint64_t code_phys_page(uint64_t page, unsigned mmu, uint8_t** host);
    bool second_page_holds(const TranslationBlock& tb, unsigned mmu);
    uint64_t mmio_read(uint64_t paddr, unsigned size, PageKind kind);
    void mmio_write(uint64_t paddr, uint64_t value, unsigned size, PageKind kind);
    void code_write(uint64_t phys_addr, unsigned size);
    void mark_code_page(uint64_t phys_page);
    void protect_code_pages(std::span<const uint64_t> phys_pages);
    void flush_blocks();
    void reclaim_blocks();
    bool compile_host_code(TranslationBlock& tb);
    // Everything, or (keep_global) all but global pages, as a CR3 load does.
    void flush_tlb(bool keep_global = false);
    uint8_t* phys_host(uint64_t paddr, unsigned size);

    unsigned index_;
    CpuidTable cpuid_;
    VcpuContext context_;
    Lapic* lapic_;
    TcgShared& shared_;
    std::unique_ptr<x86::CpuEnv> env_;
    static unsigned jump_hash(uint64_t pc);
    void forget_fast_jumps();
    // Pages (by a hash of the page number) that fast jump entries made since the last
    // forget_fast_jumps() go to: INVLPG of a page no entry starts on, or runs into from the
    // page before, keeps them all. Linux patches its text through a page of its own
    // (poking_mm) that it invalidates twice per patch, 70000 times in a boot.
    static constexpr unsigned kFastJumpPageBits = 16;
    std::array<uint64_t, (1u << kFastJumpPageBits) / 64> fast_jump_pages_{};
    static unsigned fast_jump_page(uint64_t linear) {
        const uint64_t page = linear >> x86::kPageBits;
        return unsigned((page ^ page >> kFastJumpPageBits) & ((1u << kFastJumpPageBits) - 1));
    }
    bool fast_jumps_may_enter(uint64_t linear) const {
        const unsigned i = fast_jump_page(linear);
        return fast_jump_pages_[i / 64] >> (i % 64) & 1;
    }
    // The jump cache's block for `pc` unless INVLPG has dropped its page's mapping since.
    TranslationBlock* cached_jump(uint64_t pc) const;
    uint32_t& page_epoch(uint64_t linear) {
        return page_epoch_[(linear >> x86::kPageBits) & (x86::kTlbSize - 1)];
    }
    // Bumped by INVLPG for a page (and for the one before it, whose blocks may run into it),
    // so its jump-cache entries stop matching without a search of the cache. Pages sharing
    // a counter only lose entries they could have kept.
    uint32_t page_epoch_[x86::kTlbSize] = {};
    // TLB flushes so far: [0] every one, which drops non-global entries, [1] those that drop
    // global ones too. Entries made before one stop matching, so a flush (every CR3 load)
    // need not clear the cache.
    uint32_t tlb_flushes_[2] = {};
    x86::TlbEntry* tlb_base_ = nullptr;
    TlbInfo tlb_info_[x86::kMmuCount][x86::kTlbSize];
    // By MMU index: the entries filled since the last full flush, each at most once per list
    // (tlb_listed_ bit n: in list n). List 1 has those filled with a global page, list 0 the
    // others, so a CR3 load, which keeps global pages, goes through list 0 alone: the
    // kernel's pages are global and would otherwise be walked at every address-space switch.
    std::vector<uint16_t> tlb_used_[x86::kMmuCount][2];
    std::vector<uint8_t> tlb_listed_[x86::kMmuCount];
    // The linear range that 2M/4M/1G pages in the TLB cover: INVLPG inside it flushes all
    // (the TLB holds 4K pieces of them anywhere), outside it just the one page.
    uint64_t large_lo_ = ~0ull, large_hi_ = 0;
    // The memory map the TLB was filled from, read without the machine lock.
    std::shared_ptr<const FlatView> memory_map_;
    const FlatView& memory_map();
    uint64_t data_breakpoints_hit_ = 0;  // DR6 B0-B3 bits of the running instruction

    // Guest PC -> block: what the exec loop and indirect branches look up first.
    static constexpr unsigned kJumpCacheBits = 14;
    JumpEntry jump_cache_[1u << kJumpCacheBits] = {};
    TranslationBlock* current_tb_ = nullptr;
    TranslationBlock* chain_from_ = nullptr;  // the block that just left through goto_tb
    unsigned chain_slot_ = 0;
    std::atomic<uint64_t> seen_generation_{0};  // the block-cache generation at the loop top
    std::unique_ptr<TranslationBlock> one_insn_tb_;
    bool one_insn_next_ = false;
    tcg::Function ir_;
    bool trace_blocks_;   // -d exec or -d cpu (set before any vCPU exists)
    bool single_thread_;  // a copy of shared_.single_thread, read on every block
    bool chaining_;       // JIT blocks jump to each other directly (off with -d nochain)

    sigjmp_buf jump_buf_;
    x86::InterruptEvent pending_event_;
    int delivering_ = -1;  // vector being delivered, for #DF / triple-fault escalation

    bool has_turn_ = false;
    bool halted_ = false;
    bool wait_for_sipi_ = false;
    bool irq_line_ = false;  // the LAPIC had an interrupt at the last poll
    std::atomic<bool> interrupt_pending_{true};
    std::atomic<bool> tlb_flush_request_{false};
    std::mutex code_pages_lock_;
    std::vector<uint64_t> new_code_pages_;  // from request_code_page_protection
    std::atomic<bool> code_pages_pending_{false};
    std::mutex wait_lock_;
    std::condition_variable wake_;
    std::string last_error_;
    int64_t tsc_offset_ = 0;  // guest TSC minus the platform TSC (WRMSR to IA32_TSC)
};

}  // namespace kemu::tcg_accel
