/* AP start-up with INIT-SIPI-SIPI (SDM Vol. 3 section 8.4.4.1), one AP at a time. */
#include "libguest.h"

/* Page-aligned and below 1 MiB, as the SIPI vector (the page number) requires. */
#define TRAMPOLINE_ADDR 0x8000
#define ICR_INIT_ASSERT 0x00004500
#define ICR_STARTUP 0x00004600
#define AP_STACK_SIZE 8192
#define AP_ARRIVAL_TIMEOUT_US 2000000

extern const uint8_t ap_trampoline_start[], ap_trampoline_end[];
/* Read by boot.S's ap_long_mode: the stack of the AP being started. */
extern uint64_t ap_boot_stack;

/* In .noinit: boot.S clears .bss one store at a time, which a KVM without hardware
 * virtualization emulates one by one (a 512 KiB clear took 20 ms), and stacks need no zeros. */
static uint8_t ap_stacks[MAX_CPUS][AP_STACK_SIZE] __attribute__((aligned(16), section(".noinit")));
static ap_entry_fn ap_entry;
static unsigned starting_cpu_index;
static volatile uint32_t ap_arrived;

/* Called by ap_start() on the new AP, still on the stack the BSP handed it. */
ap_entry_fn smp_ap_entry(unsigned* cpu_index) {
    *cpu_index = starting_cpu_index;
    __atomic_store_n(&ap_arrived, 1, __ATOMIC_RELEASE);
    return ap_entry;
}

static bool start_ap(uint8_t apic_id, unsigned cpu_index) {
    starting_cpu_index = cpu_index;
    ap_boot_stack = (uint64_t)(ap_stacks[cpu_index] + AP_STACK_SIZE);
    __atomic_store_n(&ap_arrived, 0, __ATOMIC_RELEASE);

    /* The delays are the ones SDM Vol. 3 8.4.4.1 gives: 10 ms after INIT, 200 us per SIPI. */
    if (!lapic_send_ipi(apic_id, ICR_INIT_ASSERT)) return false;
    delay_us(10000);
    for (int sipi = 0; sipi < 2; sipi++) {
        if (!lapic_send_ipi(apic_id, ICR_STARTUP | (TRAMPOLINE_ADDR >> 12))) return false;
        delay_us(200);
    }
    uint64_t start = now_us();
    while (!__atomic_load_n(&ap_arrived, __ATOMIC_ACQUIRE)) {
        if (now_us() - start > AP_ARRIVAL_TIMEOUT_US) return false;
        cpu_relax();
    }
    return true;
}

unsigned smp_start_aps(const struct acpi_madt_info* madt, ap_entry_fn fn) {
    size_t size = (size_t)(ap_trampoline_end - ap_trampoline_start);
    __builtin_memcpy((void*)TRAMPOLINE_ADDR, ap_trampoline_start, size);
    ap_entry = fn;
    uint8_t self = lapic_id();
    unsigned started = 0;
    for (unsigned i = 0; i < madt->cpu_count; i++) {
        if (madt->apic_ids[i] == self) continue;
        if (start_ap(madt->apic_ids[i], started + 1))
            started++;
        else
            printf("AP with APIC ID %u did not start\n", madt->apic_ids[i]);
    }
    return started;
}
