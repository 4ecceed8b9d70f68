/*
 * realmode: protected mode -> 16-bit protected mode -> real mode and back
 * (SDM Vol. 3 9.9.2), running 16-bit code in between: segment arithmetic, the
 * 16-bit addressing forms (with BP-based forms defaulting to SS), offset
 * wrap-around at 64 KiB, far call/ret with a parameter count, INT n and IRET
 * through an IVT set up here, and #DE delivered through the IVT.
 *
 * The 16-bit code is copied to RM_BASE (real-mode code must lie below 1 MiB) and
 * stores what it observes in rm_results; main() compares against the SDM.
 */
#include "libguest32.h"

#define RM_BASE 0x20000
#define RM_SEG 0x2000
#define ALIAS_SEG 0x1f00 /* RM_BASE seen from another segment: offsets + 0x1000 */
#define DATA_SEG 0x3000
#define STACK_SEG 0x4000
#define USER_VECTOR 0x40
#define RM_CODE16_INDEX GDT_FREE_INDEX /* SEL_RM_CODE16 below */

enum {
    R_ALIAS_READ,     /* word written at DATA_SEG:0x10, read at (DATA_SEG+1):0 */
    R_WRAP_READ,      /* [bx+si] with bx+si = 0x10001 wraps to offset 1 */
    R_BP_SI,          /* [bp+si] uses SS */
    R_BP_DI_DISP8,    /* [bp+di+8] uses SS */
    R_BX_DI_DISP16,   /* [bx+di+0x1234] uses DS */
    R_DS_OVERRIDE_BP, /* ds:[bp] */
    R_FAR_CS,         /* CS seen by the far-called routine */
    R_FAR_PARAM,      /* parameter read by the callee */
    R_FAR_SP_DELTA,   /* SP after the call and lret $4, minus SP before the pushes */
    R_INT_CS,         /* CS pushed by INT n */
    R_INT_IP,         /* IP pushed by INT n (offset of the next instruction) */
    R_INT_FLAGS_IN,   /* FLAGS inside the handler */
    R_INT_FLAGS_PUSHED,
    R_INT_FLAGS_OUT, /* FLAGS after IRET */
    R_INT_AX,        /* value the handler returned in AX */
    R_DE_IP,         /* IP pushed by #DE: the DIV itself */
    R_DE_RESUMED,    /* set by the code after the DIV once the handler skipped it */
    R_CR0_PE,        /* CR0 low word in real mode */
    R_COUNT
};

extern const uint8_t rm_blob_start[], rm_blob_end[], rm_results[], rm_int_next[], rm_div[];
void run_realmode(void);

static uint16_t blob_offset(const uint8_t* label) {
    return (uint16_t)(label - rm_blob_start);
}

