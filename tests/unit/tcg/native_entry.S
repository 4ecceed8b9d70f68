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
// The vector state is loaded before the flags and stored after the code ends: YMM0-15,
// MM0-7 (MOVQ leaves TOP = 0, as the translator's side assumes) and MXCSR; the exit puts
// back the host's MXCSR and an empty x87 stack (EMMS) for the C++ code.
//
// kemu_diff_ctx layout (see native_runner.cpp): gpr[16] at 0, rflags at 128,
// host_rsp at 136, entry (offset u32, selector u16) at 144, saved DS/ES at 152/154,
// mxcsr at 160, the host's MXCSR at 164, ymm[16][32] at 192, mm[8] at 704.

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
        stmxcsr kemu_diff_ctx+164(%rip)
        ldmxcsr kemu_diff_ctx+160(%rip)
        vmovdqu kemu_diff_ctx+192(%rip), %ymm0
        vmovdqu kemu_diff_ctx+224(%rip), %ymm1
        vmovdqu kemu_diff_ctx+256(%rip), %ymm2
        vmovdqu kemu_diff_ctx+288(%rip), %ymm3
        vmovdqu kemu_diff_ctx+320(%rip), %ymm4
        vmovdqu kemu_diff_ctx+352(%rip), %ymm5
        vmovdqu kemu_diff_ctx+384(%rip), %ymm6
        vmovdqu kemu_diff_ctx+416(%rip), %ymm7
        vmovdqu kemu_diff_ctx+448(%rip), %ymm8
        vmovdqu kemu_diff_ctx+480(%rip), %ymm9
        vmovdqu kemu_diff_ctx+512(%rip), %ymm10
        vmovdqu kemu_diff_ctx+544(%rip), %ymm11
        vmovdqu kemu_diff_ctx+576(%rip), %ymm12
        vmovdqu kemu_diff_ctx+608(%rip), %ymm13
        vmovdqu kemu_diff_ctx+640(%rip), %ymm14
        vmovdqu kemu_diff_ctx+672(%rip), %ymm15
        movq    kemu_diff_ctx+704(%rip), %mm0
        movq    kemu_diff_ctx+712(%rip), %mm1
        movq    kemu_diff_ctx+720(%rip), %mm2
        movq    kemu_diff_ctx+728(%rip), %mm3
        movq    kemu_diff_ctx+736(%rip), %mm4
        movq    kemu_diff_ctx+744(%rip), %mm5
        movq    kemu_diff_ctx+752(%rip), %mm6
        movq    kemu_diff_ctx+760(%rip), %mm7
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
        vmovdqu %ymm0, kemu_diff_ctx+192(%rip)
        vmovdqu %ymm1, kemu_diff_ctx+224(%rip)
        vmovdqu %ymm2, kemu_diff_ctx+256(%rip)
        vmovdqu %ymm3, kemu_diff_ctx+288(%rip)
        vmovdqu %ymm4, kemu_diff_ctx+320(%rip)
        vmovdqu %ymm5, kemu_diff_ctx+352(%rip)
        vmovdqu %ymm6, kemu_diff_ctx+384(%rip)
        vmovdqu %ymm7, kemu_diff_ctx+416(%rip)
        vmovdqu %ymm8, kemu_diff_ctx+448(%rip)
        vmovdqu %ymm9, kemu_diff_ctx+480(%rip)
        vmovdqu %ymm10, kemu_diff_ctx+512(%rip)
        vmovdqu %ymm11, kemu_diff_ctx+544(%rip)
        vmovdqu %ymm12, kemu_diff_ctx+576(%rip)
        vmovdqu %ymm13, kemu_diff_ctx+608(%rip)
        vmovdqu %ymm14, kemu_diff_ctx+640(%rip)
        vmovdqu %ymm15, kemu_diff_ctx+672(%rip)
        movq    %mm0, kemu_diff_ctx+704(%rip)
        movq    %mm1, kemu_diff_ctx+712(%rip)
        movq    %mm2, kemu_diff_ctx+720(%rip)
        movq    %mm3, kemu_diff_ctx+728(%rip)
        movq    %mm4, kemu_diff_ctx+736(%rip)
        movq    %mm5, kemu_diff_ctx+744(%rip)
        movq    %mm6, kemu_diff_ctx+752(%rip)
        movq    %mm7, kemu_diff_ctx+760(%rip)
        stmxcsr kemu_diff_ctx+160(%rip)
        mov     kemu_diff_ctx+136(%rip), %rsp
        pushfq
        popq    kemu_diff_ctx+128(%rip)
        emms
        vzeroupper
        ldmxcsr kemu_diff_ctx+164(%rip)
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
        .balign 32
kemu_diff_ctx:
        .zero   768
        .size   kemu_diff_ctx, 768

        .section .note.GNU-stack,"",@progbits
