/* 32-bit runtime core: descriptor tables, TSS, exception dispatch, 8259 and PIT helpers. */
#include "libguest32.h"

#define MULTIBOOT_LOADER_MAGIC 0x2badb002
#define INTERRUPT_STACK_SIZE 16384

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define PIC_ICW1_INIT_ICW4 0x11
#define PIC_ICW4_8086 0x01
#define PIC_EOI 0x20
#define PIC_CASCADE_IRQ 2

#define PIT_CH2 0x42
#define PIT_MODE 0x43
#define PIT_CH2_LOHI_MODE0 0xb0
#define PIT_HZ 1193182u
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_OUT2 0x20

struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t zero;
    uint8_t type_attr;
    uint16_t offset_high;
} __attribute__((packed));

struct table_pointer {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

extern const uint8_t isr_stubs[];
extern uint64_t gdt[GDT_ENTRIES];
extern const uint8_t user_return[];

struct tss32 main_tss;
volatile uint32_t fault_resume_eip;

static struct idt_gate idt[256] __attribute__((aligned(8)));
static interrupt_handler handlers[256];
static uint8_t interrupt_stack[INTERRUPT_STACK_SIZE] __attribute__((aligned(16)));
static volatile bool fault_expected;
static volatile uint8_t fault_vector;
static volatile struct fault last_fault;

uint32_t isr_stub(uint8_t vector) {
    return (uint32_t)(uintptr_t)(isr_stubs + 16 * vector);
}

void idt_set_gate(uint8_t vector, uint16_t selector, uint32_t offset, uint8_t type_attr) {
    idt[vector] = (struct idt_gate){
        .offset_low = (uint16_t)offset,
        .selector = selector,
        .type_attr = type_attr,
        .offset_high = (uint16_t)(offset >> 16),
    };
}

void idt_reset_gate(uint8_t vector) {
    /* INT3, INTO and the run_user() exit must be reachable from CPL 3. */
    bool user = vector == 3 || vector == 4 || vector == USER_RETURN_VECTOR;
    uint32_t entry =
        vector == USER_RETURN_VECTOR ? (uint32_t)(uintptr_t)user_return : isr_stub(vector);
    idt_set_gate(vector, SEL_CODE32, entry, GATE_INTERRUPT32 | GATE_DPL(user ? 3 : 0));
}

void set_interrupt_handler(uint8_t vector, interrupt_handler handler) {
    handlers[vector] = handler;
}

void expect_exception(uint8_t vector) {
    fault_resume_eip = 0;
    last_fault = (struct fault){0};
    fault_vector = vector;
    fault_expected = true;
}

struct fault fault_taken(void) {
    fault_expected = false;
    return last_fault;
}

void interrupt_dispatch(struct interrupt_frame* frame) {
    uint8_t vector = (uint8_t)frame->vector;
    if (handlers[vector]) {
        handlers[vector](frame);
        return;
    }
    if (fault_expected && vector == fault_vector) {
        last_fault = (struct fault){
            .taken = true,
            .vector = vector,
            .error_code = frame->error_code,
            .eip = frame->eip,
            .cs = frame->cs & 0xffff,
            .cr2 = read_cr2(),
        };
        fault_expected = false;
        if (fault_resume_eip) frame->eip = fault_resume_eip;
        return;
    }
    console_break_lock();
    printf("unexpected exception: vector %u error 0x%x eip 0x%x cs 0x%x eflags 0x%x\n", vector,
           frame->error_code, frame->eip, frame->cs & 0xffff, frame->eflags);
    exit(0x7f);
}

uint64_t gdt_get(unsigned index) {
    return gdt[index];
}

void gdt_put(unsigned index, uint64_t descriptor) {
    gdt[index] = descriptor;
}

void gdt_set_segment(unsigned index, uint32_t base, uint32_t limit, uint8_t access, uint8_t flags) {
    gdt[index] = (limit & 0xffff) | (uint64_t)(base & 0xffffff) << 16 | (uint64_t)access << 40 |
                 (uint64_t)((limit >> 16) & 0xf) << 48 | (uint64_t)(flags & 0xf) << 52 |
                 (uint64_t)(base >> 24) << 56;
}

void gdt_set_call_gate(unsigned index, uint16_t selector, uint32_t offset, uint8_t access,
                       uint8_t param_count) {
    gdt[index] = (offset & 0xffff) | (uint64_t)selector << 16 |
                 (uint64_t)(param_count & 0x1f) << 32 | (uint64_t)access << 40 |
                 (uint64_t)(offset >> 16) << 48;
}

void tss_set_descriptor(unsigned index, struct tss32* tss, uint8_t access) {
    gdt_set_segment(index, (uint32_t)(uintptr_t)tss, sizeof(*tss) - 1, access, 0);
}

static void descriptor_tables_init(void) {
    for (unsigned v = 0; v < 256; v++)
        idt_reset_gate((uint8_t)v);
    struct table_pointer idtr = {sizeof(idt) - 1, (uint32_t)(uintptr_t)idt};
    __asm__ volatile("lidt %0" ::"m"(idtr));

    main_tss.ss0 = SEL_DATA32;
    main_tss.esp0 = (uint32_t)(uintptr_t)(interrupt_stack + INTERRUPT_STACK_SIZE);
    main_tss.iomap_base = sizeof(main_tss); /* no I/O bitmap: beyond the limit */
    tss_set_descriptor(SEL_TSS >> 3, &main_tss, SEG_TSS32_AVAILABLE);
    __asm__ volatile("ltr %w0" ::"r"(SEL_TSS));
}

void pic_remap(uint8_t base1, uint8_t base2) {
    outb(PIC1_CMD, PIC_ICW1_INIT_ICW4);
    outb(PIC2_CMD, PIC_ICW1_INIT_ICW4);
    outb(PIC1_DATA, base1);
    outb(PIC2_DATA, base2);
    outb(PIC1_DATA, 1 << PIC_CASCADE_IRQ);
    outb(PIC2_DATA, PIC_CASCADE_IRQ);
    outb(PIC1_DATA, PIC_ICW4_8086);
    outb(PIC2_DATA, PIC_ICW4_8086);
    outb(PIC1_DATA, 0xff);
    outb(PIC2_DATA, 0xff);
}

void pic_unmask(unsigned irq, bool unmask) {
    uint16_t port = irq < 8 ? PIC1_DATA : PIC2_DATA;
    uint8_t bit = (uint8_t)(1u << (irq & 7));
    uint8_t mask = inb(port);
    outb(port, unmask ? mask & ~bit : mask | bit);
    if (irq >= 8 && unmask) pic_unmask(PIC_CASCADE_IRQ, true);
}

void pic_eoi(unsigned irq) {
    if (irq >= 8) outb(PIC2_CMD, PIC_EOI);
    outb(PIC1_CMD, PIC_EOI);
}

void pit_delay_us(uint32_t us) {
    uint32_t count = us * (PIT_HZ / 1000) / 1000;
    uint8_t port_b = inb(PORT_B) & ~(PORT_B_GATE2 | PORT_B_SPEAKER);
    outb(PORT_B, port_b);
    outb(PIT_MODE, PIT_CH2_LOHI_MODE0);
    outb(PIT_CH2, (uint8_t)count);
    outb(PIT_CH2, (uint8_t)(count >> 8));
    outb(PORT_B, port_b | PORT_B_GATE2);
    while (!(inb(PORT_B) & PORT_B_OUT2))
        cpu_relax();
    outb(PORT_B, port_b);
}

/* The loader leaves its information in low memory and after the image, both of which
 * the tests reuse (real-mode code, page tables), so keep a copy. */
static void keep_multiboot_info(uint32_t mb_info) {
    static struct multiboot_info info;
    static char cmdline[256];
    info = *(const struct multiboot_info*)(uintptr_t)mb_info;
    if (info.flags & MULTIBOOT_INFO_CMDLINE) {
        const char* s = (const char*)(uintptr_t)info.cmdline;
        size_t n = 0;
        for (; s[n] && n < sizeof(cmdline) - 1; n++)
            cmdline[n] = s[n];
        info.cmdline = (uint32_t)(uintptr_t)cmdline;
    }
    set_multiboot_info(&info);
}

/* Called by boot32.S with a stack, in 32-bit protected mode. */
_Noreturn void guest_start(uint32_t mb_magic, uint32_t mb_info) {
    serial_init();
    descriptor_tables_init();
    pic_remap(0x20, 0x28);
    if (mb_magic == MULTIBOOT_LOADER_MAGIC) keep_multiboot_info(mb_info);
    exit(main(mb_magic, mb_info));
}
