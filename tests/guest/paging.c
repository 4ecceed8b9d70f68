/*
 * paging: 32-bit paging with 4 KiB and 4 MiB pages, then PAE with 4 KiB and 2 MiB
 * pages (SDM Vol. 3 chapter 4): translation, user/supervisor and read/write checks
 * with CR0.WP clear and set, execute-disable with EFER.NXE, accessed/dirty bits set
 * by the CPU, #PF error codes (P, W, U, RSVD, I) with CR2, and that INVLPG and a
 * CR3 reload make a changed entry visible. (A stale translation before that is
 * allowed, so it is never checked.)
 */
#include "libguest32.h"

#define PAGE_SIZE 4096
#define PTE_P 0x001u
#define PTE_W 0x002u
#define PTE_U 0x004u
#define PTE_A 0x020u
#define PTE_D 0x040u
#define PDE_PS 0x080u
#define PTE_G 0x100u
#define PAE_XD (1ull << 63)

#define PF_P 0x01u
#define PF_W 0x02u
#define PF_U 0x04u
#define PF_RSVD 0x08u
#define PF_I 0x10u

#define MSR_EFER 0xc0000080
#define EFER_NXE (1u << 11)

/* Linear layout. The first 4 MiB (2 MiB under PAE, plus a 2 MiB page) are identity
 * mapped and user-accessible so that run_user() code, data and stack work. */
#define TEST_LINEAR 0x400000 /* 4 KiB test pages */
#define PAGE_RO_SUPER (TEST_LINEAR + 0 * PAGE_SIZE)
#define PAGE_RW_SUPER (TEST_LINEAR + 1 * PAGE_SIZE)
#define PAGE_RO_USER (TEST_LINEAR + 2 * PAGE_SIZE)
#define PAGE_ABSENT (TEST_LINEAR + 3 * PAGE_SIZE)
#define PAGE_REMAP (TEST_LINEAR + 4 * PAGE_SIZE)
#define PAGE_AD (TEST_LINEAR + 5 * PAGE_SIZE)
#define PAGE_NX (TEST_LINEAR + 6 * PAGE_SIZE)
#define PAGE_RSVD (TEST_LINEAR + 7 * PAGE_SIZE)
#define LARGE_LINEAR 0x800000 /* 4 MiB page -> LARGE_PHYS */
#define LARGE_ALIAS 0xc00000  /* a second 4 MiB page -> LARGE_PHYS */
#define LARGE_PHYS 0x800000
#define FRAME(i) (0x600000 + (i)*PAGE_SIZE) /* physical frames behind the test pages */

static uint8_t user_stack[4096] __attribute__((aligned(16)));

/* Volatile: the CPU writes accessed and dirty bits into them. */
static volatile uint32_t pd[1024] __attribute__((aligned(PAGE_SIZE)));
static volatile uint32_t pt_low[1024] __attribute__((aligned(PAGE_SIZE)));
static volatile uint32_t pt_test[1024] __attribute__((aligned(PAGE_SIZE)));

static volatile uint64_t pdpt[4] __attribute__((aligned(32)));
static volatile uint64_t pae_pd[512] __attribute__((aligned(PAGE_SIZE)));
static volatile uint64_t pae_pt_low[512] __attribute__((aligned(PAGE_SIZE)));
static volatile uint64_t pae_pt_test[512] __attribute__((aligned(PAGE_SIZE)));

static uint32_t phys(const volatile void* p) {
    return (uint32_t)(uintptr_t)p;
}

static uint32_t peek(uint32_t linear) {
    return *(volatile uint32_t*)linear_ptr(linear);
}

static void poke(uint32_t linear, uint32_t v) {
    *(volatile uint32_t*)linear_ptr(linear) = v;
}

/* --- Probing accesses at CPL 0 and CPL 3 --------------------------------------- */

static volatile uint32_t probe_address;
static volatile uint32_t probe_eip;

static void supervisor_read(void) {
    __asm__ volatile("movl $1f, %0\n\t" TRY("1: movl (%1), %%eax")
                     : "=m"(probe_eip)
                     : "r"(probe_address)
                     : "eax", "memory");
}

static void supervisor_write(void) {
    __asm__ volatile("movl $1f, %0\n\t" TRY("1: movl $0x5a5a5a5a, (%1)")
                     : "=m"(probe_eip)
                     : "r"(probe_address)
                     : "memory");
}

