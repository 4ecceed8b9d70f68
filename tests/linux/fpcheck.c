// Computes with x87, SSE2, SSE4.1, AVX2 and FMA, and prints a hash of every result's bits
// per section. The same static binary runs on the host and inside a guest; the Linux boot
// test compares the two outputs line by line, so any difference in a result, a rounding
// mode or an exception flag shows up as a different line.
#include <cpuid.h>
#include <fenv.h>
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t next_random(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

// Random doubles of every class: normal, tiny, huge, denormal, zero, infinite, NaN.
static double random_double(void) {
    uint64_t bits = next_random();
    switch (bits & 15) {
        case 0:
            bits &= 0x800fffffffffffffull;
            break;  // denormal or zero
        case 1:
            bits = (bits & 0x8000000000000000ull) | 0x7ff0000000000000ull;
            break;
        case 2:
            bits |= 0x7ff8000000000000ull;
            break;  // NaN
        default:
            bits = (bits & 0x800fffffffffffffull) | ((0x3c0ull + (bits >> 52) % 0x80) << 52);
    }
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

// FNV-1a over the bytes of each result.
static uint64_t mix(uint64_t h, const void* p, size_t n) {
    const unsigned char* b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}
#define MIX(h, v) ((h) = mix((h), &(v), sizeof(v)))
#define MIX_LD(h, v) ((h) = mix((h), &(v), 10))  // the 80 bits of a long double

static const int kRounding[] = {FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO};

static void x87_section(void) {
    for (int r = 0; r < 4; r++) {
        fesetround(kRounding[r]);
        feclearexcept(FE_ALL_EXCEPT);
        uint64_t h = 0xcbf29ce484222325ull;
        long double x = 1.0L;
        for (int i = 1; i <= 3000; i++) {
            long double a = (long double)i / 7.0L;
            x = x * 1.0001L + sqrtl(a) - a / 3.0L;
            long double v[] = {x,
                               sinl(a),
                               cosl(a),
                               tanl(a / 100.0L),
                               expl(a / 500.0L),
                               logl(a + 1.0L),
                               atan2l(a, 3.0L),
                               fmodl(x, a),
                               rintl(a * 1.5L)};
            for (unsigned k = 0; k < sizeof v / sizeof v[0]; k++)
                MIX_LD(h, v[k]);
            long long n = llrintl(x * 1000.0L);
            MIX(h, n);
        }
        int flags = fetestexcept(FE_ALL_EXCEPT);
        printf("x87 rounding %d: %016llx flags %02x\n", r, (unsigned long long)h, flags);
    }
    fesetround(FE_TONEAREST);
}

static void sse2_section(void) {
    for (int r = 0; r < 4; r++) {
        fesetround(kRounding[r]);
        feclearexcept(FE_ALL_EXCEPT);
        uint64_t h = 0xcbf29ce484222325ull;
        for (int i = 0; i < 20000; i++) {
            double a = random_double(), b = random_double();
            float f = (float)a;
            double v[] = {
                a + b,         a - b,      a * b,     a / b,
                sqrt(fabs(a)), fmin(a, b), (double)f, (double)(long long)(b * 0.0 + 12345.678),
                fma(a, b, 1.0)};
            for (unsigned k = 0; k < sizeof v / sizeof v[0]; k++)
                MIX(h, v[k]);
            __m128d p = _mm_set_pd(a, b), q = _mm_set_pd(b, 3.0);
            __m128d s[] = {_mm_add_pd(p, q),   _mm_mul_pd(p, q),     _mm_div_pd(p, q),
                           _mm_sqrt_pd(p),     _mm_min_pd(p, q),     _mm_max_pd(p, q),
                           _mm_cmplt_pd(p, q), _mm_cmpunord_pd(p, q)};
            for (unsigned k = 0; k < sizeof s / sizeof s[0]; k++)
                MIX(h, s[k]);
            __m128 ps = _mm_cvtpd_ps(p);
            __m128i pi = _mm_cvtpd_epi32(p), ti = _mm_cvttpd_epi32(p);
            MIX(h, ps);
            MIX(h, pi);
            MIX(h, ti);
            int c = _mm_comilt_sd(p, q) | _mm_ucomieq_sd(p, q) << 1;
            MIX(h, c);
        }
        int flags = fetestexcept(FE_ALL_EXCEPT);
        printf("sse2 rounding %d: %016llx flags %02x\n", r, (unsigned long long)h, flags);
    }
    fesetround(FE_TONEAREST);
    uint64_t h = 0xcbf29ce484222325ull;
    for (int i = 0; i < 20000; i++) {
        double x = (double)(i + 1) / 37.0;
        double v[] = {sin(x), cos(x), exp(x / 100.0), log(x), pow(x, 1.5), atan(x)};
        for (unsigned k = 0; k < sizeof v / sizeof v[0]; k++)
            MIX(h, v[k]);
    }
    printf("libm: %016llx\n", (unsigned long long)h);
}

static void integer_simd_section(void) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (int i = 0; i < 20000; i++) {
        __m128i a = _mm_set_epi64x((long long)next_random(), (long long)next_random());
        __m128i b = _mm_set_epi64x((long long)next_random(), (long long)next_random());
        __m128i v[] = {_mm_add_epi16(a, b),     _mm_subs_epi8(a, b),        _mm_mulhi_epi16(a, b),
                       _mm_madd_epi16(a, b),    _mm_sad_epu8(a, b),         _mm_packs_epi32(a, b),
                       _mm_unpacklo_epi8(a, b), _mm_shuffle_epi32(a, 0x1b), _mm_sll_epi32(a, b),
                       _mm_srai_epi16(a, 5),    _mm_avg_epu8(a, b),         _mm_cmpgt_epi32(a, b)};
        for (unsigned k = 0; k < sizeof v / sizeof v[0]; k++)
            MIX(h, v[k]);
        int m = _mm_movemask_epi8(a);
        MIX(h, m);
    }
    printf("integer simd: %016llx\n", (unsigned long long)h);
}

__attribute__((target("sse4.2,ssse3"))) static void sse4_section(void) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (int i = 0; i < 20000; i++) {
        __m128i a = _mm_set_epi64x((long long)next_random(), (long long)next_random());
        __m128i b = _mm_set_epi64x((long long)next_random(), (long long)next_random());
        __m128d d = _mm_set_pd(random_double(), random_double());
        __m128i v[] = {
            _mm_shuffle_epi8(a, b),   _mm_mullo_epi32(a, b),    _mm_max_epi8(a, b),
            _mm_cvtepu8_epi32(a),     _mm_alignr_epi8(a, b, 5), _mm_hadd_epi16(a, b),
            _mm_blendv_epi8(a, b, a), _mm_cmpgt_epi64(a, b),    _mm_mpsadbw_epu8(a, b, 5)};
        for (unsigned k = 0; k < sizeof v / sizeof v[0]; k++)
            MIX(h, v[k]);
        __m128d rd[] = {_mm_round_pd(d, _MM_FROUND_TO_NEG_INF), _mm_dp_pd(d, d, 0x31)};
        for (unsigned k = 0; k < 2; k++)
            MIX(h, rd[k]);
        int t = _mm_testz_si128(a, b) | _mm_cmpistri(a, b, 0x0c) << 1;
        unsigned crc = _mm_crc32_u64(0, (unsigned long long)i);
        MIX(h, t);
        MIX(h, crc);
    }
    printf("sse4: %016llx\n", (unsigned long long)h);
}

