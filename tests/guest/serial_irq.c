/*
 * Interrupt-driven 16550 in loopback mode (MCR bit 4): what the guest transmits
 * comes back on the receiver. The THRE and RDA interrupts travel ISA IRQ 4 ->
 * IOAPIC (routed per MADT overrides) -> LAPIC. Nothing may be printed while
 * loopback is on, since COM1 is also the console.
 */
#include "libguest.h"

#define UART_RBR 0
#define UART_THR 0
#define UART_IER 1
#define UART_IIR 2
#define UART_MCR 4
#define UART_LSR 5
#define UART_IER_RDA 0x01
#define UART_IER_THRE 0x02
#define UART_IIR_NONE 0x01
#define UART_IIR_THRE 0x02
#define UART_IIR_RDA 0x04
#define UART_IIR_ID_MASK 0x0f
#define UART_MCR_DTR_RTS 0x03
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10
#define UART_LSR_DR 0x01

#define COM1_IRQ 4
#define COM1_VECTOR 0x34
#define IRQ_TIMEOUT_US 2000000

static volatile unsigned irq_count;
static volatile uint8_t last_iir;
static volatile int last_data = -1;

static void com1_interrupt(struct interrupt_frame* frame) {
    (void)frame;
    uint8_t iir = inb(COM1 + UART_IIR); /* reading IIR acknowledges a THRE interrupt */
    last_iir = iir;
    if ((iir & UART_IIR_ID_MASK) == UART_IIR_RDA) last_data = inb(COM1 + UART_RBR);
    irq_count++;
    lapic_eoi();
}

/* Failures are recorded, not printed, until the console is out of loopback. */
static const char* failure;
static unsigned failure_step;
static uint8_t failure_value;

static void record_failure(const char* what, unsigned step, uint8_t value) {
    if (!failure) {
        failure = what;
        failure_step = step;
        failure_value = value;
    }
}

static bool wait_for_irq(unsigned count_before) {
    uint64_t start = now_us();
    while (irq_count == count_before) {
        if (now_us() - start > IRQ_TIMEOUT_US) return false;
        cpu_relax();
    }
    return true;
}

static void expect_thre_interrupt(void) {
    unsigned before = irq_count;
    outb(COM1 + UART_IER, UART_IER_THRE);
    if (!wait_for_irq(before)) {
        record_failure("no THRE interrupt", 0, 0);
        return;
    }
    if ((last_iir & UART_IIR_ID_MASK) != UART_IIR_THRE)
        record_failure("THRE interrupt IIR", 0, last_iir);
    outb(COM1 + UART_IER, 0);
}

static void expect_echo(unsigned step, uint8_t byte) {
    unsigned before = irq_count;
    last_data = -1;
    outb(COM1 + UART_THR, byte);
    if (!wait_for_irq(before)) {
        record_failure("no RDA interrupt for byte", step, byte);
        return;
    }
    if ((last_iir & UART_IIR_ID_MASK) != UART_IIR_RDA)
        record_failure("RDA interrupt IIR", step, last_iir);
    if (last_data != byte) record_failure("looped-back byte differs", step, (uint8_t)last_data);
}

int main(uint32_t mb_magic, uint32_t mb_info) {
    (void)mb_magic;
    (void)mb_info;
    now_us(); /* find the PM timer before the console is taken over */
    lapic_enable();
    set_interrupt_handler(COM1_VECTOR, com1_interrupt);
    ioapic_route_isa_irq(COM1_IRQ, COM1_VECTOR);
    while (inb(COM1 + UART_LSR) & UART_LSR_DR)
        inb(COM1 + UART_RBR);

    outb(COM1 + UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_DTR_RTS);
    uint8_t idle_iir = inb(COM1 + UART_IIR);
    if ((idle_iir & UART_IIR_ID_MASK) != UART_IIR_NONE) record_failure("idle IIR", 0, idle_iir);
    irq_enable();
    expect_thre_interrupt();
    unsigned before_rda = irq_count;
    outb(COM1 + UART_IER, UART_IER_RDA);
    static const char message[] = "kemu loopback \x00\x7f\x80\xff";
    for (unsigned i = 0; i < sizeof(message) - 1; i++)
        expect_echo(i, (uint8_t)message[i]);
    unsigned rda_count = irq_count - before_rda;
    outb(COM1 + UART_IER, 0);
    irq_disable();
    idle_iir = inb(COM1 + UART_IIR);
    if ((idle_iir & UART_IIR_ID_MASK) != UART_IIR_NONE) record_failure("final IIR", 0, idle_iir);
    outb(COM1 + UART_MCR, UART_MCR_DTR_RTS);
    ioapic_mask_isa_irq(COM1_IRQ);

    if (failure) fail("%s (step %u, value 0x%x)", failure, failure_step, failure_value);
    CHECK_EQ(rda_count, sizeof(message) - 1);
    printf("PASS serial_irq\n");
    return 0;
}
