/* test_philox_matches_curand_host_generator: burnrate's path streams are cuRAND's.
 * cuRAND's host generator (CURAND_RNG_PSEUDO_PHILOX4_32_10, default ordering) emits word
 * i of counter (k, 0, p, 0) under key (seed_lo, seed_hi) at word offset
 * 4*(k*65536 + p) + i (MODEL.md s.5); for p < 65536 that counter is br_philox_draw(seed,
 * p, k). libcurand's host generator needs no GPU. Built with BR_HAVE_CURAND=0 (no
 * libcurand at configure time) every test skips. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "philox.h"

#if BR_HAVE_CURAND
#include <curand.h>

#define BLOCK_PATHS 65536u /* cuRAND's host Philox: 65536 counters per step of k */

static const unsigned long long seeds[] = {
    0ull, 1ull, 12345ull, 0xffffffffull, 0x100000000ull, 0x9e3779b97f4a7c15ull,
    0xffffffffffffffffull,
};
#define N_SEEDS (sizeof seeds / sizeof seeds[0])

static const char *status_str(curandStatus_t s)
{
    switch (s) {
    case CURAND_STATUS_SUCCESS: return "CURAND_STATUS_SUCCESS";
    case CURAND_STATUS_VERSION_MISMATCH: return "CURAND_STATUS_VERSION_MISMATCH";
    case CURAND_STATUS_NOT_INITIALIZED: return "CURAND_STATUS_NOT_INITIALIZED";
    case CURAND_STATUS_ALLOCATION_FAILED: return "CURAND_STATUS_ALLOCATION_FAILED";
    case CURAND_STATUS_TYPE_ERROR: return "CURAND_STATUS_TYPE_ERROR";
    case CURAND_STATUS_OUT_OF_RANGE: return "CURAND_STATUS_OUT_OF_RANGE";
    case CURAND_STATUS_LAUNCH_FAILURE: return "CURAND_STATUS_LAUNCH_FAILURE";
    case CURAND_STATUS_INITIALIZATION_FAILED: return "CURAND_STATUS_INITIALIZATION_FAILED";
    case CURAND_STATUS_ARCH_MISMATCH: return "CURAND_STATUS_ARCH_MISMATCH";
    case CURAND_STATUS_INTERNAL_ERROR: return "CURAND_STATUS_INTERNAL_ERROR";
    default: return "unknown curandStatus_t";
    }
}

/* A host generator positioned at word `offset` of seed's stream, or skip() when
 * libcurand cannot make one here (the exact status is printed). */
static curandGenerator_t make_gen(unsigned long long seed, unsigned long long offset)
{
    curandGenerator_t g;
    curandStatus_t s = curandCreateGeneratorHost(&g, CURAND_RNG_PSEUDO_PHILOX4_32_10);
    if (s != CURAND_STATUS_SUCCESS) {
        printf("curandCreateGeneratorHost failed: %s (%d): skipping\n", status_str(s), (int)s);
        skip();
    }
    s = curandSetPseudoRandomGeneratorSeed(g, seed);
    if (s == CURAND_STATUS_SUCCESS) {
        s = curandSetGeneratorOffset(g, offset);
    }
    if (s != CURAND_STATUS_SUCCESS) {
        fail_msg("curand seed/offset: %s (%d)", status_str(s), (int)s);
    }
    return g;
}

static void generate(curandGenerator_t g, uint32_t *out, size_t n)
{
    curandStatus_t s = curandGenerate(g, (unsigned int *)out, n);
    if (s != CURAND_STATUS_SUCCESS) {
        printf("curandGenerate failed: %s (%d): skipping\n", status_str(s), (int)s);
        curandDestroyGenerator(g);
        skip();
    }
}