__attribute__((target("avx2,fma,f16c"))) static void avx2_fma_section(void) {
    for (int r = 0; r < 4; r++) {
        fesetround(kRounding[r]);
        feclearexcept(FE_ALL_EXCEPT);
        uint64_t h = 0xcbf29ce484222325ull;
        for (int i = 0; i < 20000; i++) {
            __m256d a = _mm256_set_pd(random_double(), random_double(), random_double(), 1.5);
            __m256d b = _mm256_set_pd(random_double(), 2.0, random_double(), random_double());
            __m256d c = _mm256_set_pd(0.1, random_double(), -3.0, random_double());
            __m256d v[] = {_mm256_fmadd_pd(a, b, c), _mm256_fnmsub_pd(a, b, c),
                           _mm256_add_pd(a, b),      _mm256_div_pd(a, c),
                           _mm256_sqrt_pd(b),        _mm256_permute4x64_pd(a, 0x4e)};
            for (unsigned k = 0; k < sizeof v / sizeof v[0]; k++)
                MIX(h, v[k]);
            __m256i x = _mm256_set_epi64x((long long)next_random(), (long long)next_random(),
                                          (long long)next_random(), (long long)next_random());
            __m256i y = _mm256_set_epi64x((long long)next_random(), (long long)next_random(),
                                          (long long)next_random(), (long long)next_random());
            __m256i w[] = {_mm256_add_epi32(x, y),
                           _mm256_shuffle_epi8(x, y),
                           _mm256_permutevar8x32_epi32(x, y),
                           _mm256_mullo_epi16(x, y),
                           _mm256_sllv_epi32(x, y),
                           _mm256_packus_epi32(x, y)};
            for (unsigned k = 0; k < sizeof w / sizeof w[0]; k++)
                MIX(h, w[k]);
            __m256 fs = _mm256_cvtepi32_ps(x);
            __m128i half = _mm256_cvtps_ph(fs, 0);
            MIX(h, fs);
            MIX(h, half);
        }
        int flags = fetestexcept(FE_ALL_EXCEPT);
        printf("avx2+fma rounding %d: %016llx flags %02x\n", r, (unsigned long long)h, flags);
    }
    fesetround(FE_TONEAREST);
}

int main(void) {
    __builtin_cpu_init();
    x87_section();
    sse2_section();
    integer_simd_section();
    if (__builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("ssse3"))
        sse4_section();
    else
        printf("sse4: unavailable\n");
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
        __builtin_cpu_supports("f16c"))
        avx2_fma_section();
    else
        printf("avx2+fma: unavailable\n");
    return 0;
}
