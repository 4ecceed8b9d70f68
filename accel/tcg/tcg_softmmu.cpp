// The softmmu half of the TCG vCPU: TLB fills through the guest page walk, the slow paths
// of guest loads and stores (MMIO, the local APIC page, ROM, page-crossing and code-page
// writes), data breakpoints, and the SysContext memory services the helpers use.
#include <cstring>

#include "accel/tcg/tcg_vcpu.h"
#include "hw/intc/lapic.h"
#include "target-x86/tcg/cpu_mode.h"
#include "target-x86/tcg/page_walk.h"

namespace kemu::tcg_accel {

using namespace x86;

// DR0-3 data breakpoints (R/W = 01 write, 11 read or write) that an access overlaps.
uint64_t TcgVcpu::watched(uint64_t addr, unsigned size, bool write) const {
    const X86CpuState& s = env_->s;
    uint64_t dr7 = s.dr[7], hits = 0;
    static constexpr unsigned kLen[] = {1, 2, 8, 4};
    for (unsigned i = 0; i < 4; i++) {
        bool enabled = (dr7 >> (2 * i)) & 3;
        unsigned rw = (dr7 >> (16 + 4 * i)) & 3;
        if (!enabled || !(rw == 1 || rw == 3) || (rw == 1 && !write)) continue;
        unsigned len = kLen[(dr7 >> (18 + 4 * i)) & 3];
        uint64_t start = s.dr[i] & ~uint64_t(len - 1);
        if (addr < start + len && start < addr + size) hits |= 1u << i;
    }
    return hits;
}

bool TcgVcpu::page_watched(uint64_t page) const {
    return (env_->s.dr[7] & 0xff) && watched(page, unsigned(kPageSize), true);
}

void TcgVcpu::reset_tlb_entry(unsigned mmu, unsigned index) {
    env_->tlb[mmu][index] = {kTlbInvalid, kTlbInvalid, kTlbInvalid, 0};
    tlb_info_[mmu][index] = {kNoPage, PageKind::Io};
}

// Only the entries filled since the last full flush can hold anything: a CR3 load costs
// what the address space used, not the size of the TLB.
void TcgVcpu::flush_tlb(bool keep_global) {
    for (unsigned m = 0; m < kMmuCount; m++) {
        if (tlb_listed_[m].empty()) {  // the first flush (construction): every entry
            tlb_listed_[m].assign(kTlbSize, 0);
            for (unsigned i = 0; i < kTlbSize; i++)
                reset_tlb_entry(m, i);
        }
        // An entry of list 0 refilled with a global page since is in list 1 too: kept.
        for (uint16_t i : tlb_used_[m][0]) {
            tlb_listed_[m][i] &= uint8_t(~1u);
            if (!(keep_global && tlb_info_[m][i].global)) reset_tlb_entry(m, i);
        }
        tlb_used_[m][0].clear();
        if (keep_global) continue;
        for (uint16_t i : tlb_used_[m][1]) {
            tlb_listed_[m][i] = 0;
            reset_tlb_entry(m, i);
        }
        tlb_used_[m][1].clear();
    }
    tlb_flushes_[0]++;
    if (!keep_global) tlb_flushes_[1]++;
    forget_fast_jumps();
    chain_from_ = nullptr;
    if (keep_global) return;
    large_lo_ = ~0ull;
    large_hi_ = 0;
    memory_map_.reset();  // a new map comes with a TLB flush: take it at the next fill
}

void TcgVcpu::flush_tlb_page(uint64_t linear) {
    if (linear >= large_lo_ && linear < large_hi_) {
        flush_tlb();
        return;
    }
    unsigned i = (linear >> kPageBits) & (kTlbSize - 1);
    for (unsigned m = 0; m < kMmuCount; m++)
        reset_tlb_entry(m, i);  // stays listed: it will be filled again soon enough
    // A block may start on the previous page and run into this one.
    for (uint64_t page : {linear, linear - kPageSize})
        page_epoch(page)++;
    if (fast_jumps_may_enter(linear) || fast_jumps_may_enter(linear - kPageSize))
        forget_fast_jumps();
    chain_from_ = nullptr;
}

void TcgVcpu::apply(const CrWriteEffect& effect) {
    if (effect.flush_global)
        flush_tlb();
    else if (effect.flush_tlb)
        flush_tlb(true);
}

unsigned TcgVcpu::mmu_for(Priv priv) const {
    switch (priv) {
        case Priv::Supervisor:
            return kMmuSupervisor;
        case Priv::User:
            return kMmuUser;
        case Priv::Current:
            break;
    }
    return cpl(env_->s) == 3 ? kMmuUser : kMmuSupervisor;
}

const FlatView& TcgVcpu::memory_map() {
    if (!memory_map_) memory_map_ = context_.memory.flat_view_snapshot();
    return *memory_map_;
}

TcgVcpu::PageKind TcgVcpu::classify(uint64_t phys_page, uint8_t** host) {
    *host = nullptr;
    if (lapic_ && lapic_->globally_enabled() && !lapic_->x2apic_mode() &&
        phys_page == (lapic_->apic_base() & kPageMask & ((1ull << 52) - 1)))
        return PageKind::Apic;
    const FlatRange* r = memory_map().lookup(phys_page);
    if (!r || !r->region->is_ram_backed() || phys_page + kPageSize > r->end()) return PageKind::Io;
    *host = r->region->host() + r->offset_in_region + (phys_page - r->start);
    return r->region->kind() == MemoryRegion::Kind::Ram ? PageKind::Ram : PageKind::Rom;
}

uint64_t TcgVcpu::translate_address(uint64_t addr, Access access, unsigned mmu, PagePerms* perms,
                                    bool* dirty, uint64_t* page_size, bool* global) {
    X86CpuState& s = env_->s;
    *perms = PagePerms{};
    *dirty = true;
    *page_size = kPageSize;
    *global = false;
    if (!(s.cr0 & cr0bit::PG)) return long_mode(s) ? addr : uint32_t(addr);
    WalkResult r = page_walk(s, *this, addr, access, mmu == kMmuUser);
    if (!r.ok) raise_page_fault(s, *this, addr, r.error_code);
    *perms = r.perms;
    *dirty = r.dirty || access == Access::Write;
    *page_size = r.page_size;
    *global = r.global;
    return r.paddr;
}

const TlbEntry& TcgVcpu::fill(uint64_t addr, Access access, unsigned mmu) {
    unsigned i = (addr >> kPageBits) & (kTlbSize - 1);
    TlbEntry& ent = env_->tlb[mmu][i];
    uint64_t page = addr & kPageMask;
    uint64_t tag = access == Access::Read    ? ent.addr_read
                   : access == Access::Write ? ent.addr_write
                                             : ent.addr_code;
    if ((tag & kPageMask) == page && tag != kTlbInvalid) return ent;

    PagePerms perms;
    bool dirty;
    uint64_t page_size;
    bool global;
    uint64_t paddr = translate_address(addr, access, mmu, &perms, &dirty, &page_size, &global);
    if (page_size > kPageSize) {
        uint64_t base = addr & ~(page_size - 1);
        large_lo_ = std::min(large_lo_, base);
        large_hi_ = std::max(large_hi_, base + page_size);
    }
    uint64_t phys_page = paddr & kPageMask;
    uint8_t* host = nullptr;
    PageKind kind = classify(phys_page, &host);
    const X86CpuState& s = env_->s;
    bool user = mmu == kMmuUser;
    bool paging = s.cr0 & cr0bit::PG;
    auto allowed = [&](Access a) {
        return !paging || page_permission_fault(s, perms, a, user, false) == 0;
    };
    bool direct = kind == PageKind::Ram || kind == PageKind::Rom;
    uint64_t slow = direct ? 0 : kTlbMmio;
    std::optional<bool> code_page = shared_.cache.code_page_unlocked(phys_page);
    if (!code_page) {
        std::lock_guard<std::mutex> g(shared_.cache.lock());
        code_page = shared_.cache.is_code_page(phys_page);
    }
    if (page_watched(page)) slow |= kTlbWatch;
    ent.addr_read = allowed(Access::Read) ? page | slow : kTlbInvalid;
    ent.addr_code = allowed(Access::Execute) ? page | slow : kTlbInvalid;
    ent.addr_write = allowed(Access::Write) && dirty
                         ? page | (kind == PageKind::Ram ? 0 : kTlbMmio) | (slow & kTlbWatch) |
                               (*code_page ? kTlbNotDirty : 0)
                         : kTlbInvalid;
    ent.addend = host ? uintptr_t(host) - uintptr_t(page) : 0;
    tlb_info_[mmu][i] = {phys_page, kind, global};
    if (tlb_listed_[mmu].empty()) tlb_listed_[mmu].assign(kTlbSize, 0);
    const uint8_t list = global ? 1 : 0;
    if (!(tlb_listed_[mmu][i] >> list & 1)) {
        tlb_listed_[mmu][i] |= uint8_t(1u << list);
        tlb_used_[mmu][list].push_back(uint16_t(i));
    }
    return ent;
}

uint64_t TcgVcpu::mmio_read(uint64_t paddr, unsigned size, PageKind kind) {
    auto g = lock_machine();
    if (kind == PageKind::Apic) return lapic_->mmio_read(paddr & (kPageSize - 1), size);
    uint64_t v = 0;
    (void)context_.memory.read(paddr, size, &v);
    return v;
}

void TcgVcpu::mmio_write(uint64_t paddr, uint64_t value, unsigned size, PageKind kind) {
    auto g = lock_machine();
    if (kind == PageKind::Apic) {
        lapic_->mmio_write(paddr & (kPageSize - 1), value, size);
        return;
    }
    (void)context_.memory.write(paddr, size, value);
}

uint64_t TcgVcpu::load_slow(uint64_t addr, uint32_t memop) {
    tcg::MemOp mop{memop};
    unsigned size = mop.size();
    unsigned mmu = mop.mmu_idx();
    if ((addr & (kPageSize - 1)) + size > kPageSize) {
        uint64_t v = 0;
        for (unsigned b = 0; b < size; b++)
            v |= load_slow(addr + b, tcg::MemOp::make(0, false, mmu).bits) << (8 * b);
        return v;
    }
    const TlbEntry& ent = fill(addr, Access::Read, mmu);
    const TlbInfo& info = tlb_info_[mmu][(addr >> kPageBits) & (kTlbSize - 1)];
    if (ent.addr_read & kTlbWatch) data_breakpoints_hit_ |= watched(addr, size, false);
    uint64_t v = 0;
    if (!(ent.addr_read & kTlbMmio)) {
        std::memcpy(&v, reinterpret_cast<const void*>(addr + ent.addend), size);
        return v;
    }
    return mmio_read(info.phys_page | (addr & (kPageSize - 1)), size, info.kind);
}

void TcgVcpu::store_slow(uint64_t addr, uint64_t value, uint32_t memop) {
    tcg::MemOp mop{memop};
    unsigned size = mop.size();
    unsigned mmu = mop.mmu_idx();
    if ((addr & (kPageSize - 1)) + size > kPageSize) {
        // Both pages must be writable before any byte lands.
        fill(addr, Access::Write, mmu);
        fill(addr + size - 1, Access::Write, mmu);
        for (unsigned b = 0; b < size; b++)
            store_slow(addr + b, (value >> (8 * b)) & 0xff, tcg::MemOp::make(0, false, mmu).bits);
        return;
    }
    const TlbEntry& ent = fill(addr, Access::Write, mmu);
    const TlbInfo info = tlb_info_[mmu][(addr >> kPageBits) & (kTlbSize - 1)];
    if (ent.addr_write & kTlbWatch) data_breakpoints_hit_ |= watched(addr, size, true);
    if (ent.addr_write & kTlbNotDirty) code_write(info.phys_page | (addr & (kPageSize - 1)), size);
    if (info.kind == PageKind::Ram) {
        std::memcpy(reinterpret_cast<void*>(addr + ent.addend), &value, size);
        return;
    }
    if (info.kind == PageKind::Rom) return;  // writes to ROM are dropped, as on the bus
    mmio_write(info.phys_page | (addr & (kPageSize - 1)), value, size, info.kind);
}

uint8_t* TcgVcpu::host_pointer(uint64_t linear, unsigned size, Access access, Priv priv) {
    if ((linear & (kPageSize - 1)) + size > kPageSize) return nullptr;
    unsigned mmu = mmu_for(priv);
    const TlbEntry& ent = fill(linear, access, mmu);
    const TlbInfo& info = tlb_info_[mmu][(linear >> kPageBits) & (kTlbSize - 1)];
    if (info.kind != PageKind::Ram) return nullptr;
    if (access == Access::Write && (ent.addr_write & kTlbNotDirty))
        code_write(info.phys_page | (linear & (kPageSize - 1)), size);
    return reinterpret_cast<uint8_t*>(linear + fill(linear, access, mmu).addend);
}

uint64_t TcgVcpu::read(uint64_t linear, unsigned size, Priv priv) {
    return load_slow(linear, tcg::MemOp::make(size == 1   ? 0
                                              : size == 2 ? 1
                                              : size == 4 ? 2
                                                          : 3,
                                              false, mmu_for(priv))
                                 .bits);
}

void TcgVcpu::write(uint64_t linear, unsigned size, uint64_t value, Priv priv) {
    store_slow(linear, value,
               tcg::MemOp::make(size == 1   ? 0
                                : size == 2 ? 1
                                : size == 4 ? 2
                                            : 3,
                                false, mmu_for(priv))
                   .bits);
}

// Page-table reads and A/D updates: RAM through the lock-free map snapshot.
uint8_t* TcgVcpu::phys_host(uint64_t paddr, unsigned size) {
    const FlatRange* r = memory_map().lookup(paddr);
    if (!r || !r->region->is_ram_backed() || paddr + size > r->end() || paddr + size < paddr)
        return nullptr;
    return r->region->host() + (paddr - r->start + r->offset_in_region);
}

uint64_t TcgVcpu::phys_read(uint64_t paddr, unsigned size) {
    uint64_t v = 0;
    if (uint8_t* p = phys_host(paddr, size)) {
        std::memcpy(&v, p, size);
        return v;
    }
    auto g = lock_machine();
    (void)context_.memory.read(paddr, size, &v);
    return v;
}

bool TcgVcpu::phys_cmpxchg(uint64_t paddr, unsigned size, uint64_t old, uint64_t value) {
    uint8_t* p = phys_host(paddr, size);
    if (!p) return true;  // page tables outside RAM: nothing to update
    if (size == 4) {
        uint32_t expected = uint32_t(old);
        return __atomic_compare_exchange_n(reinterpret_cast<uint32_t*>(p), &expected,
                                           uint32_t(value), false, __ATOMIC_SEQ_CST,
                                           __ATOMIC_SEQ_CST);
    }
    return __atomic_compare_exchange_n(reinterpret_cast<uint64_t*>(p), &old, value, false,
                                       __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

}  // namespace kemu::tcg_accel
