/* isa-debug-exit turns the value v into exit status (v << 1) | 1; the runner expects 7. */
#include "libguest.h"

int main(uint32_t mb_magic, uint32_t mb_info) {
    (void)mb_magic;
    (void)mb_info;
    printf("exiting with value 3\n");
    exit(3);
}
