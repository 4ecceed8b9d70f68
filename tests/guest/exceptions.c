/*
 * exceptions: delivery of the architectural exceptions in 32-bit protected mode with
 * the vector, error code and saved EIP the SDM gives (Vol. 3 chapter 6 and the
 * instruction pages): #DE, #BR, #UD, #GP and #NP on segment loads with their
 * selector error codes, #GP on limit and write checks of data accesses, #SS, #DF,
 * #AC at CPL 3, INT3/INTO/INT1, single-step with the MOV SS shadow, the STI
 * interrupt shadow, and DR0-DR3 execute and data breakpoints with DR6.
 */
#include "libguest32.h"

#define IDX_CODE_XONLY (GDT_FREE_INDEX + 1)
#define IDX_DATA_LIMIT (GDT_FREE_INDEX + 2)
#define IDX_DATA_RO (GDT_FREE_INDEX + 3)
#define IDX_DATA_NOT_PRESENT (GDT_FREE_INDEX + 4)
#define IDX_USER_STACK_LIMIT (GDT_FREE_INDEX + 5)
#define IDX_STACK_NOT_PRESENT (GDT_FREE_INDEX + 6)
#define LIMITED_BASE 0x70000
#define LIMITED_LIMIT 0xfff

#define VEC_DE 0
#define VEC_DB 1
#define VEC_BP 3
#define VEC_OF 4
#define VEC_BR 5
#define VEC_UD 6
#define VEC_DF 8
#define VEC_NP 11
#define VEC_SS 12
#define VEC_GP 13
#define VEC_AC 17
#define VEC_NOT_PRESENT_GATE 0x50
#define VEC_SELF_IPI 0x41

#define DR6_B0 (1u << 0)
#define DR6_B1 (1u << 1)
#define DR6_BS (1u << 14)
#define DR7_L0 (1u << 0)
#define DR7_L1 (1u << 2)
#define DR7_GE (1u << 9)
#define DR7_RW1_WRITE (1u << 20)
#define DR7_RW1_RW (3u << 20)
#define DR7_LEN1_4 (3u << 22)

#define LAPIC_BASE 0xfee00000u
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_ICR_LOW 0x300
#define LAPIC_SVR_ENABLE 0x100
#define ICR_SELF (1u << 18)
#define ICR_PENDING (1u << 12)

#define ERROR_IDT 0x2 /* error code bit 1: the index refers to the IDT */

static uint8_t user_stack[4096] __attribute__((aligned(16)));

/* Runs insn under TRY and returns the address of insn itself in *at. */
#define PROVOKE(insn) "movl $1f, %[at]\n\t" TRY("1: " insn)

static void expect_fault(const char* what, uint8_t vector, uint32_t error_code, uint32_t eip) {
    struct fault f = fault_taken();
    if (!f.taken) fail("%s: no exception, expected vector %u", what, vector);
    if (f.error_code != error_code)
        fail("%s: error code 0x%x, expected 0x%x", what, f.error_code, error_code);
    if (f.eip != eip) fail("%s: saved EIP 0x%x, expected 0x%x", what, f.eip, eip);
    CHECK_EQ(f.vector, vector);
}

/* For checks QEMU TCG is known to skip: a missing fault is an XFAIL there. */
static void expect_fault_sdm(const char* what, uint32_t error_code, uint32_t eip) {
    struct fault f = fault_taken();
    CHECK_SDM(f.taken, what);
    if (!f.taken) return;
    if (f.error_code != error_code || f.eip != eip)
        fail("%s: error code 0x%x eip 0x%x, expected 0x%x and 0x%x", what, f.error_code, f.eip,
             error_code, eip);
}

