/*
 * lapic_timer: the local APIC timer (SDM Vol. 3 11.5.4) in one-shot and periodic
 * mode, masking by the task-priority register (11.8.3: a fixed interrupt is held in
 * IRR while its priority class is not above TPR's), and EOI (an in-service vector
 * blocks further interrupts of its class until EOI). Timing is measured with PIT
 * channel 2, and the bounds are loose because the host is shared.
 */
#include "libguest32.h"

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_ENABLE (1u << 11)
#define APIC_BASE_MASK 0xfffff000u

#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_ISR 0x100
#define LAPIC_IRR 0x200
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3e0
#define SVR_ENABLE 0x100
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define DIVIDE_BY_16 0x3

#define TIMER_VECTOR 0x40

#define MSR_TSC 0x10
#define MSR_TSC_DEADLINE 0x6e0
#define LVT_TSC_DEADLINE (2u << 17)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)

static uint32_t lapic_base;
static volatile unsigned timer_interrupts;
static volatile bool eoi_in_handler = true;

static uint32_t lapic_read(uint32_t reg) {
    return *(volatile uint32_t*)linear_ptr(lapic_base + reg);
}

static void lapic_write(uint32_t reg, uint32_t v) {
    *(volatile uint32_t*)linear_ptr(lapic_base + reg) = v;
}

static bool vector_bit(uint32_t bank, uint8_t vector) {
    return lapic_read(bank + 0x10 * (vector / 32)) & (1u << (vector % 32));
}

static void timer_handler(struct interrupt_frame* frame) {
    (void)frame;
    timer_interrupts++;
    if (eoi_in_handler) lapic_write(LAPIC_EOI, 0);
}

/* Timer ticks (after the divider) per millisecond, counted down from the maximum
 * over 50 ms so that a descheduled vCPU skews it little. */
static uint32_t calibrate(void) {
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | TIMER_VECTOR);
    lapic_write(LAPIC_TIMER_INITIAL, 0xffffffff);
    pit_delay_us(50000);
    uint32_t ticks = 0xffffffff - lapic_read(LAPIC_TIMER_CURRENT);
    lapic_write(LAPIC_TIMER_INITIAL, 0);
    return ticks / 50;
}

static void wait_ms(unsigned ms) {
    for (unsigned i = 0; i < ms / 10; i++)
        pit_delay_us(10000);
}

/* TSC-deadline mode (11.5.4.1) after this CPU's TSC was moved far ahead: the deadline is a
 * value of the TSC the CPU reads, whatever was written to it. */
static void test_tsc_deadline(void) {
    uint32_t eax = 1, ebx, ecx = 0, edx;
    __asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
    if (!(ecx & CPUID1_ECX_TSC_DEADLINE)) {
        printf("lapic_timer: no TSC-deadline mode (CPUID.1:ECX[24] clear)\n");
        return;
    }
    wrmsr(MSR_TSC, rdtsc() + (1ull << 44));
    timer_interrupts = 0;
    lapic_write(LAPIC_LVT_TIMER, LVT_TSC_DEADLINE | TIMER_VECTOR);
    irq_enable();
    wrmsr(MSR_TSC_DEADLINE, rdtsc() + 100000);
    wait_ms(40);
    irq_disable();
    CHECK_EQ(timer_interrupts, 1);
    CHECK_EQ(rdmsr(MSR_TSC_DEADLINE), 0); /* a deadline that fired is disarmed */

    /* Armed far ahead, it reads back as written, and has not fired. */
    uint64_t later = rdtsc() + (1ull << 40);
    wrmsr(MSR_TSC_DEADLINE, later);
    CHECK_EQ(rdmsr(MSR_TSC_DEADLINE), later);
    irq_enable();
    wait_ms(20);
    irq_disable();
    CHECK_EQ(timer_interrupts, 1);
    wrmsr(MSR_TSC_DEADLINE, 0);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | TIMER_VECTOR);
    printf("lapic_timer: TSC-deadline mode fires by the CPU's own TSC\n");
}

