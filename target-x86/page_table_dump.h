// Every mapping of a guest's page tables, for `info tlb`: a debugger-style walk beside
// debug_translate (mmu.h), reading entries without setting A/D bits or faulting.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "target-x86/cpu_state.h"
#include "target-x86/mmu.h"

namespace kemu {

// One present leaf entry: a 4 KiB, 2 MiB, 4 MiB or 1 GiB page.
struct PageMapping {
    uint64_t vaddr;  // canonical (bits 63:48 copy bit 47 under 4-level paging)
    uint64_t paddr;  // of the page's first byte
    uint64_t size;
    uint64_t entry;  // the leaf entry as read, for its flag bits
};

// Enough for any real guest's current address space; a guest that points its tables back
// at themselves would otherwise have the monitor walk 512^4 entries.
inline constexpr size_t kMaxWalkedPageTables = 16384;

// Calls `visit` for each present leaf in ascending virtual-address order, under the paging
// mode `s` is in (32-bit with PSE, PAE, 4-level). Entries that cannot be read count as not
// present. Returns false if the walk stopped after `max_tables` tables; true otherwise,
// including when paging is off (no mappings).
bool walk_page_tables(const X86CpuState& s, const PhysRead& read,
                      const std::function<void(const PageMapping&)>& visit,
                      size_t max_tables = kMaxWalkedPageTables);

// QEMU's `info tlb` line: "ffffffff81000000: 0000000001000000 XGPDACTUW\n", each flag
// letter or '-': NX, global, large page, dirty, accessed, cache disable, write-through,
// user, writable, as the leaf entry has them.
std::string format_page_mapping(const PageMapping& mapping);

// `info tlb`: "PG disabled" without paging, else one line per mapping, and a last line
// saying so when the walk was cut short.
void dump_page_tables(const X86CpuState& s, const PhysRead& read,
                      const std::function<void(std::string_view)>& out,
                      size_t max_tables = kMaxWalkedPageTables);

}  // namespace kemu
