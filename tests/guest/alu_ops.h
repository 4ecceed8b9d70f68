/*
 * The ALU instruction stubs of alu_ops.def, shared by alu_flags (32-bit guest) and
 * alu_flags_gen (64-bit build host, the oracle that computes the expected values).
 */
#pragma once

#include <stdint.h>

enum alu_op {
#define X(id, kind, rule, size, insn) ALU_##id,
#include "alu_ops.def"
#undef X
    ALU_OP_COUNT
};

struct alu_regs {
    uint32_t eax, ebx, ecx, edx, eflags;
};

/* Loads EFLAGS, runs one instruction on the registers, saves EFLAGS. PUSHF/POPF
 * take the native width, so the same text serves both builds. */
#define X(id, kind, rule, size, insn)                                                              \
    static inline void alu_##id(struct alu_regs* r) {                                              \
        uintptr_t flags = r->eflags;                                                               \
        __asm__ volatile("push %[f]\n\tpopf\n\t" insn "\n\tpushf\n\tpop %[f]"                      \
                         : [f] "+r"(flags), "+a"(r->eax), "+b"(r->ebx), "+c"(r->ecx), "+d"(r->edx) \
                         :                                                                         \
                         : "cc", "memory");                                                        \
        r->eflags = (uint32_t)flags;                                                               \
    }
#include "alu_ops.def"
#undef X

static void (*const alu_stubs[ALU_OP_COUNT])(struct alu_regs*) = {
#define X(id, kind, rule, size, insn) alu_##id,
#include "alu_ops.def"
#undef X
};

/* One expected outcome, emitted by alu_flags_gen into alu_flags_table.h. */
struct alu_case {
    uint16_t op;
    struct alu_regs in;
    uint32_t eax, edx, eflags;
    uint32_t eax_mask, edx_mask, flags_mask; /* bits the SDM defines */
};
