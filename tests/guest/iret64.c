/*
 * iret64: an interrupt that IF held back is taken right after the IRET or POPF that sets
 * IF, before the next instruction (SDM vol. 3, 6.8.1: neither has an interrupt shadow, as
 * STI has). The IRET goes to the next instruction, as Linux's sync_core() does, with IF set
 * in the frame; the POPF is Linux's local_irq_restore(); a self-IPI is pending from before.
 * Several rounds run the same code, so that the instruction after is already translated
 * and reachable without the exec loop.
 */
#include "libguest.h"

#define VECTOR 0x40
#define ICR_FIXED_ASSERT 0x4000u
#define ROUNDS 4

static volatile unsigned delivered;

static void on_ipi(struct interrupt_frame* frame) {
    (void)frame;
    delivered++;
    lapic_eoi();
}

/* IRETQ to the next instruction with IF set; returns `delivered` as read right there. */
static unsigned iret_with_if_set(void) {
    unsigned seen;
    __asm__ volatile(
        "mov %%ss, %%eax\n\t"
        "push %%rax\n\t"
        "push %%rsp\n\t"
        "addq $8, (%%rsp)\n\t"
        "pushfq\n\t"
        "orq $0x200, (%%rsp)\n\t"
        "mov %%cs, %%eax\n\t"
        "push %%rax\n\t"
        "lea 1f(%%rip), %%rax\n\t"
        "push %%rax\n\t"
        "iretq\n"
        "1:\n\t"
        "mov %1, %0"
        : "=r"(seen)
        : "m"(delivered)
        : "rax", "memory", "cc");
    return seen;
}

/* POPF of the flags with IF set; returns `delivered` as read right after. */
__attribute__((noinline)) static unsigned popf_with_if_set(void) {
    unsigned seen;
    __asm__ volatile(
        "pushfq\n\t"
        "orq $0x200, (%%rsp)\n\t"
        "popfq\n\t"
        "mov %1, %0"
        : "=r"(seen)
        : "m"(delivered)
        : "memory", "cc");
    return seen;
}

int main(uint32_t mb_magic, uint32_t mb_info) {
    (void)mb_magic;
    (void)mb_info;
    set_interrupt_handler(VECTOR, on_ipi);
    lapic_enable();
    for (unsigned round = 1; round <= ROUNDS; round++) {
        __asm__ volatile("cli" ::: "memory");
        CHECK(lapic_send_ipi(lapic_id(), ICR_FIXED_ASSERT | VECTOR));
        CHECK_EQ(delivered, round - 1); /* IF is clear: the IPI waits */
        CHECK_EQ(iret_with_if_set(), round);
    }
    /* With nothing waiting, the exec loop links the POPF's block to the next (a round with
     * an interrupt waiting never does: the delivery comes first): the rounds after must
     * still stop there. One copy of the code for all rounds, hence noinline. */
    for (unsigned i = 0; i < ROUNDS; i++) {
        __asm__ volatile("cli" ::: "memory");
        CHECK_EQ(popf_with_if_set(), ROUNDS);
    }
    for (unsigned round = ROUNDS + 1; round <= 2 * ROUNDS; round++) {
        __asm__ volatile("cli" ::: "memory");
        CHECK(lapic_send_ipi(lapic_id(), ICR_FIXED_ASSERT | VECTOR));
        CHECK_EQ(delivered, round - 1);
        CHECK_EQ(popf_with_if_set(), round);
    }
    __asm__ volatile("cli" ::: "memory");
    printf("PASS iret64\n");
    return 0;
}
