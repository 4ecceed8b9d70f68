/* 64-bit runtime core: start-up, IDT and PM-timer time (the console is in guest_common.c). */
#include "libguest.h"

#define MULTIBOOT_LOADER_MAGIC 0x2badb002
#define PM_TIMER_HZ 3579545ull

extern const uint8_t isr_stubs[];

struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
} __attribute__((packed));

struct idt_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

#define SEL_CODE64 0x08
#define GATE_INTERRUPT_PRESENT 0x8e

static struct idt_gate idt[256] __attribute__((aligned(16)));
static interrupt_handler handlers[256];

static void idt_build(void) {
    for (unsigned v = 0; v < 256; v++) {
        uint64_t stub = (uint64_t)(isr_stubs + 16 * v);
        idt[v] = (struct idt_gate){
            .offset_low = (uint16_t)stub,
            .selector = SEL_CODE64,
            .type_attr = GATE_INTERRUPT_PRESENT,
            .offset_mid = (uint16_t)(stub >> 16),
            .offset_high = (uint32_t)(stub >> 32),
        };
    }
}

static void idt_load(void) {
    struct idt_pointer p = {sizeof(idt) - 1, (uint64_t)idt};
    __asm__ volatile("lidt %0" ::"m"(p));
}

void set_interrupt_handler(uint8_t vector, interrupt_handler handler) {
    handlers[vector] = handler;
}

void interrupt_dispatch(struct interrupt_frame* frame) {
    interrupt_handler h = handlers[frame->vector & 0xff];
    if (h) {
        h(frame);
        return;
    }
    console_break_lock();
    printf("unexpected exception: vector %llu error 0x%llx rip 0x%llx on APIC %u\n",
           (unsigned long long)frame->vector, (unsigned long long)frame->error_code,
           (unsigned long long)frame->rip, lapic_id());
    exit(0x7f);
}

/* The PM timer is 24 or 32 bits wide; now_us() folds each reading into a 64-bit
 * tick count, which is exact as long as calls come less than 4.6 s apart. */
static uint16_t pm_timer_port;
static uint32_t pm_timer_mask;
static uint32_t pm_timer_last;
static uint64_t pm_timer_ticks;

uint64_t now_us(void) {
    if (!pm_timer_port) {
        struct acpi_fadt_info fadt;
        if (!acpi_read_fadt(&fadt) || !fadt.pm_timer) fail("no ACPI PM timer in the FADT");
        pm_timer_port = (uint16_t)fadt.pm_timer;
        pm_timer_mask = fadt.pm_timer_32bit ? 0xffffffffu : 0xffffffu;
        pm_timer_last = inl(pm_timer_port) & pm_timer_mask;
    }
    uint32_t now = inl(pm_timer_port) & pm_timer_mask;
    pm_timer_ticks += (now - pm_timer_last) & pm_timer_mask;
    pm_timer_last = now;
    return pm_timer_ticks * 1000000ull / PM_TIMER_HZ;
}

void delay_us(uint64_t us) {
    uint64_t start = now_us();
    while (now_us() - start < us)
        cpu_relax();
}

/* Called by boot.S on the BSP in long mode with a stack. */
_Noreturn void guest_start(uint32_t mb_magic, uint32_t mb_info) {
    serial_init();
    idt_build();
    idt_load();
    pic_disable();
    if (mb_magic == MULTIBOOT_LOADER_MAGIC)
        set_multiboot_info((const struct multiboot_info*)(uint64_t)mb_info);
    exit(main(mb_magic, mb_info));
}

/* Called by boot.S on each AP in long mode with its own stack. */
extern ap_entry_fn smp_ap_entry(unsigned* cpu_index);

_Noreturn void ap_start(void) {
    idt_load();
    unsigned cpu_index;
    ap_entry_fn fn = smp_ap_entry(&cpu_index);
    fn(cpu_index);
    for (;;)
        __asm__ volatile("cli; hlt");
}
