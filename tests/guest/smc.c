/*
 * smc: self-modifying code. A store to an instruction later in the same basic block
 * must be seen when execution gets there (SDM Vol. 3 11.6: the processor detects
 * writes to code it has prefetched or cached). Also: patching a function between
 * calls, rewriting an opcode in a loop, and writing code through a different linear
 * alias of the same physical page (paging on) before executing it at the original.
 */
#include "libguest32.h"

#define PAGE_SIZE 4096
#define PTE_P 0x1
#define PTE_W 0x2
#define ALIAS_LINEAR 0x00800000 /* a 4 KiB page in the second page table */

uint32_t smc_patch_ahead(uint32_t value);
uint32_t smc_flip_opcode(uint32_t eax, uint8_t opcode);
uint32_t smc_patched_function(void);
extern uint8_t smc_function_imm[];

/* Paging is off, so the flat data segment writes straight into .text. */
__asm__(
    ".text\n"
    /* The MOV that patches the immediate of the very next instruction. */
    ".globl smc_patch_ahead\n"
    "smc_patch_ahead:\n"
    "    mov 4(%esp), %ecx\n"
    "    mov %ecx, 1f + 1\n"
    "1:  mov $0, %eax\n"
    "    ret\n"
    /* Rewrites the opcode byte of an instruction three instructions ahead. */
    ".globl smc_flip_opcode\n"
    "smc_flip_opcode:\n"
    "    mov 4(%esp), %eax\n"
    "    mov 8(%esp), %ecx\n"
    "    movb %cl, 2f\n"
    "    nop\n"
    "    nop\n"
    "2:  incl %eax\n"
    "    ret\n"
    ".globl smc_patched_function, smc_function_imm\n"
    "smc_patched_function:\n"
    "    .byte 0xb8\n" /* mov $imm32, %eax */
    "smc_function_imm:\n"
    "    .long 0x600df00d\n"
    "    ret\n"
    "    .fill 16, 1, 0xcc\n");

static void test_patch_ahead(void) {
    for (uint32_t i = 1; i <= 20; i++) {
        uint32_t v = i * 0x01010101u;
        uint32_t got = smc_patch_ahead(v);
        if (got != v) fail("patched immediate ahead: got 0x%x, expected 0x%x", got, v);
    }
}

static void test_flip_opcode(void) {
    static const uint8_t inc_eax = 0x40, dec_eax = 0x48;
    for (int i = 0; i < 20; i++) {
        uint8_t op = (i & 1) ? dec_eax : inc_eax;
        uint32_t expected = (i & 1) ? 99 : 101;
        uint32_t got = smc_flip_opcode(100, op);
        if (got != expected)
            fail("opcode 0x%02x written ahead: got %u, expected %u", op, got, expected);
    }
}

static void test_patch_function(void) {
    CHECK_EQ(smc_patched_function(), 0x600df00d);
    for (uint32_t i = 0; i < 10; i++) {
        *(volatile uint32_t*)smc_function_imm = 0xabc00000 + i;
        CHECK_EQ(smc_patched_function(), 0xabc00000 + i);
    }
    /* Replace the whole body: xor %eax,%eax; dec %eax; ret. */
    static const uint8_t body[] = {0x31, 0xc0, 0x48, 0xc3};
    uint8_t* code = (uint8_t*)smc_patched_function;
    for (size_t i = 0; i < sizeof(body); i++)
        ((volatile uint8_t*)code)[i] = body[i];
    CHECK_EQ(smc_patched_function(), 0xffffffff);
}

static uint32_t page_dir[1024] __attribute__((aligned(PAGE_SIZE)));
static uint32_t low_table[1024] __attribute__((aligned(PAGE_SIZE)));
static uint32_t alias_table[1024] __attribute__((aligned(PAGE_SIZE)));
static uint8_t code_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

/* mov $imm32, %eax; ret */
static void emit_return_constant(volatile uint8_t* p, uint32_t value) {
    p[0] = 0xb8;
    for (int i = 0; i < 4; i++)
        p[1 + i] = (uint8_t)(value >> (8 * i));
    p[5] = 0xc3;
}

static void test_alias(void) {
    for (unsigned i = 0; i < 1024; i++)
        low_table[i] = i * PAGE_SIZE | PTE_P | PTE_W;
    page_dir[0] = (uint32_t)(uintptr_t)low_table | PTE_P | PTE_W;
    page_dir[ALIAS_LINEAR >> 22] = (uint32_t)(uintptr_t)alias_table | PTE_P | PTE_W;
    alias_table[(ALIAS_LINEAR >> 12) & 1023] = (uint32_t)(uintptr_t)code_page | PTE_P | PTE_W;
    write_cr3((uint32_t)(uintptr_t)page_dir);
    write_cr0(read_cr0() | CR0_PG);

    uint32_t (*fn)(void) = (uint32_t(*)(void))(uintptr_t)(code_page + 0x100);
    volatile uint8_t* alias = linear_ptr(ALIAS_LINEAR + 0x100);
    emit_return_constant(code_page + 0x100, 0x11111111);
    CHECK_EQ(fn(), 0x11111111);
    for (uint32_t i = 0; i < 10; i++) {
        emit_return_constant(alias, 0x22220000 + i);
        uint32_t got = fn();
        if (got != 0x22220000 + i)
            fail("code written through alias 0x%x: got 0x%x, expected 0x%x", ALIAS_LINEAR + 0x100,
                 got, 0x22220000 + i);
    }
    write_cr0(read_cr0() & ~CR0_PG);
}

int main(uint32_t mb_magic, uint32_t mb_info) {
    (void)mb_magic;
    (void)mb_info;
    test_patch_ahead();
    test_flip_opcode();
    test_patch_function();
    test_alias();
    printf("PASS smc\n");
    return 0;
}
