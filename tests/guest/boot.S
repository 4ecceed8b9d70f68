/*
 * Multiboot v1 entry for the guest test programs.
 *
 * The loader enters in 32-bit protected mode with paging off (Multiboot spec 3.2).
 * We leave 32-bit mode at once: under kvm-pvm an unmodified guest's ring 0 runs
 * through KVM's instruction emulator, which does not handle everything legacy
 * modes need, so everything after the far jump below is 64-bit code.
 *
 * Address space: identity map of the first 4 GiB with 2 MiB pages; the top GiB
 * (PCI hole, IOAPIC, LAPIC) is mapped uncached.
 */

#define MULTIBOOT_MAGIC 0x1badb002
/* Bit 0: page-align modules; bit 1: the loader must fill mem_lower/mem_upper. */
#define MULTIBOOT_FLAGS 0x00000003

#define MSR_EFER 0xc0000080
#define EFER_LME 0x100
#define CR4_PAE 0x20
#define CR0_PE_PG 0x80000001

#define PTE_PRESENT_WRITE 0x3
#define PDE_LARGE_PAGE 0x83
#define PDE_UNCACHED 0x18 /* PCD | PWT */

#define SEL_CODE64 0x08
#define SEL_DATA 0x10

// CR3 -> the identity tables, PAE, EFER.LME, then PE|PG: long mode is active after the
// far jump that follows. Used by the BSP (32-bit) and the AP trampoline (16-bit); the
// same mnemonics assemble for either operand size.
.macro ENABLE_LONG_MODE
    mov $boot_pml4, %eax
    mov %eax, %cr3
    mov %cr4, %eax
    or $CR4_PAE, %eax
    mov %eax, %cr4
    mov $MSR_EFER, %ecx
    rdmsr
    or $EFER_LME, %eax
    wrmsr
    mov %cr0, %eax
    or $CR0_PE_PG, %eax
    mov %eax, %cr0
.endm

    .section .multiboot, "a"
    .balign 4
    .long MULTIBOOT_MAGIC
    .long MULTIBOOT_FLAGS
    .long -(MULTIBOOT_MAGIC + MULTIBOOT_FLAGS)

    .section .text.boot, "ax"
    .code32
    .globl _start
/* Only mode-switch instructions run in 32-bit mode: the page tables are built at
 * link time and .bss is cleared once in long mode. */
_start:
    cli
    mov %eax, %edi              /* Multiboot magic, for main() */
    mov %ebx, %esi              /* Multiboot info pointer */
    lgdt boot_gdt_desc
    mov $SEL_DATA, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    ENABLE_LONG_MODE
    ljmp $SEL_CODE64, $bsp_long_mode

    .text
    .code64
bsp_long_mode:
    cld
    mov $SEL_DATA, %eax
    mov %eax, %fs
    mov %eax, %gs
    /* Upper register halves are undefined after the mode switch; 32-bit moves clear them. */
    mov %edi, %r12d
    mov %esi, %r13d
    mov $__bss_start, %edi
    mov $__bss_end, %ecx
    sub %edi, %ecx
    shr $3, %ecx
    xor %eax, %eax
    rep stosq
    mov $boot_stack_top, %rsp
    xor %ebp, %ebp
    mov %r12d, %edi
    mov %r13d, %esi
    call guest_start
    jmp halt_forever

ap_long_mode:
    mov $SEL_DATA, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %eax, %fs
    mov %eax, %gs
    mov ap_boot_stack(%rip), %rsp
    xor %ebp, %ebp
    call ap_start

halt_forever:
    cli
    hlt
    jmp halt_forever

/*
 * One 16-byte stub per vector, so libguest computes stub addresses as
 * isr_stubs + 16 * vector. Vectors without a CPU-pushed error code push a zero,
 * which gives every handler the same frame (struct interrupt_frame).
 */
    .balign 16
    .globl isr_stubs
isr_stubs:
    vector = 0
    .rept 256
    .balign 16
    .if !(vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21 || vector == 29 || vector == 30)
    push $0
    .endif
    push $vector
    jmp isr_common
    vector = vector + 1
    .endr

isr_common:
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    /* The CPU aligned RSP to 16 before its 5-qword frame; 2 + 15 pushes keep it aligned. */
    mov %rsp, %rdi
    call interrupt_dispatch
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    add $16, %rsp
    iretq

/*
 * AP start-up code. The BSP copies it below 1 MiB and sends its page number as
 * the SIPI vector, so it starts in real mode at CS:IP = (page << 8):0 and may
 * address its own bytes only relative to its start. It goes from real mode
 * straight to long mode (CR0.PE and CR0.PG set by one write, SDM Vol. 3 10.8.5)
 * to keep 16-bit code to these few instructions.
 */
    .section .rodata
    .code16
    .globl ap_trampoline_start, ap_trampoline_end
ap_trampoline_start:
    cli
    cld
    mov %cs, %ax
    mov %ax, %ds
    lgdtl ap_trampoline_gdt_desc - ap_trampoline_start
    ENABLE_LONG_MODE
    ljmpl $SEL_CODE64, $ap_long_mode
    .balign 8
ap_trampoline_gdt_desc:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt
ap_trampoline_end:

    .data
    .code64
    .balign 16
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff    /* SEL_CODE64: long mode, ring 0 */
    .quad 0x00cf92000000ffff    /* SEL_DATA: flat read/write */
boot_gdt_end:
    .balign 16
/* The 32-bit LGDT reads limit and the low 4 base bytes; the 64-bit one all 10. */
boot_gdt_desc:
    .word boot_gdt_end - boot_gdt - 1
    .quad boot_gdt

    .balign 8
    .globl ap_boot_stack
ap_boot_stack:
    .quad 0

/* Identity map of the first 4 GiB in 2 MiB pages, the top GiB uncached. */
    .balign 4096
boot_pml4:
    .quad boot_pdpt + PTE_PRESENT_WRITE
    .balign 4096
boot_pdpt:
    .quad boot_pd + PTE_PRESENT_WRITE
    .quad boot_pd + 0x1000 + PTE_PRESENT_WRITE
    .quad boot_pd + 0x2000 + PTE_PRESENT_WRITE
    .quad boot_pd + 0x3000 + PTE_PRESENT_WRITE
    .balign 4096
boot_pd:
    page = 0
    .rept 2048
    .if page < 1536
    .quad (page << 21) | PDE_LARGE_PAGE
    .else
    .quad (page << 21) | PDE_LARGE_PAGE | PDE_UNCACHED
    .endif
    page = page + 1
    .endr

    .bss
    .balign 16
    .skip 16384
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
