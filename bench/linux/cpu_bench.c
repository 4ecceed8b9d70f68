/* CPU-bound Linux program for bench/linux.py: it runs natively, in kemu's TCG and in QEMU's TCG,
 * built static so the same binary runs in the busybox guest. Each part prints one complete line
 *
 *     cpu-bench PART: SECONDS s checksum HEX
 *
 * timed with clock_gettime(CLOCK_MONOTONIC); the checksums must agree everywhere, so a fast but
 * wrong emulator shows. A part the CPU cannot run prints "cpu-bench PART: skipped (why)".
 * Each part takes about 0.3 s natively on a current x86-64 core; an optional argument
 * multiplies the work. */
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../cpu_kernels.h"

static unsigned scale = 1;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Integer: multiply, shift, xor and a data-dependent divide. */
static uint64_t part_integer(void) {
    uint64_t acc = 1;
    for (uint64_t i = 0; i < scale * 36000000ull; i++) {
        acc = bench_mix(acc + i);
        acc += (acc >> 7) / ((i & 15) + 1);
    }
    return acc;
}

/* Memory: a sieve over 16 MiB, then a dependent pointer chase that defeats caches and TLBs. */
#define MEMORY_BYTES (16u << 20)
static uint8_t sieve[MEMORY_BYTES];
static uint64_t part_memory(void) {
    uint64_t sum = 0;
    for (unsigned round = 0; round < scale * 4; round++) {
        memset(sieve, 1, sizeof(sieve));
        for (uint64_t i = 2; i * i < sizeof(sieve); i++)
            if (sieve[i])
                for (uint64_t j = i * i; j < sizeof(sieve); j += i)
                    sieve[j] = 0;
        for (unsigned i = 2; i < sizeof(sieve); i++)
            sum += sieve[i];
        uint32_t* next = (uint32_t*)sieve;
        const unsigned slots = sizeof(sieve) / sizeof(uint32_t);
        for (unsigned i = 0; i < slots; i++)
            next[i] = (uint32_t)(bench_mix(i + round) % slots);
        unsigned at = 0;
        for (unsigned i = 0; i < 2000000; i++)
            at = next[at];
        sum += at;
    }
    return sum;
}

/* Branches: insertion sort of pseudo-random keys, a short loop of compares and jumps. */
static uint32_t keys[2048];
static uint64_t part_branch(void) {
    uint64_t sum = 0;
    for (unsigned round = 0; round < scale * 800; round++) {
        bench_sort_keys(keys, 2048, round + 1);
        sum += keys[round % 2048];
    }
    return sum;
}

/* Indirect calls: a bytecode interpreter that dispatches every instruction through a table of
 * function pointers, as interpreters and virtual calls do. */
struct vm {
    uint64_t acc, reg;
    unsigned pc;
};
typedef void (*op_fn)(struct vm*);
static void op_add(struct vm* m) {
    m->acc += m->reg;
}
static void op_xor(struct vm* m) {
    m->acc ^= m->reg >> 3;
}
static void op_mul(struct vm* m) {
    m->acc *= 0x9e3779b97f4a7c15ull;
}
static void op_swap(struct vm* m) {
    uint64_t t = m->acc;
    m->acc = m->reg;
    m->reg = t;
}
static void op_inc(struct vm* m) {
    m->reg++;
}
static void op_rot(struct vm* m) {
    m->acc = (m->acc << 13) | (m->acc >> 51);
}
static void op_skip(struct vm* m) {
    m->pc += (unsigned)(m->acc & 1);
}
static void op_sub(struct vm* m) {
    m->acc -= m->reg;
}
static const op_fn ops[] = {op_add, op_xor, op_mul, op_swap, op_inc, op_rot, op_skip, op_sub};
static uint64_t part_indirect(void) {
    enum { PROGRAM = 4096 };
    static uint8_t program[PROGRAM];
    for (unsigned i = 0; i < PROGRAM; i++)
        program[i] = (uint8_t)(bench_mix(i) % (sizeof(ops) / sizeof(ops[0])));
    struct vm m = {1, 2, 0};
    for (uint64_t step = 0; step < scale * 40000000ull; step++) {
        ops[program[m.pc % PROGRAM]](&m);
        m.pc++;
    }
    return m.acc ^ m.reg;
}

