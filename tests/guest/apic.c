/* Interrupt controllers: 8259 masking, a minimal xAPIC driver and IOAPIC routing. */
#include "libguest.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define PIC_ICW1_INIT_ICW4 0x11
#define PIC_ICW4_8086 0x01
#define PIC1_VECTOR_BASE 0x20
#define PIC2_VECTOR_BASE 0x28

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_ENABLE (1u << 11)
#define APIC_BASE_ADDR_MASK 0xffffff000ull

/* xAPIC register offsets (SDM Vol. 3 table 11-1). */
#define LAPIC_ID 0x20
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_ICR_LOW 0x300
#define LAPIC_ICR_HIGH 0x310
#define LAPIC_SVR_ENABLE 0x100
#define LAPIC_ICR_PENDING (1u << 12)
#define SPURIOUS_VECTOR 0xff

#define IOAPIC_REGSEL 0x00
#define IOAPIC_WIN 0x10
#define IOAPIC_REDIR_TABLE 0x10
#define REDIR_ACTIVE_LOW (1u << 13)
#define REDIR_LEVEL (1u << 15)
#define REDIR_MASKED (1u << 16)
#define DEFAULT_IOAPIC_BASE 0xfec00000ull

void pic_disable(void) {
    /* Both 8259s come out of the BIOS with vectors that collide with exceptions, so
     * move them (ICW1-ICW4, 8259A datasheet) before masking every line. */
    outb(PIC1_CMD, PIC_ICW1_INIT_ICW4);
    outb(PIC2_CMD, PIC_ICW1_INIT_ICW4);
    outb(PIC1_DATA, PIC1_VECTOR_BASE);
    outb(PIC2_DATA, PIC2_VECTOR_BASE);
    outb(PIC1_DATA, 1 << 2); /* slave on IR2 */
    outb(PIC2_DATA, 2);      /* slave identity */
    outb(PIC1_DATA, PIC_ICW4_8086);
    outb(PIC2_DATA, PIC_ICW4_8086);
    outb(PIC1_DATA, 0xff);
    outb(PIC2_DATA, 0xff);
}

static uint64_t lapic_base(void) {
    return rdmsr(MSR_APIC_BASE) & APIC_BASE_ADDR_MASK;
}
static uint32_t lapic_read(uint32_t reg) {
    return mmio_read32(lapic_base() + reg);
}
static void lapic_write(uint32_t reg, uint32_t v) {
    mmio_write32(lapic_base() + reg, v);
}

static void spurious_interrupt(struct interrupt_frame* frame) {
    (void)frame;
}

void lapic_enable(void) {
    uint64_t base = rdmsr(MSR_APIC_BASE);
    if (!(base & APIC_BASE_ENABLE)) wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
    set_interrupt_handler(SPURIOUS_VECTOR, spurious_interrupt);
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | SPURIOUS_VECTOR);
}

uint8_t lapic_id(void) {
    return (uint8_t)(lapic_read(LAPIC_ID) >> 24);
}

void lapic_eoi(void) {
    lapic_write(LAPIC_EOI, 0);
}

bool lapic_send_ipi(uint8_t dest_apic_id, uint32_t icr_low) {
    lapic_write(LAPIC_ICR_HIGH, (uint32_t)dest_apic_id << 24);
    lapic_write(LAPIC_ICR_LOW, icr_low);
    for (unsigned spins = 0; spins < 1000000; spins++) {
        if (!(lapic_read(LAPIC_ICR_LOW) & LAPIC_ICR_PENDING)) return true;
        cpu_relax();
    }
    return false;
}

static struct acpi_madt_info madt_cache;
static bool madt_loaded;

static const struct acpi_madt_info* madt(void) {
    if (!madt_loaded) {
        if (!acpi_read_madt(&madt_cache)) fail("no ACPI MADT");
        madt_loaded = true;
    }
    return &madt_cache;
}

static uint64_t ioapic_base(void) {
    uint64_t base = madt()->ioapic_base;
    return base ? base : DEFAULT_IOAPIC_BASE;
}

uint32_t ioapic_read(uint8_t reg) {
    mmio_write32(ioapic_base() + IOAPIC_REGSEL, reg);
    return mmio_read32(ioapic_base() + IOAPIC_WIN);
}

void ioapic_write(uint8_t reg, uint32_t value) {
    mmio_write32(ioapic_base() + IOAPIC_REGSEL, reg);
    mmio_write32(ioapic_base() + IOAPIC_WIN, value);
}

static uint8_t redir_reg(unsigned isa_irq) {
    const struct acpi_madt_info* m = madt();
    uint32_t pin = m->isa_irq[isa_irq & 15].gsi - m->ioapic_gsi_base;
    if (pin >= 24) fail("ISA IRQ %u maps to GSI outside the first IOAPIC", isa_irq);
    return (uint8_t)(IOAPIC_REDIR_TABLE + 2 * pin);
}

void ioapic_route_isa_irq(unsigned isa_irq, uint8_t vector) {
    const struct isa_irq_route* r = &madt()->isa_irq[isa_irq & 15];
    uint8_t reg = redir_reg(isa_irq);
    uint32_t low = vector | (r->level ? REDIR_LEVEL : 0) | (r->active_low ? REDIR_ACTIVE_LOW : 0);
    ioapic_write(reg + 1, (uint32_t)lapic_id() << 24);
    ioapic_write(reg, low);
}

void ioapic_mask_isa_irq(unsigned isa_irq) {
    uint8_t reg = redir_reg(isa_irq);
    ioapic_write(reg, ioapic_read(reg) | REDIR_MASKED);
}
