// Jumps and calls to places within the block being assembled. A jump back to a place
// already bound takes the 2-byte form when it reaches; a forward one takes the rel32 form and
// is written once the block is complete (resolve()). Xbyak's own labels keep hash maps that
// cost allocations for every label and every use: a tenth of the time to compile a block.
#pragma once

#include <cstdint>
#include <vector>

#include "tcg/backend_x86_64_assembler.h"

namespace kemu::tcg::x64 {

// x86 condition codes: the low nibble of Jcc, SETcc and CMOVcc.
enum class Cc : uint8_t {
    B = 0x2,
    AE = 0x3,
    E = 0x4,
    NE = 0x5,
    BE = 0x6,
    A = 0x7,
    L = 0xc,
    GE = 0xd,
    LE = 0xe,
    G = 0xf,
};

class BlockLabels {
  public:
    using Id = uint32_t;

    explicit BlockLabels(HostAssembler& code) : code_(code) {}

    // Forgets the last block's labels; ids 0..count-1 are new unbound labels.
    void reset(size_t count) {
        pos_.assign(count, kUnbound);
        fixups_.clear();
    }
    Id make() {
        pos_.push_back(kUnbound);
        return Id(pos_.size() - 1);
    }
    void bind(Id label) { pos_[label] = here(); }

    void jmp(Id label) { branch(label, 0xeb, 0xe9, -1); }
    void jcc(Cc cc, Id label) { branch(label, uint8_t(0x70 | uint8_t(cc)), 0x80, uint8_t(cc)); }
    void call(Id label) { code_.op_rel32({0xe8}, rel32_to(label)); }

    // Writes the displacement of every forward jump. False if one names a label that was
    // never bound (a backend bug: the block must not run).
    bool resolve() {
        for (const Fixup& f : fixups_) {
            if (pos_[f.label] == kUnbound) return false;
            code_.rewrite(f.at, uint32_t(int32_t(pos_[f.label] - (f.at + 4))), 4);
        }
        return true;
    }

  private:
    static constexpr uint32_t kUnbound = UINT32_MAX;
    struct Fixup {
        uint32_t at;  // the rel32's offset in the block
        Id label;
    };

    uint32_t here() const { return uint32_t(code_.getSize()); }

    // jmp (condition < 0: `short_op` rel8 or `near_op` rel32) or jcc (`short_op` rel8 or
    // 0F `near_op | cc` rel32).
    void branch(Id label, uint8_t short_op, uint8_t near_op, int condition) {
        if (pos_[label] != kUnbound) {
            const int64_t rel8 = int64_t(pos_[label]) - (here() + 2);
            if (rel8 >= -128) {
                code_.op_rel8(short_op, int8_t(rel8));
                return;
            }
        }
        if (condition >= 0) {
            code_.op_rel32({0x0f, uint8_t(near_op | condition)}, rel32_to(label, 2));
        } else {
            code_.op_rel32({near_op}, rel32_to(label));
        }
    }

    // The rel32 of a jump to `label` whose `opcode_bytes` start here: known for a label
    // behind, else 0 and a fixup for resolve().
    uint32_t rel32_to(Id label, uint32_t opcode_bytes = 1) {
        const uint32_t at = here() + opcode_bytes;
        if (pos_[label] != kUnbound) return uint32_t(int32_t(int64_t(pos_[label]) - (at + 4)));
        fixups_.push_back({at, label});
        return 0;
    }

    HostAssembler& code_;
    std::vector<uint32_t> pos_;
    std::vector<Fixup> fixups_;
};

}  // namespace kemu::tcg::x64
