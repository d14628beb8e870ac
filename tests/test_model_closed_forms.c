/* test_model_closed_forms: the engine against answers computed independently in the
 * test, in double: deterministic cash paths (every volatility off) give the month of the
 * hand loop on every path; a Gaussian cash walk gives the discretely monitored
 * first-passage probabilities of a numerically integrated density; the lognormal revenue
 * shock keeps E[R_t] = R0 e^{g t} (the -vol^2/2 drift). */
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

#define SEED UINT64_C(20260101)

/* ---- 1a. deterministic paths ------------------------------------------------------- */

/* Every path of m, through br_cpu_outcomes and through the tallies, gives the months of
 * the reference; cash at each deciding comparison is far from the minimum. */
static void check_deterministic(const brt_ref *r, const char *label)
{
    brt_ref_dist *d = malloc(sizeof *d);
    assert_non_null(d);
    brt_ref_run(r, d);
    assert_int_equal(d->leaves, 1);
    /* Float rounding of the cash path is ~1e-7 of its scale a month; the cases are
     * chosen so that no comparison is closer than 1e-4 of it. */
    if (!(d->closest > 1e-4))
        fail_msg("%s: a comparison is within %.3g of the money scale: choose other numbers",
                 label, d->closest);
    const int T = brt_ref_only_month(d->insolvent, r->horizon);
    const int TR = brt_ref_only_month(d->runway, r->horizon);
    assert_true(T >= 0 && TR >= 0);
    /* No financing: the shadow path is the path. */
    assert_int_equal(T, TR);
    printf("  %-28s insolvent/runway month %d (0: beyond %d)\n", label, T, r->horizon);

    char ini[8192];
    brt_ref_ini(r, NULL, ini, sizeof ini);
    br_model *m = brt_model(ini);

    enum { N = 1000 };
    br_outcome *o = malloc(N * sizeof *o);
    assert_non_null(o);
    br_cpu_outcomes(m, SEED, 12345, N, o);
    for (int i = 0; i < N; ++i) {
        if (o[i].insolvent != T || o[i].runway != TR)
            fail_msg("%s: path %d: insolvent %d runway %d, expected %d %d", label, 12345 + i,
                     o[i].insolvent, o[i].runway, T, TR);
    }

    br_stats *s = malloc(sizeof *s);
    assert_non_null(s);
    br_tally *t = brt_run(m, SEED, N, 2, s);
    assert_true(t->insolvent[T] == N);
    assert_true(t->runway[TR] == N); /* all the runway histogram at that month */
    if (T > 0) {
        if (T > 1)
            assert_true(s->by_month[T - 2] == 0.0);
        assert_true(s->by_month[T - 1] == 1.0);
        assert_true(s->p_insolvent == 1.0);
        for (int q = 0; q < BR_NQ; ++q) {
            assert_int_equal(s->runway.q[q], T);
            assert_int_equal(s->time_to_insolvency.q[q], T);
        }
        assert_true(s->runway.mean == (double)T);
    } else {
        assert_true(s->p_insolvent == 0.0);
        assert_true(s->runway.beyond == 1.0);
        /* Terminal cash: float path vs double reference. */
        assert_true(fabs(s->terminal_cash.mean - d->survive_cash) <=
                    1e-5 * fabs(d->survive_cash) + 1.0);
    }
    assert_true(fabs(s->need_mean - d->need) <= 1e-5 * fmax(fabs(d->need), fabs(r->cash0)) + 1.0);
    free(t);
    free(s);
    free(o);
    free(m);
    free(d);
}

static void base(brt_ref *r)
{
    brt_ref_defaults(r);
    r->horizon = 60;
}

static void test_constant_burn_gives_the_hand_month_on_every_path(void **state)
{
    (void)state;
    brt_ref r;
    base(&r);
    r.cash0 = 10e9;
    r.rev0 = 0.5e9;
    r.opex = 1.2e9;
    r.capex = 0.8e9;
    check_deterministic(&r, "constant");
    /* The hand answer of this one is plain: 10 - 1.5 t < 0 first at t = 7. */
    brt_ref_dist d;
    brt_ref_run(&r, &d);
    assert_true(d.insolvent[7] == 1.0);

    /* A minimum above zero and a gross margin below one. */
    r.cmin = 2e9;
    r.gross_margin = 0.6;
    r.rev0 = 1e9;
    check_deterministic(&r, "minimum, margin 0.6");
}

