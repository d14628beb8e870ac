/* test_result_independent_of_split: a path's result depends only on (scenario, seed, p)
 * (docs/model.md s.5). On real scenarios: the tallies (every field, bit for bit) and the
 * verification hash are the same on 1 and 2 threads, with the work units in forward or
 * reverse order, and with the units split over two calls merged by br_tally_merge; and
 * the vectorised engine (br_cpu_outcomes) gives, path by path, the bits of the scalar
 * br_path_run that the GPU runs, also at block offsets and past p = 2^32.
 *
 * Usage: test_result_independent_of_split [SCENARIO.ini ... | --builtin]. With no
 * argument it takes BR_SOURCE_DIR/scenarios/ *.ini, or two built-in scenarios when
 * there are none (tests/model.cmake registers one test per scenario file). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "cpu.h"
#include "model_tests_util.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEED UINT64_C(0x9e3779b97f4a7c15)
/* Four full work units and a short fifth. */
#define N_PATHS (4 * (uint64_t)BR_UNIT_PATHS + 4000)
#define N_UNITS 5

/* Realistic stand-ins, used only when scenarios/ has no files. */
static const char *builtin[] = {
    "[scenario]\nname = builtin-lab\nhorizon_months = 36\n"
    "[cash]\ninitial = 25B\nminimum = 1B\n"
    "[revenue]\ninitial = 270M\ngrowth = 0.05\ngrowth_longrun = 0.015\n"
    "growth_halflife_months = 24\ngrowth_vol = 0.01\nvol = 0.06\ngross_margin = 0.45\n"
    "stress_growth_penalty = 0.02\n"
    "[costs]\nopex = 900M\nopex_growth = 0.005\ncapex = 2.57B\ncapex_vol = 0.15\n"
    "compute_opex_rate = 0.004\ncashflow_vol = 150M\n"
    "[market]\nstress_entry = 0.04\nstress_exit = 0.2\n"
    "[equity]\ntrigger_months = 9\nmin_gap_months = 6\nsuccess_normal = 0.75\n"
    "success_stressed = 0.3\nround_median = 20B\nround_vol = 0.3\nrevenue_elasticity = 0.5\n"
    "months_since_last_round = 2\n"
    "[debt]\nfacility = 12.5B\ndraw_buffer = 1B\nrate = 0.09\nstress_spread = 0.04\n"
    "[backstop]\nprobability = 0.6\namount = 15B\nmax_uses = 2\n"
    "[correlation]\nrevenue_capex = 0.3\nrevenue_cashflow = 0.2\n",
    "[scenario]\nname = builtin-drought\nhorizon_months = 48\n"
    "[cash]\ninitial = 18B\n"
    "[revenue]\ninitial = 300M\ngrowth = 0.03\nvol = 0.1\ngross_margin = 0.5\n"
    "[costs]\nopex = 1.1B\ncapex_schedule = 1:2B, 7:3B, 25:2.5B\ncapex_vol = 0.25\n"
    "cashflow_vol = 300M\n"
    "[market]\nstress_entry = 0.1\nstress_exit = 0.1\ninitial = stressed\n"
    "[equity]\ntrigger_months = 6\nsuccess_normal = 0.5\nsuccess_stressed = 0.1\n"
    "round_median = 8B\nround_vol = 0.4\nmax_rounds = 3\n"
    "[debt]\nfacility = 5B\ninitial_drawn = 2B\nrate = 0.12\nstress_spread = 0.08\n"
    "[backstop]\nprobability = 0.3\namount = 5B\nmax_uses = 1\n"
    "[correlation]\nrevenue_growth = 0.4\ncapex_cashflow = -0.3\n",
};

typedef struct item {
    char label[512];
    br_model *m;
} item;

static item items[64];
static size_t n_items;

static void add_model(const char *label, br_model *m)
{
    assert_true(n_items < sizeof items / sizeof items[0]);
    snprintf(items[n_items].label, sizeof items[n_items].label, "%s", label);
    items[n_items++].m = m;
}

static void add_file(const char *path)
{
    br_scenario *sc = NULL;
    char err[BR_ERRLEN] = "";
    if (br_scenario_load(path, NULL, 0, &sc, err, sizeof err) != BR_OK)
        fail_msg("%s: %s", path, err);
    br_model *m = malloc(sizeof *m);
    assert_non_null(m);
    br_model_build(sc, m);
    br_scenario_free(sc);
    const char *slash = strrchr(path, '/');
    add_model(slash ? slash + 1 : path, m);
}

static int n_args;
static char **args;

static int setup(void **state)
{
    (void)state;
    int use_builtin = 0;
    if (n_args > 0 && strcmp(args[0], "--builtin") == 0) {
        use_builtin = 1;
    } else if (n_args > 0) {
        for (int i = 0; i < n_args; ++i)
            add_file(args[i]);
    } else {
        glob_t g;
        if (glob(BR_SOURCE_DIR "/scenarios/*.ini", 0, NULL, &g) == 0) {
            for (size_t i = 0; i < g.gl_pathc; ++i)
                add_file(g.gl_pathv[i]);
            globfree(&g);
        }
        use_builtin = n_items == 0;
    }
    if (use_builtin) {
        add_model("builtin-lab", brt_model(builtin[0]));
        add_model("builtin-drought", brt_model(builtin[1]));
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < n_items; ++i)
        free(items[i].m);
    return 0;
}

