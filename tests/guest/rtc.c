/*
 * MC146818 RTC/CMOS (datasheet register map): BCD time, the update-in-progress
 * flag, register C clear-on-read, the periodic interrupt rate, and the memory
 * size bytes the firmware convention (IBM PC/AT BIOS) keeps in CMOS.
 */
#include "libguest.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71

#define RTC_SECONDS 0x00
#define RTC_MINUTES 0x02
#define RTC_HOURS 0x04
#define RTC_DAY_OF_WEEK 0x06
#define RTC_DAY 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_C 0x0c
#define RTC_REG_D 0x0d
#define CMOS_EXT_MEM_LOW 0x17   /* KiB above 1 MiB, up to 0xffff */
#define CMOS_EXT_MEM2_LOW 0x30  /* the same value, POST copy */
#define CMOS_MEM_ABOVE_16M 0x34 /* 64 KiB units between 16 MiB and 4 GiB */
#define CMOS_CENTURY 0x32

#define REG_A_UIP 0x80
#define REG_A_DIVIDER_32K 0x20
#define REG_B_PIE 0x40
#define REG_B_BINARY 0x04
#define REG_B_24H 0x02
#define REG_C_IRQF 0x80
#define REG_C_PF 0x40
#define REG_D_VRT 0x80

#define RTC_IRQ 8
#define RTC_VECTOR 0x38
/* Rate select 12: 32768 Hz >> (12 - 1) = 16 Hz. A slow rate keeps a descheduled vCPU
 * thread (on a loaded host) from losing ticks: a tick is lost only when the previous
 * one has not been acknowledged through register C a whole period later. */
#define PERIODIC_RATE_SELECT 12
#define PERIODIC_HZ 16
#define MEASURE_US 2000000
#define UIP_RISE_TIMEOUT_US 10000000

static uint8_t cmos_read(uint8_t reg) {
    outb(CMOS_INDEX, reg);
    return inb(CMOS_DATA);
}

static void cmos_write(uint8_t reg, uint8_t value) {
    outb(CMOS_INDEX, reg);
    outb(CMOS_DATA, value);
}

static uint16_t cmos_read16(uint8_t reg) {
    return cmos_read(reg) | (uint16_t)(cmos_read(reg + 1) << 8);
}

static unsigned bcd_value(const char* what, uint8_t bcd, unsigned lo, unsigned hi) {
    if ((bcd & 0x0f) > 9 || (bcd >> 4) > 9) fail("%s 0x%02x is not BCD", what, bcd);
    unsigned v = (bcd >> 4) * 10 + (bcd & 0x0f);
    if (v < lo || v > hi) fail("%s %u outside %u..%u", what, v, lo, hi);
    return v;
}

/* Reads the clock only every 16 polls: UIP is up for just 244 us, so polls should be dense. */
static void wait_uip(bool set, uint64_t timeout_us) {
    uint64_t start = now_us();
    for (unsigned polls = 1; !!(cmos_read(RTC_REG_A) & REG_A_UIP) != set; polls++)
        if (polls % 16 == 0 && now_us() - start > timeout_us)
            fail("UIP did not become %d within %llu us", set, (unsigned long long)timeout_us);
}

static void check_time_registers(void) {
    uint8_t b = cmos_read(RTC_REG_B);
    if (b & REG_B_BINARY) fail("register B 0x%02x selects binary mode", b);
    CHECK(b & REG_B_24H);
    CHECK(cmos_read(RTC_REG_D) & REG_D_VRT);
    wait_uip(false, 10000);
    unsigned sec = bcd_value("seconds", cmos_read(RTC_SECONDS), 0, 59);
    unsigned min = bcd_value("minutes", cmos_read(RTC_MINUTES), 0, 59);
    unsigned hour = bcd_value("hours", cmos_read(RTC_HOURS), 0, 23);
    bcd_value("day of week", cmos_read(RTC_DAY_OF_WEEK), 1, 7);
    unsigned day = bcd_value("day", cmos_read(RTC_DAY), 1, 31);
    unsigned month = bcd_value("month", cmos_read(RTC_MONTH), 1, 12);
    unsigned year = bcd_value("year", cmos_read(RTC_YEAR), 0, 99);
    unsigned century = bcd_value("century", cmos_read(CMOS_CENTURY), 19, 21);
    printf("rtc: %02u%02u-%02u-%02u %02u:%02u:%02u\n", century, year, month, day, hour, min, sec);
}

/* UIP rises once a second, 244 us before the update, and stays up at most 2228 us.
 * The rise bound is loose for two reasons: a vCPU thread on a busy host can sleep
 * through the window, and QEMU 7.2 (the reference) does not show UIP every second
 * (gaps of 2-3 s were measured). The fall bound allows for QEMU latching UIP until
 * its update timer runs. */
