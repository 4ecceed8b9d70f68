/*
 * remap64: 64-bit code on a 4 KiB page that is remapped to another frame, reached through
 * indirect calls and returns (the translator's fast jump cache), and a jump on the page
 * before whose displacement is on it. After INVLPG of the page, every way in must
 * run the new frame's code; INVLPG of an unrelated page must not disturb anything.
 */
#include "libguest.h"

#define PAGE_SIZE 4096
#define PTE_P 0x1ull
#define PTE_W 0x2ull
#define PDE_LARGE 0x80ull
#define GIB (1ull << 30)
/* The second GiB is mapped in 4 KiB pages: TEST_PAGE and the page before it. */
#define BEFORE_PAGE GIB
#define TEST_PAGE (GIB + PAGE_SIZE)
#define OTHER_PAGE (GIB + 2 * PAGE_SIZE)
#define CALL_AT 0x800

static uint64_t pml4[512] __attribute__((aligned(PAGE_SIZE)));
static uint64_t pdpt[512] __attribute__((aligned(PAGE_SIZE)));
static uint64_t pd_low[512] __attribute__((aligned(PAGE_SIZE)));
static uint64_t pd_test[512] __attribute__((aligned(PAGE_SIZE)));
static volatile uint64_t pt_test[512] __attribute__((aligned(PAGE_SIZE)));
/* Frames: [0] holds the page before (its last byte starts a straddling jump), [1] and [2]
 * the two versions of TEST_PAGE, [3] OTHER_PAGE's data. */
static uint8_t frames[4][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static inline void invlpg(uint64_t linear) {
    __asm__ volatile("invlpg (%0)" ::"r"(linear) : "memory");
}

static inline void write_cr3(uint64_t v) {
    __asm__ volatile("mov %0, %%cr3" ::"r"(v) : "memory");
}

/* Both versions of TEST_PAGE: "mov eax, <version>; ret" at CALL_AT, and at offset 0 the
 * displacement of the "jmp rel8" on the last byte of the page before. It jumps back into
 * that page, to "mov eax, <version>; ret" for version 1 or 2: the block of the jump is the
 * only one that depends on TEST_PAGE's mapping, and nothing runs on TEST_PAGE itself. */
#define RETURN_1 (PAGE_SIZE - 0x10)
#define RETURN_2 (PAGE_SIZE - 0x20)
static void write_code(void) {
    for (unsigned v = 1; v <= 2; v++) {
        uint8_t* page = frames[v];
        page[0] = (uint8_t)((v == 1 ? RETURN_1 : RETURN_2) - (PAGE_SIZE + 1));
        page[CALL_AT] = 0xb8;
        page[CALL_AT + 1] = (uint8_t)v;
        page[CALL_AT + 2] = page[CALL_AT + 3] = page[CALL_AT + 4] = 0;
        page[CALL_AT + 5] = 0xc3;
        uint8_t* ret = &frames[0][v == 1 ? RETURN_1 : RETURN_2];
        ret[0] = 0xb8;
        ret[1] = (uint8_t)v;
        ret[2] = ret[3] = ret[4] = 0;
        ret[5] = 0xc3;
    }
    frames[0][PAGE_SIZE - 1] = 0xeb; /* jmp rel8: the displacement is TEST_PAGE's first byte */
}

/* The first GiB stays identity-mapped in 2 MiB pages (the program, its stack, its data). */
static void build_tables(void) {
    for (unsigned i = 0; i < 512; i++)
        pd_low[i] = ((uint64_t)i << 21) | PTE_P | PTE_W | PDE_LARGE;
    pml4[0] = (uint64_t)(uintptr_t)pdpt | PTE_P | PTE_W;
    pdpt[0] = (uint64_t)(uintptr_t)pd_low | PTE_P | PTE_W;
    pdpt[1] = (uint64_t)(uintptr_t)pd_test | PTE_P | PTE_W;
    pd_test[0] = (uint64_t)(uintptr_t)pt_test | PTE_P | PTE_W;
    pt_test[0] = (uint64_t)(uintptr_t)frames[0] | PTE_P | PTE_W;
    pt_test[1] = (uint64_t)(uintptr_t)frames[1] | PTE_P | PTE_W;
    pt_test[2] = (uint64_t)(uintptr_t)frames[3] | PTE_P | PTE_W;
    write_cr3((uint64_t)(uintptr_t)pml4);
}

static void map_test_page(unsigned version) {
    pt_test[1] = (uint64_t)(uintptr_t)frames[version] | PTE_P | PTE_W;
    invlpg(TEST_PAGE);
}

typedef uint32_t (*code_fn)(void);
static code_fn volatile on_page = (code_fn)(TEST_PAGE + CALL_AT);
static code_fn volatile straddling = (code_fn)(TEST_PAGE - 1);

/* Several calls each, so the later ones find the block through the jump caches. */
static void expect_on_page(unsigned version) {
    for (unsigned i = 0; i < 4; i++) CHECK_EQ(on_page(), version);
}

static void expect_straddling(unsigned version) {
    for (unsigned i = 0; i < 4; i++) CHECK_EQ(straddling(), version);
}

int main(uint32_t mb_magic, uint32_t mb_info) {
    (void)mb_magic;
    (void)mb_info;
    write_code();
    build_tables();
    expect_on_page(1);
    expect_straddling(1);
    map_test_page(2);
    expect_straddling(2);
    /* Since the last INVLPG, only the block on the page before ran: it alone makes the
     * next INVLPG of TEST_PAGE matter to the jump caches. */
    map_test_page(1);
    expect_straddling(1);
    expect_on_page(1);
    map_test_page(2);
    expect_on_page(2);
    expect_straddling(2);
    invlpg(OTHER_PAGE);
    expect_on_page(2);
    expect_straddling(2);
    printf("PASS remap64\n");
    return 0;
}
