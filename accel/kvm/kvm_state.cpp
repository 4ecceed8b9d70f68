#include "accel/kvm/kvm_state.h"

#include <cstring>

namespace kemu {

namespace {

Segment segment_from_kvm(const kvm_segment& k) {
    Segment s;
    s.selector = k.selector;
    s.base = k.base;
    s.limit = k.limit;
    s.type = k.type;
    s.s = k.s;
    s.dpl = k.dpl;
    s.present = k.present;
    s.avl = k.avl;
    s.l = k.l;
    s.db = k.db;
    s.g = k.g;
    s.unusable = k.unusable;
    return s;
}

kvm_segment segment_to_kvm(const Segment& s) {
    kvm_segment k{};
    k.selector = s.selector;
    k.base = s.base;
    k.limit = s.limit;
    k.type = s.type;
    k.s = s.s;
    k.dpl = s.dpl;
    k.present = s.present;
    k.avl = s.avl;
    k.l = s.l;
    k.db = s.db;
    k.g = s.g;
    k.unusable = s.unusable;
    return k;
}

// kvm_regs orders GPRs rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp, r8..r15; ours follow the encoding.
constexpr Gpr kKvmRegOrder[16] = {RAX, RBX, RCX, RDX, RSI, RDI, RSP, RBP,
                                  R8,  R9,  R10, R11, R12, R13, R14, R15};

void put32(uint8_t* regs, unsigned offset, uint32_t v) {
    std::memcpy(regs + offset, &v, 4);
}

}  // namespace

const MsrSlot kStateMsrs[10] = {
    {0x10, &MsrState::tsc},
    {0x174, &MsrState::sysenter_cs},
    {0x175, &MsrState::sysenter_esp},
    {0x176, &MsrState::sysenter_eip},
    {0xc0000081, &MsrState::star},
    {0xc0000082, &MsrState::lstar},
    {0xc0000083, &MsrState::cstar},
    {0xc0000084, &MsrState::fmask},
    {0xc0000102, &MsrState::kernel_gs_base},
    {0x277, &MsrState::pat},
};

void regs_from_kvm(const kvm_regs& k, X86CpuState& s) {
    const __u64* src = &k.rax;
    for (unsigned i = 0; i < 16; i++)
        s.regs[kKvmRegOrder[i]] = src[i];
    s.rip = k.rip;
    s.rflags = k.rflags;
}

kvm_regs regs_to_kvm(const X86CpuState& s) {
    kvm_regs k{};
    __u64* dst = &k.rax;
    for (unsigned i = 0; i < 16; i++)
        dst[i] = s.regs[kKvmRegOrder[i]];
    k.rip = s.rip;
    k.rflags = s.rflags;
    return k;
}

void sregs_from_kvm(const kvm_sregs& k, X86CpuState& s) {
    const kvm_segment* segs[SEG_COUNT] = {&k.es, &k.cs, &k.ss, &k.ds, &k.fs, &k.gs};
    for (unsigned i = 0; i < SEG_COUNT; i++)
        s.seg[i] = segment_from_kvm(*segs[i]);
    s.ldt = segment_from_kvm(k.ldt);
    s.tr = segment_from_kvm(k.tr);
    s.gdt = {k.gdt.base, k.gdt.limit};
    s.idt = {k.idt.base, k.idt.limit};
    s.cr0 = k.cr0;
    s.cr2 = k.cr2;
    s.cr3 = k.cr3;
    s.cr4 = k.cr4;
    s.cr8 = k.cr8;
    s.efer = k.efer;
    s.apic_base = k.apic_base;
}

kvm_sregs sregs_to_kvm(const X86CpuState& s, const kvm_sregs& current) {
    kvm_sregs k = current;
    kvm_segment* segs[SEG_COUNT] = {&k.es, &k.cs, &k.ss, &k.ds, &k.fs, &k.gs};
    for (unsigned i = 0; i < SEG_COUNT; i++)
        *segs[i] = segment_to_kvm(s.seg[i]);
    k.ldt = segment_to_kvm(s.ldt);
    k.tr = segment_to_kvm(s.tr);
    k.gdt.base = s.gdt.base;
    k.gdt.limit = s.gdt.limit;
    k.idt.base = s.idt.base;
    k.idt.limit = s.idt.limit;
    k.cr0 = s.cr0;
    k.cr2 = s.cr2;
    k.cr3 = s.cr3;
    k.cr4 = s.cr4;
    k.cr8 = s.cr8;
    k.efer = s.efer;
    k.apic_base = s.apic_base;
    return k;
}

void fpu_from_kvm(const kvm_fpu& k, X86CpuState& s) {
    for (unsigned i = 0; i < 8; i++)
        std::memcpy(s.fpu.st[i].data(), k.fpr[i], 16);
    s.fpu.fcw = k.fcw;
    s.fpu.fsw = k.fsw;
    s.fpu.ftw = k.ftwx;
    s.fpu.fop = k.last_opcode;
    s.fpu.fip = k.last_ip;
    s.fpu.fdp = k.last_dp;
    for (unsigned i = 0; i < 16; i++)
        std::memcpy(s.fpu.ymm[i].data(), k.xmm[i], 16);
    s.fpu.mxcsr = k.mxcsr;
}

kvm_fpu fpu_to_kvm(const X86CpuState& s) {
    kvm_fpu k{};
    for (unsigned i = 0; i < 8; i++)
        std::memcpy(k.fpr[i], s.fpu.st[i].data(), 16);
    k.fcw = s.fpu.fcw;
    k.fsw = s.fpu.fsw;
    k.ftwx = s.fpu.ftw;
    k.last_opcode = s.fpu.fop;
    k.last_ip = s.fpu.fip;
    k.last_dp = s.fpu.fdp;
    for (unsigned i = 0; i < 16; i++)
        std::memcpy(k.xmm[i], s.fpu.ymm[i].data(), 16);
    k.mxcsr = s.fpu.mxcsr;
    return k;
}

void reset_lapic_page(uint8_t (&regs)[1024], uint32_t apic_id, bool is_bsp) {
    uint32_t version;
    std::memcpy(&version, regs + 0x30, 4);  // keep the version KVM reports
    std::memset(regs, 0, 1024);
    put32(regs, 0x20, apic_id << 24);
    put32(regs, 0x30, version);
    put32(regs, 0xe0, 0xffffffff);  // DFR: flat model
    put32(regs, 0xf0, 0xff);        // SVR: spurious vector 0xff, APIC software-disabled
    for (unsigned lvt = 0x320; lvt <= 0x370; lvt += 0x10)
        put32(regs, lvt, 0x10000);  // masked
    put32(regs, 0x2f0, 0x10000);    // LVT CMCI
    // The BSP's LINT0 takes the PIC's ExtINT so real-mode software sees PIC interrupts.
    if (is_bsp) put32(regs, 0x350, 0x700);
}

}  // namespace kemu
