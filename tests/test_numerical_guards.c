/* test_numerical_guards: scenarios at the edges of every range of MODEL.md s.8 run to the
 * end with finite results. One test per guard of docs/model.md s.9 (revenue cap, the
 * clamped exp and log, the 1e18 round cap, restoring the minimum, clamped tables, the
 * per-path clamp and 128-bit sums, the PSD-tolerant Cholesky factor); each asserts what
 * would break without its guard. Every scenario is checked three ways: each path's
 * outcome through the vectorised engine, the statistics of br_run, and every number of
 * the JSON document. */
#include "burnrate.h"
#include "cpu.h"
#include "model_build.h"
#include "report.h"
#include "result.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "model_tests_util.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N_PATHS 4096u
#define SEED BR_DEFAULT_SEED

/* ---- helpers ------------------------------------------------------------------------ */

/* Scenarios load through the shared test helper (tests/model_tests_util.c). */
static br_scenario *load(const char *ini) { return brt_load(ini); }

/* A scenario's run: its model, every path's outcome, br_run's result. */
typedef struct run {
    br_scenario *sc;
    br_model *m;
    br_outcome *o;
    br_result *r;
    const br_stats *s;
} run;

static void check_json_numbers(const cJSON *j, const char *where)
{
    if (cJSON_IsNumber(j) && !isfinite(j->valuedouble))
        fail_msg("JSON %s%s%s is %g", where, j->string ? "." : "", j->string ? j->string : "",
                 j->valuedouble);
    for (const cJSON *c = j->child; c; c = c->next)
        check_json_numbers(c, j->string ? j->string : where);
}

static void check_month_dist(const br_month_dist *d, int H)
{
    assert_true(isfinite(d->mean) && isfinite(d->beyond));
    assert_true(d->beyond >= 0 && d->beyond <= 1);
    if (d->n)
        assert_true(d->mean >= 1 && d->mean <= H);
    for (int i = 0; i < BR_NQ; ++i)
        assert_true(d->q[i] >= 0 && d->q[i] <= H + 1);
}

static void check_money_stats(const br_money_stats *c)
{
    const double v[] = {c->mean, c->p05, c->p50, c->p95, c->var05, c->cvar05};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; ++i)
        assert_true(isfinite(v[i]));
    if (c->n)
        assert_true(c->p05 <= c->p50 && c->p50 <= c->p95);
}

/* Every reported statistic finite; probabilities in [0, 1]; by_month non-decreasing. */
static void check_stats(const br_stats *s, int H)
{
    assert_true(s->paths == N_PATHS);
    const double p[] = {s->p_insolvent, s->stderr_p, s->ci95[0], s->ci95[1],
                        s->backstop_probability};
    for (size_t i = 0; i < sizeof p / sizeof p[0]; ++i)
        assert_true(isfinite(p[i]) && p[i] >= 0 && p[i] <= 1);
    double prev = 0;
    for (int t = 0; t < H; ++t) {
        assert_true(isfinite(s->by_month[t]));
        assert_true(s->by_month[t] >= prev && s->by_month[t] <= 1);
        prev = s->by_month[t];
    }
    assert_true(prev == s->p_insolvent);
    check_month_dist(&s->runway, H);
    check_month_dist(&s->time_to_insolvency, H);
    check_money_stats(&s->terminal_cash);
    const double m[] = {s->equity_rounds_mean, s->equity_raised_mean, s->debt_drawn_mean,
                        s->need_mean, s->need_p50, s->need_p95};
    for (size_t i = 0; i < sizeof m / sizeof m[0]; ++i)
        assert_true(isfinite(m[i]));
}

