/*
 * pit_pic: the i8259 pair and the i8254 PIT. Channel 0 runs as a rate generator
 * (mode 2) at 100 Hz on IRQ0; the test counts the interrupts over intervals
 * timed by channel 2 (mode 0, gated through port 0x61), checks the ISR/IRR/IMR
 * readback of the master 8259 (OCW3), that a masked IRQ0 is not delivered, and that
 * channel 2 does not count while its gate is low and reaches terminal count (OUT2
 * high in port 0x61) once the gate is raised. Expected behaviour is from the Intel
 * 8254 and 8259A datasheets.
 */
#include "libguest32.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_DATA 0xa1
#define OCW3_READ_IRR 0x0a
#define OCW3_READ_ISR 0x0b
#define IRQ0_VECTOR 0x20

#define PIT_CH0 0x40
#define PIT_CH2 0x42
#define PIT_MODE 0x43
#define PIT_CH0_LOHI_MODE2 0x34
#define PIT_CH2_LOHI_MODE0 0xb0
#define PIT_LATCH_CH0 0x00
#define PIT_LATCH_CH2 0x80
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_OUT2 0x20

#define TICK_COUNT 11932 /* 1193182 Hz / 11932 = 99.998 Hz */
#define WINDOW_US 50000
#define WINDOWS 4

static volatile unsigned ticks;
static volatile uint8_t isr_in_handler;

static void irq0_handler(struct interrupt_frame* frame) {
    (void)frame;
    outb(PIC1_CMD, OCW3_READ_ISR);
    isr_in_handler = inb(PIC1_CMD);
    ticks++;
    pic_eoi(0);
}

static uint16_t read_counter(uint8_t latch_cmd, uint16_t port) {
    outb(PIT_MODE, latch_cmd);
    uint8_t lo = inb(port);
    uint8_t hi = inb(port);
    return (uint16_t)(hi << 8 | lo);
}

static void test_mask_readback(void) {
    outb(PIC1_DATA, 0xa5);
    outb(PIC2_DATA, 0x5a);
    CHECK_EQ(inb(PIC1_DATA), 0xa5);
    CHECK_EQ(inb(PIC2_DATA), 0x5a);
    outb(PIC1_DATA, 0xff);
    outb(PIC2_DATA, 0xff);
}

static void test_rate_generator(void) {
    set_interrupt_handler(IRQ0_VECTOR, irq0_handler);
    outb(PIT_MODE, PIT_CH0_LOHI_MODE2);
    outb(PIT_CH0, TICK_COUNT & 0xff);
    outb(PIT_CH0, TICK_COUNT >> 8);

    /* Masked: IRQ0 is requested (IRR) but never delivered. */
    ticks = 0;
    irq_enable();
    pit_delay_us(25000); /* two and a half periods */
    irq_disable();
    CHECK_EQ(ticks, 0);
    outb(PIC1_CMD, OCW3_READ_IRR);
    CHECK(inb(PIC1_CMD) & 1);

    uint16_t c = read_counter(PIT_LATCH_CH0, PIT_CH0);
    if (c > TICK_COUNT) fail("channel 0 count %u above the reload value %u", c, TICK_COUNT);

    pic_unmask(0, true);
    ticks = 0;
    irq_enable();
    for (int i = 0; i < WINDOWS; i++)
        pit_delay_us(WINDOW_US);
    irq_disable();
    unsigned ms = WINDOWS * WINDOW_US / 1000, expected = ms / 10;
    printf("pit_pic: %u IRQ0 in %u ms\n", ticks, ms);
    /* Loose bounds: the host is shared, and a descheduled vCPU loses ticks. */
    if (ticks < expected * 2 / 5 || ticks > expected * 3 / 2)
        fail("%u IRQ0 interrupts in %u ms at 100 Hz, expected about %u", ticks, ms, expected);
    CHECK_EQ(isr_in_handler & 1, 1);
    outb(PIC1_CMD, OCW3_READ_ISR);
    CHECK_EQ(inb(PIC1_CMD) & 1, 0);
    pic_unmask(0, false);
    set_interrupt_handler(IRQ0_VECTOR, NULL);
}

/* Waits for n reloads of channel 0 (still in mode 2 at 100 Hz), polling its count. */
static void wait_channel0_periods(unsigned n) {
    uint16_t last = read_counter(PIT_LATCH_CH0, PIT_CH0);
    for (unsigned reloads = 0; reloads < n;) {
        uint16_t now = read_counter(PIT_LATCH_CH0, PIT_CH0);
        if (now > last) reloads++;
        last = now;
    }
}

static void test_channel2_gate(void) {
    uint8_t port_b = inb(PORT_B) & ~(PORT_B_GATE2 | 0x02);
    outb(PORT_B, port_b);
    outb(PIT_MODE, PIT_CH2_LOHI_MODE0);
    outb(PIT_CH2, 0x00);
    outb(PIT_CH2, 0x40); /* 0x4000 ticks, 13.7 ms */
    /* Gate low: mode 0 holds the count, OUT stays low. Channel 0 keeps time. */
    uint16_t before = read_counter(PIT_LATCH_CH2, PIT_CH2);
    wait_channel0_periods(2);
    uint16_t after = read_counter(PIT_LATCH_CH2, PIT_CH2);
    CHECK_SDM(after == before && !(inb(PORT_B) & PORT_B_OUT2),
              "PIT mode 0 does not count while GATE is low (8254 datasheet)");

    outb(PORT_B, port_b | PORT_B_GATE2);
    while (!(inb(PORT_B) & PORT_B_OUT2))
        cpu_relax();
    /* Mode 0 keeps OUT high after terminal count until a new count is written, even
     * though the counter wraps and goes on counting down. */
    wait_channel0_periods(2);
    CHECK(inb(PORT_B) & PORT_B_OUT2);
    outb(PORT_B, port_b);
}

int main(uint32_t mb_magic, uint32_t mb_info) {
    (void)mb_magic;
    (void)mb_info;
    pic_remap(IRQ0_VECTOR, IRQ0_VECTOR + 8);
    test_mask_readback();
    test_rate_generator();
    test_channel2_gate();
    printf("PASS pit_pic\n");
    return 0;
}
