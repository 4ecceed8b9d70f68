/*
 * Build-host program: runs every instruction of alu_ops.def natively on edge
 * operands and writes the outcomes, with the masks of what the SDM defines, as
 * alu_flags_table.h for the alu_flags guest test. The build host's CPU is the oracle
 * for results and defined flags; the masks come from the SDM's "Flags Affected".
 *
 * Usage: alu_flags_gen OUTPUT.h
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "alu_ops.h"

#define CF 0x001u
#define PF 0x004u
#define AF 0x010u
#define ZF 0x040u
#define SF 0x080u
#define OF 0x800u
#define ARITH_FLAGS (CF | PF | AF | ZF | SF | OF)
#define EFLAGS_FIXED 0x002u

enum kind { BIN, UNARY, SHIFT, SHIFTD, MUL, IMUL3, DIV, IDIV, BITREG, SCAN };
enum rule {
    ALL,
    LOGIC,
    SHIFT1,
    SHIFT_LOGICAL,
    SHIFT_ARITH,
    ROTATE,
    SHIFT_DOUBLE,
    MULTIPLY,
    DIVIDE,
    BIT_TEST,
    BIT_SCAN
};

struct op_info {
    const char* name;
    enum kind kind;
    enum rule rule;
    unsigned size;
};

static const struct op_info ops[ALU_OP_COUNT] = {
#define X(id, kind, rule, size, insn) {#id, kind, rule, size},
#include "alu_ops.def"
#undef X
};

static const uint32_t values8[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 0x5a};
static const uint32_t values16[] = {0x0000, 0x0001, 0x7fff, 0x8000, 0xffff, 0x5a5a};
static const uint32_t values32[] = {0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x5a5a5a5a};
#define VALUE_COUNT 6
static const uint32_t counts[] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33};
#define COUNT_COUNT (sizeof(counts) / sizeof(counts[0]))
static const uint32_t shiftd_sources[] = {0, 0xffffffff, 0x5a5a5a5a, 0x80000001};
/* EFLAGS going in: all arithmetic flags clear, then all set, so that a flag the
 * instruction must leave alone is seen either way. */
static const uint32_t flags_in[] = {EFLAGS_FIXED, EFLAGS_FIXED | ARITH_FLAGS};

static const uint32_t* values(unsigned size) {
    return size == 8 ? values8 : size == 16 ? values16 : values32;
}

static uint32_t size_mask(unsigned size) {
    return size == 32 ? 0xffffffffu : (1u << size) - 1;
}

/* Bits above the operand that the instruction must preserve. */
static uint32_t junk(unsigned size, uint32_t pattern) {
    return pattern & ~size_mask(size);
}

/* The flags the SDM defines for this instance ("Flags Affected"); flags it leaves
 * unaffected count as defined (they must keep their value). */
static uint32_t flags_mask(const struct op_info* op, const struct alu_regs* in) {
    uint32_t count = in->ecx & 31;
    switch (op->rule) {
        case ALL:
            return ARITH_FLAGS;
        case LOGIC:
            return ARITH_FLAGS & ~AF;
        case SHIFT1:
            return ARITH_FLAGS & ~AF;
        case SHIFT_LOGICAL:
        case SHIFT_ARITH:
            if (count == 0) return ARITH_FLAGS;
            return (CF | PF | ZF | SF | (count == 1 ? OF : 0)) &
                   ~(op->rule == SHIFT_LOGICAL && count >= op->size ? CF : 0);
        case ROTATE:
            return count <= 1 ? ARITH_FLAGS : ARITH_FLAGS & ~OF;
        case SHIFT_DOUBLE:
            if (count == 0) return ARITH_FLAGS;
            if (count > op->size) return 0;
            return CF | PF | ZF | SF | (count == 1 ? OF : 0);
        case MULTIPLY:
            return CF | OF;
        case DIVIDE:
            return 0;
        case BIT_TEST:
            return CF | ZF;
        case BIT_SCAN:
            return ZF;
    }
    abort();
}

static uint32_t eax_mask(const struct op_info* op, const struct alu_regs* in) {
    if (op->rule == SHIFT_DOUBLE && (in->ecx & 31) > op->size) return ~size_mask(op->size);
    if (op->rule == BIT_SCAN && !(in->ebx & size_mask(op->size))) return ~size_mask(op->size);
    return 0xffffffffu;
}

