/*
 * string_ops: MOVS/STOS/LODS/CMPS/SCAS in byte, word and dword sizes, with REP,
 * REPE and REPNE, DF clear and set, 16-bit address size (0x67: SI/DI/CX, wrapping at
 * 64 KiB), a segment override on the source, ECX = 0, and a page fault in the
 * middle of REP MOVS, which must leave ESI/EDI/ECX at the faulting iteration and
 * finish correctly once the handler maps the page (SDM Vol. 2 "REP/REPE/REPZ/REPNE").
 * REP INSB and REP OUTSB on a CMOS register and on a 16550 in loopback (its FIFO shows
 * the order), across a page boundary and in both directions.
 */
#include "libguest32.h"

#define OVERRIDE_SEG_INDEX GDT_FREE_INDEX
#define OVERRIDE_SEG_BASE 0x60000
#define WRAP_DEST 0x8000 /* the 16-bit copy goes from offset 0xfffe to here */

#define PAGE_SIZE 4096
#define PTE_P 0x1
#define PTE_W 0x2
#define PF_SRC 0x300000
#define PF_DST 0x310000
#define PF_DWORDS 2048 /* two pages */

struct sregs {
    uint32_t eax, ecx, esi, edi, eflags;
};

#define STRING_STUB(name, insn)                                                                \
    static void name(struct sregs* r) {                                                        \
        uint32_t f = r->eflags;                                                                \
        __asm__ volatile("pushl %[f]\n\tpopfl\n\t" insn "\n\tpushfl\n\tpopl %[f]\n\tcld"       \
                         : [f] "+r"(f), "+a"(r->eax), "+c"(r->ecx), "+S"(r->esi), "+D"(r->edi) \
                         :                                                                     \
                         : "edx", "memory", "cc");                                             \
        r->eflags = f;                                                                         \
    }
STRING_STUB(rep_movsb, "rep movsb")
STRING_STUB(rep_movsw, "rep movsw")
STRING_STUB(rep_movsl, "rep movsl")
STRING_STUB(rep_stosb, "rep stosb")
STRING_STUB(rep_stosw, "rep stosw")
STRING_STUB(rep_stosl, "rep stosl")
STRING_STUB(lodsb, "lodsb")
STRING_STUB(lodsw, "lodsw")
STRING_STUB(lodsl, "lodsl")
STRING_STUB(repe_cmpsb, "repe cmpsb")
STRING_STUB(repe_cmpsl, "repe cmpsl")
STRING_STUB(repne_cmpsw, "repne cmpsw")
STRING_STUB(repne_scasb, "repne scasb")
STRING_STUB(repe_scasw, "repe scasw")
STRING_STUB(repne_scasl, "repne scasl")
STRING_STUB(cmpsb_once, "cmpsb")
STRING_STUB(addr16_rep_movsb, "addr16 rep movsb")
STRING_STUB(addr16_rep_stosw, "addr16 rep stosw")
STRING_STUB(fs_rep_movsb,
            "mov $0x40, %%dx\n\tmov %%dx, %%fs\n\t"
            "rep movsb %%fs:(%%esi), %%es:(%%edi)\n\tmov $0x10, %%dx\n\tmov %%dx, %%fs")
STRING_STUB(fault_rep_movsl, "rep movsl")

#define IO_STRING_STUB(name, insn)                                                             \
    static void name(struct sregs* r, uint16_t port) {                                         \
        uint32_t f = r->eflags;                                                                \
        __asm__ volatile("pushl %[f]\n\tpopfl\n\t" insn "\n\tpushfl\n\tpopl %[f]\n\tcld"       \
                         : [f] "+r"(f), "+c"(r->ecx), "+S"(r->esi), "+D"(r->edi)               \
                         : "d"(port)                                                           \
                         : "memory", "cc");                                                    \
        r->eflags = f;                                                                         \
    }
IO_STRING_STUB(rep_insb, "rep insb")
IO_STRING_STUB(rep_outsb, "rep outsb")
STRING_STUB(fault_rep_movsb_down, "rep movsb")

#define ARITH_FLAGS (EFLAGS_CF | EFLAGS_PF | EFLAGS_AF | EFLAGS_ZF | EFLAGS_SF | EFLAGS_OF)

static uint8_t src[256], dst[256];
static uint8_t big[3 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static uint32_t addr(const void* p) {
    return (uint32_t)(uintptr_t)p;
}

static void fill_pattern(uint8_t* p, size_t n, uint8_t seed) {
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + i * 7);
}

