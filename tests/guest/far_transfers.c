/*
 * far_transfers: privilege and task changes (SDM Vol. 3 5.8 and chapter 8).
 * - CPL 3 calls CPL 0 through a call gate with two parameters: the CPU switches to
 *   the TSS's SS0:ESP0, copies the parameters and pushes the outer SS:ESP; LRET 8
 *   returns to CPL 3 and releases the parameters on both stacks.
 * - IRET to CPL 3 and INT back through a DPL 3 gate (the frame holds the outer SS:ESP);
 *   INT through a DPL 0 gate from CPL 3 is #GP(vector * 8 + 2).
 * - JMP to a TSS: no back link, NT clear, the old TSS becomes available and the new
 *   one busy; JMP back.
 * - INT through a task gate: a nested task with NT set and the back link pointing at
 *   the old TSS, which stays busy; IRET returns through the back link.
 */
#include "libguest32.h"

#define IDX_CALL_GATE GDT_FREE_INDEX
#define IDX_TSS_JUMP (GDT_FREE_INDEX + 1)
#define IDX_TSS_NESTED (GDT_FREE_INDEX + 2)
#define SEL_CALL_GATE SELECTOR(IDX_CALL_GATE, 3)
#define SEL_TSS_JUMP SELECTOR(IDX_TSS_JUMP, 0)
#define SEL_TSS_NESTED SELECTOR(IDX_TSS_NESTED, 0)
#define VEC_USER_GATE 0x42
#define VEC_KERNEL_GATE 0x44
#define VEC_TASK_GATE 0x45
#define TYPE_TSS_AVAILABLE 0x9
#define TYPE_TSS_BUSY 0xb

static uint8_t user_stack[4096] __attribute__((aligned(16)));
static uint8_t task_stacks[2][4096] __attribute__((aligned(16)));
static struct tss32 tss_jump, tss_nested;

/* Observations, written by code at various privilege levels and in other tasks. */
volatile uint32_t gate_cs, gate_param0, gate_param1, gate_outer_esp, gate_outer_ss, gate_inner_esp,
    gate_inner_ss;
volatile uint32_t user_esp_before, user_esp_after;

void call_gate_target(void);
__asm__(
    ".text\n"
    ".globl call_gate_target\n"
    "call_gate_target:\n"
    "    mov %cs, %eax\n"
    "    mov %eax, gate_cs\n"
    "    mov 8(%esp), %eax\n"
    "    mov %eax, gate_param0\n"
    "    mov 12(%esp), %eax\n"
    "    mov %eax, gate_param1\n"
    "    mov 16(%esp), %eax\n"
    "    mov %eax, gate_outer_esp\n"
    "    mov 20(%esp), %eax\n"
    "    mov %eax, gate_outer_ss\n"
    "    mov %esp, gate_inner_esp\n"
    "    mov %ss, %eax\n"
    "    mov %eax, gate_inner_ss\n"
    "    lret $8\n");

static void user_calls_gate(void) {
    __asm__ volatile(
        "mov %%esp, user_esp_before\n\t"
        "pushl $0x1111\n\t"
        "pushl $0x2222\n\t"
        "lcall %0, $0\n\t"
        "mov %%esp, user_esp_after" ::"i"(SEL_CALL_GATE)
        : "eax", "memory");
}

static void test_call_gate(void) {
    gdt_set_call_gate(IDX_CALL_GATE, SEL_CODE32, (uint32_t)(uintptr_t)call_gate_target,
                      SEG_CALL_GATE32 | SEG_DPL(3), 2);
    run_user(user_calls_gate, (uint32_t)(uintptr_t)(user_stack + sizeof(user_stack)));
    CHECK_EQ(gate_cs, SEL_CODE32);
    CHECK_EQ(gate_param0, 0x2222); /* the last one pushed is on top on both stacks */
    CHECK_EQ(gate_param1, 0x1111);
    CHECK_EQ(gate_outer_ss, SEL_USER_DATA);
    CHECK_EQ(gate_outer_esp, user_esp_before - 8);
    CHECK_EQ(gate_inner_ss, SEL_DATA32);
    CHECK_EQ(gate_inner_esp, main_tss.esp0 - 6 * 4); /* SS, ESP, 2 parameters, CS, EIP */
    CHECK_EQ(user_esp_after, user_esp_before);
}

static volatile uint32_t int_cs, int_ss, int_esp, int_handler_cs;
static volatile uint32_t user_int_esp, user_fault_at;

static void user_gate_handler(struct interrupt_frame* frame) {
    uint32_t cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    int_handler_cs = cs;
    int_cs = frame->cs & 0xffff;
    int_ss = frame->ss & 0xffff;
    int_esp = frame->esp;
}

static void user_interrupts(void) {
    __asm__ volatile("mov %%esp, user_int_esp\n\tint %0" ::"i"(VEC_USER_GATE) : "memory");
    __asm__ volatile("movl $1f, user_fault_at\n\t" TRY("1: int %0")::"i"(VEC_KERNEL_GATE)
                     : "memory");
}

