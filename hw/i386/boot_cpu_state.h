// What the direct-boot loaders (Linux boot protocol, Multiboot) set up in guest
// memory and in the boot CPU instead of firmware: a flat GDT, identity page
// tables for 64-bit entry, and the entry register state.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "system/address_space.h"
#include "system/error.h"
#include "target-x86/cpu_state.h"

namespace kemu {

// One GDT at pc::kBootGdt serves both protocols. Linux's 64-bit protocol names
// 0x10 (__BOOT_CS) and 0x18 (__BOOT_DS); Multiboot only asks for a flat 32-bit CS,
// which gets the otherwise unused slot 0x08.
inline constexpr uint16_t kBootCode32Selector = 0x08;
inline constexpr uint16_t kBootCode64Selector = 0x10;
inline constexpr uint16_t kBootDataSelector = 0x18;

// Null, flat 32-bit code, flat 64-bit code, flat data (SDM vol. 3 3.4.5 encoding).
inline constexpr std::array<uint64_t, 4> kBootGdtEntries = {
    0,
    0x00cf9b000000ffffull,  // G, D, P, DPL 0, execute/read accessed, limit 0xfffff
    0x00af9b000000ffffull,  // as above with L set and D clear
    0x00cf93000000ffffull,  // G, B, P, DPL 0, read/write accessed
};

// Identity map of the first 4 GiB with 2 MiB pages: PML4, one PDPT, four PDs,
// laid out one page after another from pc::kBootPml4.
inline constexpr uint64_t kBootPageTablesSize = 6 * 4096;

// Copies `bytes` to guest-physical `addr`; fails when any byte lands outside RAM.
Result<void> write_guest(AddressSpace& mem, uint64_t addr, std::span<const uint8_t> bytes,
                         const char* what);
// Writes zeros to [addr, addr + size) (a loaded image's .bss).
Result<void> zero_guest(AddressSpace& mem, uint64_t addr, uint64_t size, const char* what);

Result<void> write_boot_gdt(AddressSpace& mem);
Result<void> write_identity_page_tables(AddressSpace& mem);

// Flat 32-bit protected mode, paging off, interrupts off, CS 0x08, data 0x18.
X86CpuState protected_mode_entry_state(uint32_t eip);
// 64-bit mode on the boot page tables, interrupts off, CS 0x10, data 0x18.
X86CpuState long_mode_entry_state(uint64_t rip);

}  // namespace kemu