/* Whether DIV/IDIV would raise #DE (divisor 0 or quotient out of range). */
static int divide_faults(const struct op_info* op, const struct alu_regs* in) {
    unsigned s = op->size;
    uint64_t dividend = s == 8    ? in->eax & 0xffff
                        : s == 16 ? ((in->edx & 0xffff) << 16) | (in->eax & 0xffff)
                                  : ((uint64_t)in->edx << 32) | in->eax;
    uint32_t divisor = in->ebx & size_mask(s);
    if (!divisor) return 1;
    if (op->kind == DIV) return dividend / divisor > size_mask(s);
    int64_t sdividend = (int64_t)(dividend << (64 - 2 * s)) >> (64 - 2 * s);
    int64_t sdivisor = (int64_t)((uint64_t)divisor << (64 - s)) >> (64 - s);
    if (sdivisor == -1 && sdividend == INT64_MIN) return 1;
    int64_t q = sdividend / sdivisor;
    int64_t limit = (int64_t)1 << (s - 1);
    return q < -limit || q >= limit;
}

static FILE* out;
static unsigned cases;

static void emit(unsigned id, struct alu_regs in) {
    const struct op_info* op = &ops[id];
    for (unsigned f = 0; f < 2; f++) {
        in.eflags = flags_in[f];
        if ((op->kind == DIV || op->kind == IDIV) && divide_faults(op, &in)) return;
        struct alu_regs r = in;
        alu_stubs[id](&r);
        fprintf(out,
                "    {ALU_%s, {0x%08x, 0x%08x, 0x%08x, 0x%08x, 0x%03x}, 0x%08x, 0x%08x, 0x%03x, "
                "0x%08x, 0xffffffff, 0x%03x},\n",
                op->name, in.eax, in.ebx, in.ecx, in.edx, in.eflags, r.eax, r.edx,
                r.eflags & ARITH_FLAGS, eax_mask(op, &in), flags_mask(op, &in));
        cases++;
    }
}

static void generate(unsigned id) {
    const struct op_info* op = &ops[id];
    const uint32_t* v = values(op->size);
    unsigned s = op->size;
    struct alu_regs in = {0, 0x5a5aa5a5, 0x3c3cc3c3, 0x77777777, 0};
    for (unsigned i = 0; i < VALUE_COUNT; i++) {
        in.eax = v[i] | junk(s, 0xdeadbeef);
        switch (op->kind) {
            case UNARY:
                emit(id, in);
                break;
            case BIN:
            case MUL:
                for (unsigned j = 0; j < VALUE_COUNT; j++) {
                    in.ebx = v[j] | junk(s, 0xc0ffee00);
                    emit(id, in);
                }
                break;
            case IMUL3:
            case SCAN:
                in.ebx = v[i] | junk(s, 0xc0ffee00);
                emit(id, in);
                in.ebx = (0x10u << (s / 2)) | junk(s, 0xc0ffee00);
                emit(id, in);
                break;
            case SHIFT:
            case BITREG:
                for (unsigned c = 0; c < COUNT_COUNT; c++) {
                    in.ecx = counts[c] | 0xabcd0000;
                    if (op->kind == SHIFT) in.ecx = (in.ecx & ~0xffu) | counts[c];
                    emit(id, in);
                }
                break;
            case SHIFTD:
                for (unsigned d = 0; d < 4; d++) {
                    in.edx = shiftd_sources[d];
                    for (unsigned c = 0; c < COUNT_COUNT; c++) {
                        in.ecx = 0xabcd0000 | counts[c];
                        emit(id, in);
                    }
                }
                break;
            case DIV:
            case IDIV:
                for (unsigned j = 0; j < VALUE_COUNT; j++) {
                    for (unsigned k = 0; k < VALUE_COUNT; k++) {
                        in.ebx = v[k] | junk(s, 0xc0ffee00);
                        if (s == 8) {
                            in.eax = ((v[j] << 8) | v[i]) | 0xdead0000;
                        } else {
                            in.edx = v[j] | junk(s, 0x77777777);
                        }
                        emit(id, in);
                    }
                }
                break;
        }
    }
}

int main(int argc, char** argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUTPUT.h\n", argv[0]);
        return 2;
    }
    out = fopen(argv[1], "w");
    if (!out) {
        perror(argv[1]);
        return 1;
    }
    fprintf(out, "/* Generated by alu_flags_gen.c on the build host; do not edit. */\n");
    fprintf(out, "static const struct alu_case alu_cases[] = {\n");
    for (unsigned id = 0; id < ALU_OP_COUNT; id++)
        generate(id);
    fprintf(out, "};\n");
    if (fclose(out)) {
        perror(argv[1]);
        return 1;
    }
    fprintf(stderr, "alu_flags_gen: %u cases\n", cases);
    return 0;
}
