/*
 * The x87 cases shared by the build-host oracle (x87_gen.c) and the guest test (x87.c):
 * the same instruction sequences run natively on the build host and in the guest, so
 * the host's x87 says what every result, status word and flag must be.
 *
 * Every case loads b then a (ST(0)=a, ST(1)=b) under one control word, runs one
 * instruction, and records FSW, CF/ZF/PF, ST(0), ST(1) and a 10-byte memory operand
 * that starts out holding a's bytes (so loads read a's bit pattern and stores show what
 * they wrote). Only memory operands appear in the asm: the guest is compiled with
 * -mgeneral-regs-only, and the sequence ends with FNINIT so no x87 state leaks out.
 */
#pragma once

#include <stdint.h>

struct x87_value {
    uint64_t mant;
    uint16_t sign_exp;
} __attribute__((packed));

struct x87_out {
    uint8_t st0[10], st1[10], mem[10];
    uint8_t sw[2];
    uint8_t cf, zf, pf;
};

static const struct x87_value x87_values[] = {
    {0x8000000000000000ull, 0x3fff}, /* 1.0 */
    {0xa000000000000000ull, 0xc000}, /* -2.5 */
    {0xc90fdaa22168c235ull, 0x4000}, /* pi */
    {0xaaaaaaaaaaaaaaabull, 0x3ffd}, /* 1/3 */
    {0, 0x0000},                     /* +0 */
    {0, 0x8000},                     /* -0 */
    {0x8000000000000000ull, 0x7fff}, /* +inf */
    {0xc000000000001234ull, 0x7fff}, /* QNaN */
    {0xa000000000000000ull, 0x7fff}, /* SNaN */
    {0x0000000000000001ull, 0x0000}, /* smallest denormal */
    {0xffffffffffffffffull, 0x7ffe}, /* largest finite */
    {0x8000000000000001ull, 0x0001}, /* smallest normal + 1 ulp */
    {0x1234567800000000ull, 0x3fff}, /* unnormal: integer bit clear */
    {0xfedcba9876543210ull, 0x403d}, /* ~9.17e18: fits int64 only */
    {0xc000000080000000ull, 0x401e}, /* 3221225472.5: beyond int32, a half to round */
    {0xb000000000000000ull, 0xc000}, /* -2.75 */
};
#define X87_VALUE_COUNT (sizeof(x87_values) / sizeof(x87_values[0]))

/* Precision control 24/53/64 bits x the four rounding modes, exceptions masked; then two
 * control words with every exception unmasked (the unmasked responses). */
static const uint16_t x87_cws[] = {
    0x007f, 0x047f, 0x087f, 0x0c7f, 0x027f, 0x067f, 0x0a7f,
    0x0e7f, 0x037f, 0x077f, 0x0b7f, 0x0f7f, 0x0340, 0x0a40,
};
#define X87_CW_COUNT (sizeof(x87_cws) / sizeof(x87_cws[0]))
#define X87_MASKED_CWS 12

/* -123456789012345678 in packed BCD, for FBLD (an invalid digit would be undefined). */
static const uint8_t x87_bcd[10] = {0x78, 0x56, 0x34, 0x12, 0x90, 0x78, 0x56, 0x34, 0x12, 0x80};

enum x87_group { X87_ARITH, X87_COMPARE, X87_TRANSCENDENTAL, X87_STACK, X87_CONVERT };
#define X87_GROUP_COUNT 5