static br_tally *run_units(const br_model *m, const uint64_t *units, size_t n, int threads)
{
    br_tally *t = calloc(1, sizeof *t);
    assert_non_null(t);
    assert_int_equal(br_cpu_run_units(m, SEED, N_PATHS, units, n, threads, t, NULL), 0);
    return t;
}

static void same_tally(const char *label, const char *how, const br_tally *a, const br_tally *b,
                       int H)
{
    if (memcmp(a, b, sizeof *a) != 0) {
        /* Say which field, for the report. */
        const char *field = "money sums";
        if (a->paths != b->paths)
            field = "paths";
        else if (memcmp(a->insolvent, b->insolvent, sizeof a->insolvent))
            field = "insolvent";
        else if (memcmp(a->runway, b->runway, sizeof a->runway))
            field = "runway";
        else if (memcmp(a->cash_hist, b->cash_hist, sizeof a->cash_hist))
            field = "cash_hist";
        else if (memcmp(a->need_hist, b->need_hist, sizeof a->need_hist))
            field = "need_hist";
        else if (a->rounds != b->rounds || a->backstop_paths != b->backstop_paths ||
                 a->backstop_uses != b->backstop_uses)
            field = "counts";
        fail_msg("%s: %s: tallies differ (%s)", label, how, field);
    }
    assert_true(br_tally_hash(a, H) == br_tally_hash(b, H));
}

static void test_tallies_and_hash_independent_of_threads_order_and_calls(void **state)
{
    (void)state;
    const uint64_t fwd[N_UNITS] = {0, 1, 2, 3, 4}, rev[N_UNITS] = {4, 3, 2, 1, 0};
    const uint64_t part1[] = {3, 0}, part2[] = {4, 1, 2};
    for (size_t k = 0; k < n_items; ++k) {
        const br_model *m = items[k].m;
        const double t0 = brt_now();
        br_tally *one = run_units(m, fwd, N_UNITS, 1);
        br_tally *two = run_units(m, fwd, N_UNITS, 2);
        br_tally *back = run_units(m, rev, N_UNITS, 2);
        br_tally *a = run_units(m, part1, 2, 2);
        br_tally *b = run_units(m, part2, 3, 2);
        br_tally *merged = calloc(1, sizeof *merged);
        assert_non_null(merged);
        br_tally_merge(merged, b);
        br_tally_merge(merged, a);
        assert_true(one->paths == N_PATHS);
        /* Not a trivial scenario for this check: paths differ in outcome. */
        int distinct = 0;
        for (int t = 0; t <= m->horizon; ++t)
            distinct += one->insolvent[t] != 0;
        same_tally(items[k].label, "1 vs 2 threads", one, two, m->horizon);
        same_tally(items[k].label, "forward vs reverse units", one, back, m->horizon);
        same_tally(items[k].label, "one call vs two merged", one, merged, m->horizon);
        printf("  %-28s hash %016llx, %d distinct insolvency months, %.1f s\n",
               items[k].label, (unsigned long long)br_tally_hash(one, m->horizon), distinct,
               brt_now() - t0);
        free(one), free(two), free(back), free(a), free(b), free(merged);
    }
}

static void test_vector_engine_matches_scalar_path_bit_for_bit(void **state)
{
    (void)state;
    const struct {
        uint64_t p0;
        size_t n;
    } spans[] = {
        {0, 8000},                                /* from the first block */
        {12345, 6000},                            /* p0 not a multiple of 64 */
        {(UINT64_C(1) << 32) - 100, 6000},        /* across p = 2^32 */
        {(UINT64_C(7) << 40) + 33, 200},          /* high word well above 0 */
    };
    for (size_t k = 0; k < n_items; ++k) {
        const br_model *m = items[k].m;
        for (size_t s = 0; s < sizeof spans / sizeof spans[0]; ++s) {
            br_outcome *v = malloc(spans[s].n * sizeof *v);
            assert_non_null(v);
            memset(v, 0xca, spans[s].n * sizeof *v); /* an unwritten outcome fails */
            br_cpu_outcomes(m, SEED, spans[s].p0, spans[s].n, v);
            size_t differ = 0, first = 0;
            for (size_t i = 0; i < spans[s].n; ++i) {
                const br_outcome o = br_path_run(m, SEED, spans[s].p0 + i);
                if (memcmp(&o, &v[i], sizeof o) != 0 && differ++ == 0)
                    first = i;
            }
            if (differ) {
                const br_outcome o = br_path_run(m, SEED, spans[s].p0 + first);
                const br_outcome *w = &v[first];
                fail_msg("%s: %zu of %zu paths from p0 = %llu differ; first p = %llu: "
                         "scalar (insolvent %d runway %d rounds %d uses %d cash %.9g need %.9g "
                         "raised %.9g drawn %.9g) vector (%d %d %d %d %.9g %.9g %.9g %.9g)",
                         items[k].label, differ, spans[s].n,
                         (unsigned long long)spans[s].p0,
                         (unsigned long long)(spans[s].p0 + first), o.insolvent, o.runway,
                         o.rounds, o.uses, o.cash, o.need, o.raised, o.drawn, w->insolvent,
                         w->runway, w->rounds, w->uses, w->cash, w->need, w->raised, w->drawn);
            }
            free(v);
        }
    }
}

int main(int argc, char **argv)
{
    n_args = argc - 1;
    args = argv + 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tallies_and_hash_independent_of_threads_order_and_calls),
        cmocka_unit_test(test_vector_engine_matches_scalar_path_bit_for_bit),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
