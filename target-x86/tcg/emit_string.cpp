// String instructions. They run in a helper: REP forms loop there, stop early when
// an interrupt is pending, and are restartable after a fault in mid-string because
// the helper keeps rSI/rDI/rCX architectural after every iteration.
#include "target-x86/tcg/emit.h"

namespace kemu::x86 {

namespace {

StringKind string_kind(Op op) {
    switch (op) {
        case Op::Movs:
            return StringKind::Movs;
        case Op::Cmps:
            return StringKind::Cmps;
        case Op::Stos:
            return StringKind::Stos;
        case Op::Lods:
            return StringKind::Lods;
        case Op::Scas:
            return StringKind::Scas;
        case Op::Ins:
            return StringKind::Ins;
        default:
            return StringKind::Outs;
    }
}

void emit_string(Ctx& c) {
    StringKind kind = string_kind(c.in->op);
    bool compares = kind == StringKind::Cmps || kind == StringKind::Scas;
    RepKind rep = RepKind::None;
    if (c.in->rep) rep = compares ? RepKind::Repe : RepKind::Rep;
    if (c.in->repne) rep = compares ? RepKind::Repne : RepKind::Rep;
    unsigned size = (c.in->opcode & 1) ? c.in->opsize : 1;
    unsigned seg = c.in->seg_override >= 0 ? unsigned(c.in->seg_override) : DS;
    uint64_t bits = string_op_bits(kind, log2_size(size), rep, c.in->addrsize, seg);
    TempId next = c.b.call(kHelper_string_op, {c.b.cst(bits), c.b.cst(c.next_rip)});
    if (compares) set_cc_dynamic(c);
    if (rep != RepKind::None) jump_indirect(c, next);
}

}  // namespace

void register_string_emitters(EmitterTable& t) {
    for (Op op : {Op::Movs, Op::Cmps, Op::Stos, Op::Lods, Op::Scas, Op::Ins, Op::Outs})
        t[op] = emit_string;
}

}  // namespace kemu::x86