static void test_divide_and_bound(void) {
    uint32_t at;
    expect_exception(VEC_DE);
    __asm__ volatile(PROVOKE("divl %%ecx") : [at] "=m"(at) : "a"(1), "d"(0), "c"(0) : "memory");
    expect_fault("div by 0", VEC_DE, 0, at);

    expect_exception(VEC_DE);
    __asm__ volatile(PROVOKE("idivl %%ecx")
                     : [at] "=m"(at)
                     : "a"(0x80000000), "d"(0xffffffff), "c"(-1)
                     : "memory");
    expect_fault("idiv overflow", VEC_DE, 0, at);

    static const int32_t bounds[2] = {10, 20};
    expect_exception(VEC_BR);
    __asm__ volatile(PROVOKE("boundl %%eax, %[b]")
                     : [at] "=m"(at)
                     : "a"(21), [b] "m"(bounds)
                     : "memory");
    expect_fault("bound above", VEC_BR, 0, at);
    expect_exception(VEC_BR);
    __asm__ volatile(PROVOKE("boundl %%eax, %[b]")
                     : [at] "=m"(at)
                     : "a"(9), [b] "m"(bounds)
                     : "memory");
    expect_fault("bound below", VEC_BR, 0, at);
    /* In range: no exception (one would be unexpected and end the test). */
    __asm__ volatile("boundl %%eax, %[b]" ::"a"(20), [b] "m"(bounds));
}

static void test_invalid_opcode(void) {
    uint32_t at, scratch = 0;
    expect_exception(VEC_UD);
    __asm__ volatile(PROVOKE("ud2") : [at] "=m"(at)::"memory");
    expect_fault("ud2", VEC_UD, 0, at);

    expect_exception(VEC_UD);
    __asm__ volatile(PROVOKE(".byte 0xf0, 0x90") : [at] "=m"(at)::"memory");
    expect_fault("lock nop", VEC_UD, 0, at);

    expect_exception(VEC_UD);
    __asm__ volatile(PROVOKE(".byte 0xf0, 0x01, 0xc3")
                     : [at] "=m"(at)::"memory"); /* lock add %eax,%ebx */
    expect_fault("lock add to a register", VEC_UD, 0, at);

    expect_exception(VEC_UD);
    __asm__ volatile(PROVOKE(".byte 0xf0\n\tmovl %%eax, %[s]")
                     : [at] "=m"(at), [s] "=m"(scratch)
                     : "a"(1)
                     : "memory");
    expect_fault_sdm("lock mov to memory is #UD", 0, at);
}

static void test_segment_loads(void) {
    uint32_t at;
    struct {
        const char* what;
        uint16_t selector;
        uint8_t vector;
        uint32_t error_code;
    } loads[] = {
        {"DS <- selector beyond the GDT limit", 0xfff8, VEC_GP, 0xfff8},
        {"DS <- TSS descriptor", SEL_TSS, VEC_GP, SEL_TSS},
        {"DS <- execute-only code", SELECTOR(IDX_CODE_XONLY, 0), VEC_GP,
         SELECTOR(IDX_CODE_XONLY, 0)},
        {"DS <- DPL 0 data with RPL 3", SEL_DATA32 | 3, VEC_GP, SEL_DATA32},
        {"DS <- not-present data", SELECTOR(IDX_DATA_NOT_PRESENT, 0), VEC_NP,
         SELECTOR(IDX_DATA_NOT_PRESENT, 0)},
    };
    for (size_t i = 0; i < sizeof(loads) / sizeof(loads[0]); i++) {
        expect_exception(loads[i].vector);
        __asm__ volatile(PROVOKE("mov %[sel], %%ds")
                         : [at] "=m"(at)
                         : [sel] "r"((uint32_t)loads[i].selector)
                         : "memory");
        __asm__ volatile("mov %0, %%ds" ::"r"(SEL_DATA32));
        expect_fault(loads[i].what, loads[i].vector, loads[i].error_code, at);
    }

    expect_exception(VEC_SS);
    __asm__ volatile("mov %%ss, %%edx\n\t" PROVOKE("mov %[sel], %%ss") "mov %%edx, %%ss"
                     : [at] "=m"(at)
                     : [sel] "r"((uint32_t)SELECTOR(IDX_STACK_NOT_PRESENT, 0))
                     : "edx", "memory");
    expect_fault("SS <- not-present segment", VEC_SS, SELECTOR(IDX_STACK_NOT_PRESENT, 0), at);

    idt_set_gate(VEC_NOT_PRESENT_GATE, SEL_CODE32, isr_stub(VEC_NOT_PRESENT_GATE),
                 NOT_PRESENT(GATE_INTERRUPT32));
    expect_exception(VEC_NP);
    __asm__ volatile(PROVOKE("int $0x50") : [at] "=m"(at)::"memory");
    expect_fault("INT through a not-present gate", VEC_NP, VEC_NOT_PRESENT_GATE * 8 | ERROR_IDT,
                 at);
    idt_reset_gate(VEC_NOT_PRESENT_GATE);
}

