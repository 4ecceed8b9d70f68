/* 16550 without interrupts: polled transmit, scratch register, divisor latch. */
#include "libguest.h"

#define UART_THR 0
#define UART_DLL 0
#define UART_DLM 1
#define UART_IER 1
#define UART_LCR 3
#define UART_LSR 5
#define UART_SCR 7
#define UART_LCR_DLAB 0x80
#define UART_LCR_8N1 0x03
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40
#define POLL_LIMIT 1000000

static const char pattern[] =
    "serial pattern: ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz 0123456789\n";

static void wait_lsr(uint8_t bits) {
    for (unsigned spins = 0; spins < POLL_LIMIT; spins++) {
        if ((inb(COM1 + UART_LSR) & bits) == bits) return;
        cpu_relax();
    }
    fail("LSR bits 0x%x never set", bits);
}

static void check_scratch(void) {
    static const uint8_t values[] = {0x00, 0x55, 0xaa, 0xff, 0x5a};
    for (size_t i = 0; i < sizeof(values); i++) {
        outb(COM1 + UART_SCR, values[i]);
        CHECK_EQ(inb(COM1 + UART_SCR), values[i]);
    }
}

static void check_divisor_latch(void) {
    static const uint16_t divisors[] = {0x000c, 0x1234, 0xfffe, 0x0001};
    outb(COM1 + UART_IER, 0x05); /* must not be disturbed by the latch accesses */
    for (size_t i = 0; i < sizeof(divisors) / sizeof(divisors[0]); i++) {
        outb(COM1 + UART_LCR, UART_LCR_DLAB | UART_LCR_8N1);
        CHECK_EQ(inb(COM1 + UART_LCR), UART_LCR_DLAB | UART_LCR_8N1);
        outb(COM1 + UART_DLL, (uint8_t)divisors[i]);
        outb(COM1 + UART_DLM, (uint8_t)(divisors[i] >> 8));
        CHECK_EQ(inb(COM1 + UART_DLL), (uint8_t)divisors[i]);
        CHECK_EQ(inb(COM1 + UART_DLM), (uint8_t)(divisors[i] >> 8));
        outb(COM1 + UART_LCR, UART_LCR_8N1);
        CHECK_EQ(inb(COM1 + UART_LCR), UART_LCR_8N1);
        CHECK_EQ(inb(COM1 + UART_IER), 0x05);
    }
    outb(COM1 + UART_IER, 0);
}

int main(uint32_t mb_magic, uint32_t mb_info) {
    (void)mb_magic;
    (void)mb_info;
    /* Transmit byte by byte, each only once THR is empty; the runner sees the line. */
    for (const char* p = pattern; *p; p++) {
        wait_lsr(UART_LSR_THRE);
        outb(COM1 + UART_THR, (uint8_t)*p);
    }
    wait_lsr(UART_LSR_THRE | UART_LSR_TEMT);
    check_scratch();
    check_divisor_latch();
    printf("PASS serial_polled\n");
    return 0;
}
