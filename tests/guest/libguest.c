/* Runtime core: start-up, IDT, COM1 console, printf, exit, Multiboot, PM-timer time. */
#include "libguest.h"

#define MULTIBOOT_LOADER_MAGIC 0x2badb002
#define DEBUG_EXIT_PORT 0xf4
#define PM_TIMER_HZ 3579545ull

#define UART_THR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_LSR_THRE 0x20
#define UART_DLL 0
#define UART_DLM 1
#define UART_LCR_DLAB 0x80
#define UART_LCR_8N1 0x03
#define UART_MCR_DTR_RTS 0x03

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
static const struct multiboot_info* boot_info;
/* Serialises console output between CPUs; an interrupt never prints while holding it. */
static volatile char console_lock;

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
    console_lock = 0; /* the fault may have hit while this CPU held it */
    printf("unexpected exception: vector %llu error 0x%llx rip 0x%llx on APIC %u\n",
           (unsigned long long)frame->vector, (unsigned long long)frame->error_code,
           (unsigned long long)frame->rip, lapic_id());
    exit(0x7f);
}

static void serial_init(void) {
    outb(COM1 + UART_IER, 0);
    outb(COM1 + UART_LCR, UART_LCR_DLAB);
    outb(COM1 + UART_DLL, 1); /* 115200 baud */
    outb(COM1 + UART_DLM, 0);
    outb(COM1 + UART_LCR, UART_LCR_8N1);
    outb(COM1 + UART_FCR, 0);
    outb(COM1 + UART_MCR, UART_MCR_DTR_RTS);
}

void serial_putc(char c) {
    /* Bounded so a UART that never reports THRE delays output instead of hanging. */
    for (unsigned spins = 0; spins < 1000000; spins++) {
        if (inb(COM1 + UART_LSR) & UART_LSR_THRE) break;
        cpu_relax();
    }
    outb(COM1 + UART_THR, (uint8_t)c);
}

void serial_puts(const char* s) {
    while (*s)
        serial_putc(*s++);
}

static void console_acquire(void) {
    while (__atomic_test_and_set(&console_lock, __ATOMIC_ACQUIRE))
        cpu_relax();
}

static void console_release(void) {
    __atomic_clear(&console_lock, __ATOMIC_RELEASE);
}

static void put_unsigned(unsigned long long v, unsigned base, int width, char pad) {
    char digits[24];
    int n = 0;
    do {
        digits[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    for (int i = n; i < width; i++)
        serial_putc(pad);
    while (n)
        serial_putc(digits[--n]);
}

int vprintf(const char* fmt, va_list ap) {
    console_acquire();
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            serial_putc(*fmt);
            continue;
        }
        char pad = ' ';
        int width = 0;
        bool wide = false; /* l, ll and z all name 64-bit types on x86-64 */
        if (*++fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        for (; *fmt == 'l' || *fmt == 'z'; fmt++)
            wide = true;
        unsigned long long u;
        switch (*fmt) {
            case 'c':
                serial_putc((char)va_arg(ap, int));
                break;
            case 's': {
                const char* s = va_arg(ap, const char*);
                serial_puts(s ? s : "(null)");
                break;
            }
            case 'd': {
                long long v = wide ? va_arg(ap, long long) : va_arg(ap, int);
                if (v < 0) serial_putc('-');
                put_unsigned(v < 0 ? -(unsigned long long)v : (unsigned long long)v, 10,
                             width - (v < 0), pad);
                break;
            }
            case 'u':
            case 'x':
                u = wide ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
                put_unsigned(u, *fmt == 'u' ? 10 : 16, width, pad);
                break;
            case 'p':
                serial_puts("0x");
                put_unsigned((uint64_t)va_arg(ap, void*), 16, width, pad);
                break;
            case '%':
                serial_putc('%');
                break;
            default: /* unknown conversion: print it so the mistake is visible */
                serial_putc('%');
                if (!*fmt) goto done;
                serial_putc(*fmt);
        }
    }
done:
    console_release();
    return 0;
}

int printf(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    return 0;
}

_Noreturn void exit(int code) {
    outl(DEBUG_EXIT_PORT, (uint32_t)code);
    /* Without isa-debug-exit the port is unassigned: stop here and let the runner time out. */
    for (;;)
        __asm__ volatile("cli; hlt");
}

_Noreturn void fail(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    printf("FAIL: ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    exit(1);
}

const struct multiboot_info* multiboot_info(void) {
    return boot_info;
}

static const char* cmdline(void) {
    if (!boot_info || !(boot_info->flags & MULTIBOOT_INFO_CMDLINE)) return "";
    return (const char*)(uint64_t)boot_info->cmdline;
}

/* Finds word at the start of a space-separated token; returns what follows it. */
static const char* cmdline_find(const char* word) {
    const char* line = cmdline();
    for (const char* s = line; *s; s++) {
        if (s != line && s[-1] != ' ') continue;
        size_t i = 0;
        while (word[i] && s[i] == word[i])
            i++;
        if (!word[i]) return s + i;
    }
    return NULL;
}

bool cmdline_has(const char* word) {
    const char* end = cmdline_find(word);
    return end && (*end == ' ' || *end == '\0');
}

unsigned cmdline_uint(const char* key, unsigned fallback) {
    char prefix[32];
    size_t n = 0;
    while (key[n] && n < sizeof(prefix) - 2) {
        prefix[n] = key[n];
        n++;
    }
    prefix[n++] = '=';
    prefix[n] = '\0';
    const char* d = cmdline_find(prefix);
    if (!d || *d < '0' || *d > '9') return fallback;
    unsigned v = 0;
    for (; *d >= '0' && *d <= '9'; d++)
        v = v * 10 + (unsigned)(*d - '0');
    return v;
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
        boot_info = (const struct multiboot_info*)(uint64_t)mb_info;
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

/* The compiler may emit calls to these for struct copies even when freestanding. */
void* memcpy(void* dst, const void* src, size_t n) {
    uint8_t* d = dst;
    const uint8_t* s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

void* memset(void* dst, int c, size_t n) {
    uint8_t* d = dst;
    while (n--)
        *d++ = (uint8_t)c;
    return dst;
}
