/*
 * The mode-independent half of the guest runtime, shared by the 64-bit runtime
 * (libguest.h) and the 32-bit one (libguest32.h): port I/O, CPU helpers, the COM1
 * console, printf, the exit path and the Multiboot command line.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- Port I/O ------------------------------------------------------------- */

static inline void outb(uint16_t port, uint8_t v) {
    __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}
static inline void outw(uint16_t port, uint16_t v) {
    __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}
static inline void outl(uint16_t port, uint32_t v) {
    __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port) {
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint16_t inw(uint16_t port) {
    uint16_t v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint32_t inl(uint16_t port) {
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* --- CPU ------------------------------------------------------------------ */

static inline uint64_t rdtsc(void) {
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}
static inline uint64_t rdmsr(uint32_t msr) {
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v) {
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline void cpu_relax(void) {
    __asm__ volatile("pause" ::: "memory");
}
static inline void irq_enable(void) {
    __asm__ volatile("sti" ::: "memory");
}
static inline void irq_disable(void) {
    __asm__ volatile("cli" ::: "memory");
}
static inline void barrier(void) {
    __asm__ volatile("" ::: "memory");
}

/* --- Console and result --------------------------------------------------- */

#define COM1 0x3f8

void serial_putc(char c);
void serial_puts(const char* s);
/* Supports %c %s %d %u %x %p with optional '0' padding, width and l/ll/z. */
int printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char* fmt, va_list ap);

/* Writes code to isa-debug-exit: the emulator exits with status (code << 1) | 1. */
_Noreturn void exit(int code);
/* Prints "FAIL: <message>" (a failure pattern for the runner) and exits with 1. */
_Noreturn void fail(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

#define CHECK(cond)                                                \
    do {                                                           \
        if (!(cond)) fail("%s:%d: %s", __FILE__, __LINE__, #cond); \
    } while (0)
#define CHECK_EQ(actual, expected)                                                    \
    do {                                                                              \
        uint64_t check_a_ = (uint64_t)(actual), check_e_ = (uint64_t)(expected);      \
        if (check_a_ != check_e_)                                                     \
            fail("%s:%d: %s is 0x%llx, expected 0x%llx", __FILE__, __LINE__, #actual, \
                 (unsigned long long)check_a_, (unsigned long long)check_e_);         \
    } while (0)

/* The runtime defines these; the compiler may also call them for struct copies. */
void* memcpy(void* dst, const void* src, size_t n);
void* memset(void* dst, int c, size_t n);

/* --- Multiboot ------------------------------------------------------------ */

struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower; /* KiB below 1 MiB, valid if flags bit 0 */
    uint32_t mem_upper; /* KiB from 1 MiB to the first hole, valid if flags bit 0 */
    uint32_t boot_device;
    uint32_t cmdline; /* valid if flags bit 2 */
    uint32_t mods_count;
    uint32_t mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length;
    uint32_t mmap_addr;
} __attribute__((packed));

#define MULTIBOOT_INFO_MEMORY (1u << 0)
#define MULTIBOOT_INFO_CMDLINE (1u << 2)

const struct multiboot_info* multiboot_info(void);
/* Value of "key=<decimal>" on the Multiboot command line, or fallback. */
unsigned cmdline_uint(const char* key, unsigned fallback);
/* Whether the Multiboot command line holds word (e.g. "emulator=kemu") on its own. */
bool cmdline_has(const char* word);

/* Called once by each runtime's start-up code. */
void serial_init(void);
void set_multiboot_info(const struct multiboot_info* info);
/* Lets an exception handler print even if the fault hit while the console was held. */
void console_break_lock(void);

/* --- Known deviations of the reference emulator --------------------------- */

/* Checks behaviour the SDM requires but QEMU TCG is known to get wrong. On a mismatch
 * it prints "XFAIL-QEMU <what>" under emulator=qemu and fails the test everywhere else. */
#define CHECK_SDM(cond, what) check_sdm((cond), __FILE__, __LINE__, (what))
void check_sdm(bool ok, const char* file, int line, const char* what);