static run start(const char *ini)
{
    run x = {0};
    x.sc = load(ini);
    x.m = malloc(sizeof *x.m);
    x.o = malloc(N_PATHS * sizeof *x.o);
    assert_non_null(x.m);
    assert_non_null(x.o);
    br_model_build(x.sc, x.m);
    const int H = x.m->horizon;

    /* The model's inputs: tables and factor finite. */
    for (int t = 0; t < H; ++t)
        assert_true(isfinite(x.m->opex[t]) && isfinite(x.m->plan[t]));
    for (int i = 0; i < 10; ++i)
        assert_true(isfinite(x.m->chol[i]));

    /* Each path: months index the tallies, money is finite. */
    br_cpu_outcomes(x.m, SEED, 0, N_PATHS, x.o);
    for (size_t p = 0; p < N_PATHS; ++p) {
        const br_outcome *o = &x.o[p];
        if (!(isfinite(o->cash) && isfinite(o->need) && isfinite(o->raised) &&
              isfinite(o->drawn)))
            fail_msg("path %zu: cash %g need %g raised %g drawn %g", p, (double)o->cash,
                     (double)o->need, (double)o->raised, (double)o->drawn);
        assert_true(o->insolvent >= 0 && o->insolvent <= H);
        assert_true(o->runway >= 0 && o->runway <= H);
        assert_true(o->rounds >= 0 && o->uses >= 0);
    }

    /* The whole run: statistics and the JSON document. */
    const br_scenario *list[] = {x.sc};
    const br_run_config cfg = {.paths = N_PATHS, .seed = SEED, .threads = 2, .backend = "cpu"};
    char err[BR_ERRLEN] = "";
    assert_int_equal(br_run(list, 1, &cfg, &x.r, err, sizeof err), BR_OK);
    x.s = &x.r->items[0].stats;
    check_stats(x.s, H);
    cJSON *j = br_report_json(x.r);
    assert_non_null(j);
    check_json_numbers(j, "");
    char *text = cJSON_PrintUnformatted(j);
    assert_non_null(text);
    assert_null(strstr(text, "nan"));
    assert_null(strstr(text, "inf"));
    cJSON *back = cJSON_Parse(text);
    assert_non_null(back); /* valid JSON */
    cJSON_Delete(back);
    free(text);
    cJSON_Delete(j);
    return x;
}

static void finish(run *x)
{
    br_result_free(x->r);
    br_scenario_free(x->sc);
    free(x->m);
    free(x->o);
}

/* ---- the guards ---------------------------------------------------------------------- */

/* Revenue: growth 1, growth_vol 2 and vol 2 for 1200 months would overflow float within a
 * few dozen months; the clamped exp and the cap keep R <= revenue.cap, so cash (no
 * costs) grows by at most the cap a month. */
static void test_revenue_cap_holds_under_explosive_growth(void **state)
{
    (void)state;
    run x = start("[scenario]\nhorizon_months = 1200\n[cash]\ninitial = 1T\n"
                  "[revenue]\ninitial = 1B\ngrowth = 1\ngrowth_vol = 2\nvol = 2\n");
    const double cap = 1e13, H = 1200;
    size_t above_start = 0;
    for (size_t p = 0; p < N_PATHS; ++p) {
        const double c = x.o[p].cash;
        assert_true(c >= (double)1e12f); /* revenue >= 0: cash never falls */
        assert_true(c <= (1e12 + H * cap) * (1 + 1e-4)); /* the cap held every month */
        above_start += c > 2e12;
    }
    assert_true(above_start > 0); /* revenue did grow: the test is not vacuous */
    assert_true(x.s->p_insolvent == 0);
    assert_true(x.s->terminal_cash.n == N_PATHS);
    assert_true(x.s->terminal_cash.mean <= 1e12 + H * cap * (1 + 1e-4));
    finish(&x);
}

/* Revenue is carried as logr = log(R / Rb), Rb = max(R0, cap e^-87), capped at log_cap
 * (kernels/model.h step 3). log_cap is rounded so that Rb e^log_cap reaches the cap, and
 * a capped month's revenue is revenue.cap exactly: also for a ratio cap / R0 just above 1
 * (where one ulp of logr moves e^logr by much less than an ulp of R) and far beyond e^88
 * (R0 = 1e-30 still compounds all the way to the cap, as MODEL.md s.2 says). A month with
 * no costs that starts with no cash turns its revenue into cash exactly (margin 1:
 * C = 0 + R), so R is read off the cash. */
