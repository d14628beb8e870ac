/* test_financing_mechanisms: each financing mechanism alone (debt, backstop, equity,
 * the market regime) on a deterministic burn, where its effect is computable: the engine
 * must give the distribution of insolvency and runway months and the funding means that
 * the test's own double-precision reference of docs/model.md s.2 gives exactly (a
 * deterministic path: every path, every month) or within 4 standard errors (a Bernoulli
 * decision: equity success, backstop). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "cpu.h"
#include "model_tests_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEED UINT64_C(987654321)

static brt_ref_dist *ref_of(const brt_ref *r)
{
    brt_ref_dist *d = malloc(sizeof *d);
    assert_non_null(d);
    brt_ref_run(r, d);
    return d;
}

static int ref_month(const brt_ref *r)
{
    brt_ref_dist *d = ref_of(r);
    const int t = brt_ref_only_month(d->insolvent, r->horizon);
    assert_true(t >= 0);
    free(d);
    return t;
}

/* A mean per path against the reference: exact up to float rounding (relative `rel`,
 * plus the 1 USD of per-path truncation) when it has no variance, else within 4 SE. */
static void check_mean(const char *what, double got, double mean, double second, double scale,
                       double rel, uint64_t n)
{
    const double var = fmax(second - mean * mean, 0.0);
    if (var <= 1e-12 * mean * mean + 1e-9) {
        if (!(fabs(got - mean) <= rel * fmax(fabs(mean), scale) + 1.0))
            fail_msg("%s: got %.10g, expected %.10g (deterministic)", what, got, mean);
        return;
    }
    const double se = sqrt(var / (double)n);
    printf("    %-16s simulated %.6g expected %.6g se %.3g (%+.2f se)\n", what, got, mean, se,
           (got - mean) / se);
    if (!(fabs(got - mean) < 4 * se))
        fail_msg("%s: got %.10g, expected %.10g, se %.3g", what, got, mean, se);
}

/* Cumulative probability by month of reference probabilities h over 1..H against the
 * simulated counts: months the reference gives probability 0 or 1 must match exactly. */
static void check_months(const char *what, const double *h, const uint64_t *count, int H,
                         uint64_t n)
{
    double cum = 0;
    uint64_t got = 0;
    for (int t = 1; t <= H; ++t) {
        cum += h[t];
        got += count[t];
        const double p = got / (double)n;
        if (cum < 1e-15 || cum > 1 - 1e-15) {
            if (p != (cum < 0.5 ? 0.0 : 1.0))
                fail_msg("%s by month %d: simulated %.6f, exactly %.0f expected", what, t, p,
                         cum);
            continue;
        }
        const double se = sqrt(cum * (1 - cum) / (double)n);
        if (h[t] != 0.0)
            printf("    %s by month %2d: simulated %.5f expected %.5f se %.5f (%+.2f se)\n",
                   what, t, p, cum, se, (p - cum) / se);
        if (!(fabs(p - cum) < 4 * se))
            fail_msg("%s by month %d: simulated %.6f expected %.6f se %.3g", what, t, p, cum,
                     se);
    }
}

