/*
 * alu_flags: results and *defined* flags of the integer ALU instructions in 8, 16 and
 * 32 bits, on edge operands, with all arithmetic flags clear and then set going in.
 *
 * The expected values of alu_ops.def come from alu_flags_table.h, which
 * alu_flags_gen computed natively on the build host; the masks there drop what the
 * SDM leaves undefined. The BCD adjustments do not exist in 64-bit mode, so they are
 * checked against the SDM's pseudo-code, modelled below.
 */
#include "alu_ops.h"
#include "libguest32.h"

#include "alu_flags_table.h"

#define ARITH_FLAGS (EFLAGS_CF | EFLAGS_PF | EFLAGS_AF | EFLAGS_ZF | EFLAGS_SF | EFLAGS_OF)
#define MAX_REPORTS 20

static const char* const op_names[ALU_OP_COUNT] = {
#define X(id, kind, rule, size, insn) #id,
#include "alu_ops.def"
#undef X
};

static unsigned failures;

static void report(const char* op, const struct alu_regs* in, const char* what, uint32_t got,
                   uint32_t expected, uint32_t mask) {
    if (++failures > MAX_REPORTS) return;
    printf(
        "FAIL %s eax=0x%08x ebx=0x%08x ecx=0x%08x edx=0x%08x eflags=0x%03x: %s 0x%08x, "
        "expected 0x%08x (mask 0x%08x)\n",
        op, in->eax, in->ebx, in->ecx, in->edx, in->eflags, what, got, expected, mask);
}

static void check_table(void) {
    for (size_t i = 0; i < sizeof(alu_cases) / sizeof(alu_cases[0]); i++) {
        const struct alu_case* c = &alu_cases[i];
        struct alu_regs r = c->in;
        alu_stubs[c->op](&r);
        const char* name = op_names[c->op];
        if ((r.eax ^ c->eax) & c->eax_mask) report(name, &c->in, "eax", r.eax, c->eax, c->eax_mask);
        if ((r.edx ^ c->edx) & c->edx_mask) report(name, &c->in, "edx", r.edx, c->edx, c->edx_mask);
        if ((r.eflags ^ c->eflags) & c->flags_mask)
            report(name, &c->in, "flags", r.eflags & ARITH_FLAGS, c->eflags, c->flags_mask);
    }
    printf("alu_flags: %u table cases\n", (unsigned)(sizeof(alu_cases) / sizeof(alu_cases[0])));
}

/* --- BCD adjustments, SDM Vol. 2 pseudo-code --------------------------------- */

#define BCD_STUB(name, insn)                                                      \
    static void name(struct alu_regs* r) {                                        \
        uint32_t flags = r->eflags;                                               \
        __asm__ volatile("pushl %[f]\n\tpopfl\n\t" insn "\n\tpushfl\n\tpopl %[f]" \
                         : [f] "+r"(flags), "+a"(r->eax)                          \
                         :                                                        \
                         : "cc");                                                 \
        r->eflags = flags;                                                        \
    }
BCD_STUB(run_daa, "daa")
BCD_STUB(run_das, "das")
BCD_STUB(run_aaa, "aaa")
BCD_STUB(run_aas, "aas")
BCD_STUB(run_aam10, "aam")
BCD_STUB(run_aam7, "aam $7")
BCD_STUB(run_aad10, "aad")
BCD_STUB(run_aad7, "aad $7")

static uint32_t szp(uint8_t v) {
    uint32_t f = v ? 0 : EFLAGS_ZF;
    if (v & 0x80) f |= EFLAGS_SF;
    if (!(__builtin_popcount(v) & 1)) f |= EFLAGS_PF;
    return f;
}

/* Each model returns the new EAX and sets *flags to the defined flags. */
static uint32_t model_daa(uint32_t eax, uint32_t in, uint32_t* flags) {
    uint8_t al = (uint8_t)eax, old_al = al;
    bool old_cf = in & EFLAGS_CF, cf = false, af = false;
    if ((al & 0xf) > 9 || (in & EFLAGS_AF)) {
        cf = old_cf || al > 0xff - 6;
        al += 6;
        af = true;
    }
    if (old_al > 0x99 || old_cf) {
        al += 0x60;
        cf = true;
    } else {
        cf = false;
    }
    *flags = szp(al) | (cf ? EFLAGS_CF : 0) | (af ? EFLAGS_AF : 0);
    return (eax & ~0xffu) | al;
}

static uint32_t model_das(uint32_t eax, uint32_t in, uint32_t* flags) {
    uint8_t al = (uint8_t)eax, old_al = al;
    bool old_cf = in & EFLAGS_CF, cf = false, af = false;
    if ((al & 0xf) > 9 || (in & EFLAGS_AF)) {
        cf = old_cf || al < 6;
        al -= 6;
        af = true;
    }
    if (old_al > 0x99 || old_cf) {
        al -= 0x60;
        cf = true;
    }
    *flags = szp(al) | (cf ? EFLAGS_CF : 0) | (af ? EFLAGS_AF : 0);
    return (eax & ~0xffu) | al;
}

