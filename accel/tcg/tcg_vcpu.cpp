#include "accel/tcg/tcg_vcpu.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "hw/intc/lapic.h"
#include "system/hex.h"
#include "system/log.h"
#include "target-x86/cpu_dump.h"
#include "target-x86/disas.h"
#include "target-x86/tcg/cc_op.h"
#include "target-x86/tcg/cpu_mode.h"
#include "target-x86/tcg/exceptions.h"
#include "target-x86/tcg/io_breakpoint.h"
#include "target-x86/tcg/msr.h"
#include "target-x86/tcg/page_walk.h"
#include "target-x86/tcg/x87_host.h"
#include "tcg/optimize.h"
#include "tcg/vfp.h"

namespace kemu::tcg_accel {

using namespace x86;

// PCs less than 2^kJumpCacheBits apart never share an entry: a hot page's blocks (the
// kernel's retpoline and return thunks share one) cannot evict each other.
unsigned TcgVcpu::jump_hash(uint64_t pc) {
    return unsigned((pc ^ (pc >> kJumpCacheBits)) & ((1u << kJumpCacheBits) - 1));
}

// A page's blocks are spread over the whole cache, so INVLPG scans it.
TranslationBlock* TcgVcpu::cached_jump(uint64_t pc) const {
    const JumpEntry& j = jump_cache_[jump_hash(pc)];
    bool current = j.epoch == page_epoch_[(pc >> kPageBits) & (kTlbSize - 1)] &&
                   j.flushes == tlb_flushes_[j.global];
    return current ? j.tb : nullptr;
}

// Reads instruction bytes for the translator without raising: an unmapped page just
// ends the bytes available.
class TcgVcpu::Code final : public CodeReader {
  public:
    Code(TcgVcpu& vcpu, unsigned mmu) : vcpu_(vcpu), mmu_(mmu) {}
    size_t read(uint64_t linear, uint8_t* out, size_t n) override {
        size_t done = 0;
        while (done < n) {
            uint64_t addr = linear + done;
            uint64_t page = addr & kPageMask;
            uint8_t* host = page == cached_page_ ? cached_host_ : probe(page);
            if (!host) break;
            size_t chunk = std::min<size_t>(n - done, kPageSize - (addr & (kPageSize - 1)));
            std::memcpy(out + done, host + (addr - page), chunk);
            done += chunk;
        }
        return done;
    }
    uint64_t pages[2] = {kNoPage, kNoPage};

  private:
    uint8_t* probe(uint64_t page) {
        uint8_t* host = nullptr;
        uint64_t phys = vcpu_.code_phys_page(page, mmu_, &host);
        if (phys == kNoPage) return nullptr;
        // The second linear page is recorded even when it aliases the first physical one:
        // find_block checks that page's mapping before it reuses the block.
        if (first_page_ == kNoPage) {
            first_page_ = page;
            pages[0] = phys;
        } else if (page != first_page_) {
            pages[1] = phys;
        }
        cached_page_ = page;
        cached_host_ = host;
        return host;
    }