static struct fault probe(uint32_t linear, void (*access)(void), bool user) {
    probe_address = linear;
    expect_exception(14);
    if (user)
        run_user(access, (uint32_t)(uintptr_t)(user_stack + sizeof(user_stack)));
    else
        access();
    return fault_taken();
}

static void expect_ok(const char* what, struct fault f) {
    if (f.taken) fail("%s: #PF error 0x%x at 0x%x, expected no fault", what, f.error_code, f.cr2);
}

static void expect_pf(const char* what, struct fault f, uint32_t error_code, uint32_t linear) {
    if (!f.taken) fail("%s: no #PF, expected error code 0x%x", what, error_code);
    if (f.error_code != error_code || f.cr2 != linear)
        fail("%s: #PF error 0x%x CR2 0x%x, expected 0x%x and 0x%x", what, f.error_code, f.cr2,
             error_code, linear);
    if (f.eip != probe_eip) fail("%s: #PF EIP 0x%x, expected 0x%x", what, f.eip, probe_eip);
}

/* The protection checks shared by both paging modes (SDM Vol. 3 4.6). */
static void check_protection(const char* mode) {
    printf("paging: %s protection checks\n", mode);
    write_cr0(read_cr0() & ~CR0_WP);
    expect_ok("supervisor read of a read-only page", probe(PAGE_RO_SUPER, supervisor_read, false));
    expect_ok("supervisor write to a read-only page, WP=0",
              probe(PAGE_RO_SUPER, supervisor_write, false));
    write_cr0(read_cr0() | CR0_WP);
    expect_pf("supervisor write to a read-only page, WP=1",
              probe(PAGE_RO_SUPER, supervisor_write, false), PF_P | PF_W, PAGE_RO_SUPER);
    expect_ok("supervisor write to a writable page", probe(PAGE_RW_SUPER, supervisor_write, false));
    expect_pf("read of a not-present page", probe(PAGE_ABSENT, supervisor_read, false), 0,
              PAGE_ABSENT);
    expect_pf("write to a not-present page", probe(PAGE_ABSENT, supervisor_write, false), PF_W,
              PAGE_ABSENT);
    expect_pf("user read of a supervisor page", probe(PAGE_RW_SUPER, supervisor_read, true),
              PF_U | PF_P, PAGE_RW_SUPER);
    expect_pf("user write to a supervisor page", probe(PAGE_RW_SUPER, supervisor_write, true),
              PF_U | PF_W | PF_P, PAGE_RW_SUPER);
    expect_ok("user read of a read-only user page", probe(PAGE_RO_USER, supervisor_read, true));
    expect_pf("user write to a read-only user page", probe(PAGE_RO_USER, supervisor_write, true),
              PF_U | PF_W | PF_P, PAGE_RO_USER);
    write_cr0(read_cr0() & ~CR0_WP);
    expect_pf("user write to a read-only user page, WP=0",
              probe(PAGE_RO_USER, supervisor_write, true), PF_U | PF_W | PF_P, PAGE_RO_USER);
    expect_pf("user read of a not-present page", probe(PAGE_ABSENT, supervisor_read, true), PF_U,
              PAGE_ABSENT);
}

static void fill_frames(void) {
    for (unsigned i = 0; i < 8; i++)
        for (unsigned w = 0; w < PAGE_SIZE / 4; w++)
            ((volatile uint32_t*)linear_ptr(FRAME(i)))[w] = 0xf0000000 | i << 16 | w;
}

/* --- 32-bit paging --------------------------------------------------------------- */

static void build_legacy_tables(void) {
    for (unsigned i = 0; i < 1024; i++)
        pt_low[i] = i * PAGE_SIZE | PTE_P | PTE_W | PTE_U;
    pd[0] = phys(pt_low) | PTE_P | PTE_W | PTE_U;
    pd[TEST_LINEAR >> 22] = phys(pt_test) | PTE_P | PTE_W | PTE_U;
    pd[LARGE_LINEAR >> 22] = LARGE_PHYS | PDE_PS | PTE_P | PTE_W;
    pd[LARGE_ALIAS >> 22] = LARGE_PHYS | PDE_PS | PTE_P | PTE_W;
    pt_test[0] = FRAME(0) | PTE_P;
    pt_test[1] = FRAME(1) | PTE_P | PTE_W;
    pt_test[2] = FRAME(2) | PTE_P | PTE_U;
    pt_test[3] = 0;
    pt_test[4] = FRAME(4) | PTE_P | PTE_W;
    pt_test[5] = FRAME(5) | PTE_P | PTE_W;
}