/* Compare n words starting at word `offset` of seed's stream with the layout above. */
static void check_words(unsigned long long seed, unsigned long long offset,
                        const uint32_t *got, size_t n)
{
    br_u32x4 a = {{0u, 0u, 0u, 0u}}, b = a;
    for (size_t j = 0; j < n; ++j) {
        const unsigned long long q = offset + j;
        const uint32_t i = (uint32_t)(q % 4u);
        const uint32_t p = (uint32_t)((q / 4u) % BLOCK_PATHS);
        const uint32_t k = (uint32_t)(q / (4ull * BLOCK_PATHS));
        if (j == 0 || i == 0) { /* a new counter */
            const br_u32x4 ctr = {{k, 0u, p, 0u}};
            a = br_philox4x32_10(ctr, (uint32_t)seed, (uint32_t)(seed >> 32));
            b = br_philox_draw(seed, p, k);
        }
        if (got[j] != a.v[i] || got[j] != b.v[i]) {
            fail_msg("seed %#llx word %llu (k=%u p=%u i=%u): curand %08x, "
                     "br_philox4x32_10 %08x, br_philox_draw %08x",
                     seed, q, k, p, i, got[j], a.v[i], b.v[i]);
        }
    }
}

/* Every path p < 65536 of draws k = 0, 1, 2, for seeds below and above 2^32. */
static void test_curand_stream_equals_counter_k_0_p_0_for_first_draws(void **state)
{
    (void)state;
    const size_t n = 3u * 4u * BLOCK_PATHS;
    uint32_t *buf = malloc(n * sizeof *buf);
    assert_non_null(buf);
    for (size_t s = 0; s < N_SEEDS; ++s) {
        curandGenerator_t g = make_gen(seeds[s], 0);
        generate(g, buf, n);
        curandDestroyGenerator(g);
        check_words(seeds[s], 0, buf, n);
    }
    free(buf);
}

/* curandSetGeneratorOffset counts 32-bit words of this same sequence (checked here
 * against the k = 0..2 block at offsets that are not multiples of 4): so it can jump to
 * large draw numbers k without generating the words before them. */
static void test_curand_offset_counts_words_of_the_same_stream(void **state)
{
    (void)state;
    const unsigned long long seed = 0x9e3779b97f4a7c15ull;
    const unsigned long long offs[] = {1, 2, 3, 5, 4ull * BLOCK_PATHS - 3, 4ull * BLOCK_PATHS + 7};
    uint32_t buf[64];
    for (size_t j = 0; j < sizeof offs / sizeof offs[0]; ++j) {
        curandGenerator_t g = make_gen(seed, offs[j]);
        generate(g, buf, 64);
        curandDestroyGenerator(g);
        check_words(seed, offs[j], buf, 64);
    }
}

/* Large draw numbers k (far past one month, up to k near 2^32) through the offset, with
 * windows that straddle the p = 65535 -> next k boundary. */
static void test_curand_stream_equals_counter_k_0_p_0_for_large_draws(void **state)
{
    (void)state;
    const uint32_t ks[] = {3u, 7u, 1000u, 2399u, 70000u, 1u << 24, 0xfffffffeu};
    const uint32_t ps[] = {0u, 12345u, BLOCK_PATHS - 256u};
    enum { N = 4096 };
    static uint32_t buf[N];
    for (size_t s = 0; s < N_SEEDS; ++s) {
        for (size_t a = 0; a < sizeof ks / sizeof ks[0]; ++a) {
            for (size_t b = 0; b < sizeof ps / sizeof ps[0]; ++b) {
                const unsigned long long off = 4ull * ((unsigned long long)ks[a] * BLOCK_PATHS + ps[b]);
                curandGenerator_t g = make_gen(seeds[s], off);
                generate(g, buf, N);
                curandDestroyGenerator(g);
                check_words(seeds[s], off, buf, N);
            }
        }
    }
}

#else /* !BR_HAVE_CURAND */

static void test_curand_stream_equals_counter_k_0_p_0_for_first_draws(void **state)
{
    (void)state;
    printf("libcurand not found: skipping\n");
    skip();
}

static void test_curand_offset_counts_words_of_the_same_stream(void **state)
{
    (void)state;
    printf("libcurand not found: skipping\n");
    skip();
}

static void test_curand_stream_equals_counter_k_0_p_0_for_large_draws(void **state)
{
    (void)state;
    printf("libcurand not found: skipping\n");
    skip();
}

#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_curand_stream_equals_counter_k_0_p_0_for_first_draws),
        cmocka_unit_test(test_curand_offset_counts_words_of_the_same_stream),
        cmocka_unit_test(test_curand_stream_equals_counter_k_0_p_0_for_large_draws),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
