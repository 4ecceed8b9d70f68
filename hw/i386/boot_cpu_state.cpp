#include "hw/i386/boot_cpu_state.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "hw/i386/pc_layout.h"
#include "system/hex.h"
#include "system/log.h"

namespace kemu {
namespace {

constexpr uint64_t kPagePresent = 1 << 0;
constexpr uint64_t kPageWritable = 1 << 1;
constexpr uint64_t kPageSize = 1 << 7;  // PS: this PDE maps a 2 MiB page
constexpr uint64_t kTwoMiB = 2ull << 20;
constexpr uint64_t kOneGiB = 1ull << 30;

constexpr uint64_t kCr0Pe = 1ull << 0;
constexpr uint64_t kCr0Et = 1ull << 4;
constexpr uint64_t kCr0Pg = 1ull << 31;
constexpr uint64_t kCr4Pae = 1ull << 5;
constexpr uint64_t kEferLme = 1ull << 8;
constexpr uint64_t kEferLma = 1ull << 10;

// The hidden part of a segment register as loading `selector` from kBootGdtEntries leaves it.
Segment flat_segment(uint16_t selector, uint8_t type, bool long_mode) {
    Segment s;
    s.selector = selector;
    s.base = 0;
    s.limit = 0xffffffff;
    s.type = type;
    s.s = true;
    s.present = true;
    s.l = long_mode;
    s.db = !long_mode;
    s.g = true;
    return s;
}

// State shared by both entry modes: flat data segments, the boot GDT, an empty IDT,
// interrupts off, and the reset values of everything else.
X86CpuState flat_entry_state(uint16_t code_selector, bool long_mode) {
    X86CpuState s = reset_cpu_state(true);
    for (unsigned i = 0; i < SEG_COUNT; i++)
        s.seg[i] = flat_segment(kBootDataSelector, 0x3, false);
    s.seg[CS] = flat_segment(code_selector, 0xb, long_mode);
    s.gdt = {pc::kBootGdt, uint16_t(kBootGdtEntries.size() * 8 - 1)};
    s.idt = {pc::kBootIdt, 0};
    s.rflags = 0x2;
    s.regs[RSP] = pc::kBootStack;
    s.cr0 = kCr0Pe | kCr0Et;
    return s;
}

std::vector<uint8_t> to_bytes(std::span<const uint64_t> qwords) {
    std::vector<uint8_t> out(qwords.size() * 8);
    std::memcpy(out.data(), qwords.data(), out.size());
    return out;
}

}  // namespace

Result<void> write_guest(AddressSpace& mem, uint64_t addr, std::span<const uint8_t> bytes,
                         const char* what) {
    if (mem.write_bytes(addr, bytes, true) != MemTxResult::Ok)
        return Error(std::string(what) + " at 0x" + hex(addr) + " is outside guest RAM");
    return ok();
}

Result<void> zero_guest(AddressSpace& mem, uint64_t addr, uint64_t size, const char* what) {
    static constexpr uint8_t kZeros[4096] = {};
    for (uint64_t done = 0; done < size;) {
        uint64_t n = std::min<uint64_t>(size - done, sizeof kZeros);
        KEMU_TRY_VOID(write_guest(mem, addr + done, std::span(kZeros, n), what));
        done += n;
    }
    return ok();
}

Result<void> write_boot_gdt(AddressSpace& mem) {
    return write_guest(mem, pc::kBootGdt, to_bytes(kBootGdtEntries), "boot GDT");
}

Result<void> write_identity_page_tables(AddressSpace& mem) {
    constexpr uint64_t kPdpt = pc::kBootPml4 + 4096;
    constexpr uint64_t kFirstPd = kPdpt + 4096;
    std::vector<uint64_t> tables(kBootPageTablesSize / 8, 0);
    uint64_t* pml4 = &tables[0];
    uint64_t* pdpt = &tables[512];
    uint64_t* pds = &tables[1024];
    pml4[0] = kPdpt | kPagePresent | kPageWritable;
    for (uint64_t gib = 0; gib < 4; gib++)
        pdpt[gib] = (kFirstPd + gib * 4096) | kPagePresent | kPageWritable;
    for (uint64_t i = 0; i < 4 * 512; i++)
        pds[i] = i * kTwoMiB | kPagePresent | kPageWritable | kPageSize;
    static_assert(4 * kOneGiB == 4 * 512 * kTwoMiB);
    return write_guest(mem, pc::kBootPml4, to_bytes(tables), "boot page tables");
}

X86CpuState protected_mode_entry_state(uint32_t eip) {
    X86CpuState s = flat_entry_state(kBootCode32Selector, false);
    s.rip = eip;
    return s;
}

X86CpuState long_mode_entry_state(uint64_t rip) {
    X86CpuState s = flat_entry_state(kBootCode64Selector, true);
    s.rip = rip;
    s.cr0 |= kCr0Pg;
    s.cr3 = pc::kBootPml4;
    s.cr4 = kCr4Pae;
    s.efer = kEferLme | kEferLma;
    return s;
}

}  // namespace kemu