/* x87: a long double series (80-bit precision, only the x87 unit computes it). */
static uint64_t part_x87(void) {
    volatile long double sink;
    long double sum = 0, term = 1;
    for (uint64_t i = 1; i <= scale * 80000000ull; i++) {
        long double x = (long double)i;
        sum += 1.0L / (x * x) - term / (x + 0.5L);
        term = term * 0.999999L + 1.0L / x;
    }
    sink = sum;
    uint64_t bits;
    long double read = sink;
    memcpy(&bits, &read, sizeof(bits));
    return bits;
}

/* SSE2: packed double multiply-add and square roots over an array that stays in the L1 cache. */
static double vector[1024] __attribute__((aligned(32)));
static uint64_t part_sse2(void) {
    for (unsigned i = 0; i < 1024; i++)
        vector[i] = 1.0 + i / 1024.0;
    __m128d acc = _mm_set1_pd(0.0);
    const __m128d k = _mm_set1_pd(0.999);
    for (unsigned round = 0; round < scale * 320000; round++) {
        for (unsigned i = 0; i < 1024; i += 2) {
            __m128d v = _mm_load_pd(&vector[i]);
            v = _mm_add_pd(_mm_mul_pd(v, k), _mm_set1_pd(0.001));
            _mm_store_pd(&vector[i], v);
            acc = _mm_add_pd(acc, _mm_sqrt_pd(v));
        }
    }
    double out[2];
    _mm_storeu_pd(out, acc);
    double total = out[0] + out[1];
    uint64_t bits;
    memcpy(&bits, &total, sizeof(bits));
    return bits;
}

/* AVX2 + FMA: 256-bit fused multiply-add on doubles and 256-bit integer multiplies. */
__attribute__((target("avx2,fma"))) static uint64_t part_avx2_fma(void) {
    for (unsigned i = 0; i < 1024; i++)
        vector[i] = 1.0 + i / 1024.0;
    __m256d acc = _mm256_set1_pd(0.0);
    __m256i hash = _mm256_set1_epi32(1);
    const __m256d k = _mm256_set1_pd(0.999), c = _mm256_set1_pd(0.001);
    const __m256i odd = _mm256_set1_epi32(0x9e3779b1);
    for (unsigned round = 0; round < scale * 300000; round++) {
        for (unsigned i = 0; i < 1024; i += 4) {
            __m256d v = _mm256_fmadd_pd(_mm256_load_pd(&vector[i]), k, c);
            _mm256_store_pd(&vector[i], v);
            acc = _mm256_fmadd_pd(v, v, acc);
            hash = _mm256_add_epi32(_mm256_mullo_epi32(hash, odd), _mm256_castpd_si256(v));
        }
    }
    double out[4];
    uint32_t lanes[8];
    _mm256_storeu_pd(out, acc);
    _mm256_storeu_si256((__m256i*)lanes, hash);
    double total = out[0] + out[1] + out[2] + out[3];
    uint64_t bits;
    memcpy(&bits, &total, sizeof(bits));
    for (unsigned i = 0; i < 8; i++)
        bits = bench_mix(bits ^ lanes[i]);
    return bits;
}

static const char* lacks_avx2_fma(void) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
        return "CPU lacks avx2 or fma";
    return NULL;
}

static const struct {
    const char* name;
    uint64_t (*run)(void);
    const char* (*unsupported)(void);
} parts[] = {
    {"integer", part_integer, NULL},
    {"memory", part_memory, NULL},
    {"branch", part_branch, NULL},
    {"indirect", part_indirect, NULL},
    {"x87", part_x87, NULL},
    {"sse2", part_sse2, NULL},
    {"avx2-fma", part_avx2_fma, lacks_avx2_fma},
};

int main(int argc, char** argv) {
    if (argc > 1) scale = (unsigned)strtoul(argv[1], NULL, 0);
    if (scale == 0) {
        fprintf(stderr, "usage: %s [scale >= 1]\n", argv[0]);
        return 2;
    }
    for (unsigned i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        const char* why = parts[i].unsupported ? parts[i].unsupported() : NULL;
        if (why) {
            printf("cpu-bench %s: skipped (%s)\n", parts[i].name, why);
        } else {
            double start = now();
            uint64_t checksum = parts[i].run();
            printf("cpu-bench %s: %.3f s checksum %016llx\n", parts[i].name, now() - start,
                   (unsigned long long)checksum);
        }
        fflush(stdout);
    }
    return 0;
}