static uint32_t model_aaa(uint32_t eax, uint32_t in, uint32_t* flags) {
    uint16_t ax = (uint16_t)eax;
    bool adjust = (ax & 0xf) > 9 || (in & EFLAGS_AF);
    if (adjust) ax += 0x106;
    ax &= 0xff0f;
    *flags = adjust ? EFLAGS_AF | EFLAGS_CF : 0;
    return (eax & ~0xffffu) | ax;
}

static uint32_t model_aas(uint32_t eax, uint32_t in, uint32_t* flags) {
    uint16_t ax = (uint16_t)eax;
    bool adjust = (ax & 0xf) > 9 || (in & EFLAGS_AF);
    if (adjust) {
        ax -= 6;
        ax -= 0x100;
    }
    ax &= 0xff0f;
    *flags = adjust ? EFLAGS_AF | EFLAGS_CF : 0;
    return (eax & ~0xffffu) | ax;
}

static uint32_t model_aam(uint32_t eax, uint8_t base, uint32_t* flags) {
    uint8_t al = (uint8_t)eax;
    uint8_t ah = al / base, rem = al % base;
    *flags = szp(rem);
    return (eax & ~0xffffu) | (uint32_t)ah << 8 | rem;
}

static uint32_t model_aad(uint32_t eax, uint8_t base, uint32_t* flags) {
    uint8_t al = (uint8_t)((eax & 0xff) + ((eax >> 8) & 0xff) * base);
    *flags = szp(al);
    return (eax & ~0xffffu) | al;
}

struct bcd_op {
    const char* name;
    void (*run)(struct alu_regs*);
    uint32_t defined_flags;
    uint8_t base; /* AAM/AAD immediate; 0 for the others */
    uint32_t (*model)(uint32_t eax, uint32_t flags_in, uint32_t* flags);
    uint32_t (*model_base)(uint32_t eax, uint8_t base, uint32_t* flags);
};

static const struct bcd_op bcd_ops[] = {
    {"daa", run_daa, EFLAGS_CF | EFLAGS_AF | EFLAGS_SF | EFLAGS_ZF | EFLAGS_PF, 0, model_daa, 0},
    {"das", run_das, EFLAGS_CF | EFLAGS_AF | EFLAGS_SF | EFLAGS_ZF | EFLAGS_PF, 0, model_das, 0},
    {"aaa", run_aaa, EFLAGS_CF | EFLAGS_AF, 0, model_aaa, 0},
    {"aas", run_aas, EFLAGS_CF | EFLAGS_AF, 0, model_aas, 0},
    {"aam", run_aam10, EFLAGS_SF | EFLAGS_ZF | EFLAGS_PF, 10, 0, model_aam},
    {"aam 7", run_aam7, EFLAGS_SF | EFLAGS_ZF | EFLAGS_PF, 7, 0, model_aam},
    {"aad", run_aad10, EFLAGS_SF | EFLAGS_ZF | EFLAGS_PF, 10, 0, model_aad},
    {"aad 7", run_aad7, EFLAGS_SF | EFLAGS_ZF | EFLAGS_PF, 7, 0, model_aad},
};

static void check_bcd(void) {
    static const uint8_t high_bytes[] = {0x00, 0x05, 0x7f, 0xff};
    static const uint32_t flag_inputs[] = {0x002, 0x003, 0x012, 0x013, 0x8d7};
    unsigned count = 0;
    for (size_t o = 0; o < sizeof(bcd_ops) / sizeof(bcd_ops[0]); o++) {
        const struct bcd_op* op = &bcd_ops[o];
        for (unsigned al = 0; al < 256; al++) {
            for (size_t h = 0; h < sizeof(high_bytes); h++) {
                for (size_t f = 0; f < sizeof(flag_inputs) / sizeof(flag_inputs[0]); f++) {
                    struct alu_regs in = {.eax = 0xc3a50000 | (uint32_t)high_bytes[h] << 8 | al,
                                          .eflags = flag_inputs[f]};
                    struct alu_regs r = in;
                    op->run(&r);
                    uint32_t flags;
                    uint32_t eax = op->model ? op->model(in.eax, in.eflags, &flags)
                                             : op->model_base(in.eax, op->base, &flags);
                    if (r.eax != eax) report(op->name, &in, "eax", r.eax, eax, 0xffffffff);
                    if ((r.eflags ^ flags) & op->defined_flags)
                        report(op->name, &in, "flags", r.eflags & ARITH_FLAGS, flags,
                               op->defined_flags);
                    count++;
                }
            }
        }
    }
    printf("alu_flags: %u BCD cases\n", count);
}

int main(uint32_t mb_magic, uint32_t mb_info) {
    (void)mb_magic;
    (void)mb_info;
    check_table();
    check_bcd();
    if (failures) fail("alu_flags: %u mismatches", failures);
    printf("PASS alu_flags\n");
    return 0;
}