static void test_data_access_checks(void) {
    uint32_t at;
    uint16_t limited = SELECTOR(IDX_DATA_LIMIT, 0), read_only = SELECTOR(IDX_DATA_RO, 0);

    /* Within the limit is fine; the last dword that crosses it is #GP(0). */
    __asm__ volatile("mov %0, %%es\n\tmovl $1, %%es:0xffc\n\tmov %1, %%es" ::"r"((uint32_t)limited),
                     "r"(SEL_DATA32)
                     : "memory");
    expect_exception(VEC_GP);
    __asm__ volatile("mov %[sel], %%es\n\t" PROVOKE("movl %%es:0xffe, %%eax") "mov %[flat], %%es"
                     : [at] "=m"(at)
                     : [sel] "r"((uint32_t)limited), [flat] "r"(SEL_DATA32)
                     : "eax", "memory");
    expect_fault_sdm("read across the data segment limit is #GP(0)", 0, at);

    expect_exception(VEC_GP);
    __asm__ volatile("mov %[sel], %%es\n\t" PROVOKE("movl $2, %%es:0x10") "mov %[flat], %%es"
                     : [at] "=m"(at)
                     : [sel] "r"((uint32_t)read_only), [flat] "r"(SEL_DATA32)
                     : "memory");
    expect_fault_sdm("write to a read-only data segment is #GP(0)", 0, at);

    expect_exception(VEC_GP);
    __asm__ volatile(PROVOKE("movl $3, %%cs:(%[p])")
                     : [at] "=m"(at)
                     : [p] "r"(LIMITED_BASE)
                     : "memory");
    expect_fault_sdm("write through CS is #GP(0)", 0, at);
}

/* --- CPL 3 checks --------------------------------------------------------------- */

static uint32_t user_fault_at;
static uint8_t misaligned_buffer[16] __attribute__((aligned(16)));

static void user_stack_overrun(void) {
    __asm__ volatile(
        "mov %%ss, %%edx\n\tmov %%esp, %%esi\n\t"
        "mov %[sel], %%ss\n\tmov $0x1002, %%esp\n\t" PROVOKE(
            "pushl $0") "mov %%edx, %%ss\n\tmov %%esi, %%esp"
        : [at] "=m"(user_fault_at)
        : [sel] "r"((uint32_t)SELECTOR(IDX_USER_STACK_LIMIT, 3))
        : "edx", "esi", "memory");
}

static void user_misaligned_load(void) {
    __asm__ volatile("pushfl\n\torl $0x40000, (%%esp)\n\tpopfl\n\t" PROVOKE(
                         "movl (%[p]), %%eax") "pushfl\n\tandl $~0x40000, (%%esp)\n\tpopfl"
                     : [at] "=m"(user_fault_at)
                     : [p] "r"(misaligned_buffer + 1)
                     : "eax", "memory");
}