int main(uint32_t mb_magic, uint32_t mb_info) {
    (void)mb_magic;
    (void)mb_info;
    wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE);
    lapic_base = (uint32_t)rdmsr(MSR_APIC_BASE) & APIC_BASE_MASK;
    lapic_write(LAPIC_SVR, SVR_ENABLE | 0xff);
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_TIMER_DIVIDE, DIVIDE_BY_16);
    set_interrupt_handler(TIMER_VECTOR, timer_handler);

    uint32_t per_ms = calibrate();
    printf("lapic_timer: %u ticks per ms\n", per_ms);
    if (per_ms < 100) fail("LAPIC timer barely counts: %u ticks per ms", per_ms);

    /* One-shot: exactly one interrupt, then the current count rests at 0. */
    timer_interrupts = 0;
    irq_enable();
    lapic_write(LAPIC_LVT_TIMER, TIMER_VECTOR);
    lapic_write(LAPIC_TIMER_INITIAL, per_ms * 5);
    wait_ms(40);
    irq_disable();
    CHECK_EQ(timer_interrupts, 1);
    CHECK_EQ(lapic_read(LAPIC_TIMER_CURRENT), 0);

    /* Periodic at 100 Hz for 200 ms. A slow host loses ticks rather than adding any,
     * so the lower bound is the looser one. */
    timer_interrupts = 0;
    lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | TIMER_VECTOR);
    lapic_write(LAPIC_TIMER_INITIAL, per_ms * 10);
    irq_enable();
    wait_ms(200);
    irq_disable();
    lapic_write(LAPIC_TIMER_INITIAL, 0);
    printf("lapic_timer: %u periodic interrupts in 200 ms\n", timer_interrupts);
    if (timer_interrupts < 8 || timer_interrupts > 30)
        fail("%u periodic interrupts in 200 ms at 100 Hz", timer_interrupts);

    /* TPR class 4 holds vector 0x40 (class 4) in IRR even with IF=1. */
    timer_interrupts = 0;
    lapic_write(LAPIC_TPR, 0x40);
    lapic_write(LAPIC_LVT_TIMER, TIMER_VECTOR);
    lapic_write(LAPIC_TIMER_INITIAL, per_ms);
    irq_enable();
    wait_ms(20);
    CHECK_EQ(timer_interrupts, 0);
    CHECK(vector_bit(LAPIC_IRR, TIMER_VECTOR));
    lapic_write(LAPIC_TPR, 0x30); /* class 3 < 4: delivered now */
    for (int i = 0; i < 1000 && !timer_interrupts; i++)
        cpu_relax();
    irq_disable();
    CHECK_EQ(timer_interrupts, 1);
    CHECK(!vector_bit(LAPIC_IRR, TIMER_VECTOR));
    lapic_write(LAPIC_TPR, 0);

    /* Without EOI the vector stays in service and blocks the next periodic one. */
    timer_interrupts = 0;
    eoi_in_handler = false;
    lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | TIMER_VECTOR);
    lapic_write(LAPIC_TIMER_INITIAL, per_ms * 2);
    irq_enable();
    wait_ms(20);
    irq_disable();
    CHECK_EQ(timer_interrupts, 1);
    CHECK(vector_bit(LAPIC_ISR, TIMER_VECTOR));
    CHECK(vector_bit(LAPIC_IRR, TIMER_VECTOR));
    eoi_in_handler = true;
    lapic_write(LAPIC_EOI, 0);
    irq_enable();
    wait_ms(20);
    irq_disable();
    lapic_write(LAPIC_TIMER_INITIAL, 0);
    if (timer_interrupts < 3) fail("only %u interrupts after the EOI", timer_interrupts);
    CHECK(!vector_bit(LAPIC_ISR, TIMER_VECTOR));

    test_tsc_deadline();

    printf("PASS lapic_timer\n");
    return 0;
}
