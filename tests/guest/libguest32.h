/*
 * libguest32: the runtime of the 32-bit guest test programs (tests.cfg group "ia32").
 *
 * boot32.S and guest_start() get main() running in 32-bit protected mode, paging
 * off, CPL 0, interrupts disabled, with a flat GDT, an IDT whose 256 vectors all
 * reach interrupt_dispatch(), a TSS loaded (ESP0 on its own stack), both 8259s
 * masked and COM1 initialised.
 *
 * Exceptions a test provokes on purpose go through expect_exception() and TRY():
 *
 *     expect_exception(13);
 *     __asm__ volatile(TRY("mov %0, %%ds") :: "r"(bad_selector));
 *     struct fault f = fault_taken();   // f.taken, f.vector, f.error_code, f.eip
 *
 * The handler records the exception and resumes right after the TRY body.
 */
#pragma once

#include "guest_common.h"

/* Selectors of the fixed GDT entries in boot32.S; entries from GDT_FREE_INDEX on are
 * free for tests. */
#define SEL_CODE32 0x08
#define SEL_DATA32 0x10
#define SEL_CODE16 0x18
#define SEL_DATA16 0x20
#define SEL_USER_CODE 0x2b
#define SEL_USER_DATA 0x33
#define SEL_TSS 0x38
#define GDT_FREE_INDEX 8
#define GDT_ENTRIES 32

/* INT 0x7f ends run_user(); its gate is reserved. */
#define USER_RETURN_VECTOR 0x7f

#define EFLAGS_CF (1u << 0)
#define EFLAGS_PF (1u << 2)
#define EFLAGS_AF (1u << 4)
#define EFLAGS_ZF (1u << 6)
#define EFLAGS_SF (1u << 7)
#define EFLAGS_TF (1u << 8)
#define EFLAGS_IF (1u << 9)
#define EFLAGS_DF (1u << 10)
#define EFLAGS_OF (1u << 11)
#define EFLAGS_IOPL3 (3u << 12)
#define EFLAGS_NT (1u << 14)
#define EFLAGS_RF (1u << 16)
#define EFLAGS_VM (1u << 17)
#define EFLAGS_AC (1u << 18)

#define CR0_PE (1u << 0)
#define CR0_WP (1u << 16)
#define CR0_AM (1u << 18)
#define CR0_PG (1u << 31)
#define CR4_PSE (1u << 4)
#define CR4_PAE (1u << 5)
#define CR4_PGE (1u << 7)

/* Register frame built by isr_common in boot32.S, lowest address first. esp and ss
 * are valid only after a privilege change (CPL 3 or vm86); the v86_* fields only
 * after an interrupt from vm86 mode. Segment fields hold the selector in bits 15:0. */
struct interrupt_frame {
    uint32_t gs, fs, es, ds;
    uint32_t edi, esi, ebp, pusha_esp, ebx, edx, ecx, eax;
    uint32_t vector, error_code;
    uint32_t eip, cs, eflags;
    uint32_t esp, ss;
    uint32_t v86_es, v86_ds, v86_fs, v86_gs;
};

typedef void (*interrupt_handler)(struct interrupt_frame* frame);

/* A handler takes precedence over an expected exception on the same vector. Vectors
 * with neither end the test with "unexpected exception". */
void set_interrupt_handler(uint8_t vector, interrupt_handler handler);

/* Gate types for idt_set_gate (SDM Vol. 3 figure 6-2), present bit included. */
#define GATE_INTERRUPT32 0x8e
#define GATE_TRAP32 0x8f
#define GATE_TASK 0x85
#define GATE_DPL(dpl) ((unsigned)(dpl) << 5)
/* Clears the present bit of a gate type or segment access byte. */
#define NOT_PRESENT(type_or_access) ((type_or_access)&0x7f)
void idt_set_gate(uint8_t vector, uint16_t selector, uint32_t offset, uint8_t type_attr);
/* Restores the runtime's own gate (interrupt gate, DPL 0) for vector. */
void idt_reset_gate(uint8_t vector);
/* Address of the runtime's entry stub for vector. */
uint32_t isr_stub(uint8_t vector);

/* Segment descriptor access bytes (present, DPL 0 unless or'ed with SEG_DPL). */
#define SEG_CODE_XR 0x9a
#define SEG_CODE_X 0x98
#define SEG_DATA_RW 0x92
#define SEG_DATA_R 0x90
#define SEG_DATA_RW_DOWN 0x96
#define SEG_TSS32_AVAILABLE 0x89
#define SEG_TSS32_BUSY 0x8b
#define SEG_CALL_GATE32 0x8c
#define SEG_DPL(dpl) ((unsigned)(dpl) << 5)
/* flags: bits 3:0 of the descriptor's byte 6 high nibble (G, D/B, L, AVL). */
#define SEG_FLAGS_32 0x4
#define SEG_FLAGS_4K 0x8
void gdt_set_segment(unsigned index, uint32_t base, uint32_t limit, uint8_t access, uint8_t flags);
void gdt_set_call_gate(unsigned index, uint16_t selector, uint32_t offset, uint8_t access,
                       uint8_t param_count);
