/* MMIO dispatch: unassigned physical addresses and the IOAPIC's indirect registers. */
#include "libguest.h"

/* In the PCI hole, below the IOAPIC; nothing is mapped there without PCI devices. */
#define UNASSIGNED_MMIO 0xfebf0000ull
#define IOAPIC_VERSION_REG 0x01

/* Every access size must read the same floating byte, and writes must not stick. */
static void check_unassigned(uint64_t a, uint8_t floating) {
    uint64_t all = 0x0101010101010101ull * floating;
    CHECK_EQ(mmio_read8(a), floating);
    CHECK_EQ(mmio_read16(a), (uint16_t)all);
    CHECK_EQ(mmio_read32(a), (uint32_t)all);
    CHECK_EQ(mmio_read64(a), all);
    mmio_write32(a, 0x12345678);
    mmio_write8(a + 1, 0x5a);
    mmio_write64(a + 8, 0x0123456789abcdefull);
    CHECK_EQ(mmio_read32(a), (uint32_t)all);
    CHECK_EQ(mmio_read64(a + 8), all);
}

int main(uint32_t mb_magic, uint32_t mb_info) {
    (void)mb_magic;
    (void)mb_info;
    /* kemu answers like a PC whose bus floats high. QEMU 7.2 reads unassigned memory
     * as zeros, so against the reference only consistency is checked. */
    uint8_t floating = mmio_read8(UNASSIGNED_MMIO);
    printf("mmio: unassigned memory reads 0x%02x\n", floating);
    if (cmdline_has("emulator=kemu") ? floating != 0xff : floating != 0xff && floating != 0)
        fail("unassigned memory reads 0x%02x", floating);
    check_unassigned(UNASSIGNED_MMIO, floating);
    check_unassigned(UNASSIGNED_MMIO + 0xff0, floating);

    /* IOAPIC version register (82093AA datasheet 3.2.2): version, max redirection entry. */
    uint32_t ver = ioapic_read(IOAPIC_VERSION_REG);
    uint8_t version = (uint8_t)ver;
    unsigned max_entry = (ver >> 16) & 0xff;
    printf("mmio: IOAPIC version 0x%x, %u redirection entries\n", version, max_entry + 1);
    if (version != 0x11 && version != 0x20) fail("IOAPIC version 0x%x", version);
    CHECK_EQ(max_entry, 23);
    printf("PASS mmio\n");
    return 0;
}