static void check_regs(const char* what, const struct sregs* r, uint32_t ecx, uint32_t esi,
                       uint32_t edi) {
    if (r->ecx != ecx || r->esi != esi || r->edi != edi)
        fail("%s: ecx=0x%x esi=0x%x edi=0x%x, expected ecx=0x%x esi=0x%x edi=0x%x", what, r->ecx,
             r->esi, r->edi, ecx, esi, edi);
}

static void check_bytes(const char* what, const uint8_t* got, const uint8_t* expected, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (got[i] != expected[i])
            fail("%s: byte %u is 0x%02x, expected 0x%02x", what, (unsigned)i, got[i], expected[i]);
}

static void test_movs(void) {
    fill_pattern(src, sizeof(src), 1);
    memset(dst, 0, sizeof(dst));
    struct sregs r = {.ecx = 37, .esi = addr(src), .edi = addr(dst), .eflags = 0x2};
    rep_movsb(&r);
    check_regs("rep movsb", &r, 0, addr(src) + 37, addr(dst) + 37);
    check_bytes("rep movsb", dst, src, 37);
    CHECK_EQ(dst[37], 0);

    memset(dst, 0, sizeof(dst));
    r = (struct sregs){.ecx = 9, .esi = addr(src) + 16, .edi = addr(dst) + 16, .eflags = 0x2};
    rep_movsw(&r);
    check_regs("rep movsw", &r, 0, addr(src) + 34, addr(dst) + 34);
    check_bytes("rep movsw", dst + 16, src + 16, 18);

    /* DF=1: from the last dword down to the first. */
    memset(dst, 0, sizeof(dst));
    r = (struct sregs){.ecx = 10,
                       .esi = addr(src) + 36 + 40,
                       .edi = addr(dst) + 36 + 40,
                       .eflags = 0x2 | EFLAGS_DF};
    rep_movsl(&r);
    check_regs("std; rep movsl", &r, 0, addr(src) + 36, addr(dst) + 36);
    check_bytes("std; rep movsl", dst + 40, src + 40, 40);
    CHECK_EQ(dst[39], 0);
    CHECK_EQ(dst[80], 0);
    CHECK(r.eflags & EFLAGS_DF);

    /* Overlapping, destination one dword above the source: element by element, the first
     * dword repeats all the way (a translator that copies the block at once would not). */
    fill_pattern(src, sizeof(src), 3);
    r = (struct sregs){.ecx = 20, .esi = addr(src), .edi = addr(src) + 4, .eflags = 0x2};
    rep_movsl(&r);
    check_regs("overlapping rep movsl", &r, 0, addr(src) + 80, addr(src) + 84);
    for (unsigned i = 4; i < 84; i++)
        CHECK_EQ(src[i], src[i % 4]);

    /* DF=1, destination above the source: copying from the top down reads every dword
     * before it is overwritten, so the block moves up intact (Linux moves its compressed
     * image this way). */
    fill_pattern(src, sizeof(src), 5);
    r = (struct sregs){.ecx = 20,
                       .esi = addr(src) + 76,
                       .edi = addr(src) + 84,
                       .eflags = 0x2 | EFLAGS_DF};
    rep_movsl(&r);
    check_regs("std; rep movsl, moving up", &r, 0, addr(src) - 4, addr(src) + 4);
    for (unsigned i = 8; i < 88; i++)
        CHECK_EQ(src[i], (uint8_t)(5 + (i - 8) * 7));

    /* DF=1, destination one dword below the source: the top dword repeats all the way down. */
    fill_pattern(src, sizeof(src), 9);
    r = (struct sregs){.ecx = 20,
                       .esi = addr(src) + 80,
                       .edi = addr(src) + 76,
                       .eflags = 0x2 | EFLAGS_DF};
    rep_movsl(&r);
    check_regs("std; rep movsl, overlapping down", &r, 0, addr(src), addr(src) - 4);
    for (unsigned i = 0; i < 80; i++)
        CHECK_EQ(src[i], (uint8_t)(9 + (80 + i % 4) * 7));

    /* The same across two page boundaries, 12 bytes up, with the runs' page ends apart. */
    for (unsigned i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 13 + i / 251);
    r = (struct sregs){.ecx = 2 * PAGE_SIZE / 4,
                       .esi = addr(big) + 2 * PAGE_SIZE - 4,
                       .edi = addr(big) + 2 * PAGE_SIZE + 8,
                       .eflags = 0x2 | EFLAGS_DF};
    rep_movsl(&r);
    check_regs("std; rep movsl across pages", &r, 0, addr(big) - 4, addr(big) + 8);
    for (unsigned i = 12; i < 2 * PAGE_SIZE + 12; i++)
        CHECK_EQ(big[i], (uint8_t)((i - 12) * 13 + (i - 12) / 251));

    /* ECX = 0: no iteration, no register change. */
    r = (struct sregs){.ecx = 0, .esi = addr(src), .edi = addr(dst), .eflags = 0x2};
    memset(dst, 0, sizeof(dst));
    rep_movsb(&r);
    check_regs("rep movsb, ecx=0", &r, 0, addr(src), addr(dst));
    CHECK_EQ(dst[0], 0);
}

