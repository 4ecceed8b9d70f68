// x86 disassembly for the monitor's x/i and -d in_asm/out_asm: Capstone, in a module of its
// own (system/module.h) because its relocations alone cost a millisecond at every start.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace kemu {

struct DisasLine {
    uint64_t address;
    unsigned length;
    std::string text;  // "mov eax, 1"
};

// Decodes up to `max_insns` instructions of `code` (which starts at `address`) in
// 16-, 32- or 64-bit mode. Stops early at bytes that do not decode. Without the module,
// one line says why.
std::vector<DisasLine> disassemble(std::span<const uint8_t> code, uint64_t address,
                                   unsigned mode_bits, size_t max_insns);

// The disas-capstone module's entry, which tests also link directly.
std::vector<DisasLine> capstone_disassemble(std::span<const uint8_t> code, uint64_t address,
                                            unsigned mode_bits, size_t max_insns);
using Disassembler = decltype(&capstone_disassemble);

// The code size CS selects for `info registers`-style state: 16, 32 or 64.
struct X86CpuState;
unsigned code_size_bits(const X86CpuState& s);

}  // namespace kemu