static void test_constant_revenue_growth_gives_the_hand_month(void **state)
{
    (void)state;
    brt_ref r;
    base(&r);
    r.cash0 = 20e9;
    r.rev0 = 1e9;
    r.g0 = r.ginf = 0.03;
    r.opex = 2e9;
    r.capex = 1.5e9;
    check_deterministic(&r, "growth 0.03");
    /* Profitable in time: never insolvent, runway beyond the horizon. */
    r.g0 = r.ginf = 0.05;
    r.rev0 = 1e9;
    r.opex = 1.5e9;
    r.capex = 0.3e9;
    r.cash0 = 10e9;
    r.horizon = 48;
    check_deterministic(&r, "growth 0.05, survives");
}

static void test_mean_reverting_growth_gives_the_hand_month(void **state)
{
    (void)state;
    brt_ref r;
    base(&r);
    r.cash0 = 15e9;
    r.rev0 = 0.5e9;
    r.g0 = 0.10;
    r.ginf = 0.01;
    r.halflife = 6;
    r.opex = 1.5e9;
    r.capex = 1e9;
    check_deterministic(&r, "mean-reverting growth");
    /* Decaying revenue: g_inf < 0. */
    r.g0 = 0.05;
    r.ginf = -0.02;
    r.halflife = 3;
    r.rev0 = 2e9;
    r.opex = 1e9;
    r.capex = 0.5e9;
    r.cash0 = 8e9;
    check_deterministic(&r, "mean-reverting, decline");
}

static void test_cost_growth_gives_the_hand_month(void **state)
{
    (void)state;
    brt_ref r;
    base(&r);
    r.cash0 = 30e9;
    r.rev0 = 1e9;
    r.g0 = r.ginf = 0.04;
    r.opex = 1e9;
    r.opex_growth = 0.02;
    r.capex = 1e9;
    r.capex_growth = 0.03;
    check_deterministic(&r, "opex and capex growth");
}

static void test_capex_schedule_gives_the_hand_month(void **state)
{
    (void)state;
    brt_ref r;
    base(&r);
    r.horizon = 40;
    r.cash0 = 12e9;
    r.rev0 = 0.3e9;
    r.opex = 0.5e9;
    r.n_sched = 3;
    r.sched_month[0] = 1, r.sched_amount[0] = 0.5e9;
    r.sched_month[1] = 4, r.sched_amount[1] = 2e9;
    r.sched_month[2] = 10, r.sched_amount[2] = 1e9;
    check_deterministic(&r, "capex schedule");
    r.capex_growth = 0.05; /* applies from each step's month */
    r.cash0 = 14e9;
    check_deterministic(&r, "capex schedule, growth");
}

static void test_compute_opex_on_installed_capex_gives_the_hand_month(void **state)
{
    (void)state;
    brt_ref r;
    base(&r);
    r.cash0 = 25e9;
    r.rev0 = 1e9;
    r.g0 = r.ginf = 0.02;
    r.opex = 0.8e9;
    r.capex = 1.5e9;
    r.compute_rate = 0.02;
    check_deterministic(&r, "compute opex 0.02");
    /* The same without compute lasts longer: the test can see the term. */
    brt_ref_dist a, b;
    brt_ref_run(&r, &a);
    r.compute_rate = 0;
    brt_ref_run(&r, &b);
    assert_true(brt_ref_only_month(a.insolvent, r.horizon) <
                brt_ref_only_month(b.insolvent, r.horizon));
}

/* ---- 1b. Gaussian cash walk -------------------------------------------------------- */

