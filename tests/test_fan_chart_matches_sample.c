/* The cash fan chart (--fan, kernels/tally.h) against a stored sample: the quantiles the
 * fan tally gives for each month equal the exact quantiles of the same paths' cash,
 * stepped one by one through the scalar model, within the fan histogram's resolution;
 * survival fractions match exactly; and the fan tally does not depend on how the units
 * are split over threads and calls. */
#include "cpu.h"
#include "model_tests_util.h"
#include "stats.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define SEED UINT64_C(20260101)
#define N_PATHS 100000u /* 2 units, the second short */

static const char *path_of(void) { return BR_SOURCE_DIR "/scenarios/xai-2026-base.ini"; }

static br_model *base_model(void)
{
    br_scenario *sc;
    char err[BR_ERRLEN];
    if (br_scenario_load(path_of(), NULL, 0, &sc, err, sizeof err) != BR_OK)
        fail_msg("%s", err);
    br_model *m = malloc(sizeof *m);
    assert_non_null(m);
    br_model_build(sc, m);
    br_scenario_free(sc);
    return m;
}

static int cmp_float(const void *a, const void *b)
{
    const float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Run the units through the engine with the fan tally on. */
static uint64_t *fan_run(const br_model *m, const uint64_t *units, size_t n, int threads,
                         br_tally *t)
{
    uint64_t *fan = calloc((size_t)m->horizon * BR_FAN_BINS, sizeof *fan);
    assert_non_null(fan);
    const br_extra x = {.fan = fan};
    assert_int_equal(br_cpu_run_units(m, SEED, N_PATHS, units, n, threads, t, &x), 0);
    return fan;
}

static void quantiles_match_sample(void **state)
{
    (void)state;
    br_model *m = base_model();
    const int H = m->horizon;
    const uint64_t units[2] = {0, 1};
    br_tally *t = calloc(1, sizeof *t);
    assert_non_null(t);
    uint64_t *fan = fan_run(m, units, 2, 2, t);
    br_fan_stats *fs = malloc(sizeof *fs);
    assert_non_null(fs);
    br_fan_compute(fan, t, H, fs);

    /* The sample: every path's cash at the end of each month while it is solvent. */
    float *cash = malloc((size_t)H * N_PATHS * sizeof *cash);
    uint32_t *alive = calloc((size_t)H, sizeof *alive);
    assert_non_null(cash);
    assert_non_null(alive);
    for (uint64_t p = 0; p < N_PATHS; ++p) {
        br_path s;
        br_path_init(m, &s);
        for (int32_t mo = 1; mo <= H && br_path_active(&s); ++mo) {
            br_path_month(m, &s, mo, SEED, (uint32_t)p, (uint32_t)(p >> 32));
            if (s.insolvent == 0)
                cash[(size_t)(mo - 1) * N_PATHS + alive[mo - 1]++] = s.cash;
        }
    }
    const double res = exp2(1.0 / (1 << BR_FAN_SUB_BITS)) - 1; /* 2.2% */
    double worst = 0;
    int checked = 0;
    for (int mo = 1; mo <= H; ++mo) {
        const uint32_t n = alive[mo - 1];
        assert_true(fabs(fs->survival[mo - 1] - (double)n / N_PATHS) < 1e-12);
        float *c = cash + (size_t)(mo - 1) * N_PATHS;
        qsort(c, n, sizeof *c, cmp_float);
        for (int i = 0; i < BR_NQ && n > 0; ++i) {
            /* The sample quantile with rank ceil(q n), as br_money_quantile defines it. */
            uint32_t rank = (uint32_t)ceil(br_quantile_levels[i] * n);
            rank = rank < 1 ? 1 : rank;
            const double exact = c[rank - 1], got = fs->q[i][mo - 1];
            /* Same bin: within one bin width (relative), or the centre bin's 2^20 USD. */
            const double tol = fmax(res * fabs(exact), ldexp(1.0, BR_MONEY_OCT_LO + 1));
            if (fabs(exact) >= ldexp(1.0, BR_MONEY_OCT_LO + 1))
                worst = fmax(worst, fabs(got - exact) / fabs(exact));
            if (fabs(got - exact) > tol)
                fail_msg("month %d p%02.0f: fan %.6e, sample %.6e (tolerance %.3e)", mo,
                         100 * br_quantile_levels[i], got, exact, tol);
            ++checked;
        }
    }
    print_message("%d month quantiles checked; worst relative difference %.3g%% "
                  "above 2^21 USD (resolution %.2f%%)\n", checked, 100 * worst, 100 * res);
    assert_true(checked > 5 * H / 2);
    free(cash);
    free(alive);
    free(fs);
    free(fan);
    free(t);
    free(m);
}

/* 1 thread, 2 threads, units in reverse in two calls: the same fan tally, bit for bit. */
static void fan_independent_of_split(void **state)
{
    (void)state;
    br_model *m = base_model();
    const size_t words = (size_t)m->horizon * BR_FAN_BINS;
    br_tally *t = calloc(3, sizeof *t);
    assert_non_null(t);
    const uint64_t fwd[2] = {0, 1}, u1[1] = {1}, u0[1] = {0};
    uint64_t *a = fan_run(m, fwd, 2, 1, &t[0]);
    uint64_t *b = fan_run(m, fwd, 2, 2, &t[1]);
    uint64_t *c = fan_run(m, u1, 1, 2, &t[2]);
    uint64_t *c0 = fan_run(m, u0, 1, 1, &t[2]);
    for (size_t i = 0; i < words; ++i)
        c[i] += c0[i];
    assert_memory_equal(a, b, words * sizeof *a);
    assert_memory_equal(a, c, words * sizeof *a);
    /* and it changes nothing else: the plain tally equals a run without the fan */
    br_tally *plain = calloc(1, sizeof *plain);
    assert_non_null(plain);
    assert_int_equal(br_cpu_run_units(m, SEED, N_PATHS, fwd, 2, 2, plain, NULL), 0);
    assert_memory_equal(plain, &t[0], sizeof *plain);
    free(plain);
    free(a);
    free(b);
    free(c);
    free(c0);
    free(t);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quantiles_match_sample),
        cmocka_unit_test(fan_independent_of_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