/* The engine on r with n paths against the reference. Returns the reference. */
static brt_ref_dist *check_against_ref(const brt_ref *r, uint64_t n, const char *label)
{
    brt_ref_dist *d = ref_of(r);
    if (!(d->closest > 1e-4))
        fail_msg("%s: a comparison is within %.3g of the money scale: choose other numbers",
                 label, d->closest);
    printf("  %s: %d decision sequence(s)", label, d->leaves);
    if (d->leaves == 1)
        printf(", insolvent month %d, runway month %d",
               brt_ref_only_month(d->insolvent, r->horizon),
               brt_ref_only_month(d->runway, r->horizon));
    printf("\n");

    char ini[8192];
    brt_ref_ini(r, NULL, ini, sizeof ini);
    br_model *m = brt_model(ini);
    br_stats *s = malloc(sizeof *s);
    assert_non_null(s);
    br_tally *t = brt_run(m, SEED, n, 2, s);
    const int H = r->horizon;

    check_months("insolvency", d->insolvent, t->insolvent, H, n);
    check_months("runway", d->runway, t->runway, H, n);
    assert_true(fabs(t->insolvent[0] / (double)n - d->insolvent[0]) <
                4 * sqrt(d->insolvent[0] * (1 - d->insolvent[0]) / (double)n) + 1e-15);
    const double money = fmax(fabs(r->cash0), 1e9);
    /* Rounds and uses are counts (exact); equity and debt are a few float additions
     * (1e-6); the need is a month-by-month float sum of the shadow path (1e-5). */
    check_mean("equity rounds", s->equity_rounds_mean, d->rounds, d->rounds2, 0, 0, n);
    check_mean("equity raised", s->equity_raised_mean, d->raised, d->raised2, money, 1e-6, n);
    check_mean("debt drawn", s->debt_drawn_mean, d->drawn, d->drawn2, money, 1e-6, n);
    check_mean("funding need", s->need_mean, d->need, d->need2, money, 1e-5, n);
    check_mean("backstop uses", (double)t->backstop_uses / (double)n, d->uses, d->uses2, 0, 0,
               n);
    check_mean("backstop used", s->backstop_probability, d->backstop_paths, d->backstop_paths,
               0, 0, n);
    if (d->survive > 0 && d->leaves == 1)
        assert_true(fabs(s->terminal_cash.mean - d->survive_cash) <=
                    1e-5 * fmax(fabs(d->survive_cash), money) + 1.0);
    free(t);
    free(s);
    free(m);
    return d;
}

/* 10.2B of cash, 1.5B a month of opex, nothing else: insolvent in month 7 unaided
 * (the 0.2B keeps cash off the minimum at every month end). */
static void burn(brt_ref *r)
{
    brt_ref_defaults(r);
    r->horizon = 60;
    r->cash0 = 10.2e9;
    r->opex = 1.5e9;
}

/* ---- debt ------------------------------------------------------------------------- */

static void test_debt_facility_shifts_insolvency_as_computed_by_hand(void **state)
{
    (void)state;
    brt_ref r;
    burn(&r);
    assert_int_equal(ref_month(&r), 7);
    r.facility = 4e9;
    free(check_against_ref(&r, 1000, "debt 4B, buffer 0, rate 0"));
    /* 10.2 + 4 - 1.5 t < 0 first at t = 10; the runway (no new financing) stays 7. */
    assert_int_equal(ref_month(&r), 10);
    r.buffer = 1e9;
    free(check_against_ref(&r, 1000, "debt 4B, buffer 1B, rate 0"));

    /* Interest on the drawn debt brings insolvency forward. */
    brt_ref_defaults(&r);
    r.cash0 = 5.3e9;
    r.opex = 1e9;
    r.facility = 30e9;
    const int free_month = ref_month(&r);
    r.rate = 0.6;
    free(check_against_ref(&r, 1000, "debt 30B, rate 0.6"));
    const int paid_month = ref_month(&r);
    printf("    rate 0 -> month %d, rate 0.6 -> month %d\n", free_month, paid_month);
    assert_true(paid_month < free_month);
    r.buffer = 2e9;
    free(check_against_ref(&r, 1000, "debt 30B, rate 0.6, buffer 2B"));

    /* Debt drawn at the start: the shadow path pays its interest too. */
    brt_ref_defaults(&r);
    r.cash0 = 10e9;
    r.opex = 0.7e9;
    r.facility = 12e9;
    r.debt0 = 8e9;
    r.rate = 0.9;
    free(check_against_ref(&r, 1000, "initial_drawn 8B, rate 0.9"));
}

/* ---- backstop ---------------------------------------------------------------------- */

static void test_backstop_gives_the_discrete_distribution_of_months(void **state)
{
    (void)state;
    brt_ref r;
    burn(&r);
    r.bs_p = 0.3;
    r.bs_amount = 3e9;
    r.bs_max = 1;
    /* By hand: month 7 with 1-p; with p, 3B more lasts to month 9. */
    brt_ref_dist *d = check_against_ref(&r, 1000000, "backstop p 0.3, 3B, once");
    assert_true(fabs(d->insolvent[7] - 0.7) < 1e-12 && fabs(d->insolvent[9] - 0.3) < 1e-12);
    free(d);
    r.bs_max = 2;
    d = check_against_ref(&r, 1000000, "backstop p 0.3, 3B, twice");
    assert_true(fabs(d->insolvent[7] - 0.7) < 1e-12 && fabs(d->insolvent[9] - 0.21) < 1e-12 &&
                fabs(d->insolvent[11] - 0.09) < 1e-12);
    free(d);
    /* An amount below the shortfall restores the minimum exactly: one more month. */
    r.bs_amount = 0.1e9;
    r.bs_p = 0.6;
    d = check_against_ref(&r, 200000, "backstop p 0.6, 0.1B, twice");
    assert_true(fabs(d->insolvent[8] - 0.6 * 0.4) < 1e-12 &&
                fabs(d->insolvent[9] - 0.36) < 1e-12);
    free(d);
}