static void test_user_mode_faults(void) {
    uint32_t stack_top = (uint32_t)(uintptr_t)(user_stack + sizeof(user_stack));
    expect_exception(VEC_SS);
    run_user(user_stack_overrun, stack_top);
    expect_fault_sdm("push beyond the SS limit at CPL 3 is #SS(0)", 0, user_fault_at);

    write_cr0(read_cr0() | CR0_AM);
    expect_exception(VEC_AC);
    run_user(user_misaligned_load, stack_top);
    expect_fault_sdm("misaligned load with CR0.AM, EFLAGS.AC, CPL 3 is #AC(0)", 0, user_fault_at);
    write_cr0(read_cr0() & ~CR0_AM);
    /* At CPL 0 alignment is never checked. */
    __asm__ volatile(
        "pushfl\n\torl $0x40000, (%%esp)\n\tpopfl\n\tmovl (%0), %%eax\n\t"
        "pushfl\n\tandl $~0x40000, (%%esp)\n\tpopfl" ::"r"(misaligned_buffer + 1)
        : "eax", "memory");
}

/* --- SSE alignment ------------------------------------------------------------- */

#define CR4_OSFXSR (1u << 9)

/* A legacy SSE instruction with a 16-byte memory operand that must be aligned is #GP(0) on a
 * misaligned address (SDM vol. 2 MOVAPS, ADDPD), before the access; MOVUPS is not. */
static void test_sse_alignment(void) {
    static uint8_t buffer[48] __attribute__((aligned(16)));
    uint32_t at;
    write_cr4(read_cr4() | CR4_OSFXSR);
    expect_exception(VEC_GP);
    __asm__ volatile(PROVOKE("movaps (%[p]), %%xmm0") : [at] "=m"(at) : [p] "r"(buffer + 8));
    expect_fault_sdm("MOVAPS from a misaligned address is #GP(0)", 0, at);
    expect_exception(VEC_GP);
    __asm__ volatile("xorps %%xmm1, %%xmm1\n\t" PROVOKE("movaps %%xmm1, (%[p])")
                     : [at] "=m"(at)
                     : [p] "r"(buffer + 4)
                     : "memory");
    expect_fault_sdm("MOVAPS to a misaligned address is #GP(0)", 0, at);
    CHECK_EQ(buffer[4], 0); /* nothing was written */
    expect_exception(VEC_GP);
    __asm__ volatile(PROVOKE("addpd (%[p]), %%xmm0") : [at] "=m"(at) : [p] "r"(buffer + 1));
    expect_fault_sdm("ADDPD from a misaligned address is #GP(0)", 0, at);
    buffer[17] = 0x5a;
    __asm__ volatile("movups (%0), %%xmm0\n\tmovaps %%xmm0, 16(%1)" ::"r"(buffer + 17), "r"(buffer)
                     : "memory");
    CHECK_EQ(buffer[16], 0x5a);
}

static void test_double_fault(void) {
    uint32_t at;
    /* #DE whose gate is not present: #NP while delivering a contributory exception
     * is a double fault (SDM Vol. 3 table 6-5), error code 0. */
    idt_set_gate(VEC_DE, SEL_CODE32, isr_stub(VEC_DE), NOT_PRESENT(GATE_INTERRUPT32));
    expect_exception(VEC_DF);
    __asm__ volatile(PROVOKE("divl %%ecx") : [at] "=m"(at) : "a"(1), "d"(0), "c"(0) : "memory");
    idt_reset_gate(VEC_DE);
    struct fault f = fault_taken();
    if (!f.taken) fail("no #DF for #NP while delivering #DE");
    CHECK_EQ(f.error_code, 0);
}

static volatile bool icebp_raised_ud;

static void icebp_ud_handler(struct interrupt_frame* frame) {
    icebp_raised_ud = true;
    frame->eip = fault_resume_eip;
}