/* name, group, instruction text (AT&T; %[m] is the memory operand) */
#define X87_OPS(X)                                      \
    X(fadd, X87_ARITH, "fadd %%st(1), %%st")            \
    X(faddp, X87_ARITH, "faddp %%st, %%st(1)")          \
    X(fsub, X87_ARITH, "fsub %%st(1), %%st")            \
    X(fsubr, X87_ARITH, "fsubr %%st(1), %%st")          \
    X(fsub_sti, X87_ARITH, "fsub %%st, %%st(1)")        \
    X(fmul, X87_ARITH, "fmul %%st(1), %%st")            \
    X(fdiv, X87_ARITH, "fdiv %%st(1), %%st")            \
    X(fdivr, X87_ARITH, "fdivr %%st(1), %%st")          \
    X(fdivrp, X87_ARITH, "fdivrp %%st, %%st(1)")        \
    X(fadd_m32, X87_ARITH, "fadds %[m]")                \
    X(fmul_m64, X87_ARITH, "fmull %[m]")                \
    X(fiadd_m16, X87_ARITH, "fiadds %[m]")              \
    X(fidivr_m32, X87_ARITH, "fidivrl %[m]")            \
    X(fsqrt, X87_ARITH, "fsqrt")                        \
    X(frndint, X87_ARITH, "frndint")                    \
    X(fabs, X87_ARITH, "fabs")                          \
    X(fchs, X87_ARITH, "fchs")                          \
    X(fxtract, X87_ARITH, "fxtract")                    \
    X(fscale, X87_ARITH, "fscale")                      \
    X(fprem, X87_ARITH, "fprem")                        \
    X(fprem1, X87_ARITH, "fprem1")                      \
    X(fcom, X87_COMPARE, "fcom %%st(1)")                \
    X(fcom_m64, X87_COMPARE, "fcoml %[m]")              \
    X(fcompp, X87_COMPARE, "fcompp")                    \
    X(fucom, X87_COMPARE, "fucom %%st(1)")              \
    X(fucompp, X87_COMPARE, "fucompp")                  \
    X(fcomi, X87_COMPARE, "fcomi %%st(1), %%st")        \
    X(fucomip, X87_COMPARE, "fucomip %%st(1), %%st")    \
    X(ftst, X87_COMPARE, "ftst")                        \
    X(fxam, X87_COMPARE, "fxam")                        \
    X(fsin, X87_TRANSCENDENTAL, "fsin")                 \
    X(fcos, X87_TRANSCENDENTAL, "fcos")                 \
    X(fsincos, X87_TRANSCENDENTAL, "fsincos")           \
    X(fptan, X87_TRANSCENDENTAL, "fptan")               \
    X(fpatan, X87_TRANSCENDENTAL, "fpatan")             \
    X(f2xm1, X87_TRANSCENDENTAL, "f2xm1")               \
    X(fyl2x, X87_TRANSCENDENTAL, "fyl2x")               \
    X(fyl2xp1, X87_TRANSCENDENTAL, "fyl2xp1")           \
    X(fxch, X87_STACK, "fxch %%st(1)")                  \
    X(fld1, X87_STACK, "fld1")                          \
    X(fldz, X87_STACK, "fldz")                          \
    X(fldpi, X87_STACK, "fldpi")                        \
    X(fldl2e, X87_STACK, "fldl2e")                      \
    X(fldl2t, X87_STACK, "fldl2t")                      \
    X(fldlg2, X87_STACK, "fldlg2")                      \
    X(fldln2, X87_STACK, "fldln2")                      \
    X(fincstp, X87_STACK, "fincstp")                    \
    X(fdecstp, X87_STACK, "fdecstp")                    \
    X(ffree, X87_STACK, "ffree %%st(1)")                \
    X(fld_sti, X87_STACK, "fld %%st(1)")                \
    X(fst_sti, X87_STACK, "fst %%st(1)")                \
    X(fstp_sti, X87_STACK, "fstp %%st(1)")              \
    X(fcmovb, X87_STACK, "stc; fcmovb %%st(1), %%st")   \
    X(fcmovnb, X87_STACK, "stc; fcmovnb %%st(1), %%st") \
    X(fcmove, X87_STACK, "fcmove %%st(1), %%st")        \
    X(fcmovne, X87_STACK, "fcmovne %%st(1), %%st")      \
    X(fcmovbe, X87_STACK, "fcmovbe %%st(1), %%st")      \
    X(fcmovnbe, X87_STACK, "fcmovnbe %%st(1), %%st")    \
    X(fcmovu, X87_STACK, "fcmovu %%st(1), %%st")        \
    X(fcmovnu, X87_STACK, "fcmovnu %%st(1), %%st")      \
    X(filds, X87_CONVERT, "filds %[m]")                 \
    X(fildl, X87_CONVERT, "fildl %[m]")                 \
    X(fildll, X87_CONVERT, "fildll %[m]")               \
    X(flds, X87_CONVERT, "flds %[m]")                   \
    X(fldl, X87_CONVERT, "fldl %[m]")                   \
    X(fldt_m, X87_CONVERT, "fldt %[m]")                 \
    X(fbld, X87_CONVERT, "fbld %[bcd]")                 \
    X(fists, X87_CONVERT, "fists %[m]")                 \
    X(fistl, X87_CONVERT, "fistl %[m]")                 \
    X(fistpll, X87_CONVERT, "fistpll %[m]")             \
    X(fisttps, X87_CONVERT, "fisttps %[m]")             \
    X(fisttpl, X87_CONVERT, "fisttpl %[m]")             \
    X(fisttpll, X87_CONVERT, "fisttpll %[m]")           \
    X(fsts, X87_CONVERT, "fsts %[m]")                   \
    X(fstl, X87_CONVERT, "fstl %[m]")                   \
    X(fstpt_m, X87_CONVERT, "fstpt %[m]")               \
    X(fbstp, X87_CONVERT, "fbstp %[m]")