static void check_update_cycle(void) {
    wait_uip(false, 10000);
    unsigned before = bcd_value("seconds", cmos_read(RTC_SECONDS), 0, 59);
    uint64_t start = now_us();
    wait_uip(true, UIP_RISE_TIMEOUT_US);
    uint64_t rise = now_us();
    wait_uip(false, 500000);
    unsigned after = bcd_value("seconds", cmos_read(RTC_SECONDS), 0, 59);
    unsigned advanced = (after + 60 - before) % 60;
    if (advanced < 1 || advanced > UIP_RISE_TIMEOUT_US / 1000000 + 1)
        fail("seconds went from %u to %u over one update", before, after);
    printf("rtc: UIP rose after %llu us\n", (unsigned long long)(rise - start));
}

static volatile unsigned periodic_count;

static void rtc_interrupt(struct interrupt_frame* frame) {
    (void)frame;
    /* Reading C lowers IRQ 8; without it the line stays high and no new edge comes. */
    if (cmos_read(RTC_REG_C) & REG_C_PF) periodic_count++;
    lapic_eoi();
}

static void check_periodic_interrupt(void) {
    cmos_read(RTC_REG_C);
    cmos_write(RTC_REG_A, REG_A_DIVIDER_32K | PERIODIC_RATE_SELECT);
    cmos_write(RTC_REG_B, cmos_read(RTC_REG_B) | REG_B_PIE);

    /* The IOAPIC pin is still masked: poll for a period flag, then see C clear on read. */
    uint64_t start = now_us();
    uint8_t c;
    while (!((c = cmos_read(RTC_REG_C)) & REG_C_PF))
        if (now_us() - start > 500000) fail("no periodic flag in register C");
    CHECK(c & REG_C_IRQF);
    c = cmos_read(RTC_REG_C);
    CHECK_EQ(c & (REG_C_IRQF | REG_C_PF), 0);

    lapic_enable();
    set_interrupt_handler(RTC_VECTOR, rtc_interrupt);
    ioapic_route_isa_irq(RTC_IRQ, RTC_VECTOR);
    cmos_read(RTC_REG_C); /* a flag raised meanwhile would hold the line high forever */
    irq_enable();
    start = now_us();
    unsigned first = periodic_count;
    while (now_us() - start < MEASURE_US)
        cpu_relax();
    unsigned count = periodic_count - first;
    irq_disable();
    cmos_write(RTC_REG_B, cmos_read(RTC_REG_B) & ~REG_B_PIE);
    ioapic_mask_isa_irq(RTC_IRQ);
    cmos_read(RTC_REG_C);
    printf("rtc: %u periodic interrupts in %u ms at %u Hz\n", count, MEASURE_US / 1000,
           PERIODIC_HZ);
    unsigned expected = PERIODIC_HZ * (MEASURE_US / 1000) / 1000;
    if (count < expected / 2 || count > expected * 3 / 2)
        fail("periodic interrupt count %u, expected about %u", count, expected);
}

/* Firmware may keep a little RAM for itself and leave it out of what Multiboot
 * reports (SeaBIOS under QEMU keeps 128 KiB), so CMOS may exceed it by up to 1 MiB. */
#define FIRMWARE_RESERVE_MAX_KIB 1024

static void check_memory_size(void) {
    const struct multiboot_info* mbi = multiboot_info();
    if (!mbi || !(mbi->flags & MULTIBOOT_INFO_MEMORY)) fail("Multiboot gave no memory size");
    uint32_t ext = cmos_read16(CMOS_EXT_MEM_LOW);
    CHECK_EQ(cmos_read16(CMOS_EXT_MEM2_LOW), ext);
    uint32_t above_16m = cmos_read16(CMOS_MEM_ABOVE_16M);
    uint32_t cmos_kib = above_16m ? 16 * 1024 + above_16m * 64 : 1024 + ext;
    uint32_t multiboot_kib = 1024 + mbi->mem_upper;
    printf("rtc: RAM below 4 GiB: CMOS %u KiB, Multiboot %u KiB\n", cmos_kib, multiboot_kib);
    uint32_t cmos_ext_expected = cmos_kib - 1024 > 0xffff ? 0xffff : cmos_kib - 1024;
    CHECK_EQ(ext, cmos_ext_expected);
    if (cmos_kib < multiboot_kib || cmos_kib - multiboot_kib > FIRMWARE_RESERVE_MAX_KIB)
        fail("CMOS memory size %u KiB does not match Multiboot's %u KiB", cmos_kib, multiboot_kib);
}

int main(uint32_t mb_magic, uint32_t mb_info) {
    (void)mb_magic;
    (void)mb_info;
    check_time_registers();
    check_update_cycle();
    check_periodic_interrupt();
    check_memory_size();
    printf("PASS rtc\n");
    return 0;
}