    TcgVcpu& vcpu_;
    unsigned mmu_;
    uint64_t first_page_ = kNoPage;
    uint64_t cached_page_ = kNoPage;
    uint8_t* cached_host_ = nullptr;
};

// The physical page instruction fetches from linear `page` reach now, or kNoPage when they
// would fault or reach no RAM or ROM. Never raises.
uint64_t TcgVcpu::code_phys_page(uint64_t page, unsigned mmu, uint8_t** host) {
    X86CpuState& s = env_->s;
    uint64_t phys = page;
    if (s.cr0 & cr0bit::PG) {
        WalkResult r = page_walk(s, *this, page, Access::Execute, mmu == kMmuUser);
        if (!r.ok) return kNoPage;
        phys = r.paddr & kPageMask;
    }
    PageKind kind = classify(phys, host);
    return kind == PageKind::Ram || kind == PageKind::Rom ? phys : kNoPage;
}

// A block whose last instruction runs into the next page was made for that page's mapping
// then; the cache finds it by its first page alone.
bool TcgVcpu::second_page_holds(const TranslationBlock& tb, unsigned mmu) {
    if (!tb.spans_two_pages()) return true;
    uint8_t* host = nullptr;
    return code_phys_page((tb.pc & kPageMask) + kPageSize, mmu, &host) == tb.phys_page1;
}

TcgVcpu::TcgVcpu(unsigned index, const CpuidTable& cpuid, const VcpuContext& context,
                 TcgShared& shared)
    : index_(index),
      cpuid_(cpuid),
      context_(context),
      lapic_(context.lapic),
      shared_(shared),
      env_(std::make_unique<CpuEnv>()),
      ir_(x86_target_info()),
      trace_blocks_(log_enabled(LogItem::Exec) || log_enabled(LogItem::Cpu)),
      single_thread_(shared.single_thread),
      chaining_(!log_enabled(LogItem::Nochain)) {
    env_->runtime = this;
    flush_tlb();
    if (lapic_) lapic_->attach_cpu(this);
    std::lock_guard<std::mutex> g(shared_.vcpus_lock);
    shared_.vcpus.push_back(this);
    shared_.vcpu_count.store(unsigned(shared_.vcpus.size()));
}

TcgVcpu::~TcgVcpu() {
    if (lapic_) lapic_->attach_cpu(nullptr);
    std::lock_guard<std::mutex> g(shared_.vcpus_lock);
    std::erase(shared_.vcpus, this);
    shared_.vcpu_count.store(unsigned(shared_.vcpus.size()));
}

// ------------------------------------------------------------------ state

Result<void> TcgVcpu::get_state(X86CpuState& out) {
    out = env_->s;
    out.rflags = full_rflags(*env_);
    out.mp_state = wait_for_sipi_ ? MpState::WaitForSipi
                   : halted_      ? MpState::Halted
                                  : MpState::Runnable;
    return ok();
}

Result<void> TcgVcpu::put_state(const X86CpuState& in) {
    x87::leave_live(*env_);  // INIT, from within run(): the host FPU gives the state up first
    env_->s = in;
    env_->cc_op = kCcEflags;
    env_->cc_src = in.rflags & kArithFlags;
    env_->interrupt_shadow = 0;
    halted_ = in.mp_state == MpState::Halted;
    wait_for_sipi_ = in.mp_state == MpState::WaitForSipi;
    delivering_ = -1;
    flush_tlb();
    interrupt_pending_ = true;
    return ok();
}

// ------------------------------------------------------------------ waking up

std::unique_lock<std::mutex> TcgVcpu::lock_machine() {
    if (context_.lock_waiters)
        while (context_.lock_waiters->load(std::memory_order_relaxed))
            std::this_thread::yield();
    return std::unique_lock<std::mutex>(context_.machine_lock);
}

void TcgVcpu::kick() {
    env_->exit_request.store(1);
    env_->chain_break.store(1);
    std::lock_guard<std::mutex> g(wait_lock_);
    wake_.notify_all();
}

void TcgVcpu::interrupt_pending_changed() {
    interrupt_pending_.store(true);
    env_->chain_break.store(1);
    std::lock_guard<std::mutex> g(wait_lock_);
    wake_.notify_all();
}

void TcgVcpu::request_tlb_flush() {
    tlb_flush_request_.store(true);
    env_->chain_break.store(1);
}

void TcgVcpu::request_code_page_protection(uint64_t phys_page) {
    {
        std::lock_guard<std::mutex> g(code_pages_lock_);
        new_code_pages_.push_back(phys_page);
    }
    code_pages_pending_.store(true);
    env_->chain_break.store(1);
}

// A spinning guest waits for a lock another vCPU holds. That vCPU's thread may be waiting
// for a host CPU (vCPUs and the main loop can outnumber the host's cores), so the spinner
// gives its CPU up, as pause-loop exiting does under hardware virtualization.
void TcgVcpu::spin_wait_hint() {
    if (shared_.vcpu_count.load(std::memory_order_relaxed) > 1) std::this_thread::yield();
}

bool TcgVcpu::interrupt_waiting() {
    return interrupt_pending_.load(std::memory_order_relaxed) || irq_line_;
}

bool TcgVcpu::should_yield() {
    return env_->exit_request.load(std::memory_order_relaxed) ||
           (interrupt_pending_.load(std::memory_order_relaxed) && (env_->s.rflags & rflag::IF));
}

// ------------------------------------------------------------------ the exec loop

VcpuExit TcgVcpu::run() {
    // The state may have been put from outside: the inline SSE ops need the host's MXCSR
    // flags within the guest's.
    if (env_->fp_unsettled) tcg::settle_host_fp_flags(env_->fp_unsettled, env_->s.fpu.mxcsr);
    tcg::trim_host_fp_flags(env_->s.fpu.mxcsr);
    // Whoever looks at the state next finds the x87 part in FpuState, not in this thread's FPU.
    struct LeaveX87 {
        CpuEnv& e;
        ~LeaveX87() { x87::leave_live(e); }
    } leave_x87{*env_};
    for (;;) {
        Jump why = Jump(sigsetjmp(jump_buf_, 0));
        current_tb_ = nullptr;
        chain_from_ = nullptr;
        take_turn(false);  // a guest exception may have left a block that held the turn
        switch (why) {
            case Jump::None:
                break;
            case Jump::TripleFault:
                delivering_ = -1;
                log_printf(LogItem::Int, "tcg: triple fault on CPU %u\n", index_);
                return VcpuExit::TripleFault;
            case Jump::RetranslateOne:
                one_insn_next_ = true;
                break;
            case Jump::Event:
                deliver_pending_event();
                break;
        }
        VcpuExit exit;
        if (!exec_blocks(exit)) return exit;
    }
}

[[noreturn]] void TcgVcpu::jump_to_loop(Jump why) {
    siglongjmp(jump_buf_, int(why));
}

// While blocks run, the one running now (chained blocks store their own tag as they start).
TranslationBlock* TcgVcpu::running_block() const {
    return current_tb_ ? reinterpret_cast<TranslationBlock*>(env_->block_tag) : nullptr;
}

uint64_t TcgVcpu::current_rip() {
    TranslationBlock* tb = running_block();
    if (tb && env_->insn_index < tb->insn_count) return tb->insn_rip(env_->insn_index);
    return env_->s.rip;
}

void TcgVcpu::raise(uint8_t vector, std::optional<uint32_t> error_code) {
    env_->s.rip = current_rip();
    if (log_enabled(LogItem::Int))
        log_printf(LogItem::Int,
                   "tcg: CPU %u exception %u error 0x%x at %04x:%llx ss %04x cpl %u cr0 %llx\n",
                   index_, vector, error_code.value_or(0), env_->s.seg[CS].selector,
                   (unsigned long long)env_->s.rip, env_->s.seg[SS].selector, cpl(env_->s),
                   (unsigned long long)env_->s.cr0);
    pending_event_ = {vector, EventKind::Exception, error_code, 0};
    if (delivering_ >= 0) {
        switch (combine_exceptions(uint8_t(delivering_), vector)) {
            case Combined::DeliverSecond:
                break;
            case Combined::DoubleFault:
                pending_event_ = {vec::DF, EventKind::Exception, 0, 0};
                break;
            case Combined::TripleFault:
                jump_to_loop(Jump::TripleFault);
        }
    }
    jump_to_loop(Jump::Event);
}

void TcgVcpu::raise_event(const InterruptEvent& event) {
    env_->s.rip = current_rip();
    pending_event_ = event;
    jump_to_loop(Jump::Event);
}

void TcgVcpu::deliver_pending_event() {
    InterruptEvent ev = pending_event_;
    deliver(ev);
}

// Delivery runs outside any block; a fault during it comes back through raise().
void TcgVcpu::deliver(const InterruptEvent& ev) {
    CpuEnv& e = *env_;
    if (log_enabled(LogItem::Int) && ev.kind != EventKind::Exception)
        log_printf(LogItem::Int, "tcg: CPU %u delivers %s vector 0x%x at rip 0x%llx\n", index_,
                   ev.kind == EventKind::External ? "interrupt" : "event", ev.vector,
                   (unsigned long long)e.s.rip);
    e.s.rflags = full_rflags(e);
    e.cc_op = kCcEflags;
    e.cc_src = e.s.rflags & kArithFlags;
    // Only exceptions escalate to #DF; for the rest any benign vector will do.
    delivering_ = ev.kind == EventKind::Exception ? ev.vector : vec::NMI;
    chain_from_ = nullptr;
    TaskSwitchResult r = deliver_interrupt(e.s, *this, ev);
    delivering_ = -1;
    adopt_rflags(e);
    e.interrupt_shadow = 0;
    if (r.cr3_loaded) flush_tlb();
}

bool TcgVcpu::exec_blocks(VcpuExit& exit) {
    CpuEnv& e = *env_;
    for (;;) {
        // Every reason to break a chain is looked at below, so the flag can go first.
        if (e.chain_break.load(std::memory_order_relaxed)) e.chain_break.store(0);
        if (e.exit_request.load(std::memory_order_relaxed) && e.exit_request.exchange(0)) {
            exit = VcpuExit::Interrupted;
            return false;
        }
        if (tlb_flush_request_.load(std::memory_order_relaxed) &&
            tlb_flush_request_.exchange(false))
            flush_tlb();
        if (code_pages_pending_.load(std::memory_order_relaxed) &&
            code_pages_pending_.exchange(false)) {
            std::vector<uint64_t> pages;
            {
                std::lock_guard<std::mutex> g(code_pages_lock_);
                pages.swap(new_code_pages_);
            }
            protect_code_pages(pages);
        }
        // Out of every block: blocks retired by a flush may be freed once all vCPUs got here.
        uint64_t generation = shared_.cache.generation();
        if (generation != seen_generation_.load(std::memory_order_relaxed)) {
            std::fill(std::begin(jump_cache_), std::end(jump_cache_), JumpEntry{});
            forget_fast_jumps();
            chain_from_ = nullptr;
            seen_generation_.store(generation, std::memory_order_release);
        }
        // Most blocks follow one another with nothing to deliver: only look when there may be.
        bool may_deliver = interrupt_pending_.load(std::memory_order_relaxed) || irq_line_ ||
                           halted_ || wait_for_sipi_;
        if (may_deliver && !poll_interrupts(exit)) return false;
        if (halted_ || wait_for_sipi_) continue;

        TranslationBlock* tb;
        if (one_insn_next_) {
            one_insn_next_ = false;
            uint64_t pc = e.s.seg[CS].base + e.s.rip;
            if (!code64(e.s)) pc = uint32_t(pc);
            tb = translate(pc, 0, block_flags(), 1, false);
        } else if (!(tb = chained_successor())) {
            tb = find_block();
        }
        if (chain_from_ && chain_slot_ < 2) chain(*chain_from_, chain_slot_, *tb);
        chain_from_ = nullptr;
        if ((tb->flags & tbflag::kDebugRegs) && instruction_breakpoint(tb->pc)) continue;
        bool resume_flag = e.s.rflags & rflag::RF;
        if (trace_blocks_) log_block_entry(*tb);
        current_tb_ = tb;
        e.block_tag = reinterpret_cast<uintptr_t>(tb);
        e.interrupt_shadow = 0;
        data_breakpoints_hit_ = 0;
        if (single_thread_) take_turn(true);
        tcg::BlockExit how = tb->run(&e);
        if (e.fp_unsettled) tcg::settle_host_fp_flags(e.fp_unsettled, e.s.fpu.mxcsr);
        if (single_thread_) take_turn(false);
        current_tb_ = nullptr;
        // The block that left is the last of the chain that ran, not necessarily `tb`.
        TranslationBlock* last = reinterpret_cast<TranslationBlock*>(e.block_tag);
        // The instruction after an STI has run: interrupts may come now. A MOV SS shadow
        // that instruction opened itself stays.
        if (last->ends_shadow && e.interrupt_shadow == kShadowSti) e.interrupt_shadow = 0;
        if (how != tcg::BlockExit::Exit && last != one_insn_tb_.get() && !last->ends_shadow) {
            chain_from_ = last;
            chain_slot_ = how == tcg::BlockExit::Goto0 ? 0 : how == tcg::BlockExit::Goto1 ? 1 : 2;
        }
        if (tb->flags & tbflag::kOneInsn) after_debug_step(tb, resume_flag);
    }
}

// thread=single: the turn to run guest code. Taken and dropped by hand, not by a guard,
// because a guest exception leaves the block by siglongjmp.
void TcgVcpu::take_turn(bool take) {
    if (!shared_.single_thread || take == has_turn_) return;
    if (take)
        shared_.exec_lock.lock();
    else
        shared_.exec_lock.unlock();
    has_turn_ = take;
}

// -d exec and -d cpu: a line per executed block, and the registers before it.
void TcgVcpu::log_block_entry(const TranslationBlock& tb) {
    bool exec = log_enabled(LogItem::Exec), cpu = log_enabled(LogItem::Cpu);
    if ((!exec && !cpu) || !log_filter_accepts(tb.pc)) return;
    if (exec)
        log_printf(LogItem::Exec, "Trace %u: %p [%016llx/%016llx/%08x]\n", index_,
                   static_cast<const void*>(&tb), (unsigned long long)tb.cs_base,
                   (unsigned long long)tb.pc, tb.flags);
    if (cpu) {
        x87::leave_live(*env_);
        X86CpuState s = env_->s;
        s.rflags = full_rflags(*env_);
        log_printf(LogItem::Cpu, "%s", format_cpu_state(s).c_str());
    }
}

// Patches the goto_tb exit `slot` of `from` to jump straight into `to`, when both are JIT
// code of the same mode on the same guest page (another page may be remapped without any
// block being invalidated), and -d nochain is off. For the same reason a block that runs
// into the next page is only chained to from blocks that run into the same physical page.
void TcgVcpu::chain(TranslationBlock& from, unsigned slot, TranslationBlock& to) {
    if (!chaining_ || !from.jit.compiled() || !to.jit.compiled() || from.chained[slot]) return;
    if ((from.pc & kPageMask) != (to.pc & kPageMask) || from.flags != to.flags) return;
    if (to.spans_two_pages() && !(from.spans_two_pages() && from.phys_page1 == to.phys_page1))
        return;
    std::lock_guard<std::mutex> g(shared_.cache.lock());
    shared_.cache.chain(from, slot, to);
}

// After a direct jump (goto_tb) or an indirect one (goto_ptr) the mode is unchanged: the
// jump cache's block for RIP is the successor if it is still valid and has the same flags.
TranslationBlock* TcgVcpu::chained_successor() {
    if (!chain_from_) return nullptr;
    uint64_t pc = env_->s.seg[CS].base + env_->s.rip;
    if (!(chain_from_->flags & tbflag::kCode64)) pc = uint32_t(pc);
    TranslationBlock* next = cached_jump(pc);
    if (!next || !next->valid.load(std::memory_order_relaxed)) return nullptr;
    if (next->pc != pc || next->flags != chain_from_->flags ||
        next->cs_base != env_->s.seg[CS].base)
        return nullptr;
    return next;
}

// JIT code after goto_ptr: the jump cache's block for the new RIP, entered directly when it
// runs in the same mode and nothing needs the exec loop (an exit request, chain_break, the
// per-block logs, one-instruction blocks). The block it jumps into stores its own tag.
const void* TcgVcpu::goto_ptr_target() {
    CpuEnv& e = *env_;
    const TranslationBlock* from = reinterpret_cast<const TranslationBlock*>(e.block_tag);
    if (!chaining_ || trace_blocks_ || e.chain_break.load(std::memory_order_relaxed) ||
        e.interrupt_shadow || (from->flags & tbflag::kOneInsn))
        return nullptr;
    uint64_t cs_base = e.s.seg[CS].base;
    uint64_t pc = cs_base + e.s.rip;
    if (!(from->flags & tbflag::kCode64)) pc = uint32_t(pc);
    const TranslationBlock* next = cached_jump(pc);
    if (!next || next->pc != pc || next->flags != from->flags || next->cs_base != cs_base ||
        !next->jit.compiled() || !next->valid.load(std::memory_order_relaxed))
        return nullptr;
    const void* code = next->jit.code();
    // What the JIT's own probe takes next time: a block of 64-bit code (whose PC is RIP).
    if ((next->flags & tbflag::kCode64) && cs_base == 0) {
        tcg::FastJump& j = e.fast_jumps[(pc ^ pc >> kFastJumpBits) & ((1u << kFastJumpBits) - 1)];
        j = {pc, e.fast_jump_key | next->flags, code,
             reinterpret_cast<const uint8_t*>(&next->valid)};
        const unsigned page = fast_jump_page(pc);
        fast_jump_pages_[page / 64] |= 1ull << (page % 64);
    }
    return code;
}

// Every fast jump entry made so far stops matching (see CpuEnv::fast_jump_key).
void TcgVcpu::forget_fast_jumps() {
    env_->fast_jump_key += 1ull << 32;
    fast_jump_pages_.fill(0);
}

uint32_t TcgVcpu::block_flags() const {
    return tb_flags(env_->s) | (env_->interrupt_shadow ? tbflag::kShadow : 0);
}

// DR0-3 execute breakpoints (R/W = 00): a fault before the instruction, unless RF is set.
bool TcgVcpu::instruction_breakpoint(uint64_t pc) {
    CpuEnv& e = *env_;
    if (e.s.rflags & rflag::RF) return false;
    uint64_t dr7 = e.s.dr[7];
    uint64_t hits = 0;
    for (unsigned i = 0; i < 4; i++) {
        bool enabled = (dr7 >> (2 * i)) & 3;
        unsigned rw = (dr7 >> (16 + 4 * i)) & 3;
        if (enabled && rw == 0 && e.s.dr[i] == pc) hits |= 1u << i;
    }
    if (!hits) return false;
    e.s.dr[6] = (e.s.dr[6] & ~0xfull) | hits;
    deliver({vec::DB, EventKind::Exception, std::nullopt, 0});
    return true;
}

// After a one-instruction block: the single-step and data-breakpoint traps, and RF, which
// lasts for one completed instruction.
void TcgVcpu::after_debug_step(const TranslationBlock* tb, bool resume_flag) {
    CpuEnv& e = *env_;
    if (halted_) return;
    if (resume_flag && tb->insn_count == 1) e.s.rflags &= ~rflag::RF;
    bool shadowed = e.interrupt_shadow == kShadowMovSs;
    uint64_t dr6 = 0;
    if ((tb->flags & tbflag::kSingleStep) && !shadowed) dr6 |= 1u << 14;  // BS
    if (data_breakpoints_hit_ && !shadowed) dr6 |= data_breakpoints_hit_;
    if (!dr6) return;
    e.s.dr[6] = (e.s.dr[6] & ~0xfull) | dr6;
    deliver({vec::DB, EventKind::Exception, std::nullopt, 0});
}

// Between blocks: INIT/SIPI/NMI and maskable interrupts from the local APIC, and the
// sleep of a halted vCPU (it costs no host CPU until an interrupt or a kick).
bool TcgVcpu::poll_interrupts(VcpuExit& exit) {
    CpuEnv& e = *env_;
    if (!lapic_) return true;
    for (;;) {
        bool interruptible = (e.s.rflags & rflag::IF) && !e.interrupt_shadow;
        bool check = (interrupt_pending_.load(std::memory_order_relaxed) &&
                      interrupt_pending_.exchange(false)) ||
                     (irq_line_ && interruptible);
        if (check) {
            std::optional<InterruptEvent> ev;
            {
                auto g = lock_machine();
                if (lapic_->take_init()) {
                    X86CpuState reset = reset_cpu_state(false);
                    reset.apic_base = e.s.apic_base;
                    (void)put_state(reset);
                    wait_for_sipi_ = true;
                }
                if (auto sipi = lapic_->take_sipi(); sipi && wait_for_sipi_) {
                    wait_for_sipi_ = false;
                    halted_ = false;
                    e.s.seg[CS].selector = uint16_t(*sipi << 8);
                    e.s.seg[CS].base = uint64_t(*sipi) << 12;
                    e.s.rip = 0;
                }
                if (!wait_for_sipi_ && lapic_->take_nmi())
                    ev = InterruptEvent{vec::NMI, EventKind::Nmi, std::nullopt, 0};
                irq_line_ = lapic_->has_interrupt();
                if (!ev && irq_line_ && interruptible && !wait_for_sipi_) {
                    int vector = lapic_->acknowledge_interrupt();
                    irq_line_ = lapic_->has_interrupt();
                    if (vector >= 0)
                        ev = InterruptEvent{uint8_t(vector), EventKind::External, std::nullopt, 0};
                }
            }
            if (ev) {
                halted_ = false;
                deliver(*ev);
            }
        }
        if (!halted_ && !wait_for_sipi_) return true;
        // Asleep: HLT or waiting for SIPI.
        std::unique_lock<std::mutex> lk(wait_lock_);
        wake_.wait_for(lk, std::chrono::milliseconds(100),
                       [&] { return interrupt_pending_.load() || e.exit_request.load(); });
        if (e.exit_request.exchange(0)) {
            exit = VcpuExit::Interrupted;
            return false;
        }
    }
}

TranslationBlock* TcgVcpu::find_block() {
    CpuEnv& e = *env_;
    uint64_t cs_base = e.s.seg[CS].base;
    uint64_t pc = cs_base + e.s.rip;
    if (!code64(e.s)) pc = uint32_t(pc);
    uint32_t flags = block_flags();
    JumpEntry& slot = jump_cache_[jump_hash(pc)];
    TranslationBlock* tb = cached_jump(pc);
    if (tb && tb->pc == pc && tb->cs_base == cs_base && tb->flags == flags &&
        tb->valid.load(std::memory_order_relaxed))
        return tb;
    unsigned mmu = (flags & tbflag::kCplMask) == 3 ? kMmuUser : kMmuSupervisor;
    fill(pc, Access::Execute, mmu);
    const TlbInfo& page = tlb_info_[mmu][(pc >> kPageBits) & (kTlbSize - 1)];
    uint64_t phys_pc = page.phys_page | (pc & (kPageSize - 1));
    const bool global = page.global;
    // An entry a TLB flush made stale still names the right block when pc maps to the same
    // physical address as before: that needs no trip through the shared cache and its lock.
    // Blocks live until a generation ends, which empties the jump cache, so slot.tb is alive.
    tb = slot.tb;
    if (!(tb && tb->phys_pc == phys_pc && tb->pc == pc && tb->cs_base == cs_base &&
          tb->flags == flags && !tb->spans_two_pages() &&
          tb->valid.load(std::memory_order_relaxed))) {
        std::lock_guard<std::mutex> g(shared_.cache.lock());
        tb = shared_.cache.lookup(phys_pc, pc, cs_base, flags);
    }
    if (tb && !second_page_holds(*tb, mmu)) tb = nullptr;
    if (!tb) tb = translate(pc, phys_pc, flags, shared_.max_block_insns, true);
    // A block that runs into a second page depends on that page's mapping too.
    const bool kept_across_cr3 = global && !tb->spans_two_pages();
    slot = {tb, page_epoch(pc), tlb_flushes_[kept_across_cr3], kept_across_cr3};
    return tb;
}

// -d in_asm and -d op: the guest code of a new block and its IR.
void TcgVcpu::log_translation(CodeReader& code, const TranslationBlock& tb,
                              const TranslatedBlock& out) {
    bool in_asm = log_enabled(LogItem::InAsm), op = log_enabled(LogItem::Op);
    if ((!in_asm && !op) || !log_filter_accepts(tb.pc)) return;
    std::string text = "IN: \n";
    if (in_asm) {
        std::vector<uint8_t> bytes(out.last_byte + 1 - tb.pc);
        bytes.resize(code.read(tb.pc, bytes.data(), bytes.size()));
        unsigned bits = (tb.flags & tbflag::kCode64) ? 64 : (tb.flags & tbflag::kCode32) ? 32 : 16;
        for (const DisasLine& l : disassemble(bytes, tb.pc, bits, bytes.size()))
            text += "0x" + hex(l.address) + ":  " + l.text + "\n";
    }
    if (op) text += "OP:\n" + tcg::format_function(ir_);
    log_printf(in_asm ? LogItem::InAsm : LogItem::Op, "%s\n", text.c_str());
}

TranslationBlock* TcgVcpu::translate(uint64_t pc, uint64_t phys_pc, uint32_t flags,
                                     unsigned max_insns, bool cache_it) {
    CpuEnv& e = *env_;
    using Clock = std::chrono::steady_clock;
    auto elapsed_ns = [](Clock::time_point since) {
        return uint64_t(
            std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - since).count());
    };
    const auto start = Clock::now();
    unsigned mmu = (flags & tbflag::kCplMask) == 3 ? kMmuUser : kMmuSupervisor;
    Code code(*this, mmu);
    TranslatedBlock out;
    translate_block(ir_, {e.s.seg[CS].base, e.s.rip, flags, max_insns}, code, out);
    if (out.fetch_fault) {
        // The bytes straddle into a page that cannot be fetched: take the fault the CPU would.
        fill((pc + 15) & kPageMask, Access::Execute, mmu);
        raise(vec::PF, 0);
    }
    auto tb = TranslationBlock::make(out.insn_rip);
    tb->pc = pc;
    tb->cs_base = e.s.seg[CS].base;
    tb->flags = flags;
    tb->phys_pc = phys_pc;
    log_translation(code, *tb, out);
    const uint64_t frontend_ns = elapsed_ns(start);
    const auto optimize_start = Clock::now();
    tcg::optimize(ir_);
    if (log_enabled(LogItem::OpOpt) && log_filter_accepts(tb->pc))
        log_printf(LogItem::OpOpt, "OP after optimization:\n%s\n",
                   tcg::format_function(ir_).c_str());
    // The interpreter's form, made only for blocks the JIT does not run.
    auto interpret = [&] {
        tb->code = std::make_unique<tcg::InterpCode>();
        if (tb->code->compile(ir_)) return;
        last_error_ = "translated block needs more temporaries than the interpreter has\n";
        raise(vec::UD, std::nullopt);
    };
    const uint64_t optimize_ns = elapsed_ns(optimize_start);
    const auto interpret_start = Clock::now();
    if (!cache_it) interpret();
    const uint64_t interpret_ns = cache_it ? 0 : elapsed_ns(interpret_start);
    tb->ends_shadow = out.ends_shadow;
    tb->phys_page1 = code.pages[1];
    tb->size = uint16_t(out.last_byte + 1 - pc);
    uint64_t generation;
    bool jit = false;
    {
        std::lock_guard<std::mutex> g(shared_.cache.lock());
        TbStats& st = shared_.cache.stats();
        st.translations++;
        st.guest_insns += tb->insn_count;
        st.ir_ops += ir_.ops().size();
        st.frontend_ns += frontend_ns;
        st.optimize_ns += optimize_ns;
        st.backend_ns += interpret_ns;
        if (!cache_it) {
            one_insn_tb_ = std::move(tb);
            return one_insn_tb_.get();
        }
        if (shared_.cache.over_limit() || (shared_.code && shared_.code->full())) flush_blocks();
        if (shared_.code_reset_pending) reclaim_blocks();
        // Blocks translated while old code may still run (a reset is pending) stay on the
        // interpreter.
        jit = shared_.code && !shared_.code_reset_pending;
        generation = shared_.cache.generation();
    }
    // The JIT compiles without the cache lock, so the other vCPUs keep finding blocks
    // meanwhile. Only a flush resets the code buffer, and a flush moves the generation:
    // if one came in between, this block's code may be gone, so it is made again.
    const auto backend_start = Clock::now();
    bool jitted = jit && compile_host_code(*tb);
    if (!jitted) interpret();
    const uint64_t backend_ns = elapsed_ns(backend_start);
    std::unique_lock<std::mutex> g(shared_.cache.lock());
    shared_.cache.stats().backend_ns += backend_ns;
    if (jitted && shared_.cache.generation() != generation) {
        g.unlock();
        return translate(pc, phys_pc, flags, max_insns, cache_it);
    }
    // Another vCPU may have made the same block meanwhile (rare: checked once, here).
    TranslationBlock* raced = shared_.cache.lookup(phys_pc, pc, tb->cs_base, flags);
    if (raced && raced->spans_two_pages() == tb->spans_two_pages() &&
        raced->phys_page1 == tb->phys_page1)
        return raced;
    for (uint64_t page : tb->phys_pages())
        if (page != kNoPage && !shared_.cache.is_code_page(page)) mark_code_page(page);
    return shared_.cache.insert(std::move(tb));
}