__asm__(
    ".set RM_BASE, 0x20000\n"
    ".set RM_SEG, 0x2000\n"
    ".set ALIAS_SEG, 0x1f00\n"
    ".set DATA_SEG, 0x3000\n"
    ".set STACK_SEG, 0x4000\n"
    ".set USER_VECTOR, 0x40\n"
    ".set SEL_CODE16, 0x18\n"
    ".set SEL_DATA16, 0x20\n"
    ".set SEL_CODE32, 0x08\n"
    ".set SEL_DATA32, 0x10\n"
    ".set SEL_RM_CODE16, 0x40\n"
    ".text\n"
    ".code32\n"
    ".globl run_realmode\n"
    "run_realmode:\n"
    "    pushal\n"
    "    mov %esp, rm_saved_esp\n"
    "    sidt rm_saved_idtr\n"
    "    ljmp $SEL_RM_CODE16, $(pm16_entry - rm_blob_start)\n"
    "pm32_return:\n"
    "    mov $SEL_DATA32, %eax\n"
    "    mov %eax, %ds\n"
    "    mov %eax, %es\n"
    "    mov %eax, %fs\n"
    "    mov %eax, %gs\n"
    "    mov %eax, %ss\n"
    "    mov rm_saved_esp, %esp\n"
    "    lidt rm_saved_idtr\n"
    "    popal\n"
    "    ret\n"
    ".data\n"
    "rm_saved_esp: .long 0\n"
    "rm_saved_idtr: .word 0\n .long 0\n"

    ".section .rodata.realmode, \"a\"\n"
    ".globl rm_blob_start, rm_blob_end, rm_results, rm_int_next, rm_div\n"
    "rm_blob_start:\n"
    ".code16\n"
    /* 16-bit protected mode, CS base RM_BASE: the same offsets as in real mode. */
    "pm16_entry:\n"
    "    mov $SEL_DATA16, %ax\n"
    "    mov %ax, %ds\n"
    "    mov %ax, %es\n"
    "    mov %ax, %fs\n"
    "    mov %ax, %gs\n"
    "    mov %ax, %ss\n"
    "    mov %cr0, %eax\n"
    "    and $~1, %eax\n"
    "    mov %eax, %cr0\n"
    "    ljmp $RM_SEG, $(real_entry - rm_blob_start)\n"
    "real_entry:\n"
    "    mov %cs, %ax\n"
    "    mov %ax, %ds\n"
    "    mov $STACK_SEG, %ax\n"
    "    mov %ax, %ss\n"
    "    mov $0xfffe, %sp\n"
    "    lidt rm_ivt_desc - rm_blob_start\n"
    "    smsw %ax\n"
    "    mov %ax, rm_results - rm_blob_start + 2*17\n"

    /* Segment arithmetic: DATA_SEG:0x10 and (DATA_SEG+1):0 are the same byte. */
    "    mov $DATA_SEG, %ax\n"
    "    mov %ax, %es\n"
    "    movw $0xbeef, %es:0x10\n"
    "    mov $DATA_SEG+1, %ax\n"
    "    mov %ax, %es\n"
    "    mov %es:0, %ax\n"
    "    mov %ax, rm_results - rm_blob_start + 2*0\n"

    /* 16-bit effective addresses wrap at 64 KiB: 0xffff + 2 is offset 1. */
    "    mov $DATA_SEG, %ax\n"
    "    mov %ax, %es\n"
    "    movw $0x1234, %es:1\n"
    "    mov $0xffff, %bx\n"
    "    mov $2, %si\n"
    "    mov %es:(%bx,%si), %ax\n"
    "    mov %ax, rm_results - rm_blob_start + 2*1\n"

    /* BP-based forms use SS; the same offsets in DS hold decoys. */
    "    mov $0x100, %bp\n"
    "    mov $0x20, %si\n"
    "    mov $0x40, %di\n"
    "    movw $0x5a5a, %ss:0x120\n"
    "    movw $0x7777, %ss:0x148\n"
    "    movw $0x0bad, %es:0x120\n"
    "    push %ds\n"
    "    mov $DATA_SEG, %ax\n"
    "    mov %ax, %ds\n"
    "    movw $0xdead, 0x120\n"
    "    movw $0xdead, 0x148\n"
    "    movw $0x4321, 0x100\n"
    "    movw $0x6789, 0x1234+0x140\n"
    "    mov (%bp,%si), %ax\n"
    "    mov %ax, %cx\n"
    "    mov 8(%bp,%di), %dx\n"
    "    mov $0x140, %bx\n"
    "    mov $0, %di\n"
    "    mov 0x1234(%bx,%di), %bx\n"
    "    mov %ds:(%bp), %si\n"
    "    pop %ds\n"
    "    mov %cx, rm_results - rm_blob_start + 2*2\n"
    "    mov %dx, rm_results - rm_blob_start + 2*3\n"
    "    mov %bx, rm_results - rm_blob_start + 2*4\n"
    "    mov %si, rm_results - rm_blob_start + 2*5\n"

    /* Far call through an alias segment, one word parameter, lret $2 pops it. */
    "    mov %sp, %di\n"
    "    pushw $0x4242\n"
    "    lcall $ALIAS_SEG, $(far_callee - rm_blob_start + 0x1000)\n"
    "    sub %di, %sp\n"
    "    mov %sp, rm_results - rm_blob_start + 2*8\n"
    "    mov %di, %sp\n"

    /* INT n through the IVT with IF set and CF clear: INT clears IF, the handler
     * sets CF in its own FLAGS, and IRET must bring back the caller's. The 8259s are
     * masked, so IF=1 lets nothing in. */
    "    xor %ax, %ax\n"
    "    mov %ax, %es\n"
    "    movw $(int_handler - rm_blob_start), %es:4*USER_VECTOR\n"
    "    movw $RM_SEG, %es:4*USER_VECTOR+2\n"
    "    movw $(de_handler - rm_blob_start), %es:0\n"
    "    movw $RM_SEG, %es:2\n"
    "    pushw $0x0204\n" /* IF and PF; bit 1 reads as 1 anyway */
    "    popf\n"
    "    mov $0x1111, %ax\n"
    "    int $USER_VECTOR\n"
    "rm_int_next:\n"
    "    pushf\n"
    "    pop %bx\n"
    "    mov %bx, rm_results - rm_blob_start + 2*13\n"
    "    mov %ax, rm_results - rm_blob_start + 2*14\n"

    /* #DE pushes the address of the DIV itself (a fault). */
    "    xor %bx, %bx\n"
    "    mov $1, %ax\n"
    "    xor %dx, %dx\n"
    "rm_div:\n"
    "    div %bx\n"
    "    movw $1, rm_results - rm_blob_start + 2*16\n"

    /* Back to protected mode; the GDTR is unchanged. */
    "    cli\n"
    "    mov %cr0, %eax\n"
    "    or $1, %eax\n"
    "    mov %eax, %cr0\n"
    "    ljmpl $SEL_CODE32, $pm32_return\n"

    "far_callee:\n"
    "    push %bp\n"
    "    mov %sp, %bp\n"
    "    mov %cs, %ax\n"
    "    mov %ax, %cs:(rm_results - rm_blob_start + 0x1000 + 2*6)\n"
    "    mov 6(%bp), %ax\n"
    "    mov %ax, %cs:(rm_results - rm_blob_start + 0x1000 + 2*7)\n"
    "    pop %bp\n"
    "    lret $2\n"

    "int_handler:\n"
    "    push %bp\n"
    "    mov %sp, %bp\n"
    "    pushf\n"
    "    pop %bx\n"
    "    mov %bx, rm_results - rm_blob_start + 2*11\n"
    "    mov 2(%bp), %bx\n"
    "    mov %bx, rm_results - rm_blob_start + 2*10\n"
    "    mov 4(%bp), %bx\n"
    "    mov %bx, rm_results - rm_blob_start + 2*9\n"
    "    mov 6(%bp), %bx\n"
    "    mov %bx, rm_results - rm_blob_start + 2*12\n"
    "    add $0x1111, %ax\n"
    "    stc\n"
    "    pop %bp\n"
    "    iret\n"

    "de_handler:\n"
    "    push %bp\n"
    "    mov %sp, %bp\n"
    "    mov 2(%bp), %bx\n"
    "    mov %bx, rm_results - rm_blob_start + 2*15\n"
    "    addw $2, 2(%bp)\n" /* skip the two-byte DIV */
    "    pop %bp\n"
    "    iret\n"

    "    .balign 2\n"
    "rm_ivt_desc:\n"
    "    .word 0x3ff\n"
    "    .long 0\n"
    "rm_results:\n"
    "    .fill 32, 2, 0xffff\n"
    "rm_blob_end:\n"
    ".code32\n"
    ".previous\n");

