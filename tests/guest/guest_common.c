/* Mode-independent runtime: COM1 console, printf, exit, Multiboot command line. */
#include "guest_common.h"

#define DEBUG_EXIT_PORT 0xf4

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

static const struct multiboot_info* boot_info;
/* Serialises console output between CPUs; an interrupt never prints while holding it. */
static volatile char console_lock;

void serial_init(void) {
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

void console_break_lock(void) {
    console_lock = 0;
}

/* Divides *v by base (at most 16) in 16-bit steps, so the 32-bit build needs no
 * libgcc 64-bit division helper; returns the remainder. */
static unsigned divide_small(unsigned long long* v, unsigned base) {
    unsigned long long q = 0;
    unsigned rem = 0;
    for (int shift = 48; shift >= 0; shift -= 16) {
        unsigned part = (rem << 16) | (unsigned)((*v >> shift) & 0xffff);
        q |= (unsigned long long)(part / base) << shift;
        rem = part % base;
    }
    *v = q;
    return rem;
}

static void put_unsigned(unsigned long long v, unsigned base, int width, char pad) {
    char digits[24];
    int n = 0;
    do {
        digits[n++] = "0123456789abcdef"[divide_small(&v, base)];
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
        size_t size = sizeof(int); /* of the argument, from the l/ll/z modifiers */
        if (*++fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        for (int longs = 0; *fmt == 'l' || *fmt == 'z'; fmt++)
            size = *fmt == 'z' ? sizeof(size_t) : ++longs == 1 ? sizeof(long) : sizeof(long long);
        bool wide = size == sizeof(long long);
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
                put_unsigned((uintptr_t)va_arg(ap, void*), 16, width, pad);
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

void set_multiboot_info(const struct multiboot_info* info) {
    boot_info = info;
}

const struct multiboot_info* multiboot_info(void) {
    return boot_info;
}

static const char* cmdline(void) {
    if (!boot_info || !(boot_info->flags & MULTIBOOT_INFO_CMDLINE)) return "";
    return (const char*)(uintptr_t)boot_info->cmdline;
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

void check_sdm(bool ok, const char* file, int line, const char* what) {
    if (ok) return;
    if (!cmdline_has("emulator=qemu")) fail("%s:%d: %s", file, line, what);
    printf("XFAIL-QEMU %s\n", what);
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