/* Points PAGE_REMAP at `pte`, drops the old translation with INVLPG or a CR3 reload, and
 * checks the page's first word. */
static void remap_legacy(uint32_t pte, bool reload_cr3, uint32_t first_word) {
    pt_test[4] = pte;
    if (reload_cr3)
        write_cr3(read_cr3());
    else
        invlpg(PAGE_REMAP);
    CHECK_EQ(peek(PAGE_REMAP), first_word);
}

/* Code at PAGE_REMAP + CODE_AT: "mov eax, <frame>; ret" in frames 6 and 7 (written before
 * paging is on, where the frames are reached by their physical addresses). */
#define CODE_AT 0x800
static void write_frame_code(void) {
    for (unsigned i = 6; i <= 7; i++) {
        volatile uint8_t* code = linear_ptr(FRAME(i) + CODE_AT);
        code[0] = 0xb8; /* mov eax, imm32 */
        code[1] = (uint8_t)i;
        code[2] = code[3] = code[4] = 0;
        code[5] = 0xc3; /* ret */
    }
}

/* Points PAGE_REMAP at `pte`, drops the old translation with a CR3 reload (or INVLPG), and
 * calls the code there: the block translated for the old frame must not run for the new. */
static void run_remapped(uint32_t pte, bool reload_cr3, uint32_t frame) {
    pt_test[4] = pte;
    if (reload_cr3)
        write_cr3(read_cr3());
    else
        invlpg(PAGE_REMAP);
    uint32_t (*fn)(void) = (uint32_t(*)(void))(uintptr_t)(PAGE_REMAP + CODE_AT);
    CHECK_EQ(fn(), frame);
}

/* A block whose last instruction runs into the next page: at CROSS_AT + 0xffd in frame 8,
 * "mov eax, imm32" takes its two high immediate bytes from the next page, frame 9 or 10
 * (the frame number and 0), and "ret" follows there. CROSS_AT + 0xf00 jumps to it from a
 * block on the first page, which may be chained to it. */
#define CROSS_AT (TEST_LINEAR + 8 * PAGE_SIZE)
static void write_cross_page_code(void) {
    static const uint8_t entry[] = {0xb9, 1, 0, 0, 0, 0xe9, 0xf3, 0, 0, 0}; /* mov ecx; jmp */
    static const uint8_t head[] = {0xb8, 0, 0};                             /* mov eax, imm */
    volatile uint8_t* first = linear_ptr(FRAME(8));
    for (unsigned i = 0; i < sizeof(entry); i++)
        first[0xf00 + i] = entry[i];
    for (unsigned i = 0; i < sizeof(head); i++)
        first[0xffd + i] = head[i];
    for (unsigned f = 9; f <= 10; f++) {
        volatile uint8_t* next = linear_ptr(FRAME(f));
        next[0] = (uint8_t)f;
        next[1] = 0;
        next[2] = 0xc3; /* ret */
    }
}

/* Points the page after CROSS_AT at `frame`, drops the old translation with a CR3 reload or
 * INVLPG, and runs the straddling instruction, directly and through the jump. */
static void run_cross_page(volatile uint32_t* pte_second, uint32_t frame, bool reload_cr3) {
    *pte_second = FRAME(frame) | PTE_P | PTE_W;
    if (reload_cr3)
        write_cr3(read_cr3());
    else
        invlpg(CROSS_AT + PAGE_SIZE);
    uint32_t (*direct)(void) = (uint32_t(*)(void))(uintptr_t)(CROSS_AT + 0xffd);
    uint32_t (*jumped)(void) = (uint32_t(*)(void))(uintptr_t)(CROSS_AT + 0xf00);
    for (unsigned i = 0; i < 3; i++) {
        CHECK_EQ(jumped(), frame << 16);
        CHECK_EQ(direct(), frame << 16);
    }
}