struct expectation {
    const char* what;
    uint16_t value;
};

int main(uint32_t mb_magic, uint32_t mb_info) {
    (void)mb_magic;
    (void)mb_info;
    uint8_t* base = (uint8_t*)RM_BASE;
    for (const uint8_t* p = rm_blob_start; p < rm_blob_end; p++)
        base[p - rm_blob_start] = *p;

    gdt_set_segment(RM_CODE16_INDEX, RM_BASE, 0xffff, SEG_CODE_XR, 0);
    run_realmode();
    printf("realmode: back in protected mode\n");

    const uint16_t* results = (const uint16_t*)(RM_BASE + blob_offset(rm_results));
    /* FLAGS bit 1 always reads as 1; INT clears IF and TF (SDM INT n, real-address mode). */
    const struct expectation expected[R_COUNT] = {
        [R_ALIAS_READ] = {"seg:off aliasing", 0xbeef},
        [R_WRAP_READ] = {"[bx+si] offset wrap at 64 KiB", 0x1234},
        [R_BP_SI] = {"[bp+si] defaults to SS", 0x5a5a},
        [R_BP_DI_DISP8] = {"[bp+di+8] defaults to SS", 0x7777},
        [R_BX_DI_DISP16] = {"[bx+di+disp16] uses DS", 0x6789},
        [R_DS_OVERRIDE_BP] = {"ds:[bp] override", 0x4321},
        [R_FAR_CS] = {"far call CS", ALIAS_SEG},
        [R_FAR_PARAM] = {"far call parameter", 0x4242},
        [R_FAR_SP_DELTA] = {"lret $2 SP balance", 0},
        [R_INT_CS] = {"INT pushed CS", RM_SEG},
        [R_INT_IP] = {"INT pushed IP", blob_offset(rm_int_next)},
        [R_INT_FLAGS_IN] = {"FLAGS in INT handler", 0x0006},
        [R_INT_FLAGS_PUSHED] = {"FLAGS pushed by INT", 0x0206},
        [R_INT_FLAGS_OUT] = {"FLAGS after IRET", 0x0206},
        [R_INT_AX] = {"INT handler result", 0x2222},
        [R_DE_IP] = {"#DE pushed IP", blob_offset(rm_div)},
        [R_DE_RESUMED] = {"resumed after #DE", 1},
    };
    for (unsigned i = 0; i < R_COUNT; i++) {
        if (i == R_CR0_PE) continue;
        if (results[i] != expected[i].value)
            fail("%s: 0x%04x, expected 0x%04x", expected[i].what, results[i], expected[i].value);
    }
    if (results[R_CR0_PE] & CR0_PE) fail("CR0.PE still set in real mode (0x%x)", results[R_CR0_PE]);
    printf("PASS realmode\n");
    return 0;
}
