#include "tests/unit/tcg/guest_runner.h"

#include "tcg/optimize.h"
#include "tcg/vfp.h"

#include <cstring>

#include "target-x86/tcg/cpu_mode.h"
#include "target-x86/tcg/exceptions.h"
#include "tests/unit/tcg/arena.h"

namespace kemu::x86::difftest {

namespace {

class ArenaCode final : public CodeReader {
  public:
    size_t read(uint64_t linear, uint8_t* out, size_t n) override {
        if (!Arena::contains(linear, 1, Arena::kCodeAddr, Arena::kCodeSize)) return 0;
        size_t avail = Arena::kCodeAddr + Arena::kCodeSize - linear;
        size_t got = n < avail ? n : avail;
        std::memcpy(out, reinterpret_cast<const void*>(linear), got);
        return got;
    }
};

// Flat 64-bit long mode at CPL 0.
void enter_long_mode(X86CpuState& s) {
    s.cr0 = cr0bit::PE | cr0bit::ET | cr0bit::NE | cr0bit::PG;
    s.cr4 = cr4bit::PAE;
    s.efer = eferbit::LME | eferbit::LMA;
    for (Segment& seg : s.seg) {
        seg = Segment{};
        seg.limit = 0xffffffff;
        seg.type = 3;
        seg.db = true;
        seg.g = true;
    }
    s.seg[CS].type = 0xb;
    s.seg[CS].l = true;
    s.seg[CS].db = false;
}

// Flat 32-bit protected mode at CPL 0.
void enter_protected32(X86CpuState& s) {
    s.cr0 = cr0bit::PE | cr0bit::ET | cr0bit::NE;
    for (Segment& seg : s.seg) {
        seg = Segment{};
        seg.limit = 0xffffffff;
        seg.type = 3;
        seg.db = true;
        seg.g = true;
    }
    s.seg[CS].type = 0xb;
}

Fault fault_of(uint8_t vector) {
    switch (vector) {
        case vec::DE:
            return Fault::DivideError;
        case vec::UD:
            return Fault::InvalidOpcode;
        case vec::SS:
        case vec::GP:
        case vec::PF:
        case vec::AC:
            return Fault::MemoryFault;
        default:
            return Fault::Other;
    }
}

// SSE and AVX usable, as under an OS that saves them (Linux: CR4.OSFXSR|OSXMMEXCPT|OSXSAVE,
// XCR0 = x87|SSE|AVX), and the vector registers as the native run loads them: MMX writes
// TOP = 0 and every tag valid, so MMi is R(i) = ST(i).
void load_vector_state(X86CpuState& s, const MachineState& in) {
    s.cr4 |= cr4bit::OSFXSR | cr4bit::OSXMMEXCPT | cr4bit::OSXSAVE;
    s.fpu.xcr0 = 7;
    s.fpu.mxcsr = in.mxcsr;
    s.fpu.ymm = in.ymm;
    s.fpu.fsw = 0;
    s.fpu.ftw = 0xff;
    for (unsigned i = 0; i < 8; i++) {
        std::memcpy(s.fpu.st[i].data(), &in.mm[i], 8);
        s.fpu.st[i][8] = s.fpu.st[i][9] = 0xff;
    }
}

// MMi after the run: R(i), which is ST((i - TOP) mod 8).
void store_vector_state(const X86CpuState& s, MachineState& out) {
    out.mxcsr = s.fpu.mxcsr;
    out.ymm = s.fpu.ymm;
    const unsigned top = (s.fpu.fsw >> 11) & 7;
    for (unsigned i = 0; i < 8; i++)
        std::memcpy(&out.mm[i], s.fpu.st[(i - top) & 7].data(), 8);
}

constexpr unsigned kMaxBlocks = 64;

}  // namespace

GuestRunner::GuestRunner(Backend backend) : ir_(x86_target_info()), backend_(backend) {
    if (backend_ == Backend::Jit) {
        auto buffer = tcg::CodeBuffer::create(64 << 20);
        if (buffer) buffer_.emplace(std::move(*buffer));
    }
}

void GuestRunner::run_blocks(uint64_t stop_rip) {
    CpuEnv& env = rt_.env();
    ArenaCode reader;
    for (unsigned n = 0; n < kMaxBlocks && env.s.rip != stop_rip; n++) {
        if (!Arena::contains(env.s.rip, 1, Arena::kCodeAddr, Arena::kCodeSize)) break;
        translate_block(ir_, {0, env.s.rip, tb_flags(env.s), 512}, reader, block_);
        tcg::optimize(ir_);
        ir_log_ += tcg::format_function(ir_);
        if (block_.fetch_fault || !code_.compile(ir_)) break;
        bool jit = false;
        if (backend_ == Backend::Jit && buffer_) {
            if (buffer_->full()) buffer_->reset();  // no block of an earlier run is kept
            jit = jit_.compile(ir_, *buffer_, compiled_);
            jit_blocks_ += jit;
        }
        rt_.block = &block_;
        env.interrupt_shadow = 0;
        // As TcgVcpu::run: the native run before left its flags in the host's MXCSR.
        tcg::trim_host_fp_flags(env.s.fpu.mxcsr);
        if (jit)
            compiled_.run(&env);
        else
            code_.run(&env);
        // As TcgVcpu::run: flags the block's inline SIMD ops left in the host's MXCSR.
        if (env.fp_unsettled) tcg::settle_host_fp_flags(env.fp_unsettled, env.s.fpu.mxcsr);
        rt_.block = nullptr;
    }
    wandered_ = env.s.rip != stop_rip;
}

RunResult GuestRunner::run(const MachineState& in, uint64_t entry, uint64_t stop_rip, bool mode64) {
    CpuEnv& env = rt_.env();
    env.s = X86CpuState{};
    if (mode64)
        enter_long_mode(env.s);
    else
        enter_protected32(env.s);
    for (unsigned i = 0; i < 16; i++)
        env.s.regs[i] = in.gpr[i];
    env.s.rflags = in.rflags;
    env.s.rip = entry;
    load_vector_state(env.s, in);
    if (prepare) prepare(env.s);
    env.cc_op = kCcEflags;
    env.cc_src = in.rflags & kArithFlags;
    env.cc_dst = env.cc_src2 = 0;
    rt_.raised.reset();
    rt_.block = nullptr;
    ir_log_.clear();
    wandered_ = false;
    if (sigsetjmp(rt_.jump, 0) == 0) run_blocks(stop_rip);

    RunResult r;
    for (unsigned i = 0; i < 16; i++)
        r.state.gpr[i] = env.s.regs[i];
    r.state.rflags = full_rflags(env);
    store_vector_state(env.s, r.state);
    r.rip = env.s.rip;
    if (rt_.raised)
        r.fault = fault_of(*rt_.raised);
    else if (wandered_)
        r.fault = Fault::Other;
    return r;
}

}  // namespace kemu::x86::difftest
