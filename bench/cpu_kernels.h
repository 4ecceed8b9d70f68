/* Work both CPU benchmarks run: bench/tcg/cpu_bench.c (a bare Multiboot guest) and
 * bench/linux/cpu_bench.c (a static Linux program). Freestanding C: <stdint.h> only. */
#ifndef KEMU_BENCH_CPU_KERNELS_H
#define KEMU_BENCH_CPU_KERNELS_H

#include <stdint.h>

/* A 64-bit finalizer: pseudo-random keys and integer work from one multiply-xorshift chain. */
static inline uint64_t bench_mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

/* Fills keys[0..n) from `seed` and insertion-sorts them: a short loop of compares and jumps. */
static inline void bench_sort_keys(uint32_t* keys, unsigned n, uint64_t seed) {
    for (unsigned i = 0; i < n; i++) {
        seed = bench_mix(seed);
        keys[i] = (uint32_t)seed;
    }
    for (unsigned i = 1; i < n; i++) {
        uint32_t key = keys[i];
        unsigned j = i;
        while (j > 0 && keys[j - 1] > key) {
            keys[j] = keys[j - 1];
            j--;
        }
        keys[j] = key;
    }
}

#endif
