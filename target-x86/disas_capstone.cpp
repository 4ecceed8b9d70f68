// Built as the disas-capstone module (system/module.h), so only a disassembly loads Capstone.
#include "target-x86/disas.h"

#include <capstone/capstone.h>

namespace kemu {

std::vector<DisasLine> capstone_disassemble(std::span<const uint8_t> code, uint64_t address,
                                            unsigned mode_bits, size_t max_insns) {
    std::vector<DisasLine> out;
    cs_mode mode = mode_bits == 64 ? CS_MODE_64 : mode_bits == 32 ? CS_MODE_32 : CS_MODE_16;
    csh handle;
    if (cs_open(CS_ARCH_X86, mode, &handle) != CS_ERR_OK) return out;
    cs_insn* insn = nullptr;
    size_t n = cs_disasm(handle, code.data(), code.size(), address, max_insns, &insn);
    for (size_t i = 0; i < n; i++) {
        std::string text = insn[i].mnemonic;
        if (insn[i].op_str[0]) text += std::string(" ") + insn[i].op_str;
        out.push_back({insn[i].address, insn[i].size, std::move(text)});
    }
    if (n) cs_free(insn, n);
    cs_close(&handle);
    return out;
}

}  // namespace kemu

// The module's entry (system/module.h).
extern "C" {
extern const kemu::Disassembler kemu_disas_capstone;
const kemu::Disassembler kemu_disas_capstone = kemu::capstone_disassemble;
}
