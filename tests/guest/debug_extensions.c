/*
 * debug_extensions: CR4.DE (SDM Vol. 3 17.2.2, 17.2.4, 17.3.1.2). CPUID.01H:EDX.DE is set
 * and CR4.DE writable; with CR4.DE clear, DR4 and DR5 are DR6 and DR7; with it set, MOV
 * to or from DR4/DR5 is #UD; and a DR7 R/W field of 10b is an I/O breakpoint: IN, OUT and
 * OUTS on a port of its range trap with #DB after the instruction (REP OUTS after each
 * iteration), DR6 naming the breakpoint.
 */
#include "libguest32.h"

#define VEC_DB 1
#define VEC_UD 6

#define CPUID1_EDX_DE (1u << 2)
#define CR4_DE (1u << 3)
#define DR6_B_BITS 0xfu
#define DR6_BS (1u << 14)
#define DR7_L(n) (1u << (2 * (n)))
#define DR7_GE (1u << 9)
#define DR7_RW_IO(n) (2u << (16 + 4 * (n)))
#define DR7_LEN1(n) (0u << (18 + 4 * (n)))
#define DR7_LEN4(n) (3u << (18 + 4 * (n)))

/* Nothing decodes these on a PC without an ISA sound card: accesses have no effect. */
#define QUIET_PORT 0x220

#define MAX_DEBUG_EVENTS 8
static volatile uint32_t debug_eips[MAX_DEBUG_EVENTS], debug_dr6[MAX_DEBUG_EVENTS];
static volatile unsigned debug_events;

static void debug_handler(struct interrupt_frame* frame) {
    if (debug_events < MAX_DEBUG_EVENTS) {
        debug_eips[debug_events] = frame->eip;
        debug_dr6[debug_events] = read_dr6();
    }
    debug_events++;
    write_dr6(0);
}

static void expect_traps(const char* what, unsigned count, uint32_t eip, uint32_t b_bits) {
    if (debug_events != count) fail("%s: %u #DB, expected %u", what, debug_events, count);
    for (unsigned i = 0; i < count; i++) {
        if (debug_eips[i] != eip)
            fail("%s: #DB %u at 0x%x, expected 0x%x", what, i, debug_eips[i], eip);
        if ((debug_dr6[i] & (DR6_B_BITS | DR6_BS)) != b_bits)
            fail("%s: #DB %u with DR6 0x%x, expected B bits 0x%x", what, i, debug_dr6[i], b_bits);
    }
}

static void test_cpuid_and_cr4(void) {
    uint32_t eax = 1, ebx, ecx = 0, edx;
    __asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
    CHECK(edx & CPUID1_EDX_DE);
    write_cr4(read_cr4() | CR4_DE);
    CHECK(read_cr4() & CR4_DE);
    write_cr4(read_cr4() & ~CR4_DE);
    CHECK(!(read_cr4() & CR4_DE));
}

/* Without CR4.DE the two reserved debug registers alias DR6 and DR7 (SDM Vol. 3 17.2.2). */
static void test_dr4_dr5_alias(void) {
    uint32_t v;
    write_dr6(0);
    __asm__ volatile("mov %0, %%dr4" ::"r"(0x5u));
    CHECK_EQ(read_dr6() & DR6_B_BITS, 0x5);
    __asm__ volatile("mov %%dr4, %0" : "=r"(v));
    CHECK_EQ(v & DR6_B_BITS, 0x5);
    write_dr6(0);

    __asm__ volatile("mov %0, %%dr5" ::"r"(DR7_GE));
    CHECK_EQ(read_dr7() & 0x2ff, DR7_GE);
    __asm__ volatile("mov %%dr5, %0" : "=r"(v));
    CHECK_EQ(v & 0x2ff, DR7_GE);
    write_dr7(0);
}

static void expect_ud(const char* what, uint32_t at) {
    struct fault f = fault_taken();
    if (!f.taken) fail("%s: no #UD", what);
    CHECK_EQ(f.vector, VEC_UD);
    if (f.eip != at) fail("%s: #UD at 0x%x, expected 0x%x", what, f.eip, at);
}

/* With CR4.DE, DR4 and DR5 are reserved: every MOV that names them is #UD and the
 * registers they used to alias keep their values. */
