/* PIO exit cost benchmark: bench/ parses the "pio-exit cycles" line. */
#include "libguest.h"

#define POST_PORT 0x80
#define ITERATIONS 1000000

int main(uint32_t mb_magic, uint32_t mb_info) {
    (void)mb_magic;
    (void)mb_info;
    uint64_t start = rdtsc();
    for (unsigned i = 0; i < ITERATIONS; i++)
        outb(POST_PORT, 0);
    uint64_t cycles = rdtsc() - start;
    printf("pio-exit cycles: %llu\n", (unsigned long long)(cycles / ITERATIONS));
    return 0;
}