static void test_interrupt_from_user(void) {
    idt_set_gate(VEC_USER_GATE, SEL_CODE32, isr_stub(VEC_USER_GATE),
                 GATE_INTERRUPT32 | GATE_DPL(3));
    set_interrupt_handler(VEC_USER_GATE, user_gate_handler);
    expect_exception(13);
    run_user(user_interrupts, (uint32_t)(uintptr_t)(user_stack + sizeof(user_stack)));
    struct fault f = fault_taken();
    CHECK_EQ(int_handler_cs, SEL_CODE32);
    CHECK_EQ(int_cs, SEL_USER_CODE);
    CHECK_EQ(int_ss, SEL_USER_DATA);
    CHECK_EQ(int_esp, user_int_esp);
    CHECK(f.taken);
    CHECK_EQ(f.error_code, VEC_KERNEL_GATE * 8 + 2);
    CHECK_EQ(f.eip, user_fault_at);
    CHECK_EQ(f.cs, SEL_USER_CODE);
    set_interrupt_handler(VEC_USER_GATE, NULL);
    idt_reset_gate(VEC_USER_GATE);
}

/* --- Task switches ---------------------------------------------------------------- */

static unsigned descriptor_type(uint16_t selector) {
    return (unsigned)(gdt_get(selector >> 3) >> 40) & 0xf;
}

static uint16_t task_register(void) {
    uint16_t tr;
    __asm__ volatile("str %0" : "=r"(tr));
    return tr;
}

struct task_view {
    uint16_t tr, link;
    uint32_t eflags;
    unsigned own_type, main_type;
};
static volatile struct task_view jump_view, nested_view;

static void observe(volatile struct task_view* v, const struct tss32* own, uint16_t own_sel) {
    v->tr = task_register();
    v->link = own->link;
    v->eflags = read_eflags();
    v->own_type = descriptor_type(own_sel);
    v->main_type = descriptor_type(SEL_TSS);
}

static _Noreturn void jump_task(void) {
    for (;;) {
        observe(&jump_view, &tss_jump, SEL_TSS_JUMP);
        __asm__ volatile("ljmp %0, $0" ::"i"(SEL_TSS) : "memory");
    }
}

static _Noreturn void nested_task(void) {
    for (;;) {
        observe(&nested_view, &tss_nested, SEL_TSS_NESTED);
        __asm__ volatile("iret" ::: "memory");
    }
}

static void init_task(struct tss32* tss, void (*entry)(void), uint8_t* stack_top) {
    *tss = (struct tss32){
        .cr3 = read_cr3(),
        .eip = (uint32_t)(uintptr_t)entry,
        .eflags = 0x2,
        .esp = (uint32_t)(uintptr_t)stack_top,
        .es = SEL_DATA32,
        .cs = SEL_CODE32,
        .ss = SEL_DATA32,
        .ds = SEL_DATA32,
        .fs = SEL_DATA32,
        .gs = SEL_DATA32,
        .iomap_base = sizeof(struct tss32),
    };
}

static void test_task_jump(void) {
    init_task(&tss_jump, (void (*)(void))jump_task, task_stacks[0] + sizeof(task_stacks[0]));
    tss_set_descriptor(IDX_TSS_JUMP, &tss_jump, SEG_TSS32_AVAILABLE);
    tss_jump.link = 0x1234;
    __asm__ volatile("ljmp %0, $0" ::"i"(SEL_TSS_JUMP) : "memory");
    CHECK_EQ(jump_view.tr, SEL_TSS_JUMP);
    CHECK_EQ(jump_view.link, 0x1234); /* JMP writes no back link */
    CHECK_EQ(jump_view.eflags & EFLAGS_NT, 0);
    CHECK_EQ(jump_view.own_type, TYPE_TSS_BUSY);
    CHECK_EQ(jump_view.main_type, TYPE_TSS_AVAILABLE);
    CHECK_EQ(task_register(), SEL_TSS);
    CHECK_EQ(descriptor_type(SEL_TSS_JUMP), TYPE_TSS_AVAILABLE);
    CHECK_EQ(descriptor_type(SEL_TSS), TYPE_TSS_BUSY);
    /* The outgoing task's state went into its TSS: EIP is right after the far jump
     * back (opcode EA, ptr16:32, 7 bytes). */
    CHECK_EQ(*(const uint8_t*)(uintptr_t)(tss_jump.eip - 7), 0xea);
}

static void test_task_gate(void) {
    init_task(&tss_nested, (void (*)(void))nested_task, task_stacks[1] + sizeof(task_stacks[1]));
    tss_set_descriptor(IDX_TSS_NESTED, &tss_nested, SEG_TSS32_AVAILABLE);
    idt_set_gate(VEC_TASK_GATE, SEL_TSS_NESTED, 0, GATE_TASK);
    __asm__ volatile("int %0" ::"i"(VEC_TASK_GATE) : "memory");
    CHECK_EQ(nested_view.tr, SEL_TSS_NESTED);
    CHECK_EQ(nested_view.link, SEL_TSS);
    CHECK_EQ(nested_view.eflags & EFLAGS_NT, EFLAGS_NT);
    CHECK_EQ(nested_view.own_type, TYPE_TSS_BUSY);
    CHECK_EQ(nested_view.main_type, TYPE_TSS_BUSY);
    CHECK_EQ(task_register(), SEL_TSS);
    CHECK_EQ(descriptor_type(SEL_TSS_NESTED), TYPE_TSS_AVAILABLE);
    CHECK_EQ(read_eflags() & EFLAGS_NT, 0);
    idt_reset_gate(VEC_TASK_GATE);
}

int main(uint32_t mb_magic, uint32_t mb_info) {
    (void)mb_magic;
    (void)mb_info;
    test_call_gate();
    test_interrupt_from_user();
    test_task_jump();
    test_task_gate();
    printf("PASS far_transfers\n");
    return 0;
}
