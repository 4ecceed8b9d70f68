/*
 * vm86: virtual-8086 mode entered with IRET (EFLAGS.VM in the popped image), 16-bit
 * code with real-mode segment arithmetic, and the IOPL-sensitive instructions
 * (SDM Vol. 3 20.2.7 and 20.3): with IOPL=3, INT n goes through the IDT to a
 * protected-mode handler (DPL 3 gate) that sees VM=1 and the vm86 segments saved on
 * its stack, and CLI/STI/PUSHF work on IF; with IOPL=0 each of INT n, CLI and
 * PUSHF is #GP(0), which the handler here emulates by skipping the instruction.
 * The program leaves vm86 mode through an interrupt and returns to protected mode.
 */
#include "libguest32.h"

#define VM_BASE 0x20000
#define VM_SEG 0x2000
#define VM_STACK_SEG 0x4000
#define VM_SERVICE_VECTOR 0x46
#define VM_EXIT_VECTOR 0x47
#define VEC_GP 13
#define MAX_GP 8

enum {
    R_ALIAS,       /* segment arithmetic: 0x3000:0x10 read back as 0x3001:0 */
    R_SERVICE_AX,  /* AX after INT VM_SERVICE_VECTOR */
    R_FLAGS_CLI,   /* PUSHF after CLI */
    R_FLAGS_STI,   /* PUSHF after STI */
    R_REACHED_END, /* set just before leaving */
    R_COUNT
};

extern const uint8_t vm_blob_start[], vm_blob_end[], vm_results[], vm_int_service[], vm_cli[],
    vm_pushf[], vm_exit_int[];
extern const uint8_t vm86_exit[];
void run_vm86(const uint32_t* iret_frame);

__asm__(
    ".text\n"
    ".globl run_vm86, vm86_exit\n"
    /* run_vm86(frame): IRETs into vm86 with the 9-dword frame (EIP, CS, EFLAGS,
     * ESP, SS, ES, DS, FS, GS); returns when vm86_exit is reached. */
    "run_vm86:\n"
    "    pushal\n"
    "    mov %esp, vm86_saved_esp\n"
    "    mov 36(%esp), %esi\n"
    "    mov $9, %ecx\n"
    "1:  pushl -4(%esi,%ecx,4)\n"
    "    loop 1b\n"
    "    iret\n"
    "vm86_exit:\n"
    "    mov $0x10, %eax\n"
    "    mov %eax, %ds\n"
    "    mov %eax, %es\n"
    "    mov %eax, %fs\n"
    "    mov %eax, %gs\n"
    "    mov %eax, %ss\n"
    "    mov vm86_saved_esp, %esp\n"
    "    popal\n"
    "    ret\n"
    ".data\n"
    "vm86_saved_esp: .long 0\n"

    ".section .rodata.vm86, \"a\"\n"
    ".globl vm_blob_start, vm_blob_end, vm_results, vm_int_service, vm_cli, vm_pushf, "
    "vm_exit_int\n"
    "vm_blob_start:\n"
    ".code16\n"
    "    mov %cs, %ax\n"
    "    mov %ax, %ds\n"
    "    mov $0x3000, %ax\n"
    "    mov %ax, %es\n"
    "    movw $0x6d86, %es:0x10\n"
    "    mov $0x3001, %ax\n"
    "    mov %ax, %es\n"
    "    mov %es:0, %ax\n"
    "    mov %ax, vm_results - vm_blob_start + 2*0\n"
    "    mov $0x1234, %ax\n"
    "vm_int_service:\n"
    "    int $0x46\n"
    "    mov %ax, vm_results - vm_blob_start + 2*1\n"
    "vm_cli:\n"
    "    cli\n"
    "vm_pushf:\n"
    "    pushf\n"
    "    pop %ax\n"
    "    mov %ax, vm_results - vm_blob_start + 2*2\n"
    "    sti\n"
    "    pushf\n"
    "    pop %ax\n"
    "    mov %ax, vm_results - vm_blob_start + 2*3\n"
    "    cli\n"
    "    movw $1, vm_results - vm_blob_start + 2*4\n"
    "vm_exit_int:\n"
    "    int $0x47\n"
    "    .balign 2\n"
    "vm_results:\n"
    "    .fill 8, 2, 0xffff\n"
    "vm_blob_end:\n"
    ".code32\n"
    ".previous\n");

static uint16_t blob_offset(const uint8_t* label) {
    return (uint16_t)(label - vm_blob_start);
}

static volatile uint32_t service_eflags, service_cs, service_eip, service_ds, service_count;

static void service_handler(struct interrupt_frame* frame) {
    service_count++;
    service_eflags = frame->eflags;
    service_cs = frame->cs & 0xffff;
    service_eip = frame->eip;
    service_ds = frame->v86_ds & 0xffff;
    if (frame->ds & 0xffff) fail("DS not zeroed on the interrupt from vm86: 0x%x", frame->ds);
    frame->eax = (frame->eax & 0xffff0000) | 0x4646;
}