static void test_capped_revenue_is_the_cap_exactly(void **state)
{
    (void)state;
    const char *pairs[][2] = {{"5T", "10T"},     {"1", "10T"},           {"3.3B", "3.3B"},
                              {"7e-3", "0.01"},  {"123456789", "987654321"}, {"1", "1000T"},
                              {"1M", "1000001"}, {"1e-30", "1T"},        {"1e-40", "1000T"}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; ++i) {
        char ini[512];
        snprintf(ini, sizeof ini,
                 "[scenario]\nhorizon_months = 150\n[cash]\ninitial = 0\nminimum = -1000T\n"
                 "[revenue]\ninitial = %s\ngrowth = 1\ncap = %s\n", pairs[i][0], pairs[i][1]);
        br_scenario *sc = load(ini);
        br_model *m = malloc(sizeof *m);
        assert_non_null(m);
        br_model_build(sc, m);
        /* Reached at log_cap, which is log(cap / Rb) to within a few float ulps. */
        assert_true(m->rev_base * br_expf(m->log_cap) >= m->rev_cap);
        const double exact = log((double)m->rev_cap / (double)m->rev_base);
        assert_true(fabs(m->log_cap - exact) <= 4 * 0x1p-23 * fmax(fabs(exact), 1.0));
        assert_true(m->log_cap <= 88.0f && m->logr0 <= 0.0f && m->logr0 > -87.0f);
        /* Growth e^1 a month: every cap here (ratios up to 1e53) is reached by month 125. */
        br_path s;
        br_path_init(m, &s);
        int capped = 0;
        for (int32_t t = 1; t <= m->horizon; ++t) {
            assert_true(br_path_active(&s));
            s.cash = 0.0f;
            br_path_month(m, &s, t, SEED, 0, 0);
            const float R = s.cash;
            if (s.logr >= m->log_cap) {
                assert_true(R == m->rev_cap);
                ++capped;
            } else {
                assert_true(R == m->rev_base * br_expf(s.logr) && R <= m->rev_cap);
            }
        }
        assert_true(capped >= 20); /* the cap was reached: the test is not vacuous */
        free(m);
        br_scenario_free(sc);
    }
    /* No starting revenue: R stays 0 and logr is bounded by 0. */
    br_scenario *sc = load("[scenario]\nhorizon_months = 3\n[cash]\ninitial = 1B\n"
                           "[revenue]\ngrowth = 1\n");
    br_model *m = malloc(sizeof *m);
    assert_non_null(m);
    br_model_build(sc, m);
    assert_true(m->rev_base == 0.0f && m->log_cap == 0.0f && m->elasticity == 0.0f);
    free(m);
    br_scenario_free(sc);
}

/* Capex shock at vol 2 (factor exp(2 e - 2) up to e^11) on 1T/month for 1200 months, with
 * a backstop that always answers: restoring the minimum keeps every path solvent with
 * cash >= cash.minimum although monthly shortfalls reach 1e16. */
static void test_capex_vol_2_rescued_cash_stays_at_minimum(void **state)
{
    (void)state;
    run x = start("[scenario]\nhorizon_months = 1200\n[cash]\ninitial = 1T\nminimum = 10B\n"
                  "[costs]\ncapex = 1T\ncapex_vol = 2\ncompute_opex_rate = 1\n"
                  "[backstop]\nprobability = 1\nmax_uses = 1000000\n");
    for (size_t p = 0; p < N_PATHS; ++p) {
        assert_int_equal(x.o[p].insolvent, 0);
        assert_true(x.o[p].cash >= 1e10f); /* max(C + inject, cash_min) */
        assert_true(x.o[p].uses >= 1);
    }
    assert_true(x.s->p_insolvent == 0);
    assert_true(x.s->backstop_probability == 1);
    assert_true(x.s->terminal_cash.mean >= 1e10);
    finish(&x);
}

/* cashflow_vol 1e15 on top of revenue 1e15 a month for 1200 months: per-path cash near
 * 1.2e18, 4096 of them sum to ~5e21, beyond int64. The 128-bit fixed-point sum must
 * give the mean of the paths' whole-dollar cash exactly (to double rounding). */
static void test_huge_cashflow_vol_sums_past_int64(void **state)
{
    (void)state;
    run x = start("[scenario]\nhorizon_months = 1200\n[cash]\ninitial = 1000T\n"
                  "minimum = -1000T\n[revenue]\ninitial = 1000T\ncap = 1000T\n"
                  "[costs]\ncashflow_vol = 1000T\n");
    __int128 sum = 0;
    size_t n = 0;
    for (size_t p = 0; p < N_PATHS; ++p)
        if (x.o[p].insolvent == 0) {
            sum += (int64_t)x.o[p].cash; /* whole USD, truncated (|cash| < 4.6e18) */
            ++n;
        }
    assert_int_equal(n, x.s->terminal_cash.n);
    assert_true(n > N_PATHS / 2);
    const double want = (double)sum / (double)n;
    assert_true(fabs((double)sum) > 0x1p63); /* the point: past int64 */
    assert_true(fabs(x.s->terminal_cash.mean - want) <= 1e-12 * fabs(want));
    finish(&x);
}

/* Elasticity 2 from a revenue of $1 that reaches the cap: median * ratio^2 is ~1e41,
 * beyond float. Each round is capped at 1e18 USD; raised money then exceeds the per-path
 * clamp of the sums (4.6e18), which must hold (a float -> int64 cast past it is UB). */