static void test_stos_lods(void) {
    memset(dst, 0, sizeof(dst));
    struct sregs r = {.eax = 0x11223344, .ecx = 5, .edi = addr(dst) + 1, .eflags = 0x2};
    rep_stosb(&r);
    check_regs("rep stosb", &r, 0, 0, addr(dst) + 6);
    for (int i = 1; i < 6; i++)
        CHECK_EQ(dst[i], 0x44);
    CHECK_EQ(dst[6], 0);

    r = (struct sregs){.eax = 0x5566aabb, .ecx = 3, .edi = addr(dst) + 20, .eflags = 0x2};
    rep_stosw(&r);
    check_regs("rep stosw", &r, 0, 0, addr(dst) + 26);
    CHECK_EQ(*(uint16_t*)(dst + 24), 0xaabb);

    r = (struct sregs){
        .eax = 0xcafef00d, .ecx = 4, .edi = addr(dst) + 60, .eflags = 0x2 | EFLAGS_DF};
    rep_stosl(&r);
    check_regs("std; rep stosl", &r, 0, 0, addr(dst) + 44);
    CHECK_EQ(*(uint32_t*)(dst + 48), 0xcafef00d);
    CHECK_EQ(*(uint32_t*)(dst + 60), 0xcafef00d);
    CHECK_EQ(*(uint32_t*)(dst + 44), 0);

    fill_pattern(src, sizeof(src), 3);
    r = (struct sregs){.eax = 0xffffffff, .esi = addr(src) + 8, .eflags = 0x2};
    lodsb(&r);
    CHECK_EQ(r.eax, 0xffffff00u | src[8]);
    CHECK_EQ(r.esi, addr(src) + 9);
    lodsw(&r);
    CHECK_EQ(r.eax, 0xffff0000u | *(uint16_t*)(src + 9));
    CHECK_EQ(r.esi, addr(src) + 11);
    r.eflags = 0x2 | EFLAGS_DF;
    lodsl(&r);
    CHECK_EQ(r.eax, *(uint32_t*)(src + 11));
    CHECK_EQ(r.esi, addr(src) + 7);
}

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_SPARE 0x40 /* battery-backed RAM no device reads */
#define COM1 0x3f8      /* + 0 data, + 2 FIFO control, + 4 modem control (bit 4: loopback) */
#define IO_BYTES 600
#define FIFO_BYTES 16

