// Runs generated code on the host CPU. kemu_diff_native_enter saves the host's
// callee-saved registers, stack and DS/ES, loads flat user data selectors into DS/ES
// (32-bit code cannot use the null selectors 64-bit Linux leaves there), loads RFLAGS
// and all sixteen GPRs (RSP last) from kemu_diff_ctx and far-jumps through
// kemu_diff_ctx.entry: selector 0x33 runs the code as 64-bit, 0x23 as 32-bit
// (Linux's user code segments). The generated code ends with a jump to
// kemu_diff_native_exit (in 64-bit mode), which stores the GPRs and RFLAGS back and
// returns to the caller. Only plain MOVs run between the flag load/store and the test
// code, so the code sees exactly the state the test chose.
//
// kemu_diff_ctx layout (see native_runner.cpp): gpr[16] at 0, rflags at 128,
// host_rsp at 136, entry (offset u32, selector u16) at 144, saved DS/ES at 152/154.

        .text
        .globl  kemu_diff_native_enter
        .hidden kemu_diff_native_enter
        .type   kemu_diff_native_enter, @function
kemu_diff_native_enter:
        push    %rbx
        push    %rbp
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        mov     %rsp, kemu_diff_ctx+136(%rip)
        mov     %ds, kemu_diff_ctx+152(%rip)
        mov     %es, kemu_diff_ctx+154(%rip)
        mov     $0x2b, %eax
        mov     %eax, %ds
        mov     %eax, %es
        pushq   kemu_diff_ctx+128(%rip)
        popfq
        mov     kemu_diff_ctx+0(%rip), %rax
        mov     kemu_diff_ctx+8(%rip), %rcx
        mov     kemu_diff_ctx+16(%rip), %rdx
        mov     kemu_diff_ctx+24(%rip), %rbx
        mov     kemu_diff_ctx+40(%rip), %rbp
        mov     kemu_diff_ctx+48(%rip), %rsi
        mov     kemu_diff_ctx+56(%rip), %rdi
        mov     kemu_diff_ctx+64(%rip), %r8
        mov     kemu_diff_ctx+72(%rip), %r9
        mov     kemu_diff_ctx+80(%rip), %r10
        mov     kemu_diff_ctx+88(%rip), %r11
        mov     kemu_diff_ctx+96(%rip), %r12
        mov     kemu_diff_ctx+104(%rip), %r13
        mov     kemu_diff_ctx+112(%rip), %r14
        mov     kemu_diff_ctx+120(%rip), %r15
        mov     kemu_diff_ctx+32(%rip), %rsp
        ljmpl   *kemu_diff_ctx+144(%rip)
        .size   kemu_diff_native_enter, .-kemu_diff_native_enter

        .globl  kemu_diff_native_exit
        .hidden kemu_diff_native_exit
        .type   kemu_diff_native_exit, @function
kemu_diff_native_exit:
        mov     %rax, kemu_diff_ctx+0(%rip)
        mov     %rcx, kemu_diff_ctx+8(%rip)
        mov     %rdx, kemu_diff_ctx+16(%rip)
        mov     %rbx, kemu_diff_ctx+24(%rip)
        mov     %rsp, kemu_diff_ctx+32(%rip)
        mov     %rbp, kemu_diff_ctx+40(%rip)
        mov     %rsi, kemu_diff_ctx+48(%rip)
        mov     %rdi, kemu_diff_ctx+56(%rip)
        mov     %r8, kemu_diff_ctx+64(%rip)
        mov     %r9, kemu_diff_ctx+72(%rip)
        mov     %r10, kemu_diff_ctx+80(%rip)
        mov     %r11, kemu_diff_ctx+88(%rip)
        mov     %r12, kemu_diff_ctx+96(%rip)
        mov     %r13, kemu_diff_ctx+104(%rip)
        mov     %r14, kemu_diff_ctx+112(%rip)
        mov     %r15, kemu_diff_ctx+120(%rip)
        mov     kemu_diff_ctx+136(%rip), %rsp
        pushfq
        popq    kemu_diff_ctx+128(%rip)
        mov     kemu_diff_ctx+152(%rip), %ds
        mov     kemu_diff_ctx+154(%rip), %es
        cld
        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %rbp
        pop     %rbx
        ret
        .size   kemu_diff_native_exit, .-kemu_diff_native_exit

        .bss
        .globl  kemu_diff_ctx
        .hidden kemu_diff_ctx
        .balign 16
kemu_diff_ctx:
        .zero   160
        .size   kemu_diff_ctx, 160

        .section .note.GNU-stack,"",@progbits
