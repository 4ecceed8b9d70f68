/* CPU-bound Multiboot guest for bench/tcg: integer, memory, branch and indirect-call work
 * in 64-bit mode, timed in the guest with the ACPI PM timer. `scale=N` on the command line
 * multiplies the work; every part prints a checksum so two emulators can be compared for
 * correctness as well as speed. */
#include "../cpu_kernels.h"
#include "libguest.h"

/* Integer: multiply, shift, xor, divide. */
static uint64_t part_integer(unsigned n) {
    uint64_t acc = 1;
    for (unsigned i = 0; i < n * 200000u; i++) {
        acc = bench_mix(acc + i);
        acc += (acc >> 7) / ((i & 15) + 1);
    }
    return acc;
}

/* Memory: a sieve and a strided array walk over 1 MiB. */
static uint8_t sieve[1 << 20];
static uint64_t part_memory(unsigned n) {
    uint64_t count = 0;
    for (unsigned round = 0; round < n; round++) {
        for (unsigned i = 0; i < sizeof(sieve); i++)
            sieve[i] = 1;
        for (unsigned i = 2; i * i < sizeof(sieve); i++)
            if (sieve[i])
                for (unsigned j = i * i; j < sizeof(sieve); j += i)
                    sieve[j] = 0;
        for (unsigned i = 2; i < sizeof(sieve); i++)
            count += sieve[i];
    }
    return count;
}

/* Branches: insertion sort of pseudo-random keys. */
static uint32_t keys[4096];
static uint64_t part_branch(unsigned n) {
    uint64_t sum = 0;
    for (unsigned round = 0; round < n; round++) {
        bench_sort_keys(keys, 1024, round + 1);
        sum += keys[0] ^ keys[1023] ^ keys[512];
    }
    return sum;
}

/* Indirect calls: a tiny bytecode interpreter dispatching through a table. */
typedef uint64_t (*opfn)(uint64_t acc, uint64_t arg);
static uint64_t op_add(uint64_t a, uint64_t b) {
    return a + b;
}
static uint64_t op_xor(uint64_t a, uint64_t b) {
    return a ^ (b << 3);
}
static uint64_t op_mul(uint64_t a, uint64_t b) {
    return a * (b | 1);
}
static uint64_t op_rot(uint64_t a, uint64_t b) {
    return (a << (b & 31)) | (a >> (64 - (b & 31) - 1));
}
static const opfn ops[4] = {op_add, op_xor, op_mul, op_rot};
static uint64_t part_indirect(unsigned n) {
    uint8_t program[256];
    uint64_t seed = 7;
    for (unsigned i = 0; i < sizeof(program); i++) {
        seed = bench_mix(seed);
        program[i] = (uint8_t)seed;
    }
    uint64_t acc = 0;
    for (unsigned round = 0; round < n * 2000u; round++)
        for (unsigned pc = 0; pc < sizeof(program); pc++)
            acc = ops[program[pc] & 3](acc, program[pc] >> 2);
    return acc;
}

struct part {
    const char* name;
    uint64_t (*run)(unsigned n);
};

int main(uint32_t mb_magic, uint32_t mb_info) {
    (void)mb_magic;
    (void)mb_info;
    static const struct part parts[] = {
        {"integer", part_integer},
        {"memory", part_memory},
        {"branch", part_branch},
        {"indirect", part_indirect},
    };
    unsigned scale = cmdline_uint("scale", 1);
    uint64_t total_start = now_us();
    for (unsigned i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        uint64_t start = now_us();
        uint64_t checksum = parts[i].run(scale);
        printf("bench %s: %llu us checksum %llx\n", parts[i].name,
               (unsigned long long)(now_us() - start), (unsigned long long)checksum);
    }
    printf("bench total: %llu us\n", (unsigned long long)(now_us() - total_start));
    return 0;
}