uint64_t gdt_get(unsigned index);
void gdt_put(unsigned index, uint64_t descriptor);
#define SELECTOR(index, rpl) ((uint16_t)((index) << 3 | (rpl)))

/* 32-bit TSS (SDM Vol. 3 figure 8-2). */
struct tss32 {
    uint16_t link, link_hi;
    uint32_t esp0;
    uint16_t ss0, ss0_hi;
    uint32_t esp1;
    uint16_t ss1, ss1_hi;
    uint32_t esp2;
    uint16_t ss2, ss2_hi;
    uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint16_t es, es_hi, cs, cs_hi, ss, ss_hi, ds, ds_hi, fs, fs_hi, gs, gs_hi;
    uint16_t ldt, ldt_hi;
    uint16_t trap, iomap_base;
};
/* The TSS loaded at start-up (SEL_TSS); its ESP0 stack serves CPL 3 and vm86. */
extern struct tss32 main_tss;
void tss_set_descriptor(unsigned index, struct tss32* tss, uint8_t access);

/* --- Expected exceptions ---------------------------------------------------- */

struct fault {
    bool taken;
    uint8_t vector;
    uint32_t error_code, eip, cs, cr2;
};

/* Records the next exception on vector and resumes at the end of the enclosing
 * TRY(); any other vector stays unexpected. Call again for each exception. */
void expect_exception(uint8_t vector);
/* The recorded exception (taken false if none came), and clears the expectation. */
struct fault fault_taken(void);
/* Where the last TRY() resumes; written by TRY() itself. */
extern volatile uint32_t fault_resume_eip;
/* Wraps inline-asm text so that an expected exception resumes after it. With
 * resume 0 (a trap, or a handler that fixes the cause) execution continues as the
 * frame says. */
#define TRY(body) "movl $9997f, fault_resume_eip\n\t" body "\n9997:\n\t"

/* --- Rings ------------------------------------------------------------------ */

/* Calls fn at CPL 3 (flat SEL_USER_CODE/SEL_USER_DATA, EFLAGS as the caller's) on
 * the stack ending at stack_top and returns once fn returns. */
void run_user(void (*fn)(void), uint32_t stack_top);

/* --- Control registers ------------------------------------------------------ */

#define DEFINE_REG_ACCESSORS(name)                                \
    static inline uint32_t read_##name(void) {                    \
        uint32_t v;                                               \
        __asm__ volatile("mov %%" #name ", %0" : "=r"(v));        \
        return v;                                                 \
    }                                                             \
    static inline void write_##name(uint32_t v) {                 \
        __asm__ volatile("mov %0, %%" #name ::"r"(v) : "memory"); \
    }
DEFINE_REG_ACCESSORS(cr0)
DEFINE_REG_ACCESSORS(cr2)
DEFINE_REG_ACCESSORS(cr3)
DEFINE_REG_ACCESSORS(cr4)
DEFINE_REG_ACCESSORS(dr0)
DEFINE_REG_ACCESSORS(dr1)
DEFINE_REG_ACCESSORS(dr2)
DEFINE_REG_ACCESSORS(dr3)
DEFINE_REG_ACCESSORS(dr6)
DEFINE_REG_ACCESSORS(dr7)
#undef DEFINE_REG_ACCESSORS

static inline uint32_t read_eflags(void) {
    uint32_t v;
    __asm__ volatile("pushfl; popl %0" : "=r"(v));
    return v;
}
static inline void write_eflags(uint32_t v) {
    __asm__ volatile("pushl %0; popfl" ::"r"(v) : "memory", "cc");
}
static inline void invlpg(uint32_t linear) {
    __asm__ volatile("invlpg (%0)" ::"r"(linear) : "memory");
}

/* A pointer to linear address a, hidden from the optimiser so that address 0 (the
 * real-mode IVT, wrap-around tests) is an ordinary location rather than NULL. */
static inline void* linear_ptr(uint32_t a) {
    void* p;
    __asm__("" : "=r"(p) : "0"(a));
    return p;
}

/* --- Interrupt controllers and timers ---------------------------------------- */

/* Remaps the 8259 pair to vectors base1 and base2 (ICW1-ICW4) and masks every line. */
void pic_remap(uint8_t base1, uint8_t base2);
/* Unmasks (true) or masks ISA IRQ irq (0-15); unmasking 8-15 also unmasks IRQ 2. */
void pic_unmask(unsigned irq, bool unmask);
void pic_eoi(unsigned irq);

/* Busy-waits about us microseconds on PIT channel 2 (gate via port 0x61, mode 0),
 * which keeps time in every emulator without ACPI. us must be below 54925. */
void pit_delay_us(uint32_t us);

int main(uint32_t mb_magic, uint32_t mb_info);
