/* ACPI reset register (ACPI 6.5 section 4.8.4.6); with -no-reboot the emulator exits. */
#include "libguest.h"

/* PIIX3 reset control register: system reset (bit 1) with a full CPU reset (bit 2).
 * Used when the FADT has no reset register: ACPI 1.0 FADTs, such as QEMU's pc, end
 * before the RESET_REG field. */
#define PIIX_RESET_CONTROL 0xcf9
#define PIIX_RESET_HARD 0x06

int main(uint32_t mb_magic, uint32_t mb_info) {
    (void)mb_magic;
    (void)mb_info;
    struct acpi_fadt_info fadt;
    if (!acpi_read_fadt(&fadt)) fail("no FADT");
    if (!fadt.reset_supported) {
        printf("FADT has no reset register, using the PIIX3 reset control register\n");
        fadt.reset_reg =
            (struct acpi_gas){.space_id = ACPI_SPACE_IO, .address = PIIX_RESET_CONTROL};
        fadt.reset_value = PIIX_RESET_HARD;
    }
    const struct acpi_gas* reg = &fadt.reset_reg;
    printf("reset register: space %u address 0x%llx value 0x%x\n", reg->space_id,
           (unsigned long long)reg->address, fadt.reset_value);
    if (reg->space_id == ACPI_SPACE_IO) {
        if (reg->address > 0xffff) fail("reset port out of range");
    } else if (reg->space_id != ACPI_SPACE_MEMORY || reg->address >= 0x100000000ull) {
        fail("unsupported reset register");
    }
    /* A rerun after a real reset would print this again; the runner wants it once. */
    printf("reboot requested\n");
    if (reg->space_id == ACPI_SPACE_IO)
        outb((uint16_t)reg->address, fadt.reset_value);
    else
        mmio_write8(reg->address, fadt.reset_value);
    delay_us(1000000);
    fail("still running 1 s after the reset request");
}