static void test_software_traps(void) {
    uint32_t after;
    expect_exception(VEC_BP);
    __asm__ volatile("movl $2f, %[at]\n\t" TRY("int3\n2:") : [at] "=m"(after)::"memory");
    expect_fault("int3 (trap: EIP after it)", VEC_BP, 0, after);

    expect_exception(VEC_OF);
    __asm__ volatile("movb $0x7f, %%al\n\taddb $1, %%al\n\tmovl $2f, %[at]\n\t" TRY("into\n2:")
                     : [at] "=m"(after)
                     :
                     : "eax", "memory");
    expect_fault("into with OF=1", VEC_OF, 0, after);
    /* OF clear: INTO does nothing. */
    __asm__ volatile("xorl %%eax, %%eax\n\tinto" ::: "eax", "cc");

    /* QEMU 7.2 raises #UD for INT1; note that and skip past it. */
    icebp_raised_ud = false;
    set_interrupt_handler(VEC_UD, icebp_ud_handler);
    expect_exception(VEC_DB);
    __asm__ volatile("movl $2f, %[at]\n\t" TRY(".byte 0xf1\n2:") : [at] "=m"(after)::"memory");
    set_interrupt_handler(VEC_UD, NULL);
    CHECK_SDM(!icebp_raised_ud, "int1 (icebp) raises #DB, not #UD");
    if (!icebp_raised_ud) expect_fault("int1 (icebp)", VEC_DB, 0, after);
    fault_taken();
}

/* --- Single step and breakpoints ------------------------------------------------ */

#define MAX_DEBUG_EVENTS 8
static volatile uint32_t debug_eips[MAX_DEBUG_EVENTS], debug_dr6[MAX_DEBUG_EVENTS];
static volatile unsigned debug_events;
static volatile uint32_t step_stop_eip;

extern const uint8_t step_s2[], step_s3[], step_s4[], step_s5[];
extern const uint8_t step_loop_end[];

static void debug_handler(struct interrupt_frame* frame) {
    if (debug_events < MAX_DEBUG_EVENTS) {
        debug_eips[debug_events] = frame->eip;
        debug_dr6[debug_events] = read_dr6();
    }
    debug_events++;
    write_dr6(0);
    if (frame->eip == step_stop_eip) frame->eflags &= ~EFLAGS_TF;
    /* A fault-class (instruction) breakpoint would hit again without RF. */
    frame->eflags |= EFLAGS_RF;
}

/* Counts #DB traps from here on; the one at `stop` clears TF. */
static void count_single_steps_until(const uint8_t* stop) {
    debug_events = 0;
    step_stop_eip = (uint32_t)(uintptr_t)stop;
    set_interrupt_handler(VEC_DB, debug_handler);
    write_dr6(0);
}

static void test_single_step(void) {
    count_single_steps_until(step_s5);
    /* No trap after the POPF that sets TF (TF was clear when it began). MOV SS holds
     * the single-step trap off until after the next instruction (SDM Vol. 3 6.8.3),
     * so the traps report step_s2, step_s4 and step_s5, never step_s3. */
    __asm__ volatile(
        "mov %%ss, %%eax\n\t"
        "pushfl\n\torl $0x100, (%%esp)\n\tpopfl\n\t"
        "nop\n"
        "step_s2: mov %%eax, %%ss\n"
        "step_s3: nop\n"
        "step_s4: nop\n"
        "step_s5:\n" ::
            : "eax", "memory");
    set_interrupt_handler(VEC_DB, NULL);
    const uint32_t expected[] = {(uint32_t)(uintptr_t)step_s2, (uint32_t)(uintptr_t)step_s4,
                                 (uint32_t)(uintptr_t)step_s5};
    if (debug_events != 3) fail("single step: %u #DB traps, expected 3", debug_events);
    for (unsigned i = 0; i < 3; i++) {
        if (debug_eips[i] != expected[i])
            fail("single step trap %u at 0x%x, expected 0x%x", i, debug_eips[i], expected[i]);
        if (!(debug_dr6[i] & DR6_BS))
            fail("single step trap %u: DR6 0x%x without BS", i, debug_dr6[i]);
    }
    CHECK(!(read_eflags() & EFLAGS_TF));
}

