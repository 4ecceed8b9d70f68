#include "tests/unit/tcg/native_runner.h"

#include <signal.h>
#include <ucontext.h>

#include <csetjmp>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace kemu::x86::difftest {

namespace {

// Shared with native_entry.S; the offsets are fixed there.
struct NativeCtx {
    uint64_t gpr[16];
    uint64_t rflags;
    uint64_t host_rsp;
    uint32_t entry_offset;
    uint16_t entry_selector;
    uint16_t pad0;
    uint16_t saved_ds, saved_es;
    uint32_t pad1;
    uint32_t mxcsr;
    uint32_t host_mxcsr;
    uint8_t pad2[24];
    uint8_t ymm[16][32];
    uint64_t mm[8];
};
static_assert(sizeof(NativeCtx) == 768);
static_assert(offsetof(NativeCtx, ymm) == 192 && offsetof(NativeCtx, mm) == 704);

}  // namespace

}  // namespace kemu::x86::difftest

extern "C" {
extern kemu::x86::difftest::NativeCtx kemu_diff_ctx;
void kemu_diff_native_enter();
void kemu_diff_native_exit();
}

namespace kemu::x86::difftest {

namespace {

sigjmp_buf g_jump;
volatile sig_atomic_t g_active = 0;
RunResult g_fault;

// greg index of each GPR in the signal context, in x86 register-number order.
constexpr int kGregOf[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP,
                             REG_RSI, REG_RDI, REG_R8,  REG_R9,  REG_R10, REG_R11,
                             REG_R12, REG_R13, REG_R14, REG_R15};

// The signal frame's XSAVE image (standard format, when the kernel marks it so): XMM and
// MM from the legacy area, the upper YMM halves from the AVX component at byte 576.
void vector_state_of(const ucontext_t* uc, MachineState& out) {
    const auto* fx = reinterpret_cast<const uint8_t*>(uc->uc_mcontext.fpregs);
    if (!fx) return;
    const auto* fp = uc->uc_mcontext.fpregs;
    out.mxcsr = fp->mxcsr;
    for (unsigned i = 0; i < 8; i++)
        std::memcpy(&out.mm[i], fp->_st[i].significand, 8);
    for (unsigned i = 0; i < 16; i++)
        std::memcpy(out.ymm[i].data(), fp->_xmm[i].element, 16);
    constexpr uint32_t kXstateMagic = 0x46505853;  // "FPXS" in the software-reserved bytes
    constexpr size_t kSwReserved = 464, kXstateBv = 512, kYmmHigh = 576;
    uint32_t magic;
    std::memcpy(&magic, fx + kSwReserved, 4);
    uint64_t present = 0;
    if (magic == kXstateMagic) std::memcpy(&present, fx + kXstateBv, 8);
    for (unsigned i = 0; i < 16; i++) {
        if (present & 4)
            std::memcpy(out.ymm[i].data() + 16, fx + kYmmHigh + 16 * i, 16);
        else
            std::memset(out.ymm[i].data() + 16, 0, 16);  // the AVX state is in its init state
    }
}

Fault fault_of(int sig) {
    switch (sig) {
        case SIGFPE:
            return Fault::DivideError;
        case SIGILL:
            return Fault::InvalidOpcode;
        case SIGSEGV:
        case SIGBUS:
            return Fault::MemoryFault;
        default:
            return Fault::Other;
    }
}

void on_signal(int sig, siginfo_t*, void* uc_void) {
    if (!g_active) {
        // Not ours: let the default action happen when the instruction re-executes.
        signal(sig, SIG_DFL);
        return;
    }
    g_active = 0;
    const auto* uc = static_cast<const ucontext_t*>(uc_void);
    for (unsigned i = 0; i < 16; i++)
        g_fault.state.gpr[i] = uint64_t(uc->uc_mcontext.gregs[kGregOf[i]]);
    g_fault.state.rflags = uint64_t(uc->uc_mcontext.gregs[REG_EFL]);
    g_fault.rip = uint64_t(uc->uc_mcontext.gregs[REG_RIP]);
    vector_state_of(uc, g_fault.state);
    g_fault.fault = fault_of(sig);
    siglongjmp(g_jump, 1);
}

// The generated code runs on a stack inside the test arena; the handler gets its own.
void install_handlers() {
    static bool done = false;
    if (done) return;
    done = true;
    static uint8_t alt_stack[64 * 1024];
    stack_t ss{};
    ss.ss_sp = alt_stack;
    ss.ss_size = sizeof alt_stack;
    sigaltstack(&ss, nullptr);
    struct sigaction sa {};
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP})
        sigaction(sig, &sa, nullptr);
}

}  // namespace

uint64_t native_exit_address() {
    return reinterpret_cast<uint64_t>(&kemu_diff_native_exit);
}

RunResult run_native(const MachineState& in, uint64_t entry, bool mode64) {
    install_handlers();
    constexpr uint16_t kUserCode64 = 0x33, kUserCode32 = 0x23;
    for (unsigned i = 0; i < 16; i++)
        kemu_diff_ctx.gpr[i] = in.gpr[i];
    kemu_diff_ctx.rflags = in.rflags;
    kemu_diff_ctx.mxcsr = in.mxcsr;
    std::memcpy(kemu_diff_ctx.ymm, in.ymm.data(), sizeof kemu_diff_ctx.ymm);
    std::memcpy(kemu_diff_ctx.mm, in.mm.data(), sizeof kemu_diff_ctx.mm);
    kemu_diff_ctx.entry_offset = uint32_t(entry);
    kemu_diff_ctx.entry_selector = mode64 ? kUserCode64 : kUserCode32;
    if (sigsetjmp(g_jump, 1)) return g_fault;
    g_active = 1;
    kemu_diff_native_enter();
    g_active = 0;
    RunResult r;
    for (unsigned i = 0; i < 16; i++)
        r.state.gpr[i] = kemu_diff_ctx.gpr[i];
    r.state.rflags = kemu_diff_ctx.rflags;
    r.state.mxcsr = kemu_diff_ctx.mxcsr;
    std::memcpy(r.state.ymm.data(), kemu_diff_ctx.ymm, sizeof kemu_diff_ctx.ymm);
    std::memcpy(r.state.mm.data(), kemu_diff_ctx.mm, sizeof kemu_diff_ctx.mm);
    r.rip = native_exit_address();
    return r;
}

}  // namespace kemu::x86::difftest