/* ---- equity ------------------------------------------------------------------------ */

static void test_equity_rounds_follow_trigger_gap_and_cap(void **state)
{
    (void)state;
    brt_ref r;
    burn(&r);
    r.trigger = 6;
    r.min_gap = 3;
    r.max_rounds = 3;
    r.success[0] = 1;
    r.round_median = 4e9;
    brt_ref_dist *d = check_against_ref(&r, 1000, "equity, success 1, 3 rounds");
    assert_true(d->rounds == 3.0 && d->raised == 12e9);
    free(d);
    /* A recent round delays the first by min_gap. */
    r.since_last = 0;
    r.min_gap = 5;
    free(check_against_ref(&r, 1000, "equity, last round at 0, gap 5"));
    /* Unlimited rounds; elasticity to revenue growth. */
    r.max_rounds = -1;
    r.rev0 = 0.5e9;
    r.g0 = r.ginf = 0.02;
    r.elasticity = 1.0;
    r.horizon = 48;
    free(check_against_ref(&r, 1000, "equity, unlimited, elasticity 1"));
}

static void test_equity_success_probability_gives_mean_rounds(void **state)
{
    (void)state;
    brt_ref r;
    burn(&r);
    r.trigger = 3;
    r.max_rounds = 1;
    r.success[0] = 0.5;
    r.round_median = 5e9;
    /* Attempts are the months with C / burn < 3 up to the unaided insolvency month:
     * C_t = 10.2 - 1.5 t < 4.5 from t = 4 to t = 7, four attempts. */
    int attempts = 0;
    for (int t = 1; t <= r.horizon; ++t) {
        const double C = r.cash0 - r.opex * t;
        if (C / r.opex < r.trigger)
            ++attempts;
        if (C < 0)
            break;
    }
    assert_int_equal(attempts, 4);
    const double q = r.success[0], p_round = 1.0 - pow(1.0 - q, attempts);
    const uint64_t n = 1000000;
    brt_ref_dist *d = check_against_ref(&r, n, "equity, success 0.5, 1 round");
    assert_true(fabs(d->rounds - p_round) < 1e-12); /* the reference agrees with the formula */
    free(d);
}

/* ---- market regime ----------------------------------------------------------------- */

static void test_stressed_regime_charges_the_spread_from_month_one(void **state)
{
    (void)state;
    brt_ref r;
    brt_ref_defaults(&r);
    r.cash0 = 5.3e9;
    r.opex = 1e9;
    r.facility = 30e9;
    r.rate = 0.2;
    r.spread = 0.6;
    const int normal = ref_month(&r);
    r.stress_entry = 1;
    r.stress_exit = 0;
    free(check_against_ref(&r, 1000, "stressed from month 1"));
    const int stressed = ref_month(&r);
    printf("    rate 0.2 -> month %d; rate 0.2 + spread 0.6 -> month %d\n", normal, stressed);
    assert_true(stressed < normal);
    /* Starting stressed and leaving at once: normal interest from month 1. */
    r.stressed0 = 1;
    r.stress_entry = 0;
    r.stress_exit = 1;
    free(check_against_ref(&r, 1000, "initially stressed, exit 1"));
    assert_int_equal(ref_month(&r), normal);
    /* The stressed growth penalty, and equity success by regime. */
    brt_ref_defaults(&r);
    r.cash0 = 10e9;
    r.rev0 = 1e9;
    r.g0 = r.ginf = 0.04;
    r.opex = 2e9;
    r.penalty = 0.03;
    r.stress_entry = 1;
    r.stress_exit = 0;
    r.trigger = 4;
    r.success[0] = 0;
    r.success[1] = 1;
    r.round_median = 3e9;
    r.max_rounds = 2;
    brt_ref_dist *d = check_against_ref(&r, 1000, "stressed: penalty, success_stressed");
    assert_true(d->rounds == 2.0);
    free(d);
}

