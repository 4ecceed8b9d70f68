#include "target-x86/disas.h"

#include "system/module.h"
#include "target-x86/cpu_state.h"

namespace kemu {

std::vector<DisasLine> disassemble(std::span<const uint8_t> code, uint64_t address,
                                   unsigned mode_bits, size_t max_insns) {
    static const Result<Disassembler> capstone = module_entry<Disassembler>("disas-capstone");
    if (!capstone) return {{address, 0, "(no disassembler: " + capstone.error().message() + ")"}};
    return (*capstone)(code, address, mode_bits, max_insns);
}

unsigned code_size_bits(const X86CpuState& s) {
    const Segment& cs = s.seg[CS];
    if ((s.efer & (1u << 10)) && cs.l) return 64;
    if (!(s.cr0 & 1)) return 16;
    return cs.db ? 32 : 16;
}

}  // namespace kemu
