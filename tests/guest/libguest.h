/*
 * libguest: the freestanding runtime of the guest test programs.
 *
 * A test defines main(); boot.S and guest_start() get it there in 64-bit mode with
 * an IDT installed, the 8259s masked and COM1 initialised. Results go out on COM1
 * (the runner reads them from -serial stdio) and through isa-debug-exit at 0xf4.
 * The mode-independent part (ports, console, exit, command line) is guest_common.h,
 * shared with the 32-bit runtime (libguest32.h).
 */
#pragma once

#include "guest_common.h"

#define MAX_CPUS 64

/* --- Memory-mapped I/O ----------------------------------------------------- */

static inline uint8_t mmio_read8(uint64_t a) {
    return *(volatile uint8_t*)a;
}
static inline uint16_t mmio_read16(uint64_t a) {
    return *(volatile uint16_t*)a;
}
static inline uint32_t mmio_read32(uint64_t a) {
    return *(volatile uint32_t*)a;
}
static inline uint64_t mmio_read64(uint64_t a) {
    return *(volatile uint64_t*)a;
}
static inline void mmio_write8(uint64_t a, uint8_t v) {
    *(volatile uint8_t*)a = v;
}
static inline void mmio_write16(uint64_t a, uint16_t v) {
    *(volatile uint16_t*)a = v;
}
static inline void mmio_write32(uint64_t a, uint32_t v) {
    *(volatile uint32_t*)a = v;
}
static inline void mmio_write64(uint64_t a, uint64_t v) {
    *(volatile uint64_t*)a = v;
}

/* Register frame built by the isr_stubs in boot.S; order matches its pushes. */
struct interrupt_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*interrupt_handler)(struct interrupt_frame* frame);

/* Vectors without a handler end the test with "unexpected exception". */
void set_interrupt_handler(uint8_t vector, interrupt_handler handler);

/* --- Time (ACPI PM timer, 3.579545 MHz) ----------------------------------- */

/* Microseconds since the first call; BSP only. Fails the test without a PM timer. */
uint64_t now_us(void);
void delay_us(uint64_t us);

/* --- ACPI ----------------------------------------------------------------- */

struct acpi_header {
    char signature[4];
    uint32_t length;
    uint8_t revision;
    uint8_t checksum;
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    uint32_t creator_id;
    uint32_t creator_revision;
} __attribute__((packed));

/* Generic Address Structure (ACPI 6.5 section 5.2.3.2). */
struct acpi_gas {
    uint8_t space_id; /* 0: system memory, 1: system I/O */
    uint8_t bit_width;
    uint8_t bit_offset;
    uint8_t access_size;
    uint64_t address;
} __attribute__((packed));

#define ACPI_SPACE_MEMORY 0
#define ACPI_SPACE_IO 1

struct acpi_fadt_info {
    const struct acpi_header* dsdt;
    uint32_t pm1a_cnt;
    uint32_t pm_timer;
    bool pm_timer_32bit;
    bool reset_supported;
    struct acpi_gas reset_reg;
    uint8_t reset_value;
};

struct isa_irq_route {
    uint32_t gsi;
    bool level;
    bool active_low;
};

struct acpi_madt_info {
    uint64_t lapic_base;
    unsigned cpu_count; /* enabled processors */
    uint8_t apic_ids[MAX_CPUS];
    uint64_t ioapic_base;
    uint32_t ioapic_gsi_base;
    struct isa_irq_route isa_irq[16]; /* identity, edge, active high unless overridden */
};

/* Finds a table by signature through the XSDT (or RSDT); NULL if absent. */
const struct acpi_header* acpi_find_table(const char signature[4]);
bool acpi_read_fadt(struct acpi_fadt_info* out);
bool acpi_read_madt(struct acpi_madt_info* out);
/* SLP_TYPa of the \_S5 package in the DSDT; false if the DSDT has no \_S5. */
bool acpi_s5_sleep_type(const struct acpi_header* dsdt, uint8_t* slp_typa);

/* --- Interrupt controllers ------------------------------------------------ */

/* Remaps the 8259s off the exception vectors and masks every line. */
void pic_disable(void);

void lapic_enable(void);
uint8_t lapic_id(void);
void lapic_eoi(void);
/* Writes the ICR (destination APIC ID in the high half) and waits for delivery. */
bool lapic_send_ipi(uint8_t dest_apic_id, uint32_t icr_low);

uint32_t ioapic_read(uint8_t reg);
void ioapic_write(uint8_t reg, uint32_t value);
/* Routes an ISA IRQ, following MADT overrides, to vector on the BSP (unmasked). */
void ioapic_route_isa_irq(unsigned isa_irq, uint8_t vector);
void ioapic_mask_isa_irq(unsigned isa_irq);

/* --- SMP ------------------------------------------------------------------ */

typedef void (*ap_entry_fn)(unsigned cpu_index);
/* Starts every enabled AP in the MADT with INIT-SIPI-SIPI, one at a time; each
 * runs fn(cpu_index) and then halts. Returns the number of APs that came up. */
unsigned smp_start_aps(const struct acpi_madt_info* madt, ap_entry_fn fn);

int main(uint32_t mb_magic, uint32_t mb_info);