// The cache lock is held. Retires every block and frees what no vCPU can be running.
void TcgVcpu::flush_blocks() {
    shared_.cache.flush();
    {
        // vCPUs looping in chained (now retired) blocks must come out to see the new generation.
        std::lock_guard<std::mutex> g(shared_.vcpus_lock);
        for (TcgVcpu* v : shared_.vcpus)
            v->env_->chain_break.store(1);
    }
    if (shared_.code) shared_.code_reset_pending = true;
    reclaim_blocks();
}

// The cache lock is held. Frees retired blocks no vCPU can be in; once none is left, the
// JIT's code memory can start over.
void TcgVcpu::reclaim_blocks() {
    uint64_t oldest = UINT64_MAX;
    {
        std::lock_guard<std::mutex> g(shared_.vcpus_lock);
        for (TcgVcpu* v : shared_.vcpus)
            oldest = std::min(oldest, v->seen_generation_.load(std::memory_order_acquire));
    }
    shared_.cache.reclaim(oldest);
    if (shared_.code_reset_pending && !shared_.cache.has_retired()) {
        std::lock_guard g(shared_.code_lock);
        shared_.code->reset();
        shared_.code_reset_pending = false;
    }
}

// Host code for `tb`, under the code lock alone: one writer in the buffer at a time, and a
// reset waits for it. False without room, or for IR the backend cannot compile: the block
// then runs on the interpreter.
bool TcgVcpu::compile_host_code(TranslationBlock& tb) {
    std::lock_guard g(shared_.code_lock);
    if (shared_.code->full()) return false;
    if (!shared_.backend.compile(ir_, *shared_.code, tb.jit, reinterpret_cast<uintptr_t>(&tb))) {
        tb.jit = {};
        return false;
    }
    if (shared_.perfmap) {
        std::fprintf(shared_.perfmap.get(), "%llx %x guest_%llx\n",
                     (unsigned long long)reinterpret_cast<uintptr_t>(tb.jit.code()),
                     tb.jit.code_size, (unsigned long long)tb.pc);
        std::fflush(shared_.perfmap.get());
    }
    if (log_enabled(LogItem::OutAsm) && log_filter_accepts(tb.pc)) {
        std::span<const uint8_t> host(tb.jit.code(), tb.jit.code_size);
        std::string text = "OUT: [size=" + std::to_string(tb.jit.code_size) + "]\n";
        for (const DisasLine& l :
             disassemble(host, reinterpret_cast<uintptr_t>(tb.jit.code()), 64, host.size()))
            text += "  0x" + hex(l.address) + ":  " + l.text + "\n";
        log_printf(LogItem::OutAsm, "%s\n", text.c_str());
    }
    return true;
}

