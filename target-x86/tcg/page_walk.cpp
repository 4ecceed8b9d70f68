#include "target-x86/tcg/page_walk.h"

#include <array>

#include "target-x86/tcg/cpu_mode.h"
#include "target-x86/tcg/exceptions.h"

namespace kemu::x86 {
namespace {

constexpr uint64_t kPresent = 1u << 0, kWritable = 1u << 1, kUser = 1u << 2;
constexpr uint64_t kAccessed = 1u << 5, kDirty = 1u << 6, kLarge = 1u << 7, kGlobal = 1u << 8;
constexpr uint64_t kXd = 1ull << 63;

constexpr uint64_t bits(unsigned hi, unsigned lo) {
    return ((hi == 63 ? ~0ull : (1ull << (hi + 1)) - 1)) & ~((1ull << lo) - 1);
}
// Address bits 51:MAXPHYADDR of a PAE/4-level entry must be zero.
constexpr uint64_t kAboveMaxPhys = bits(51, kPhysAddrBits);
constexpr uint64_t kPhysFrame = bits(kPhysAddrBits - 1, 12);

enum class Mode : uint8_t { Legacy32, Pae, Level4, Level5 };

// One level of a paging structure: how to index it and what it may hold.
struct LevelInfo {
    unsigned shift;  // linear-address bit the index starts at
    unsigned index_bits;
    bool large_ok;            // PS=1 maps a page here
    uint64_t reserved;        // always-reserved bits (beyond MAXPHYADDR and XD)
    uint64_t large_reserved;  // reserved bits when PS=1 (between PAT and the frame)
    bool has_rights;          // R/W, U/S, XD, A live here (not in PAE PDPTEs)
};

// Levels top to bottom (SDM vol. 3 tables 4-6 .. 4-20).
constexpr LevelInfo kPml5 = {48, 9, false, kAboveMaxPhys | kLarge, 0, true};
constexpr LevelInfo kPml4 = {39, 9, false, kAboveMaxPhys | kLarge, 0, true};
constexpr LevelInfo kPdpt = {30, 9, true, kAboveMaxPhys, bits(29, 13), true};
constexpr LevelInfo kPaePdpt = {30, 2,    false, kAboveMaxPhys | bits(2, 1) | bits(8, 5) | kXd,
                                0,  false};
constexpr LevelInfo kPd = {21, 9, true, kAboveMaxPhys, bits(20, 13), true};
constexpr LevelInfo kPt = {12, 9, false, kAboveMaxPhys, 0, true};
// PSE-36: a 4 MiB PDE holds physical bits 39:32 in bits 20:13; bit 21 is reserved.
constexpr LevelInfo kPd32 = {22, 10, true, 0, bits(21, 21), true};
constexpr LevelInfo kPt32 = {12, 10, false, 0, 0, true};

struct ModeInfo {
    std::array<const LevelInfo*, 5> levels;
    unsigned count;
    unsigned entry_size;
};

ModeInfo mode_info(Mode m) {
    switch (m) {
        case Mode::Legacy32:
            return {{&kPd32, &kPt32}, 2, 4};
        case Mode::Pae:
            return {{&kPaePdpt, &kPd, &kPt}, 3, 8};
        case Mode::Level4:
            return {{&kPml4, &kPdpt, &kPd, &kPt}, 4, 8};
        case Mode::Level5:
            return {{&kPml5, &kPml4, &kPdpt, &kPd, &kPt}, 5, 8};
    }
    return {{}, 0, 0};
}

Mode paging_mode(const X86CpuState& s) {
    if (!(s.cr4 & cr4bit::PAE)) return Mode::Legacy32;
    if (!long_mode(s)) return Mode::Pae;
    return (s.cr4 & cr4bit::LA57) ? Mode::Level5 : Mode::Level4;
}

uint64_t root_table(const X86CpuState& s, Mode m) {
    switch (m) {
        case Mode::Legacy32:
            return s.cr3 & 0xfffff000;
        case Mode::Pae:
            return s.cr3 & 0xffffffe0;
        default:
            return s.cr3 & kPhysFrame;
    }
}

// Physical base of a large page mapped by `entry` at a level indexing from `shift`.
uint64_t large_frame(uint64_t entry, unsigned shift, Mode m) {
    if (m == Mode::Legacy32) return (entry & 0xffc00000) | (((entry >> 13) & 0xff) << 32);
    return entry & kPhysFrame & ~((1ull << shift) - 1);
}

struct UsedEntry {
    uint64_t addr;
    uint64_t value;
};

bool update_accessed_dirty(SysContext& ctx, const std::array<UsedEntry, 5>& used, unsigned n,
                           unsigned entry_size, bool set_dirty) {
    for (unsigned i = 0; i < n; i++) {
        uint64_t want = used[i].value | kAccessed;
        if (set_dirty && i == n - 1) want |= kDirty;
        if (want == used[i].value) continue;
        if (!ctx.phys_cmpxchg(used[i].addr, entry_size, used[i].value, want)) return false;
    }
    return true;
}

}  // namespace

uint32_t page_permission_fault(const X86CpuState& s, const PagePerms& perms, AccessType access,
                               bool user, bool implicit) {
    uint32_t code = (access == Access::Write ? pferr::W : 0) | (user ? pferr::U : 0);
    bool denied = false;
    if (user) {
        denied = !perms.user || (access == Access::Write && !perms.writable) ||
                 (access == Access::Execute && !perms.executable);
    } else if (access == Access::Execute) {
        denied = !perms.executable || (perms.user && (s.cr4 & cr4bit::SMEP));
    } else {
        bool smap_blocks =
            perms.user && (s.cr4 & cr4bit::SMAP) && (implicit || !(s.rflags & rflag::AC));
        bool wp_blocks = access == Access::Write && !perms.writable && (s.cr0 & cr0bit::WP);
        denied = smap_blocks || wp_blocks;
    }
    return denied ? code | pferr::P : 0;
}

WalkResult page_walk(const X86CpuState& s, SysContext& ctx, uint64_t linear, AccessType access,
                     bool user, bool implicit) {
    WalkResult r;
    if (!(s.cr0 & cr0bit::PG)) {
        r.ok = true;
        r.paddr = long_mode(s) ? linear : linear & 0xffffffff;
        r.dirty = true;
        return r;
    }
    Mode mode = paging_mode(s);
    ModeInfo info = mode_info(mode);
    bool nxe = (s.efer & eferbit::NXE) && mode != Mode::Legacy32;
    uint64_t xd_reserved = (nxe || mode == Mode::Legacy32) ? 0 : kXd;
    bool fetch_reported = (s.cr4 & cr4bit::SMEP) || nxe;
    uint32_t access_bits = (access == Access::Write ? pferr::W : 0) | (user ? pferr::U : 0) |
                           (access == Access::Execute && fetch_reported ? pferr::I : 0);

    // A lost compare-exchange means another vCPU changed an entry we used: walk again.
    for (;;) {
        std::array<UsedEntry, 5> used{};
        unsigned n = 0;
        PagePerms perms;
        uint64_t table = root_table(s, mode);
        bool leaf_global = false, leaf_dirty = false;
        for (unsigned lvl = 0; lvl < info.count; lvl++) {
            const LevelInfo& L = *info.levels[lvl];
            uint64_t index = (linear >> L.shift) & ((1ull << L.index_bits) - 1);
            uint64_t addr = table + index * info.entry_size;
            uint64_t e = ctx.phys_read(addr, info.entry_size);
            if (!(e & kPresent)) {
                r.error_code = access_bits;
                return r;
            }
            bool leaf = lvl == info.count - 1;
            bool large =
                L.large_ok && (e & kLarge) && (mode != Mode::Legacy32 || (s.cr4 & cr4bit::PSE));
            uint64_t reserved =
                L.reserved | (L.has_rights ? xd_reserved : 0) | (large ? L.large_reserved : 0);
            if (e & reserved) {
                r.error_code = access_bits | pferr::P | pferr::RSVD;
                return r;
            }
            if (L.has_rights) {
                perms.writable &= bool(e & kWritable);
                perms.user &= bool(e & kUser);
                if (nxe && (e & kXd)) perms.executable = false;
                used[n++] = {addr, e};
            }
            if (leaf || large) {
                unsigned shift = large ? L.shift : 12;
                uint64_t frame = large ? large_frame(e, shift, mode) : (e & kPhysFrame);
                if (mode == Mode::Legacy32 && !large) frame = e & 0xfffff000;
                r.paddr = frame | (linear & ((1ull << shift) - 1));
                r.page_size = 1ull << shift;
                leaf_global = (e & kGlobal) && (s.cr4 & cr4bit::PGE);
                leaf_dirty = e & kDirty;
                break;
            }
            table = (mode == Mode::Legacy32) ? (e & 0xfffff000) : (e & kPhysFrame);
        }
        if (uint32_t denied = page_permission_fault(s, perms, access, user, implicit)) {
            r.error_code = denied | (access_bits & pferr::I);
            return r;
        }
        bool set_dirty = access == Access::Write;
        if (!update_accessed_dirty(ctx, used, n, info.entry_size, set_dirty)) continue;
        r.ok = true;
        r.perms = perms;
        r.global = leaf_global;
        r.dirty = leaf_dirty || set_dirty;
        return r;
    }
}

void raise_page_fault(X86CpuState& s, SysContext& ctx, uint64_t linear, uint32_t error_code) {
    s.cr2 = linear;
    raise_exception(ctx, vec::PF, error_code);
}

}  // namespace kemu::x86