static void test_rep_ins_outs(void) {
    /* REP INSB of one CMOS byte into 600 bytes across a page, up and down. */
    uint8_t* at = big + PAGE_SIZE - 200;
    outb(CMOS_INDEX, CMOS_SPARE);
    outb(CMOS_DATA, 0x5a);
    for (int down = 0; down < 2; down++) {
        memset(big, 0, sizeof(big));
        struct sregs r = {.ecx = IO_BYTES,
                          .edi = addr(at) + (down ? IO_BYTES - 1 : 0),
                          .eflags = 0x2 | (down ? EFLAGS_DF : 0)};
        rep_insb(&r, CMOS_DATA);
        check_regs(down ? "std; rep insb" : "rep insb", &r, 0, 0,
                   down ? addr(at) - 1 : addr(at) + IO_BYTES);
        for (int i = 0; i < IO_BYTES; i++)
            CHECK_EQ(at[i], 0x5a);
        CHECK_EQ(at[-1], 0);
        CHECK_EQ(at[IO_BYTES], 0);
    }

    /* REP OUTSB leaves the last byte it wrote in the CMOS register. */
    static const uint8_t values[3] = {0xa1, 0xa2, 0xa3};
    struct sregs r = {.ecx = 3, .esi = addr(values), .eflags = 0x2};
    rep_outsb(&r, CMOS_DATA);
    check_regs("rep outsb", &r, 0, addr(values) + 3, 0);
    CHECK_EQ(inb(CMOS_DATA), 0xa3);
    r = (struct sregs){.ecx = 3, .esi = addr(values) + 2, .eflags = 0x2 | EFLAGS_DF};
    rep_outsb(&r, CMOS_DATA);
    check_regs("std; rep outsb", &r, 0, addr(values) - 1, 0);
    CHECK_EQ(inb(CMOS_DATA), 0xa1);

    /* Order: a 16550 in loopback receives what it sends, in its 16-byte FIFO. REP OUTSB
     * down from the end sends the bytes last to first; REP INSB across a page takes them. */
    static uint8_t sent[FIFO_BYTES];
    for (int i = 0; i < FIFO_BYTES; i++)
        sent[i] = (uint8_t)(0x30 + 7 * i);
    const uint8_t mcr = inb(COM1 + 4);
    outb(COM1 + 2, 0x07); /* FIFOs on and empty */
    outb(COM1 + 4, mcr | 0x10);
    r = (struct sregs){.ecx = FIFO_BYTES, .esi = addr(sent) + FIFO_BYTES - 1,
                       .eflags = 0x2 | EFLAGS_DF};
    rep_outsb(&r, COM1);
    uint8_t* got = big + PAGE_SIZE - FIFO_BYTES / 2;
    memset(big, 0, sizeof(big));
    r = (struct sregs){.ecx = FIFO_BYTES, .edi = addr(got), .eflags = 0x2};
    rep_insb(&r, COM1);
    outb(COM1 + 4, mcr);
    check_regs("rep insb from the FIFO", &r, 0, 0, addr(got) + FIFO_BYTES);
    for (int i = 0; i < FIFO_BYTES; i++)
        CHECK_EQ(got[i], sent[FIFO_BYTES - 1 - i]);
}

static void test_cmps_scas(void) {
    fill_pattern(src, sizeof(src), 9);
    fill_pattern(dst, sizeof(dst), 9);
    dst[5] = src[5] + 1; /* first difference: src < dst, so CMPS (src - dst) borrows */
    struct sregs r = {.ecx = 10, .esi = addr(src), .edi = addr(dst), .eflags = 0x2 | EFLAGS_ZF};
    repe_cmpsb(&r);
    check_regs("repe cmpsb", &r, 4, addr(src) + 6, addr(dst) + 6);
    CHECK_EQ(r.eflags & (EFLAGS_ZF | EFLAGS_CF | EFLAGS_SF), EFLAGS_CF | EFLAGS_SF);

    /* Equal all the way: ECX runs out with ZF=1. */
    fill_pattern(dst, sizeof(dst), 9);
    r = (struct sregs){.ecx = 8, .esi = addr(src), .edi = addr(dst), .eflags = 0x2};
    repe_cmpsl(&r);
    check_regs("repe cmpsl", &r, 0, addr(src) + 32, addr(dst) + 32);
    CHECK(r.eflags & EFLAGS_ZF);

    /* ECX = 0 leaves the flags alone. */
    r = (struct sregs){.ecx = 0, .esi = addr(src), .edi = addr(dst), .eflags = 0x2 | ARITH_FLAGS};
    repe_cmpsb(&r);
    check_regs("repe cmpsb, ecx=0", &r, 0, addr(src), addr(dst));
    CHECK_EQ(r.eflags & ARITH_FLAGS, ARITH_FLAGS);

    /* REPNE CMPSW stops at the first equal word, DF=1. */
    memset(dst, 0, sizeof(dst));
    *(uint16_t*)(src + 40) = 0x1234;
    *(uint16_t*)(dst + 40) = 0x1234;
    r = (struct sregs){
        .ecx = 20, .esi = addr(src) + 50, .edi = addr(dst) + 50, .eflags = 0x2 | EFLAGS_DF};
    repne_cmpsw(&r);
    check_regs("std; repne cmpsw", &r, 14, addr(src) + 38, addr(dst) + 38);
    CHECK(r.eflags & EFLAGS_ZF);

    /* A single CMPSB: 0x80 - 0x01 overflows. */
    src[0] = 0x80;
    dst[0] = 0x01;
    r = (struct sregs){.esi = addr(src), .edi = addr(dst), .eflags = 0x2};
    cmpsb_once(&r);
    CHECK_EQ(r.eflags & ARITH_FLAGS, EFLAGS_OF | EFLAGS_AF);

    fill_pattern(dst, sizeof(dst), 0x40);
    r = (struct sregs){.eax = 0xabcd0000u | dst[7], .ecx = 20, .edi = addr(dst), .eflags = 0x2};
    repne_scasb(&r);
    check_regs("repne scasb", &r, 12, 0, addr(dst) + 8);
    CHECK(r.eflags & EFLAGS_ZF);

    for (int i = 0; i < 16; i++)
        ((uint16_t*)dst)[i] = 0x7777;
    r = (struct sregs){.eax = 0x7777, .ecx = 16, .edi = addr(dst), .eflags = 0x2};
    repe_scasw(&r);
    check_regs("repe scasw", &r, 0, 0, addr(dst) + 32);
    CHECK(r.eflags & EFLAGS_ZF);

    r = (struct sregs){.eax = 0x12345678, .ecx = 6, .edi = addr(dst), .eflags = 0x2};
    repne_scasl(&r);
    check_regs("repne scasl, no match", &r, 0, 0, addr(dst) + 24);
    CHECK(!(r.eflags & EFLAGS_ZF));
}

