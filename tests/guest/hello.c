/* The smallest guest: proves boot, long mode, COM1 output and isa-debug-exit. */
#include "libguest.h"

int main(uint32_t mb_magic, uint32_t mb_info) {
    (void)mb_info;
    CHECK_EQ(mb_magic, 0x2badb002);
    printf("Hello from kemu guest\n");
    return 0;
}
