#include "tests/unit/tcg/program.h"

#include <cstdio>

#include "target-x86/disas.h"

namespace kemu::x86::difftest {

uint16_t cc_reads(unsigned cc) {
    using namespace flag;
    static constexpr uint16_t kReads[8] = {OF, CF, ZF, CF | ZF, SF, PF, SF | OF, ZF | SF | OF};
    return kReads[(cc >> 1) & 7];
}

uint16_t Program::undefined_at(uint64_t rip) const {
    for (size_t i = 0; i < insn_address.size(); i++)
        if (insn_address[i] == rip) return undefined_before[i];
    return undefined_at_end;
}

Program assemble(const std::vector<Piece>& pieces, uint64_t address, uint64_t exit_address,
                 bool mode64) {
    Program p;
    p.address = address;
    p.mode64 = mode64;
    uint16_t undef = 0;
    auto emit = [&](const std::vector<uint8_t>& bytes, const FlagEffect& e) {
        p.insn_address.push_back(address + p.bytes.size());
        p.undefined_before.push_back(undef);
        if (e.reads & undef) p.valid = false;
        p.bytes.insert(p.bytes.end(), bytes.begin(), bytes.end());
        undef = after(undef, e);
    };
    for (const Piece& piece : pieces) {
        for (const GenInsn& g : piece.setup)
            emit(encode(g.spec, address + p.bytes.size(), mode64), g.flags);
        if (piece.skip) {
            // The skipped instruction is encoded first: the branch needs its length.
            std::vector<uint8_t> main =
                encode(piece.main.spec, address + p.bytes.size() + 2, mode64);
            emit({piece.skip->opcode, uint8_t(main.size())}, piece.skip->flags);
            uint16_t if_skipped = undef;
            emit(main, piece.main.flags);
            undef |= if_skipped;  // a flag is defined after the join only if both paths define it
        } else {
            emit(encode(piece.main.spec, address + p.bytes.size(), mode64), piece.main.flags);
        }
    }
    p.undefined_at_end = undef;
    p.insn_address.push_back(address + p.bytes.size());
    p.undefined_before.push_back(undef);
    p.stop_address = address + p.bytes.size();
    std::vector<uint8_t> jmp;
    if (mode64) {
        jmp = {0xff, 0x25, 0, 0, 0, 0};  // jmp [rip + 0]; dq exit_address
        for (int i = 0; i < 8; i++)
            jmp.push_back(uint8_t(exit_address >> (8 * i)));
    } else {
        uint32_t rel = uint32_t(exit_address - (p.stop_address + 5));
        jmp = {0xe9};  // jmp rel32 exit_address
        for (int i = 0; i < 4; i++)
            jmp.push_back(uint8_t(rel >> (8 * i)));
    }
    p.bytes.insert(p.bytes.end(), jmp.begin(), jmp.end());
    return p;
}

std::string listing(const Program& p) {
    std::string out;
    for (size_t i = 0; i + 1 < p.insn_address.size(); i++) {
        uint64_t a = p.insn_address[i];
        size_t off = a - p.address, len = p.insn_address[i + 1] - a;
        std::span<const uint8_t> bytes(p.bytes.data() + off, len);
        char hex[64] = "";
        for (size_t b = 0; b < len && b < 15; b++)
            std::snprintf(hex + 3 * b, 4, "%02x ", bytes[b]);
        auto lines = capstone_disassemble(bytes, a, p.mode64 ? 64 : 32, 1);
        char line[160];
        std::snprintf(line, sizeof line, "  %-42s %s\n", hex,
                      lines.empty() ? "(undecodable)" : lines[0].text.c_str());
        out += line;
    }
    return out;
}

}  // namespace kemu::x86::difftest
