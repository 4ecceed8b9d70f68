/*
 * pit_quick_calibrate: Linux's fast TSC calibration against PIT channel 2 (tsc.c,
 * quick_pit_calibrate) must succeed. It loads 0xffff in mode 0 and polls the counter's
 * MSB, timing each change with RDTSC; the TSC reads bracketing a change must be closer
 * together than 1/2048 of the time since the first. A kernel that fails here falls back
 * to a slow calibration that spends ~50 ms polling, so the emulator's port reads and
 * RDTSC have to be fast and the counter has to step as the 8254 datasheet says (one tick
 * per 1/1193182 s, LSB then MSB through the flip-flop of access mode 3).
 */
#include "libguest32.h"

#define PIT_CH2 0x42
#define PIT_MODE 0x43
#define PIT_CH2_LOHI_MODE0 0xb0
#define PORT_B 0x61
#define PIT_TICK_RATE 1193182u
#define MAX_QUICK_PIT_MS 50
#define MAX_ITERATIONS (MAX_QUICK_PIT_MS * PIT_TICK_RATE / 1000 / 256)

static int msb_is(uint8_t value) {
    inb(PIT_CH2);
    return inb(PIT_CH2) == value;
}

/* Polls while the MSB reads `value`; *tsc is the TSC of the last read that saw it, *delta
 * how long the reads bracketing the change took. Linux wants more than five reads. */
static int expect_msb(uint8_t value, uint64_t* tsc, uint64_t* delta, int* reads) {
    uint64_t now = 0, prev = 0;
    int count;
    for (count = 0; count < 50000; count++) {
        if (!msb_is(value)) break;
        prev = now;
        now = rdtsc();
    }
    *delta = rdtsc() - prev;
    *tsc = now;
    *reads = count;
    return count > 5;
}

int main(uint32_t mb_magic, uint32_t mb_info) {
    (void)mb_magic;
    (void)mb_info;
    outb(PORT_B, (inb(PORT_B) & ~0x02) | 0x01);
    outb(PIT_MODE, PIT_CH2_LOHI_MODE0);
    outb(PIT_CH2, 0xff);
    outb(PIT_CH2, 0xff);
    msb_is(0);

    uint64_t start, d1, d2, at;
    int reads;
    if (!expect_msb(0xff, &start, &d1, &reads)) fail("MSB 0xff seen in only %d reads", reads);
    for (unsigned i = 1; i <= MAX_ITERATIONS; i++) {
        if (!expect_msb(0xff - i, &at, &d2, &reads))
            fail("MSB %#x seen in only %d reads (step %u)", 0xff - i, reads, i);
        const uint64_t elapsed = at - start;
        if (i == 1 && d1 + d2 >= (elapsed * MAX_ITERATIONS) >> 11)
            fail("first step: reads took %llu + %llu TSC ticks of %llu", (unsigned long long)d1,
                 (unsigned long long)d2, (unsigned long long)elapsed);
        if (d1 + d2 >= elapsed >> 11) continue;
        if (!msb_is(0xfe - i)) fail("MSB moved on during the last read (step %u)", i);
        printf("calibrated after %u steps: %llu TSC ticks in %u PIT ticks\n", i,
               (unsigned long long)elapsed, i * 256);
        printf("PASS pit_quick_calibrate\n");
        return 0;
    }
    fail("error never below 500 ppm in %u steps", MAX_ITERATIONS);
}
