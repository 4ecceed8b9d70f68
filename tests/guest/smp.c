/* Every MADT processor starts (INIT-SIPI-SIPI), reaches long-mode C code and reports. */
#include "libguest.h"

static volatile uint32_t cpus_up = 1; /* the BSP */

static void ap_main(unsigned cpu_index) {
    printf("AP %u up, APIC ID %u\n", cpu_index, lapic_id());
    __atomic_fetch_add(&cpus_up, 1, __ATOMIC_SEQ_CST);
}

int main(uint32_t mb_magic, uint32_t mb_info) {
    (void)mb_magic;
    (void)mb_info;
    unsigned expected = cmdline_uint("ncpus", 0);
    if (!expected) fail("no ncpus=N on the Multiboot command line");
    struct acpi_madt_info madt;
    if (!acpi_read_madt(&madt)) fail("no MADT");
    printf("BSP APIC ID %u; MADT lists %u CPUs, ncpus=%u\n", lapic_id(), madt.cpu_count, expected);
    CHECK_EQ(madt.cpu_count, expected);
    lapic_enable();
    unsigned started = smp_start_aps(&madt, ap_main);
    /* An AP counts as started once it reaches C; it counts itself after printing. */
    uint64_t start = now_us();
    while (__atomic_load_n(&cpus_up, __ATOMIC_SEQ_CST) < expected && now_us() - start < 2000000)
        cpu_relax();
    CHECK_EQ(started + 1, madt.cpu_count);
    CHECK_EQ(__atomic_load_n(&cpus_up, __ATOMIC_SEQ_CST), expected);
    printf("PASS smp: %u CPUs\n", expected);
    return 0;
}