/* The #GP "monitor" for IOPL<3: records and skips INT n, CLI and PUSHF; INT
 * VM_EXIT_VECTOR leaves vm86 mode by returning to vm86_exit in protected mode. */
static volatile unsigned gp_count;
static volatile uint32_t gp_ips[MAX_GP], gp_errors[MAX_GP];

static void vm86_gp_handler(struct interrupt_frame* frame) {
    if (!(frame->eflags & EFLAGS_VM)) fail("#GP outside vm86 at 0x%x", frame->eip);
    const uint8_t* insn = (const uint8_t*)((frame->cs & 0xffff) * 16 + (frame->eip & 0xffff));
    if (gp_count < MAX_GP) {
        gp_ips[gp_count] = frame->eip;
        gp_errors[gp_count] = frame->error_code;
    }
    gp_count++;
    if (insn[0] == 0xcd && insn[1] == VM_EXIT_VECTOR) {
        frame->eflags &= ~EFLAGS_VM;
        frame->cs = SEL_CODE32;
        frame->eip = (uint32_t)(uintptr_t)vm86_exit;
        return;
    }
    if (insn[0] == 0xcd) {
        frame->eip += 2;
        frame->eax = (frame->eax & 0xffff0000) | 0x0d0d;
    } else {
        frame->eip += 1; /* CLI, PUSHF: skip; the POP that follows takes whatever is there */
    }
}

static uint16_t* results(void) {
    return (uint16_t*)(VM_BASE + blob_offset(vm_results));
}

static void enter(uint32_t iopl) {
    uint8_t* base = (uint8_t*)VM_BASE;
    for (const uint8_t* p = vm_blob_start; p < vm_blob_end; p++)
        base[p - vm_blob_start] = *p;
    const uint32_t frame[9] = {0, VM_SEG, EFLAGS_VM | iopl << 12 | 0x2, 0xfffe, VM_STACK_SEG, 0, 0,
                               0, 0};
    run_vm86(frame);
}

static void test_iopl3(void) {
    idt_set_gate(VM_SERVICE_VECTOR, SEL_CODE32, isr_stub(VM_SERVICE_VECTOR),
                 GATE_INTERRUPT32 | GATE_DPL(3));
    idt_set_gate(VM_EXIT_VECTOR, SEL_CODE32, (uint32_t)(uintptr_t)vm86_exit,
                 GATE_INTERRUPT32 | GATE_DPL(3));
    set_interrupt_handler(VM_SERVICE_VECTOR, service_handler);
    enter(3);
    const uint16_t* r = results();
    CHECK_EQ(r[R_ALIAS], 0x6d86);
    CHECK_EQ(service_count, 1);
    CHECK(service_eflags & EFLAGS_VM);
    CHECK_EQ(service_cs, VM_SEG);
    CHECK_EQ(service_eip, blob_offset(vm_int_service) + 2u);
    CHECK_EQ(service_ds, VM_SEG);
    CHECK_EQ(r[R_SERVICE_AX], 0x4646);
    CHECK_EQ(r[R_FLAGS_CLI] & EFLAGS_IF, 0);
    CHECK_EQ(r[R_FLAGS_STI] & EFLAGS_IF, EFLAGS_IF);
    CHECK_EQ(r[R_FLAGS_STI] & EFLAGS_IOPL3, EFLAGS_IOPL3);
    CHECK_EQ(r[R_REACHED_END], 1);
    printf("vm86: IOPL=3 run done\n");
}

static void test_iopl0(void) {
    set_interrupt_handler(VEC_GP, vm86_gp_handler);
    gp_count = 0;
    enter(0);
    set_interrupt_handler(VEC_GP, NULL);
    const uint16_t* r = results();
    CHECK_EQ(service_count, 1); /* only the IOPL=3 run reached the IDT */
    CHECK_EQ(r[R_SERVICE_AX], 0x0d0d);
    CHECK_EQ(r[R_REACHED_END], 1);
    /* INT n, CLI, PUSHF, STI, PUSHF, CLI, then the exit INT: all #GP(0). */
    if (gp_count != 7) fail("%u #GP in vm86 with IOPL=0, expected 7", gp_count);
    const uint32_t expected_ips[3] = {blob_offset(vm_int_service), blob_offset(vm_cli),
                                      blob_offset(vm_pushf)};
    for (unsigned i = 0; i < 3; i++) {
        CHECK_EQ(gp_ips[i], expected_ips[i]);
        CHECK_EQ(gp_errors[i], 0);
    }
    CHECK_EQ(gp_ips[6], blob_offset(vm_exit_int));
    printf("vm86: IOPL=0 run done\n");
}

int main(uint32_t mb_magic, uint32_t mb_info) {
    (void)mb_magic;
    (void)mb_info;
    test_iopl3();
    test_iopl0();
    CHECK_EQ(read_eflags() & EFLAGS_VM, 0);
    printf("PASS vm86\n");
    return 0;
}