// A page now holds code: no vCPU may write it through a direct TLB mapping any more. The
// others mark their entries for it at their next block, as a full TLB flush did before
// without emptying their TLBs and jump caches.
void TcgVcpu::mark_code_page(uint64_t phys_page) {
    protect_code_pages({&phys_page, 1});
    std::lock_guard<std::mutex> g(shared_.vcpus_lock);
    for (TcgVcpu* v : shared_.vcpus)
        if (v != this) v->request_code_page_protection(phys_page);
}

void TcgVcpu::protect_code_pages(std::span<const uint64_t> phys_pages) {
    for_each_used_tlb_entry([&](TlbEntry& ent, const TlbInfo& info) {
        if (ent.addr_write == kTlbInvalid) return;
        if (std::find(phys_pages.begin(), phys_pages.end(), info.phys_page) != phys_pages.end())
            ent.addr_write |= kTlbNotDirty;
    });
}

// A write reached a page with translated code: drop the blocks made from the bytes it
// wrote. If the block running now is among them and the writing instruction is not its
// last, the instruction is re-run alone from its start, so nothing after it executes stale
// code. Once no block is left on the page, writes to it take the fast path again.
void TcgVcpu::code_write(uint64_t phys_addr, unsigned size) {
    const uint64_t phys_page = phys_addr & kPageMask;
    bool restart = false, code_left = false;
    {
        std::lock_guard<std::mutex> g(shared_.cache.lock());
        if (!shared_.cache.is_code_page(phys_page)) return;
        TranslationBlock* running = running_block();
        restart = running && running != one_insn_tb_.get() && running->covers(phys_addr, size) &&
                  env_->insn_index + 1 < running->insn_count;
        shared_.cache.invalidate_range(phys_page, phys_addr, size);
        code_left = shared_.cache.is_code_page(phys_page);
    }
    if (!code_left)
        for_each_used_tlb_entry([&](TlbEntry& ent, const TlbInfo& info) {
            if (info.phys_page == phys_page && ent.addr_write != kTlbInvalid)
                ent.addr_write &= ~kTlbNotDirty;
        });
    if (restart) {
        env_->s.rip = current_rip();
        jump_to_loop(Jump::RetranslateOne);
    }
}