static void test_dr4_dr5_undefined(void) {
    uint32_t at, v = 0;
    write_cr4(read_cr4() | CR4_DE);
    write_dr6(0x1);
    write_dr7(DR7_GE);

    expect_exception(VEC_UD);
    __asm__ volatile("movl $1f, %[at]\n\t" TRY("1: mov %%dr4, %[v]")
                     : [at] "=m"(at), [v] "+r"(v)::"memory");
    expect_ud("mov from dr4", at);
    expect_exception(VEC_UD);
    __asm__ volatile("movl $1f, %[at]\n\t" TRY("1: mov %[v], %%dr4")
                     : [at] "=m"(at)
                     : [v] "r"(0xeu)
                     : "memory");
    expect_ud("mov to dr4", at);
    expect_exception(VEC_UD);
    __asm__ volatile("movl $1f, %[at]\n\t" TRY("1: mov %%dr5, %[v]")
                     : [at] "=m"(at), [v] "+r"(v)::"memory");
    expect_ud("mov from dr5", at);
    expect_exception(VEC_UD);
    __asm__ volatile("movl $1f, %[at]\n\t" TRY("1: mov %[v], %%dr5")
                     : [at] "=m"(at)
                     : [v] "r"(0u)
                     : "memory");
    expect_ud("mov to dr5", at);

    CHECK_EQ(read_dr6() & DR6_B_BITS, 0x1);
    CHECK_EQ(read_dr7() & 0x2ff, DR7_GE);
    write_dr7(0);
    write_dr6(0);
    write_cr4(read_cr4() & ~CR4_DE);
}

static uint8_t outs_source[4] = {1, 2, 3, 4};

static void test_io_breakpoints(void) {
    uint32_t after, v = 0;
    set_interrupt_handler(VEC_DB, debug_handler);
    write_cr4(read_cr4() | CR4_DE);
    write_dr6(0);

    /* One-byte breakpoint on the port: OUT hits it, a neighbour does not. */
    debug_events = 0;
    write_dr2(QUIET_PORT);
    write_dr7(DR7_L(2) | DR7_RW_IO(2) | DR7_LEN1(2));
    outb(QUIET_PORT + 1, 0);
    __asm__ volatile(
        "outb %%al, %%dx\n\t"
        "2: movl $2b, %0"
        : "=m"(after)
        : "a"(0), "d"(QUIET_PORT)
        : "memory");
    write_dr7(0);
    expect_traps("out to the port", 1, after, 1u << 2);

    /* A four-byte range is aligned down: IN from its last port hits, and so does a word
     * access that starts just below it. */
    debug_events = 0;
    write_dr1(QUIET_PORT + 6);
    write_dr7(DR7_L(1) | DR7_RW_IO(1) | DR7_LEN4(1));
    __asm__ volatile(
        "inb %%dx, %%al\n\t"
        "2: movl $2b, %0"
        : "=m"(after), "+a"(v)
        : "d"(QUIET_PORT + 7)
        : "memory");
    expect_traps("in from the range", 1, after, 1u << 1);
    debug_events = 0;
    __asm__ volatile(
        "inw %%dx, %%ax\n\t"
        "2: movl $2b, %0"
        : "=m"(after), "+a"(v)
        : "d"(QUIET_PORT + 3)
        : "memory");
    CHECK_SDM(debug_events == 1, "I/O breakpoint hit by an access overlapping its range");
    if (debug_events) expect_traps("in overlapping the range", 1, after, 1u << 1);
    debug_events = 0;
    inl(QUIET_PORT + 8);
    CHECK_SDM(debug_events == 0, "no I/O breakpoint hit by an access just above its range");
    debug_events = 0;
    inl(QUIET_PORT);
    CHECK_SDM(debug_events == 0, "no I/O breakpoint hit by an access just below its range");
    write_dr7(0);

    /* REP OUTSB traps after every iteration; RIP stays on the instruction until the
     * last one (SDM Vol. 3 17.3.1.2). */
    debug_events = 0;
    uint32_t at, count = 3;
    const uint8_t* src = outs_source;
    write_dr0(QUIET_PORT);
    write_dr7(DR7_L(0) | DR7_RW_IO(0) | DR7_LEN1(0));
    __asm__ volatile(
        "movl $1f, %[at]\n\t"
        "movl $2f, %[after]\n\t"
        "1: rep outsb\n\t"
        "2:"
        : [at] "=m"(at), [after] "=m"(after), "+c"(count), "+S"(src)
        : "d"(QUIET_PORT)
        : "memory");
    write_dr7(0);
    bool per_iteration = count == 0 && debug_events == 3;
    CHECK_SDM(per_iteration, "REP OUTS traps after each iteration on an I/O breakpoint");
    if (per_iteration) {
        CHECK_EQ(debug_eips[0], at);
        CHECK_EQ(debug_eips[1], at);
        CHECK_EQ(debug_eips[2], after);
        for (unsigned i = 0; i < 3; i++)
            CHECK_EQ(debug_dr6[i] & (DR6_B_BITS | DR6_BS), 1u << 0);
    }

    write_cr4(read_cr4() & ~CR4_DE);
    set_interrupt_handler(VEC_DB, NULL);
}

int main(uint32_t mb_magic, uint32_t mb_info) {
    (void)mb_magic;
    (void)mb_info;
    test_cpuid_and_cr4();
    test_dr4_dr5_alias();
    test_dr4_dr5_undefined();
    test_io_breakpoints();
    printf("PASS debug_extensions\n");
    return 0;
}