/* Single-stepping a loop traps after every instruction of every iteration, the taken jump
 * back included: the second time round, the jump's block must not run on into the next
 * one (the emulator chains blocks that jump to each other). */
static void test_single_step_loop(void) {
    count_single_steps_until(step_loop_end);
    __asm__ volatile(
        "mov $4, %%ecx\n\t"
        "pushfl\n\torl $0x100, (%%esp)\n\tpopfl\n"
        "step_loop_top: dec %%ecx\n\t"
        "jnz step_loop_top\n"
        "step_loop_end:\n" ::
            : "ecx", "memory", "cc");
    set_interrupt_handler(VEC_DB, NULL);
    /* dec and jnz, four times each; the last trap is at step_loop_end. */
    if (debug_events != 8) fail("single-stepped loop: %u #DB traps, expected 8", debug_events);
    CHECK(!(read_eflags() & EFLAGS_TF));
}

uint32_t bp_target(uint32_t v);
__asm__(".text\n.globl bp_target\nbp_target:\n    mov 4(%esp), %eax\n    inc %eax\n    ret\n");

static volatile uint32_t watched __attribute__((aligned(4)));

static void test_breakpoints(void) {
    set_interrupt_handler(VEC_DB, debug_handler);
    step_stop_eip = 0;

    /* Execute breakpoint: a fault before the instruction, reported with DR6.B0. */
    debug_events = 0;
    write_dr0((uint32_t)(uintptr_t)bp_target);
    write_dr7(DR7_L0 | DR7_GE);
    uint32_t r = bp_target(41);
    write_dr7(0);
    CHECK_EQ(r, 42);
    if (debug_events != 1) fail("execute breakpoint: %u #DB, expected 1", debug_events);
    CHECK_EQ(debug_eips[0], (uint32_t)(uintptr_t)bp_target);
    CHECK_EQ(debug_dr6[0] & (DR6_B0 | DR6_B1 | DR6_BS), DR6_B0);

    /* Write breakpoint on a dword: a trap after the store, DR6.B1; reads do not hit. */
    uint32_t after;
    debug_events = 0;
    write_dr1((uint32_t)(uintptr_t)&watched);
    write_dr7(DR7_L1 | DR7_GE | DR7_RW1_WRITE | DR7_LEN1_4);
    __asm__ volatile(
        "movl (%1), %%eax\n\t"
        "movl $5, (%1)\n\t"
        "2: movl $2b, %0"
        : "=m"(after)
        : "r"(&watched)
        : "eax", "memory");
    write_dr7(0);
    CHECK_EQ(watched, 5);
    if (debug_events != 1) fail("write breakpoint: %u #DB, expected 1", debug_events);
    CHECK_EQ(debug_eips[0], after);
    CHECK_EQ(debug_dr6[0] & (DR6_B0 | DR6_B1 | DR6_BS), DR6_B1);

    /* Read/write breakpoint: a byte read inside the dword hits too. */
    debug_events = 0;
    write_dr7(DR7_L1 | DR7_GE | DR7_RW1_RW | DR7_LEN1_4);
    __asm__ volatile(
        "movb 2(%1), %%al\n\t"
        "2: movl $2b, %0"
        : "=m"(after)
        : "r"(&watched)
        : "eax", "memory");
    write_dr7(0);
    if (debug_events != 1) fail("read/write breakpoint: %u #DB, expected 1", debug_events);
    CHECK_EQ(debug_eips[0], after);
    CHECK_EQ(debug_dr6[0] & (DR6_B0 | DR6_B1 | DR6_BS), DR6_B1);
    set_interrupt_handler(VEC_DB, NULL);
}

/* --- STI shadow ------------------------------------------------------------------ */

static volatile uint32_t ipi_eip;
extern const uint8_t sti_site[], sti_next[], sti_after[], sti_jmp_target[];