/* With no spread, penalty or success difference, the regime changes nothing: the same
 * paths, bit for bit, with stress on and off (the regime's uniform is a draw of its own). */
static void test_regime_without_effects_changes_no_path(void **state)
{
    (void)state;
    const char *common =
        "[scenario]\nhorizon_months = 60\n[cash]\ninitial = 12B\nminimum = 0.5B\n"
        "[revenue]\ninitial = 0.3B\ngrowth = 0.08\ngrowth_longrun = 0.02\nvol = 0.2\n"
        "growth_vol = 0.01\ngross_margin = 0.6\n"
        "[costs]\nopex = 0.6B\ncapex = 1B\ncapex_vol = 0.3\ncashflow_vol = 0.2B\n"
        "[equity]\ntrigger_months = 6\nsuccess_normal = 0.4\nsuccess_stressed = 0.4\n"
        "round_median = 5B\nround_vol = 0.3\nmin_gap_months = 6\n"
        "[debt]\nfacility = 3B\nrate = 0.1\n"
        "[backstop]\nprobability = 0.5\namount = 2B\nmax_uses = 1\n";
    char a[4096], b[4096];
    snprintf(a, sizeof a, "%s[market]\nstress_entry = 0\n", common);
    snprintf(b, sizeof b, "%s[market]\nstress_entry = 0.3\nstress_exit = 0.2\n", common);
    br_model *ma = brt_model(a), *mb = brt_model(b);
    enum { N = 20000 };
    br_outcome *oa = malloc(N * sizeof *oa), *ob = malloc(N * sizeof *ob);
    assert_true(oa && ob);
    br_cpu_outcomes(ma, SEED, 0, N, oa);
    br_cpu_outcomes(mb, SEED, 0, N, ob);
    assert_memory_equal(oa, ob, N * sizeof *oa);
    /* ... while a regime that does something changes paths (the check can tell). */
    const char *d_text =
        "[scenario]\nhorizon_months = 60\n[cash]\ninitial = 12B\nminimum = 0.5B\n"
        "[revenue]\ninitial = 0.3B\ngrowth = 0.08\ngrowth_longrun = 0.02\nvol = 0.2\n"
        "growth_vol = 0.01\ngross_margin = 0.6\nstress_growth_penalty = 0.05\n"
        "[costs]\nopex = 0.6B\ncapex = 1B\ncapex_vol = 0.3\ncashflow_vol = 0.2B\n"
        "[equity]\ntrigger_months = 6\nsuccess_normal = 0.4\nsuccess_stressed = 0.4\n"
        "round_median = 5B\nround_vol = 0.3\nmin_gap_months = 6\n"
        "[debt]\nfacility = 3B\nrate = 0.1\n"
        "[backstop]\nprobability = 0.5\namount = 2B\nmax_uses = 1\n"
        "[market]\nstress_entry = 0.3\nstress_exit = 0.2\n";
    br_model *md = brt_model(d_text);
    br_cpu_outcomes(md, SEED, 0, N, ob);
    size_t differ = 0;
    for (int i = 0; i < N; ++i)
        differ += memcmp(&oa[i], &ob[i], sizeof oa[i]) != 0;
    printf("  penalty 0.05 in stress changes %zu of %d paths\n", differ, N);
    assert_true(differ > N / 10);
    free(oa);
    free(ob);
    free(ma);
    free(mb);
    free(md);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_debt_facility_shifts_insolvency_as_computed_by_hand),
        cmocka_unit_test(test_backstop_gives_the_discrete_distribution_of_months),
        cmocka_unit_test(test_equity_rounds_follow_trigger_gap_and_cap),
        cmocka_unit_test(test_equity_success_probability_gives_mean_rounds),
        cmocka_unit_test(test_stressed_regime_charges_the_spread_from_month_one),
        cmocka_unit_test(test_regime_without_effects_changes_no_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