static void test_legacy_paging(void) {
    fill_frames();
    write_frame_code();
    write_cross_page_code();
    build_legacy_tables();
    write_cr4(read_cr4() | CR4_PSE);
    write_cr3(phys(pd));
    write_cr0(read_cr0() | CR0_PG);

    CHECK_EQ(peek(PAGE_RO_SUPER + 8), 0xf0000002);
    CHECK_EQ(peek(PAGE_REMAP + 0xffc), 0xf00403ff);
    check_protection("32-bit");

    /* 4 MiB pages: both linear ranges reach the same frame. */
    poke(LARGE_LINEAR + 0x123458, 0xabcdef01);
    CHECK_EQ(peek(LARGE_ALIAS + 0x123458), 0xabcdef01);

    /* Accessed and dirty bits, in the PTE, the PDE that points to it, and a 4 MiB PDE. */
    pt_test[5] &= ~(PTE_A | PTE_D);
    pd[TEST_LINEAR >> 22] &= ~PTE_A;
    pd[LARGE_ALIAS >> 22] &= ~(PTE_A | PTE_D);
    write_cr3(phys(pd));
    (void)peek(PAGE_AD);
    CHECK_EQ(pt_test[5] & (PTE_A | PTE_D), PTE_A);
    CHECK(pd[TEST_LINEAR >> 22] & PTE_A);
    poke(PAGE_AD, 1);
    CHECK_EQ(pt_test[5] & (PTE_A | PTE_D), PTE_A | PTE_D);
    (void)peek(LARGE_ALIAS);
    CHECK_EQ(pd[LARGE_ALIAS >> 22] & (PTE_A | PTE_D), PTE_A);
    poke(LARGE_ALIAS + 4, 2);
    CHECK_EQ(pd[LARGE_ALIAS >> 22] & (PTE_A | PTE_D), PTE_A | PTE_D);

    /* A changed PTE is used after INVLPG, and after a CR3 reload. */
    remap_legacy(FRAME(6) | PTE_P | PTE_W, false, 0xf0060000);
    remap_legacy(FRAME(7) | PTE_P | PTE_W, true, 0xf0070000);

    /* With CR4.PGE, a CR3 load may keep global pages but must drop the others, also one
     * cached in the place the same page held while it was global. */
    write_cr4(read_cr4() | CR4_PGE);
    remap_legacy(FRAME(6) | PTE_P | PTE_W | PTE_G, false, 0xf0060000);
    remap_legacy(FRAME(7) | PTE_P | PTE_W, false, 0xf0070000);
    remap_legacy(FRAME(6) | PTE_P | PTE_W, true, 0xf0060000);

    /* The same for code, run from each frame in turn, global or not. */
    run_remapped(FRAME(7) | PTE_P | PTE_W, true, 7);
    run_remapped(FRAME(6) | PTE_P | PTE_W, true, 6);
    run_remapped(FRAME(7) | PTE_P | PTE_W | PTE_G, false, 7);
    run_remapped(FRAME(6) | PTE_P | PTE_W, false, 6);
    run_remapped(FRAME(7) | PTE_P | PTE_W, true, 7);
    run_remapped(FRAME(6) | PTE_P | PTE_W, true, 6);
    write_cr4(read_cr4() & ~CR4_PGE);

    /* The same for a block's last instruction, which runs into a remapped page. */
    pt_test[8] = FRAME(8) | PTE_P | PTE_W;
    run_cross_page(&pt_test[9], 9, true);
    run_cross_page(&pt_test[9], 10, true);
    run_cross_page(&pt_test[9], 9, false);
    run_cross_page(&pt_test[9], 10, false);
    run_cross_page(&pt_test[9], 9, true);

    write_cr0(read_cr0() & ~(CR0_PG | CR0_WP));
    write_cr4(read_cr4() & ~CR4_PSE);
}

/* --- PAE paging -------------------------------------------------------------------- */

