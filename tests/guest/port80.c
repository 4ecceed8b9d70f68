/* Port 0x80 (POST codes, Linux's I/O delay) and reads from unassigned ports. */
#include "libguest.h"

#define POST_PORT 0x80
#define WRITES 10000
/* "Fast": an I/O delay port must not cost more than this per write on average. */
#define MAX_AVERAGE_US 50
/* Nothing decodes these on a PC without an ISA sound card. */
#define UNASSIGNED_PORT 0x220

int main(uint32_t mb_magic, uint32_t mb_info) {
    (void)mb_magic;
    (void)mb_info;
    outb(POST_PORT, 0x55);
    outw(POST_PORT, 0xaa55);
    outl(POST_PORT, 0x12345678);

    uint64_t start = now_us();
    for (unsigned i = 0; i < WRITES; i++)
        outb(POST_PORT, (uint8_t)i);
    uint64_t elapsed = now_us() - start;
    printf("port80: %u writes in %llu us\n", WRITES, (unsigned long long)elapsed);
    if (elapsed > (uint64_t)WRITES * MAX_AVERAGE_US)
        fail("port 0x80 writes average over %u us", MAX_AVERAGE_US);

    /* An undriven ISA bus floats high, so every access size reads all ones. */
    CHECK_EQ(inb(UNASSIGNED_PORT), 0xff);
    CHECK_EQ(inw(UNASSIGNED_PORT), 0xffff);
    CHECK_EQ(inl(UNASSIGNED_PORT), 0xffffffff);
    CHECK_EQ(inb(UNASSIGNED_PORT + 3), 0xff);
    outb(UNASSIGNED_PORT, 0);
    CHECK_EQ(inb(UNASSIGNED_PORT), 0xff);
    printf("PASS port80\n");
    return 0;
}
