// The guest page walk with fault semantics (SDM vol. 3 chapter 4): no paging, 32-bit paging
// (4 KiB, 4 MiB with PSE, PSE-36), PAE, 4-level and 5-level paging, reserved-bit checks, NX,
// WP, SMEP, SMAP, and accessed/dirty updates through an atomic compare-exchange. The softmmu
// TLB fill calls page_walk(); raise_page_fault() is how a failed walk becomes #PF.
#pragma once

#include <cstdint>

#include "target-x86/cpu_state.h"
#include "target-x86/tcg/sys_context.h"

namespace kemu::x86 {

using AccessType = Access;

// MAXPHYADDR as CPUID 0x80000008 reports it (target-x86/cpuid.cpp: 0x3028).
constexpr unsigned kPhysAddrBits = 40;

namespace pferr {
constexpr uint32_t P = 1u << 0, W = 1u << 1, U = 1u << 2, RSVD = 1u << 3, I = 1u << 4;
}

// The rights a translation grants, combined over every level, for the TLB to cache.
struct PagePerms {
    bool writable = true;    // R/W set at every level
    bool user = true;        // U/S set at every level
    bool executable = true;  // no XD at any level (or EFER.NXE clear)
};

struct WalkResult {
    bool ok = false;
    uint64_t paddr = 0;         // physical address of `linear`
    uint64_t page_size = 4096;  // 4 KiB, 2 MiB, 4 MiB or 1 GiB
    PagePerms perms;
    bool global = false;      // G set in the leaf and CR4.PGE
    bool dirty = false;       // D set in the leaf: a write through a cached entry needs no walk
    uint32_t error_code = 0;  // #PF error code when !ok
};

// `user` is a CPL 3 access that is not an implicit supervisor access. `implicit` marks the
// supervisor accesses to system structures (GDT, IDT, TSS) that SMAP checks regardless of AC.
WalkResult page_walk(const X86CpuState& s, SysContext& ctx, uint64_t linear, AccessType access,
                     bool user, bool implicit = false);

// Whether cached `perms` permit an access under the current CR0.WP, CR4.SMEP/SMAP, RFLAGS.AC;
// returns the #PF error code (P, W/R, U/S; I/D is the walk's to add) for a denied access and
// 0 when the access is allowed.
uint32_t page_permission_fault(const X86CpuState& s, const PagePerms& perms, AccessType access,
                               bool user, bool implicit);

// Sets CR2 and raises #PF.
[[noreturn]] void raise_page_fault(X86CpuState& s, SysContext& ctx, uint64_t linear,
                                   uint32_t error_code);

}  // namespace kemu::x86