static void test_gaussian_cash_walk_matches_first_passage_probability(void **state)
{
    (void)state;
    const double C0 = 6e9, cmin = 1e9, mu = 0.2e9, sigma = 1e9;
    const int H = 36;
    char ini[1024];
    snprintf(ini, sizeof ini,
             "[scenario]\nhorizon_months = %d\n[cash]\ninitial = 6B\nminimum = 1B\n"
             "[costs]\nopex = 0.2B\ncashflow_vol = 1B\n",
             H);
    br_model *m = brt_model(ini);

    /* The integrator, and its accuracy from halving the grid step. */
    double coarse[64], fine[64];
    const double t0 = brt_now();
    brt_walk_survival((C0 - cmin) / sigma, mu / sigma, H, 1.0 / 16, coarse);
    brt_walk_survival((C0 - cmin) / sigma, mu / sigma, H, 1.0 / 32, fine);
    const double t_int = brt_now() - t0;
    for (int t = 0; t < H; ++t)
        assert_true(fabs(coarse[t] - fine[t]) < 1e-6);
    /* Month 1 has the closed form Phi((x0 - mu) / sigma). */
    assert_true(fabs(fine[0] - 0.5 * erfc(-(C0 - cmin - mu) / sigma / sqrt(2.0))) < 1e-9);

    const uint64_t n = 1000000;
    br_stats *s = malloc(sizeof *s);
    assert_non_null(s);
    const double t1 = brt_now();
    br_tally *tl = brt_run(m, SEED, n, 2, s);
    const double t_sim = brt_now() - t1;
    printf("  integrator %.2f s, %llu paths %.2f s\n", t_int, (unsigned long long)n, t_sim);
    const int months[] = {3, 6, 12, 24, 36};
    for (size_t i = 0; i < sizeof months / sizeof months[0]; ++i) {
        const int t = months[i];
        const double p = 1.0 - fine[t - 1];
        const double se = sqrt(p * (1 - p) / (double)n);
        const double got = s->by_month[t - 1];
        printf("  month %2d: simulated %.5f  integrated %.5f  se %.5f  (%+.2f se)\n", t, got,
               p, se, (got - p) / se);
        assert_true(fabs(got - p) < 4 * se);
    }
    /* No financing: runway is the insolvency month, path by path. */
    assert_memory_equal(tl->runway, tl->insolvent, sizeof tl->runway);
    enum { NO = 100000 };
    br_outcome *o = malloc(NO * sizeof *o);
    assert_non_null(o);
    br_cpu_outcomes(m, SEED, 777, NO, o);
    for (int i = 0; i < NO; ++i)
        assert_int_equal(o[i].runway, o[i].insolvent);
    free(o);
    free(tl);
    free(s);
    free(m);
}

/* ---- 1c. lognormal revenue --------------------------------------------------------- */

/* Only revenue.vol: terminal cash = C0 + sum_t R_t on every path (no costs, nobody
 * insolvent), so its mean gives sum_t E[R_t], which must be R0 sum e^{g t}. */
static void revenue_mean_case(double g, double vol)
{
    const double C0 = 20e9, R0 = 1e9;
    const int H = 12;
    char ini[1024];
    snprintf(ini, sizeof ini,
             "[scenario]\nhorizon_months = %d\n[cash]\ninitial = 20B\n"
             "[revenue]\ninitial = 1B\ngrowth = %.17g\ngrowth_longrun = %.17g\nvol = %.17g\n",
             H, g, g, vol);
    br_model *m = brt_model(ini);
    const uint64_t n = 200000;
    br_stats *s = malloc(sizeof *s);
    assert_non_null(s);
    br_tally *tl = brt_run(m, SEED, n, 2, s);
    assert_true(s->p_insolvent == 0.0);
    double mean = 0, var = 0, wrong = 0;
    for (int t = 1; t <= H; ++t) {
        mean += R0 * exp(g * t);
        wrong += R0 * exp((g + 0.5 * vol * vol) * t); /* without the -vol^2/2 drift */
        for (int u = 1; u <= H; ++u)
            var += R0 * R0 * exp(g * (t + u)) * (exp(vol * vol * (t < u ? t : u)) - 1.0);
    }
    const double se = sqrt(var / (double)n);
    const double got = s->terminal_cash.mean - C0;
    printf("  g %.3f vol %.2f: sum E[R_t] simulated %.6gB expected %.6gB se %.3gB (%+.2f se);"
           " without the drift %.6gB\n",
           g, vol, got / 1e9, mean / 1e9, se / 1e9, (got - mean) / se, wrong / 1e9);
    assert_true(fabs(got - mean) < 4 * se);
    assert_true(fabs(wrong - mean) > 20 * se); /* the check can tell */
    free(tl);
    free(s);
    free(m);
}

static void test_lognormal_revenue_keeps_its_mean(void **state)
{
    (void)state;
    revenue_mean_case(0.0, 0.3);
    revenue_mean_case(0.02, 0.2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constant_burn_gives_the_hand_month_on_every_path),
        cmocka_unit_test(test_constant_revenue_growth_gives_the_hand_month),
        cmocka_unit_test(test_mean_reverting_growth_gives_the_hand_month),
        cmocka_unit_test(test_cost_growth_gives_the_hand_month),
        cmocka_unit_test(test_capex_schedule_gives_the_hand_month),
        cmocka_unit_test(test_compute_opex_on_installed_capex_gives_the_hand_month),
        cmocka_unit_test(test_gaussian_cash_walk_matches_first_passage_probability),
        cmocka_unit_test(test_lognormal_revenue_keeps_its_mean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
