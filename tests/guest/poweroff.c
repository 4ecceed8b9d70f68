/* ACPI soft-off (ACPI 6.5 section 7.4.2.5 and 4.8.3.2.1): SLP_TYPa of \_S5 | SLP_EN into PM1a_CNT.
 */
#include "libguest.h"

#define PM1_CNT_SLP_TYP_SHIFT 10
#define PM1_CNT_SLP_EN (1u << 13)

int main(uint32_t mb_magic, uint32_t mb_info) {
    (void)mb_magic;
    (void)mb_info;
    struct acpi_fadt_info fadt;
    if (!acpi_read_fadt(&fadt)) fail("no FADT");
    if (!fadt.pm1a_cnt || fadt.pm1a_cnt > 0xffff)
        fail("PM1a_CNT 0x%x is not an I/O port", fadt.pm1a_cnt);
    uint8_t slp_typ;
    if (!acpi_s5_sleep_type(fadt.dsdt, &slp_typ)) fail("no \\_S5 package in the DSDT");
    printf("PM1a_CNT 0x%x, S5 SLP_TYPa %u\n", fadt.pm1a_cnt, slp_typ);
    printf("poweroff requested\n");
    uint16_t port = (uint16_t)fadt.pm1a_cnt;
    uint16_t cnt = inw(port) & ~(7u << PM1_CNT_SLP_TYP_SHIFT);
    outw(port, cnt | (uint16_t)((slp_typ & 7) << PM1_CNT_SLP_TYP_SHIFT) | PM1_CNT_SLP_EN);
    delay_us(1000000);
    fail("still running 1 s after the S5 request");
}