static void test_addr16(void) {
    /* 0x67: SI, DI and CX only; the upper halves stay as they were and the offsets
     * wrap at 64 KiB (DS base 0, so offset 0xfffe is linear 0xfffe). */
    volatile uint8_t* low = linear_ptr(0);
    uint8_t* dest = linear_ptr(WRAP_DEST);
    low[0xfffe] = 0xa1;
    low[0xffff] = 0xa2;
    low[0x0000] = 0xa3;
    low[0x0001] = 0xa4;
    memset(dest, 0, 8);
    struct sregs r = {.ecx = 0x9abc0004, .esi = 0x1234fffe, .edi = 0x56788000, .eflags = 0x2};
    addr16_rep_movsb(&r);
    check_regs("addr16 rep movsb", &r, 0x9abc0000, 0x12340002, 0x56788004);
    const uint8_t expected[4] = {0xa1, 0xa2, 0xa3, 0xa4};
    check_bytes("addr16 rep movsb", dest, expected, 4);

    r = (struct sregs){.eax = 0xbeef, .ecx = 0xffff0002, .edi = 0x0000fffe, .eflags = 0x2};
    addr16_rep_stosw(&r);
    check_regs("addr16 rep stosw across 64 KiB", &r, 0xffff0000, 0, 0x00000002);
    CHECK_EQ(low[0xfffe], 0xef);
    CHECK_EQ(low[0xffff], 0xbe);
    CHECK_EQ(low[0x0000], 0xef);
    CHECK_EQ(low[0x0001], 0xbe);
}

static void test_source_override(void) {
    gdt_set_segment(OVERRIDE_SEG_INDEX, OVERRIDE_SEG_BASE, 0xfffff, SEG_DATA_RW,
                    SEG_FLAGS_32 | SEG_FLAGS_4K);
    uint8_t* far_src = (uint8_t*)(OVERRIDE_SEG_BASE + 0x100);
    fill_pattern(far_src, 16, 0x90);
    fill_pattern(src, sizeof(src), 0x10); /* what DS:0x100 would give instead */
    memset(dst, 0, sizeof(dst));
    struct sregs r = {.ecx = 16, .esi = 0x100, .edi = addr(dst), .eflags = 0x2};
    fs_rep_movsb(&r);
    check_regs("rep movsb fs:", &r, 0, 0x110, addr(dst) + 16);
    check_bytes("rep movsb fs:", dst, far_src, 16);
}

/* --- A page fault in the middle of REP MOVS ------------------------------------- */

static uint32_t page_dir[1024] __attribute__((aligned(PAGE_SIZE)));
static uint32_t page_table[1024] __attribute__((aligned(PAGE_SIZE)));

struct pf_expectation {
    uint32_t cr2, page;
    unsigned count;
    struct interrupt_frame seen;
};
static volatile struct pf_expectation pf;