// ------------------------------------------------------------------ devices

// An I/O breakpoint traps after the instruction, as a data breakpoint does: DR7 enables
// make every block one instruction long and after_debug_step() raises the #DB.
uint64_t TcgVcpu::io_in(uint16_t port, unsigned size) {
    data_breakpoints_hit_ |= io_breakpoint_hits(env_->s, port, size);
    uint64_t v = 0;
    auto g = lock_machine();
    (void)context_.io.read(port, size, &v);
    return v;
}

// The I/O breakpoint check and the machine lock once for the whole run.
void TcgVcpu::io_in_string(uint16_t port, unsigned size, uint8_t* first, size_t count, bool down) {
    data_breakpoints_hit_ |= io_breakpoint_hits(env_->s, port, size);
    auto g = lock_machine();
    for (size_t k = 0; k < count; k++) {
        uint64_t v = 0;
        (void)context_.io.read(port, size, &v);
        std::memcpy(first + (down ? -1 : 1) * ptrdiff_t(k * size), &v, size);
    }
}

void TcgVcpu::io_out_string(uint16_t port, unsigned size, const uint8_t* first, size_t count,
                            bool down) {
    data_breakpoints_hit_ |= io_breakpoint_hits(env_->s, port, size);
    auto g = lock_machine();
    for (size_t k = 0; k < count; k++) {
        uint64_t v = 0;
        std::memcpy(&v, first + (down ? -1 : 1) * ptrdiff_t(k * size), size);
        (void)context_.io.write(port, size, v);
    }
}

