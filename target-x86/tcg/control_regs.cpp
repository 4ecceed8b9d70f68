#include "target-x86/tcg/control_regs.h"

#include "target-x86/tcg/cpu_mode.h"
#include "target-x86/tcg/exceptions.h"
#include "target-x86/tcg/page_walk.h"

namespace kemu::x86 {
namespace {

[[noreturn]] void gp0(SysContext& ctx) {
    raise_exception(ctx, vec::GP, 0);
}

// CR0 bits that change how instructions are translated or which fault they raise.
constexpr uint64_t kCr0ModeBits =
    cr0bit::PE | cr0bit::PG | cr0bit::MP | cr0bit::EM | cr0bit::TS | cr0bit::AM | cr0bit::NE;
// CR0 bits software can set; the reserved ones are ignored on write, ET is fixed to 1.
constexpr uint64_t kCr0Writable = cr0bit::PE | cr0bit::MP | cr0bit::EM | cr0bit::TS | cr0bit::NE |
                                  cr0bit::WP | cr0bit::AM | cr0bit::NW | cr0bit::CD | cr0bit::PG;
// CR4 bits whose change invalidates cached translations.
constexpr uint64_t kCr4PagingBits = cr4bit::PGE | cr4bit::PAE | cr4bit::PSE | cr4bit::PCIDE |
                                    cr4bit::SMEP | cr4bit::SMAP | cr4bit::LA57;
constexpr uint64_t kXcr0Supported = 0x7;  // x87, SSE, AVX
constexpr uint64_t kPdpteReserved =
    0x1e6 | (((1ull << 52) - 1) & ~((1ull << kPhysAddrBits) - 1)) | (1ull << 63);

// MOV to CR3 (or to CR0/CR4 enabling PAE paging) loads the four PDPTEs and faults on a
// present entry with reserved bits (SDM vol. 3 4.4.1).
void check_pae_pdptes(const X86CpuState& s, SysContext& ctx, uint64_t cr3) {
    bool pae_paging = (s.cr0 & cr0bit::PG) && (s.cr4 & cr4bit::PAE) && !long_mode(s);
    if (!pae_paging) return;
    uint64_t base = cr3 & 0xffffffe0;
    for (unsigned i = 0; i < 4; i++) {
        uint64_t e = ctx.phys_read(base + 8 * i, 8);
        if ((e & 1) && (e & kPdpteReserved)) gp0(ctx);
    }
}

}  // namespace

const uint64_t kSupportedCr4 = cr4bit::VME | cr4bit::PVI | cr4bit::TSD | cr4bit::DE | cr4bit::PSE |
                               cr4bit::PAE | cr4bit::MCE | cr4bit::PGE | cr4bit::PCE |
                               cr4bit::OSFXSR | cr4bit::OSXMMEXCPT | cr4bit::FSGSBASE |
                               cr4bit::PCIDE | cr4bit::OSXSAVE | cr4bit::SMEP | cr4bit::SMAP;

CrWriteEffect write_cr0(X86CpuState& s, SysContext& ctx, uint64_t value) {
    if (value >> 32) gp0(ctx);
    uint64_t v = (value & kCr0Writable) | cr0bit::ET;
    if ((v & cr0bit::PG) && !(v & cr0bit::PE)) gp0(ctx);
    if ((v & cr0bit::NW) && !(v & cr0bit::CD)) gp0(ctx);
    bool paging_on = !(s.cr0 & cr0bit::PG) && (v & cr0bit::PG);
    bool paging_off = (s.cr0 & cr0bit::PG) && !(v & cr0bit::PG);
    uint64_t efer = s.efer;
    if (paging_on && (efer & eferbit::LME)) {
        // Activating IA-32e mode needs PAE and a CS that is not already 64-bit.
        if (!(s.cr4 & cr4bit::PAE) || s.seg[CS].l) gp0(ctx);
        efer |= eferbit::LMA;
    }
    if (paging_off && long_mode(s)) {
        if (code64(s)) gp0(ctx);
        efer &= ~eferbit::LMA;
    }
    if (paging_off && (s.cr4 & cr4bit::PCIDE)) gp0(ctx);
    X86CpuState next = s;
    next.cr0 = v;
    next.efer = efer;
    if (paging_on) check_pae_pdptes(next, ctx, next.cr3);

    uint64_t changed = s.cr0 ^ v;
    s.cr0 = v;
    s.efer = efer;
    CrWriteEffect e;
    if (changed & (cr0bit::PG | cr0bit::PE | cr0bit::WP)) e.flush_tlb = e.flush_global = true;
    if (changed & kCr0ModeBits) e.end_block = true;
    return e;
}

CrWriteEffect write_cr3(X86CpuState& s, SysContext& ctx, uint64_t value) {
    CrWriteEffect e;
    e.flush_tlb = true;
    if (long_mode(s)) {
        // With CR4.PCIDE, bit 63 lets the CPU keep the new PCID's cached translations. kemu's
        // TLB is not tagged by PCID: what it holds belongs to the old CR3, so it flushes anyway
        // (flushing more than the SDM requires is always allowed).
        value &= ~(1ull << 63);
        if (value >> kPhysAddrBits) gp0(ctx);
    } else {
        value &= 0xffffffff;
        check_pae_pdptes(s, ctx, value);
    }
    s.cr3 = value;
    return e;
}

CrWriteEffect write_cr4(X86CpuState& s, SysContext& ctx, uint64_t value) {
    if (value & ~kSupportedCr4) gp0(ctx);
    uint64_t changed = s.cr4 ^ value;
    if (long_mode(s) && !(value & cr4bit::PAE)) gp0(ctx);
    if (long_mode(s) && (changed & cr4bit::LA57)) gp0(ctx);
    if ((changed & value & cr4bit::PCIDE) && (!long_mode(s) || (s.cr3 & 0xfff))) gp0(ctx);
    X86CpuState next = s;
    next.cr4 = value;
    if (changed & (cr4bit::PAE | cr4bit::PSE | cr4bit::PGE | cr4bit::SMEP))
        check_pae_pdptes(next, ctx, next.cr3);

    s.cr4 = value;
    CrWriteEffect e;
    if (changed & kCr4PagingBits) e.flush_tlb = e.flush_global = true;
    if (changed & ~cr4bit::PGE) e.end_block = true;
    return e;
}

CrWriteEffect write_cr8(X86CpuState& s, SysContext& ctx, uint64_t value) {
    if (value >> 4) gp0(ctx);
    s.cr8 = value;
    CrWriteEffect e;
    e.end_block = true;  // a lower TPR may unmask a pending interrupt
    return e;
}

CrWriteEffect write_efer(X86CpuState& s, SysContext& ctx, uint64_t value) {
    constexpr uint64_t writable = eferbit::SCE | eferbit::LME | eferbit::NXE;
    if (value & ~(writable | eferbit::LMA)) gp0(ctx);
    // LMA is read-only (SDM vol. 3 2.2.1): the written bit is ignored.
    uint64_t v = (value & writable) | (s.efer & eferbit::LMA);
    uint64_t changed = s.efer ^ v;
    if ((changed & eferbit::LME) && (s.cr0 & cr0bit::PG)) gp0(ctx);
    s.efer = v;
    CrWriteEffect e;
    if (changed & eferbit::NXE) e.flush_tlb = e.flush_global = true;
    if (changed) e.end_block = true;
    return e;
}

void write_xcr(X86CpuState& s, SysContext& ctx, uint32_t index, uint64_t value) {
    if (cpl(s) != 0 || index != 0) gp0(ctx);
    bool x87 = value & 1, sse = value & 2, avx = value & 4;
    if (!x87 || (value & ~kXcr0Supported) || (avx && !sse)) gp0(ctx);
    s.fpu.xcr0 = value;
}

}  // namespace kemu::x86