static void page_fault_handler(struct interrupt_frame* frame) {
    uint32_t cr2 = read_cr2();
    pf.count++;
    pf.seen = *frame;
    if (cr2 != pf.cr2) fail("#PF at 0x%x (eip 0x%x), expected 0x%x", cr2, frame->eip, pf.cr2);
    page_table[pf.page / PAGE_SIZE] |= PTE_P;
    invlpg(pf.page);
}

static void paging_on(void) {
    for (unsigned i = 0; i < 1024; i++)
        page_table[i] = i * PAGE_SIZE | PTE_P | PTE_W;
    page_dir[0] = addr(page_table) | PTE_P | PTE_W;
    write_cr3(addr(page_dir));
    write_cr0(read_cr0() | CR0_PG);
}

static void check_fault_state(const char* what, uint32_t error_code, uint32_t ecx, uint32_t esi,
                              uint32_t edi) {
    const struct interrupt_frame* f = (const struct interrupt_frame*)&pf.seen;
    if (pf.count != 1) fail("%s: %u page faults, expected 1", what, pf.count);
    if (f->error_code != error_code)
        fail("%s: error code 0x%x, expected 0x%x", what, f->error_code, error_code);
    if (f->ecx != ecx || f->esi != esi || f->edi != edi)
        fail("%s: at the fault ecx=0x%x esi=0x%x edi=0x%x, expected ecx=0x%x esi=0x%x edi=0x%x",
             what, f->ecx, f->esi, f->edi, ecx, esi, edi);
    uint8_t opcode = *(const uint8_t*)f->eip;
    if (opcode != 0xf3) fail("%s: fault eip 0x%x is not the REP instruction", what, f->eip);
}

static void test_rep_fault(void) {
    paging_on();
    set_interrupt_handler(14, page_fault_handler);

    /* Destination's second page absent: a write fault (error code W) after 1024 dwords. */
    uint32_t* s = (uint32_t*)PF_SRC;
    for (unsigned i = 0; i < PF_DWORDS; i++)
        s[i] = 0x01000193u * i;
    page_table[(PF_DST + PAGE_SIZE) / PAGE_SIZE] &= ~PTE_P;
    invlpg(PF_DST + PAGE_SIZE);
    pf.page = pf.cr2 = PF_DST + PAGE_SIZE;
    pf.count = 0;
    struct sregs r = {.ecx = PF_DWORDS, .esi = PF_SRC, .edi = PF_DST, .eflags = 0x2};
    fault_rep_movsl(&r);
    check_fault_state("rep movsl, write fault", 0x2, PF_DWORDS / 2, PF_SRC + PAGE_SIZE,
                      PF_DST + PAGE_SIZE);
    check_regs("rep movsl after the fault", &r, 0, PF_SRC + 2 * PAGE_SIZE, PF_DST + 2 * PAGE_SIZE);
    check_bytes("rep movsl after the fault", (uint8_t*)PF_DST, (uint8_t*)PF_SRC, 2 * PAGE_SIZE);

    /* DF=1 byte copy whose source runs down into an absent page: a read fault. */
    page_table[PF_SRC / PAGE_SIZE] &= ~PTE_P;
    invlpg(PF_SRC);
    pf.page = PF_SRC;
    pf.cr2 = PF_SRC + PAGE_SIZE - 1;
    pf.count = 0;
    uint32_t start = PF_SRC + PAGE_SIZE + 9; /* 10 bytes above the absent page */
    r = (struct sregs){.ecx = 30, .esi = start, .edi = PF_DST + 0x800, .eflags = 0x2 | EFLAGS_DF};
    fault_rep_movsb_down(&r);
    check_fault_state("std; rep movsb, read fault", 0x0, 20, PF_SRC + PAGE_SIZE - 1,
                      PF_DST + 0x800 - 10);
    check_regs("std; rep movsb after the fault", &r, 0, start - 30, PF_DST + 0x800 - 30);
    check_bytes("std; rep movsb after the fault", (uint8_t*)PF_DST + 0x800 - 29,
                (uint8_t*)start - 29, 30);

    set_interrupt_handler(14, NULL);
    write_cr0(read_cr0() & ~CR0_PG);
}

int main(uint32_t mb_magic, uint32_t mb_info) {
    (void)mb_magic;
    (void)mb_info;
    test_movs();
    test_stos_lods();
    test_cmps_scas();
    test_addr16();
    test_source_override();
    test_rep_fault();
    test_rep_ins_outs();
    printf("PASS string_ops\n");
    return 0;
}
