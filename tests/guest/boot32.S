/*
 * Multiboot v1 entry for the 32-bit guest test programs (libguest32.h).
 *
 * Unlike boot.S this stays in 32-bit protected mode with paging off: the tests built
 * on it exercise the legacy modes (real mode, vm86, 16-bit segments, task switches,
 * 32-bit and PAE paging) that long mode cannot reach.
 */

#define MULTIBOOT_MAGIC 0x1badb002
/* Bit 0: page-align modules; bit 1: the loader must fill mem_lower/mem_upper. */
#define MULTIBOOT_FLAGS 0x00000003

#define SEL_CODE32 0x08
#define SEL_DATA32 0x10
#define SEL_USER_CODE 0x2b
#define SEL_USER_DATA 0x33
#define USER_RETURN_VECTOR 0x7f

    .section .multiboot, "a"
    .balign 4
    .long MULTIBOOT_MAGIC
    .long MULTIBOOT_FLAGS
    .long -(MULTIBOOT_MAGIC + MULTIBOOT_FLAGS)

    .section .text.boot, "ax"
    .code32
    .globl _start
_start:
    cli
    cld
    mov %eax, %ebp              /* Multiboot magic */
    mov %ebx, %esi              /* Multiboot info pointer */
    lgdt gdt_desc
    mov $SEL_DATA32, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %fs
    mov %ax, %gs
    mov %ax, %ss
    ljmp $SEL_CODE32, $1f
1:  mov $__bss_start, %edi
    mov $__bss_end, %ecx
    sub %edi, %ecx
    shr $2, %ecx
    xor %eax, %eax
    rep stosl
    mov $boot_stack_top, %esp
    push %esi
    push %ebp
    xor %ebp, %ebp
    call guest_start
halt_forever:
    cli
    hlt
    jmp halt_forever

/*
 * One 16-byte stub per vector: libguest32 computes stub addresses as
 * isr_stubs + 16 * vector. Vectors without a CPU-pushed error code push a zero so
 * every handler sees the same frame (struct interrupt_frame).
 */
    .text
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

/* The data segment registers are saved and reloaded because the interrupted code may
 * have run at CPL 3 or in vm86 mode (where the CPU zeroes them on entry). */
isr_common:
    pushal
    push %ds
    push %es
    push %fs
    push %gs
    mov $SEL_DATA32, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %fs
    mov %eax, %gs
    cld
    push %esp
    call interrupt_dispatch
    add $4, %esp
    pop %gs
    pop %fs
    pop %es
    pop %ds
    popal
    add $8, %esp
    iret

/*
 * run_user(fn, stack_top): calls fn at CPL 3 on the given stack and returns when fn
 * does. The user side ends with INT USER_RETURN_VECTOR, whose gate (DPL 3) leads
 * to user_return, which drops the ring-0 interrupt frame and restores the caller.
 */
    .globl run_user
run_user:
    push %ebp
    push %ebx
    push %esi
    push %edi
    mov %esp, user_return_esp
    mov 20(%esp), %eax          /* fn */
    mov 24(%esp), %ecx          /* stack_top */
    mov $SEL_USER_DATA, %edx
    mov %edx, %ds
    mov %edx, %es
    mov %edx, %fs
    mov %edx, %gs
    push %edx                   /* SS */
    push %ecx                   /* ESP */
    pushf
    push $SEL_USER_CODE
    push $user_trampoline
    iret

user_trampoline:
    call *%eax
    int $USER_RETURN_VECTOR

    .globl user_return
user_return:
    mov $SEL_DATA32, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %fs
    mov %eax, %gs
    mov user_return_esp, %esp
    pop %edi
    pop %esi
    pop %ebx
    pop %ebp
    ret

    .data
    .balign 16
/* Fixed descriptors first; libguest32.h names the selectors. The rest of the
 * table is free for tests (gdt_set). */
    .globl gdt
gdt:
    .quad 0
    .quad 0x00cf9a000000ffff    /* 0x08 SEL_CODE32: flat, ring 0 */
    .quad 0x00cf92000000ffff    /* 0x10 SEL_DATA32: flat read/write */
    .quad 0x00009a000000ffff    /* 0x18 SEL_CODE16: base 0, limit 64 KiB */
    .quad 0x000092000000ffff    /* 0x20 SEL_DATA16: base 0, limit 64 KiB */
    .quad 0x00cffa000000ffff    /* 0x28 (0x2b) SEL_USER_CODE: flat, ring 3 */
    .quad 0x00cff2000000ffff    /* 0x30 (0x33) SEL_USER_DATA: flat, ring 3 */
    .quad 0                     /* 0x38 SEL_TSS: filled in by libguest32 */
    .fill 24, 8, 0
gdt_end:
    .balign 8
    .word 0
gdt_desc:
    .word gdt_end - gdt - 1
    .long gdt

    .bss
    .balign 4
user_return_esp:
    .long 0
    .balign 16
    .skip 16384
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
