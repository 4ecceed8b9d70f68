#include "target-x86/page_table_dump.h"

#include <array>
#include <cinttypes>
#include <cstdio>

namespace kemu {

namespace {

// Entry bits (SDM vol. 3 4.3-4.5), the same at every level that has them.
constexpr uint64_t kPresent = 1u << 0, kWritable = 1u << 1, kUser = 1u << 2;
constexpr uint64_t kWriteThrough = 1u << 3, kCacheDisable = 1u << 4, kAccessed = 1u << 5;
constexpr uint64_t kDirty = 1u << 6, kLargePage = 1u << 7, kGlobal = 1u << 8;
constexpr uint64_t kNoExecute = 1ull << 63;
constexpr uint64_t kFrame64 = 0x000ffffffffff000ull;  // bits 51:12 of an 8-byte entry
constexpr uint64_t kFrame32 = 0xfffff000ull;

constexpr uint64_t kCr0Pg = 1u << 31;
constexpr uint64_t kCr4Pse = 1u << 4, kCr4Pae = 1u << 5, kCr4La57 = 1u << 12;
constexpr uint64_t kEferLma = 1u << 10;

constexpr uint64_t kSmallPage = 4096;

struct TableLevel {
    unsigned shift;    // the lowest virtual-address bit this level's index selects
    unsigned entries;  // in one table
    bool large_pages;  // a set PS bit makes an entry here map a page
};

// The tables of one paging mode, top level first.
struct PagingMode {
    uint64_t root;  // physical address of the top table
    unsigned entry_bytes;
    std::array<TableLevel, 5> levels;
    size_t depth;
    unsigned canonical_bit;  // 0: 32-bit addresses, else the bit copied into those above it
};

PagingMode paging_mode(const X86CpuState& s) {
    if (s.efer & kEferLma) {
        bool la57 = s.cr4 & kCr4La57;
        PagingMode mode{s.cr3 & kFrame64, 8, {}, la57 ? 5u : 4u, la57 ? 56u : 47u};
        size_t i = 0;
        if (la57) mode.levels[i++] = {48, 512, false};
        mode.levels[i++] = {39, 512, false};
        mode.levels[i++] = {30, 512, true};  // 1 GiB pages
        mode.levels[i++] = {21, 512, true};
        mode.levels[i] = {12, 512, false};
        return mode;
    }
    if (s.cr4 & kCr4Pae)
        return {
            s.cr3 & 0xffffffe0ull, 8, {{{30, 4, false}, {21, 512, true}, {12, 512, false}}}, 3, 0};
    return {s.cr3 & kFrame32, 4, {{{22, 1024, bool(s.cr4 & kCr4Pse)}, {12, 1024, false}}}, 2, 0};
}

// Physical address of the page (or next table) an entry points to.
uint64_t entry_frame(uint64_t entry, uint64_t size, unsigned entry_bytes) {
    if (entry_bytes == 8) return entry & kFrame64 & ~(size - 1);
    if (size == kSmallPage) return entry & kFrame32;
    // A 32-bit 4 MiB page: bits 31:22 in place, PSE-36 bits 39:32 in entry bits 20:13.
    return (entry & 0xffc00000ull) | ((entry >> 13 & 0xff) << 32);
}

class PageTableWalker {
  public:
    PageTableWalker(const PagingMode& mode, const PhysRead& read,
                    const std::function<void(const PageMapping&)>& visit, size_t max_tables)
        : mode_(mode), read_(read), visit_(visit), tables_left_(max_tables) {}

    bool walk(uint64_t table, size_t level, uint64_t vbase) {
        if (tables_left_ == 0) return false;
        tables_left_--;
        const TableLevel& here = mode_.levels[level];
        bool last = level + 1 == mode_.depth;
        for (uint64_t i = 0; i < here.entries; i++) {
            auto entry = read_(table + i * mode_.entry_bytes, mode_.entry_bytes);
            if (!entry || !(*entry & kPresent)) continue;
            uint64_t vaddr = vbase | (i << here.shift);
            if (last || (here.large_pages && (*entry & kLargePage))) {
                uint64_t size = uint64_t(1) << here.shift;
                visit_(
                    {canonical(vaddr), entry_frame(*entry, size, mode_.entry_bytes), size, *entry});
                continue;
            }
            if (!walk(entry_frame(*entry, kSmallPage, mode_.entry_bytes), level + 1, vaddr))
                return false;
        }
        return true;
    }

  private:
    uint64_t canonical(uint64_t vaddr) const {
        if (mode_.canonical_bit == 0 || !(vaddr >> mode_.canonical_bit & 1)) return vaddr;
        return vaddr | ~((uint64_t(1) << mode_.canonical_bit) - 1);
    }

    const PagingMode& mode_;
    const PhysRead& read_;
    const std::function<void(const PageMapping&)>& visit_;
    size_t tables_left_;
};

constexpr struct {
    char letter;
    bool (*set)(const PageMapping&);
} kFlags[] = {
    {'X', [](const PageMapping& m) { return bool(m.entry & kNoExecute); }},
    {'G', [](const PageMapping& m) { return bool(m.entry & kGlobal); }},
    // In a 4 KiB entry bit 7 is PAT, not PS: 'P' says the page is large.
    {'P', [](const PageMapping& m) { return m.size > kSmallPage; }},
    {'D', [](const PageMapping& m) { return bool(m.entry & kDirty); }},
    {'A', [](const PageMapping& m) { return bool(m.entry & kAccessed); }},
    {'C', [](const PageMapping& m) { return bool(m.entry & kCacheDisable); }},
    {'T', [](const PageMapping& m) { return bool(m.entry & kWriteThrough); }},
    {'U', [](const PageMapping& m) { return bool(m.entry & kUser); }},
    {'W', [](const PageMapping& m) { return bool(m.entry & kWritable); }},
};

}  // namespace

bool walk_page_tables(const X86CpuState& s, const PhysRead& read,
                      const std::function<void(const PageMapping&)>& visit, size_t max_tables) {
    if (!(s.cr0 & kCr0Pg)) return true;
    PagingMode mode = paging_mode(s);
    return PageTableWalker(mode, read, visit, max_tables).walk(mode.root, 0, 0);
}

std::string format_page_mapping(const PageMapping& m) {
    char line[64];
    std::snprintf(line, sizeof line, "%016" PRIx64 ": %016" PRIx64 " ", m.vaddr, m.paddr);
    std::string text = line;
    for (const auto& flag : kFlags)
        text += flag.set(m) ? flag.letter : '-';
    return text + "\n";
}

void dump_page_tables(const X86CpuState& s, const PhysRead& read,
                      const std::function<void(std::string_view)>& out, size_t max_tables) {
    if (!(s.cr0 & kCr0Pg)) {
        out("PG disabled\n");
        return;
    }
    bool complete = walk_page_tables(
        s, read, [&](const PageMapping& m) { out(format_page_mapping(m)); }, max_tables);
    if (!complete) out("(walk stopped after " + std::to_string(max_tables) + " page tables)\n");
}

}  // namespace kemu