enum x87_op_id {
#define X87_ID(name, group, text) X87_OP_##name,
    X87_OPS(X87_ID)
#undef X87_ID
        X87_OP_COUNT
};

typedef void (*x87_case_fn)(struct x87_out* out, uint16_t cw, const struct x87_value* a,
                            const struct x87_value* b);

/* Outputs start zeroed (a store an unmasked exception suppresses leaves them so) and
 * the memory operand as a's bytes; plain loops, as the guest has no C library. */
static void x87_prepare(struct x87_out* out, const struct x87_value* a) {
    uint8_t* o = (uint8_t*)out;
    for (unsigned i = 0; i < sizeof *out; i++)
        o[i] = 0;
    for (unsigned i = 0; i < 10; i++)
        out->mem[i] = ((const uint8_t*)a)[i];
}

/* The flags start as CF=0 ZF=1 PF=1 (CMP of ESP with itself) so every case is
 * deterministic; FCMOVcc and FCOMI rows see or set them. The status word is read before
 * anything else can change it, FNCLEX keeps an unmasked exception from trapping at the
 * next waiting instruction, and each store is followed by one for the same reason. */
#define X87_CASE_FN(name, group, text)                                                        \
    static void x87_case_##name(struct x87_out* out, uint16_t cw, const struct x87_value* a,  \
                                const struct x87_value* b) {                                  \
        x87_prepare(out, a);                                                                  \
        __asm__ volatile(                                                                     \
            "fninit\n\tfldcw %[cw]\n\tfldt %[b]\n\tfldt %[a]\n\t"                             \
            "cmp %%esp, %%esp\n\t" text                                                       \
            "\n\t"                                                                            \
            "fnstsw %[sw]\n\tsetc %[cf]\n\tsetz %[zf]\n\tsetp %[pf]\n\t"                      \
            "fnclex\n\tfstpt %[st0]\n\tfnclex\n\tfstpt %[st1]\n\tfninit"                      \
            : [m] "+m"(out->mem), [sw] "=m"(out->sw), [cf] "=m"(out->cf), [zf] "=m"(out->zf), \
              [pf] "=m"(out->pf), [st0] "+m"(out->st0), [st1] "+m"(out->st1)                  \
            : [cw] "m"(cw), [a] "m"(*a), [b] "m"(*b), [bcd] "m"(x87_bcd)                      \
            : "cc", "memory");                                                                \
    }
X87_OPS(X87_CASE_FN)
#undef X87_CASE_FN