static void self_ipi_handler(struct interrupt_frame* frame) {
    ipi_eip = frame->eip;
    *(volatile uint32_t*)linear_ptr(LAPIC_BASE + LAPIC_EOI) = 0;
}

static void send_self_ipi(void) {
    volatile uint32_t* icr = linear_ptr(LAPIC_BASE + LAPIC_ICR_LOW);
    ipi_eip = 0;
    *icr = ICR_SELF | VEC_SELF_IPI;
    for (unsigned i = 0; i < 1000000 && (*icr & ICR_PENDING); i++)
        cpu_relax();
}

/* Each sequence once per call, so the compiler cannot copy its labels. */
static __attribute__((noinline)) void sti_then_nop(void) {
    __asm__ volatile(
        "sti_site: sti\n"
        "sti_next: nop\n"
        "sti_after: cli" ::
            : "memory");
}

static __attribute__((noinline)) void sti_then_jmp(void) {
    __asm__ volatile(
        "sti\n"
        "jmp sti_jmp_target\n"
        "sti_jmp_target: cli" ::
            : "memory");
}

static void test_sti_shadow(void) {
    volatile uint32_t* svr = linear_ptr(LAPIC_BASE + LAPIC_SVR);
    *svr = LAPIC_SVR_ENABLE | 0xff;
    set_interrupt_handler(VEC_SELF_IPI, self_ipi_handler);
    /* Pending with IF=0; STI lets it in only after the next instruction. Each sequence also
     * runs first with nothing pending, so a translator that links its code to what follows
     * (block chaining) would run past the shadow the time it counts. */
    for (int round = 0; round < 3; round++) {
        sti_then_nop();
        __asm__ volatile("cli");
        send_self_ipi();
        sti_then_nop();
        CHECK_EQ(ipi_eip, (uint32_t)(uintptr_t)sti_after);
        /* The shadowed instruction is a jump: the interrupt comes at its target. */
        sti_then_jmp();
        __asm__ volatile("cli");
        send_self_ipi();
        sti_then_jmp();
        CHECK_EQ(ipi_eip, (uint32_t)(uintptr_t)sti_jmp_target);
    }
    set_interrupt_handler(VEC_SELF_IPI, NULL);
}

static void setup_descriptors(void) {
    gdt_set_segment(IDX_CODE_XONLY, 0, 0xfffff, SEG_CODE_X, SEG_FLAGS_32 | SEG_FLAGS_4K);
    gdt_set_segment(IDX_DATA_LIMIT, LIMITED_BASE, LIMITED_LIMIT, SEG_DATA_RW, SEG_FLAGS_32);
    gdt_set_segment(IDX_DATA_RO, LIMITED_BASE, LIMITED_LIMIT, SEG_DATA_R, SEG_FLAGS_32);
    gdt_set_segment(IDX_DATA_NOT_PRESENT, 0, 0xfffff, NOT_PRESENT(SEG_DATA_RW),
                    SEG_FLAGS_32 | SEG_FLAGS_4K);
    gdt_set_segment(IDX_USER_STACK_LIMIT, LIMITED_BASE, LIMITED_LIMIT, SEG_DATA_RW | SEG_DPL(3),
                    SEG_FLAGS_32);
    gdt_set_segment(IDX_STACK_NOT_PRESENT, 0, 0xfffff, NOT_PRESENT(SEG_DATA_RW),
                    SEG_FLAGS_32 | SEG_FLAGS_4K);
}

int main(uint32_t mb_magic, uint32_t mb_info) {
    (void)mb_magic;
    (void)mb_info;
    setup_descriptors();
    test_divide_and_bound();
    test_invalid_opcode();
    test_segment_loads();
    test_data_access_checks();
    test_user_mode_faults();
    test_sse_alignment();
    test_double_fault();
    test_software_traps();
    test_single_step();
    test_single_step_loop();
    test_breakpoints();
    test_sti_shadow();
    printf("PASS exceptions\n");
    return 0;
}