static void build_pae_tables(void) {
    for (unsigned i = 0; i < 512; i++)
        pae_pt_low[i] = (uint64_t)i * PAGE_SIZE | PTE_P | PTE_W | PTE_U;
    pdpt[0] = phys(pae_pd) | PTE_P;
    pae_pd[0] = phys(pae_pt_low) | PTE_P | PTE_W | PTE_U;
    pae_pd[1] = 0x200000 | PDE_PS | PTE_P | PTE_W | PTE_U; /* 2 MiB page, identity */
    pae_pd[TEST_LINEAR >> 21] = phys(pae_pt_test) | PTE_P | PTE_W | PTE_U;
    pae_pd[LARGE_ALIAS >> 21] = LARGE_PHYS | PDE_PS | PTE_P | PTE_W;
    pae_pt_test[0] = FRAME(0) | PTE_P;
    pae_pt_test[1] = FRAME(1) | PTE_P | PTE_W;
    pae_pt_test[2] = FRAME(2) | PTE_P | PTE_U;
    pae_pt_test[3] = 0;
    pae_pt_test[4] = FRAME(4) | PTE_P | PTE_W;
    pae_pt_test[5] = FRAME(5) | PTE_P | PTE_W;
    pae_pt_test[6] = FRAME(6) | PTE_P | PTE_W | PAE_XD;
    pae_pt_test[7] = FRAME(7) | PTE_P | PTE_W | PAE_XD; /* reserved while EFER.NXE=0 */
}

static bool cpu_has_nx(void) {
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000000));
    if (a < 0x80000001) return false;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000001));
    return d & (1u << 20);
}

static void test_pae_paging(void) {
    fill_frames();
    build_pae_tables();
    /* The NX page holds "jmp *%ecx": if it runs at all, it comes straight back. */
    volatile uint8_t* code = linear_ptr(FRAME(6));
    code[0] = 0xff;
    code[1] = 0xe1;
    write_cr4(read_cr4() | CR4_PAE);
    write_cr3(phys(pdpt));
    write_cr0(read_cr0() | CR0_PG);

    CHECK_EQ(peek(PAGE_RW_SUPER + 4), 0xf0010001);
    CHECK_EQ(peek(LARGE_ALIAS + 0x123458), 0xabcdef01); /* written through 32-bit paging */
    check_protection("PAE");

    pae_pt_test[5] &= ~(uint64_t)(PTE_A | PTE_D);
    write_cr3(phys(pdpt));
    (void)peek(PAGE_AD);
    CHECK_EQ(pae_pt_test[5] & (PTE_A | PTE_D), PTE_A);
    poke(PAGE_AD, 1);
    CHECK_EQ(pae_pt_test[5] & (PTE_A | PTE_D), PTE_A | PTE_D);

    /* Bit 63 with EFER.NXE clear is a reserved bit: #PF with RSVD (and P). */
    struct fault f = probe(PAGE_RSVD, supervisor_read, false);
    CHECK_SDM(f.taken && f.error_code == (PF_P | PF_RSVD) && f.cr2 == PAGE_RSVD,
              "PAE entry with a reserved bit set gives #PF with RSVD");

    if (!cpu_has_nx()) fail("CPUID reports no execute-disable support");
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
    write_cr3(phys(pdpt));
    expect_exception(14);
    __asm__ volatile(TRY("jmp *%0")::"r"(PAGE_NX), "c"(&&nx_back) : "memory");
nx_back:
    f = fault_taken();
    if (!f.taken) fail("fetch from an execute-disable page: no #PF");
    if (f.error_code != (PF_I | PF_P) || f.cr2 != PAGE_NX || f.eip != PAGE_NX)
        fail(
            "fetch from an execute-disable page: error 0x%x CR2 0x%x EIP 0x%x, expected 0x%x, "
            "0x%x, 0x%x",
            f.error_code, f.cr2, f.eip, PF_I | PF_P, PAGE_NX, PAGE_NX);
    expect_ok("read of an execute-disable page", probe(PAGE_NX, supervisor_read, false));

    pae_pt_test[4] = FRAME(3) | PTE_P | PTE_W;
    invlpg(PAGE_REMAP);
    CHECK_EQ(peek(PAGE_REMAP), 0xf0030000);

    write_cr0(read_cr0() & ~(CR0_PG | CR0_WP));
    write_cr4(read_cr4() & ~CR4_PAE);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~EFER_NXE);
}

int main(uint32_t mb_magic, uint32_t mb_info) {
    (void)mb_magic;
    (void)mb_info;
    test_legacy_paging();
    test_pae_paging();
    printf("PASS paging\n");
    return 0;
}