static const x87_case_fn x87_case_fns[X87_OP_COUNT] = {
#define X87_FN(name, group, text) x87_case_##name,
    X87_OPS(X87_FN)
#undef X87_FN
};

/* FNV-1a over the outcomes of one op under one control word with a fixed a, b varying. */
static uint64_t x87_hash_row(unsigned op, unsigned cw, unsigned a) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned b = 0; b < X87_VALUE_COUNT; b++) {
        struct x87_out out;
        x87_case_fns[op](&out, x87_cws[cw], &x87_values[a], &x87_values[b]);
        const uint8_t* p = (const uint8_t*)&out;
        for (unsigned i = 0; i < sizeof out; i++)
            h = (h ^ p[i]) * 0x100000001b3ull;
    }
    return h;
}

/* FNSAVE (32- and 16-bit layouts) of a stack with valid, zero, special and empty
 * registers, TOP not 0, and a sticky exception flag; FXAM last defines C0-C3. */
#define X87_SAVE_SEQUENCE                                                                  \
    "fninit\n\tfldcw %[cw]\n\tfldt %[a]\n\tfldt %[b]\n\tfldz\n\tfld1\n\tffree %%st(1)\n\t" \
    "fldt %[c]\n\tfsqrt\n\tfxam\n\t"
static void x87_save32(uint8_t image[108]) {
    static const uint16_t cw = 0x0a7f;
    __asm__ volatile(
        X87_SAVE_SEQUENCE "fnsave %[img]\n\tfninit"
        : [img] "=m"(*(uint8_t(*)[108])image)
        : [cw] "m"(cw), [a] "m"(x87_values[2]), [b] "m"(x87_values[9]), [c] "m"(x87_values[1])
        : "memory");
}
static void x87_save16(uint8_t image[94]) {
    static const uint16_t cw = 0x0a7f;
    __asm__ volatile(
        X87_SAVE_SEQUENCE ".byte 0x66\n\tfnsave %[img]\n\tfninit"
        : [img] "=m"(*(uint8_t(*)[94])image)
        : [cw] "m"(cw), [a] "m"(x87_values[2]), [b] "m"(x87_values[9]), [c] "m"(x87_values[1])
        : "memory");
}

/* The x87 state handed between the host FPU, where a vCPU keeps it while every exception is
 * masked, and whatever else reads or writes it: FNSTSW in the middle of a run of arithmetic,
 * FNSAVE and FRSTOR, MMX (which sets TOP to 0 and tags every register valid), and
 * arithmetic again after each. Records the FNSTSW word, an FNSAVE image after the
 * arithmetic, one after MMX, and what MMX read. Every register starts out +0, so the
 * empty ones hold the same bytes on the host and in the guest. */
struct x87_handoff {
    uint8_t sw[2];
    uint8_t mmx[8];
    uint8_t image[108];
    uint8_t after_mmx[108];
};
static void x87_handoff(struct x87_handoff* out) {
    static const uint16_t cw = 0x037f;
    __asm__ volatile(
        "fninit\n\tfldz\n\tfldz\n\tfldz\n\tfldz\n\tfldz\n\tfldz\n\tfldz\n\tfldz\n\t"
        "fninit\n\tfldcw %[cw]\n\tfldt %[a]\n\tfldt %[b]\n\tfmul %%st(1), %%st\n\t"
        "fnstsw %[sw]\n\tfld1\n\tfaddp\n\tfnsave %[image]\n\tfrstor %[image]\n\t"
        "fldpi\n\tfdivrp\n\tmovq %[c], %%mm1\n\tmovq %%mm1, %[mmx]\n\t"
        "fnsave %[after]\n\temms\n\tfninit"
        : [sw] "=m"(out->sw), [mmx] "=m"(out->mmx), [image] "+m"(out->image),
          [after] "=m"(out->after_mmx)
        : [cw] "m"(cw), [a] "m"(x87_values[2]), [b] "m"(x87_values[3]), [c] "m"(x87_values[13])
        : "memory");
}