static void test_round_cap_elasticity_2_from_tiny_revenue(void **state)
{
    (void)state;
    run x = start("[scenario]\nhorizon_months = 1200\n[cash]\ninitial = 1T\n"
                  "[revenue]\ninitial = 1\ngrowth = 1\n[costs]\nopex = 1T\n"
                  "[equity]\ntrigger_months = 1000000000\nsuccess_normal = 1\n"
                  "round_median = 1000T\nround_vol = 2\nrevenue_elasticity = 2\n");
    float most = 0;
    for (size_t p = 0; p < N_PATHS; ++p) {
        assert_true(x.o[p].rounds >= 1);
        assert_true(x.o[p].raised <= (float)x.o[p].rounds * 1e18f * (1 + 1e-5f));
        most = x.o[p].raised > most ? x.o[p].raised : most;
    }
    assert_true(most >= 1e18f); /* some round did reach the cap */
    assert_true(x.s->equity_raised_mean > 0);
    assert_true(x.s->equity_raised_mean <= 4.62e18); /* per-path clamp of the sums */
    finish(&x);
}

/* Elasticity -2 with revenue falling to zero: log(R/R0) falls by a month's growth each
 * month and exp clamps its argument at 88, so the round is 1e15 * 1.6e38 -> capped,
 * never Inf or NaN. */
static void test_round_cap_elasticity_minus_2_vanishing_revenue(void **state)
{
    (void)state;
    run x = start("[scenario]\nhorizon_months = 1200\n[cash]\ninitial = 1T\n"
                  "[revenue]\ninitial = 1000T\ngrowth = -1\ncap = 1000T\n[costs]\nopex = 1T\n"
                  "[equity]\ntrigger_months = 1000000000\nsuccess_normal = 1\n"
                  "round_median = 1000T\nround_vol = 2\nrevenue_elasticity = -2\n");
    size_t capped = 0;
    for (size_t p = 0; p < N_PATHS; ++p) {
        assert_true(x.o[p].raised <= (float)x.o[p].rounds * 1e18f * (1 + 1e-5f));
        capped += x.o[p].raised >= 1e18f;
    }
    assert_true(capped > 0);
    finish(&x);
}

/* Every money key at +-1e15 (the implementation limit) together, 1200 months, every
 * financing mechanism on and rates at 1: each month's sums stay finite. */
static void test_money_at_the_limit(void **state)
{
    (void)state;
    static const char *const cash[] = {"1000T", "-1000T"};
    for (int i = 0; i < 2; ++i) {
        char ini[2048];
        snprintf(ini, sizeof ini,
                 "[scenario]\nhorizon_months = 1200\n[cash]\ninitial = %s\nminimum = -1000T\n"
                 "[revenue]\ninitial = 1000T\ncap = 1000T\nvol = 2\ngross_margin = -1\n"
                 "[costs]\nopex = 1000T\ncapex = 1000T\ncapex_vol = 2\ncompute_opex_rate = 1\n"
                 "cashflow_vol = 1000T\n[market]\nstress_entry = 0.5\nstress_exit = 0.5\n"
                 "[equity]\ntrigger_months = 1000000000\nsuccess_normal = 0.5\n"
                 "success_stressed = 0.5\nround_median = 1000T\nround_vol = 2\n"
                 "[debt]\nfacility = 1000T\ninitial_drawn = 1000T\ndraw_buffer = 1000T\n"
                 "rate = 1\nstress_spread = 1\n"
                 "[backstop]\nprobability = 0.5\namount = 1000T\nmax_uses = 1000000\n",
                 cash[i]);
        run x = start(ini);
        for (size_t p = 0; p < N_PATHS; ++p)
            if (x.o[p].insolvent == 0)
                assert_true(x.o[p].cash >= -1e15f);
        finish(&x);
    }
}

/* A negative cash.minimum: cash -2^39, floor -2^40, opex 2^37 a month (all exact in
 * float): C0 and C cross the floor in month 5 exactly (not at 0 in month 1), and the
 * need is what the floor lacks then, 2^37. */
static void test_negative_cash_minimum(void **state)
{
    (void)state;
    run x = start("[scenario]\nhorizon_months = 24\n[cash]\ninitial = -549755813888\n"
                  "minimum = -1099511627776\n[costs]\nopex = 137438953472\n");
    for (size_t p = 0; p < N_PATHS; ++p) {
        assert_int_equal(x.o[p].insolvent, 5);
        assert_int_equal(x.o[p].runway, 5);
        assert_true(x.o[p].need == 0x1p37f);
        assert_true(x.o[p].cash == -0x1p39f - 5 * 0x1p37f);
    }
    assert_true(x.s->by_month[3] == 0 && x.s->by_month[4] == 1);
    assert_int_equal(x.s->runway.q[2], 5);
    assert_true(fabs(x.s->need_p50 - 0x1p37) <= 0x1p37 * 0.01);
    finish(&x);
}