void TcgVcpu::io_out(uint16_t port, uint64_t value, unsigned size) {
    data_breakpoints_hit_ |= io_breakpoint_hits(env_->s, port, size);
    auto g = lock_machine();
    (void)context_.io.write(port, size, value);
}

// The TSC needs no machine lock: the clock changes only while every vCPU is stopped, and
// the offset belongs to this vCPU. Linux reads it constantly once it is the clocksource.
uint64_t TcgVcpu::read_tsc() {
    return (lapic_ ? lapic_->tsc_now() : 0) + uint64_t(tsc_offset_);
}

void TcgVcpu::write_tsc(uint64_t value) {
    tsc_offset_ = int64_t(value - (lapic_ ? lapic_->tsc_now() : 0));
}

// IA32_TSC_DEADLINE is a value of the TSC this vCPU reads, which carries its offset (a guest
// write to the TSC or TSC_ADJUST); the LAPIC counts the shared TSC. 0 stays "disarmed", and a
// deadline already behind the shared TSC becomes 1, which fires at once.
std::optional<uint64_t> TcgVcpu::read_apic_msr(uint32_t msr) {
    if (!lapic_) return std::nullopt;
    auto g = lock_machine();
    std::optional<uint64_t> v = lapic_->read_msr(msr);
    if (v && *v && msr == x86::msr::TSC_DEADLINE) *v += uint64_t(tsc_offset_);
    return v;
}

bool TcgVcpu::write_apic_msr(uint32_t msr, uint64_t value) {
    if (!lapic_) return false;
    if (msr == x86::msr::TSC_DEADLINE && value) {
        const __int128 shared = (__int128)value - tsc_offset_;
        value = shared < 1 ? 1 : shared > (__int128)UINT64_MAX ? UINT64_MAX : uint64_t(shared);
    }
    bool ok;
    {
        auto g = lock_machine();
        ok = lapic_->write_msr(msr, value);
        if (ok && msr == 0x1b) env_->s.apic_base = lapic_->apic_base();
    }
    flush_tlb();  // the APIC page may have moved or been switched off
    return ok;
}

uint64_t TcgVcpu::read_tpr() {
    if (!lapic_) return 0;
    auto g = lock_machine();
    return (lapic_->mmio_read(0x80, 4) >> 4) & 0xf;
}

void TcgVcpu::write_tpr(uint64_t cr8) {
    if (!lapic_) return;
    auto g = lock_machine();
    lapic_->mmio_write(0x80, (cr8 & 0xf) << 4, 4);
    interrupt_pending_ = true;
}

}  // namespace kemu::tcg_accel