/* opex_growth 1 over 1200 months: exp(1200) is Inf in double; the tables are clamped to
 * finite floats and stay non-decreasing, and the run ends with finite results. */
static void test_opex_growth_tables_clamped(void **state)
{
    (void)state;
    run x = start("[scenario]\nhorizon_months = 1200\n[cash]\ninitial = 1000T\n"
                  "[costs]\nopex = 1B\nopex_growth = 1\ncapex = 1B\ncapex_growth = 1\n");
    for (int t = 1; t < 1200; ++t) {
        assert_true(x.m->opex[t] >= x.m->opex[t - 1]);
        assert_true(x.m->plan[t] >= x.m->plan[t - 1]);
    }
    assert_true(x.m->opex[1199] <= FLT_MAX && x.m->opex[1199] > 1e15f);
    assert_true(x.m->plan[1199] <= FLT_MAX && x.m->plan[1199] > 1e15f);
    /* 1000T lasts until opex + capex ~ 2B e^t pass it: month 13 or so, on every path. */
    assert_true(x.s->p_insolvent == 1);
    for (size_t p = 0; p < N_PATHS; ++p)
        assert_true(x.o[p].insolvent >= 10 && x.o[p].insolvent <= 16);
    finish(&x);
}

/* Correlations at +-1: singular but PSD matrices are accepted (not refused for an
 * eigenvalue of -1e-16) and factored with finite entries; L L^T gives the matrix back. */
static void test_correlation_plus_minus_one(void **state)
{
    (void)state;
    static const char *const corr[] = {
        "revenue_growth = 1\nrevenue_capex = 1\nrevenue_cashflow = 1\ngrowth_capex = 1\n"
        "growth_cashflow = 1\ncapex_cashflow = 1\n",
        "revenue_growth = 1\nrevenue_capex = -1\ngrowth_capex = -1\n",
        "revenue_growth = -1\nrevenue_capex = -1\nrevenue_cashflow = 1\ngrowth_capex = 1\n"
        "growth_cashflow = -1\ncapex_cashflow = -1\n",
    };
    for (size_t c = 0; c < sizeof corr / sizeof corr[0]; ++c) {
        char ini[1024];
        snprintf(ini, sizeof ini,
                 "[scenario]\nhorizon_months = 120\n[cash]\ninitial = 100B\n"
                 "[revenue]\ninitial = 1B\ngrowth_vol = 2\nvol = 2\n[costs]\ncapex = 1B\n"
                 "capex_vol = 2\ncashflow_vol = 1B\n[correlation]\n%s",
                 corr[c]);
        run x = start(ini);
        assert_false(x.sc->correlation_repaired);
        static const int pair[BR_N_CORR][2] = {{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}};
        double a[4][4] = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}};
        for (int k = 0; k < BR_N_CORR; ++k)
            a[pair[k][0]][pair[k][1]] = a[pair[k][1]][pair[k][0]] = x.sc->correlation[k];
        for (int i = 0; i < 4; ++i)
            for (int j = 0; j < 4; ++j) {
                double s = 0;
                for (int k = 0; k < 4; ++k)
                    s += x.sc->cholesky[i][k] * x.sc->cholesky[j][k];
                assert_true(isfinite(x.sc->cholesky[i][j]));
                assert_true(fabs(s - a[i][j]) <= 1e-9);
            }
        finish(&x);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_revenue_cap_holds_under_explosive_growth),
        cmocka_unit_test(test_capped_revenue_is_the_cap_exactly),
        cmocka_unit_test(test_capex_vol_2_rescued_cash_stays_at_minimum),
        cmocka_unit_test(test_huge_cashflow_vol_sums_past_int64),
        cmocka_unit_test(test_round_cap_elasticity_2_from_tiny_revenue),
        cmocka_unit_test(test_round_cap_elasticity_minus_2_vanishing_revenue),
        cmocka_unit_test(test_money_at_the_limit),
        cmocka_unit_test(test_negative_cash_minimum),
        cmocka_unit_test(test_opex_growth_tables_clamped),
        cmocka_unit_test(test_correlation_plus_minus_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
