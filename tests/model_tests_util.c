/* model_tests_util.c: see model_tests_util.h. */
#include "model_tests_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "cpu.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

br_scenario *brt_load(const char *ini)
{
    char path[] = "/tmp/brt_modelXXXXXX";
    const int fd = mkstemp(path);
    assert_true(fd >= 0);
    const size_t len = strlen(ini);
    assert_int_equal(write(fd, ini, len), (ssize_t)len);
    close(fd);
    br_scenario *sc = NULL;
    char err[BR_ERRLEN] = "";
    const br_status st = br_scenario_load(path, NULL, 0, &sc, err, sizeof err);
    unlink(path);
    if (st != BR_OK || !sc)
        fail_msg("scenario did not load: %s\n--- scenario ---\n%s", err, ini);
    return sc;
}

br_model *brt_model(const char *ini)
{
    br_scenario *sc = brt_load(ini);
    br_model *m = malloc(sizeof *m);
    assert_non_null(m);
    br_model_build(sc, m);
    br_scenario_free(sc);
    return m;
}

br_tally *brt_run(const br_model *m, uint64_t seed, uint64_t n, int threads, br_stats *s)
{
    const size_t n_units = (size_t)((n + BR_UNIT_PATHS - 1) / BR_UNIT_PATHS);
    uint64_t *units = malloc(n_units * sizeof *units);
    br_tally *t = calloc(1, sizeof *t);
    assert_non_null(units);
    assert_non_null(t);
    for (size_t i = 0; i < n_units; ++i)
        units[i] = i;
    assert_int_equal(br_cpu_run_units(m, seed, n, units, n_units, threads, t, NULL), 0);
    free(units);
    assert_true(t->paths == n);
    if (s)
        br_stats_compute(t, m->horizon, s);
    return t;
}

double brt_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- the reference ---------------------------------------------------------------- */

void brt_ref_defaults(brt_ref *r)
{
    memset(r, 0, sizeof *r);
    r->horizon = 60;
    r->halflife = 12;
    r->gross_margin = 1;
    r->cap = 1e13;
    r->stress_exit = 1;
    r->max_rounds = -1;
    r->since_last = 1000;
}

static void cat(char *buf, size_t n, const char *fmt, ...)
{
    const size_t used = strlen(buf);
    va_list ap;
    va_start(ap, fmt);
    const int w = vsnprintf(buf + used, n - used, fmt, ap);
    va_end(ap);
    assert_true(w >= 0 && (size_t)w < n - used);
}

void brt_ref_ini(const brt_ref *r, const char *extra, char *buf, size_t n)
{
    buf[0] = '\0';
    cat(buf, n, "[scenario]\nname = ref\nhorizon_months = %d\n", r->horizon);
    cat(buf, n, "[cash]\ninitial = %.17g\nminimum = %.17g\n", r->cash0, r->cmin);
    cat(buf, n,
        "[revenue]\ninitial = %.17g\ngrowth = %.17g\ngrowth_longrun = %.17g\n"
        "growth_halflife_months = %.17g\ngross_margin = %.17g\nstress_growth_penalty = %.17g\n"
        "cap = %.17g\n",
        r->rev0, r->g0, r->ginf, r->halflife, r->gross_margin, r->penalty, r->cap);
    cat(buf, n, "[costs]\nopex = %.17g\nopex_growth = %.17g\ncapex_growth = %.17g\n"
                "compute_opex_rate = %.17g\n",
        r->opex, r->opex_growth, r->capex_growth, r->compute_rate);
    if (r->n_sched > 0) {
        cat(buf, n, "capex_schedule = ");
        for (int i = 0; i < r->n_sched; ++i)
            cat(buf, n, "%s%d:%.17g", i ? ", " : "", r->sched_month[i], r->sched_amount[i]);
        cat(buf, n, "\n");
    } else {
        cat(buf, n, "capex = %.17g\n", r->capex);
    }
    cat(buf, n, "[market]\nstress_entry = %.17g\nstress_exit = %.17g\ninitial = %s\n",
        r->stress_entry, r->stress_exit, r->stressed0 ? "stressed" : "normal");
    cat(buf, n,
        "[equity]\ntrigger_months = %.17g\nmin_gap_months = %d\nsuccess_normal = %.17g\n"
        "success_stressed = %.17g\nround_median = %.17g\nrevenue_elasticity = %.17g\n"
        "months_since_last_round = %d\n",
        r->trigger, r->min_gap, r->success[0], r->success[1], r->round_median, r->elasticity,
        r->since_last);
    if (r->max_rounds >= 0)
        cat(buf, n, "max_rounds = %d\n", r->max_rounds);
    cat(buf, n,
        "[debt]\nfacility = %.17g\ninitial_drawn = %.17g\ndraw_buffer = %.17g\nrate = %.17g\n"
        "stress_spread = %.17g\n",
        r->facility, r->debt0, r->buffer, r->rate, r->spread);
    cat(buf, n, "[backstop]\nprobability = %.17g\namount = %.17g\nmax_uses = %d\n", r->bs_p,
        r->bs_amount, r->bs_max);
    if (extra)
        cat(buf, n, "%s", extra);
}

/* Capex plan of month t (docs/model.md s.3). */
static double ref_plan(const brt_ref *r, int t)
{
    if (r->n_sched == 0)
        return r->capex * exp(r->capex_growth * (t - 1));
    int i = 0;
    while (i + 1 < r->n_sched && r->sched_month[i + 1] <= t)
        ++i;
    return r->sched_amount[i] * exp(r->capex_growth * (t - r->sched_month[i]));
}

/* What one decision sequence gives. */
typedef struct ref_leaf {
    int insolvent, runway, rounds, uses;
    double raised, drawn, need, cash, weight, closest;
} ref_leaf;

#define REF_MAX_TAPE 64
#define REF_MAX_LEAVES 200000

/* The random decisions of the path are read from tape[0..n_tape); a decision past the
 * end returns 1 (the caller branches on it); a decision with probability 0 or 1 is not
 * random and takes no place on the tape. Otherwise 0 and *leaf filled. */
typedef struct ref_tape {
    const int *bits;
    int n, used;
    double weight;
    int more;
} ref_tape;

static int decide(ref_tape *tp, double p)
{
    if (p >= 1.0)
        return 1;
    if (p <= 0.0)
        return 0;
    if (tp->used >= tp->n) {
        tp->more = 1;
        return 0;
    }
    const int b = tp->bits[tp->used++];
    tp->weight *= b ? p : 1.0 - p;
    return b;
}

static void gap(double *closest, double a, double b, double scale)
{
    const double g = fabs(a - b) / scale;
    if (g < *closest)
        *closest = g;
}

static int ref_path(const brt_ref *r, ref_tape *tp, ref_leaf *L)
{
    double C = r->cash0, C0 = r->cash0, R = r->rev0, g = r->g0, I = 0, D = r->debt0;
    double need = 0, raised = 0, closest = INFINITY;
    int S = r->stressed0, last = -r->since_last, uses = 0, rounds = 0;
    int insolvent = 0, runway = 0;
    const double phi = exp2(-1.0 / r->halflife);
    /* Money scale of the comparisons: the largest amount the path has seen. */
    double scale = fmax(fmax(fabs(r->cash0), fabs(r->cmin)), 1.0);
    for (int t = 1; t <= r->horizon && (insolvent == 0 || runway == 0); ++t) {
        const int alive = insolvent == 0;
        /* 1. Regime (deterministic here). */
        if (S == 0) {
            assert_true(r->stress_entry == 0.0 || r->stress_entry == 1.0);
            S = r->stress_entry == 1.0;
        } else {
            assert_true(r->stress_exit == 0.0 || r->stress_exit == 1.0);
            S = !(r->stress_exit == 1.0);
        }
        /* 3. Revenue. */
        g = r->ginf + phi * (g - r->ginf);
        R = fmin(R * exp(g - r->penalty * S), r->cap);
        /* 4. Costs. */
        const double opex = r->opex * exp(r->opex_growth * t);
        const double capex = ref_plan(r, t);
        const double compute = r->compute_rate * I;
        I += capex;
        const double rate = (r->rate + r->spread * S) / 12.0;
        const double interest = D * rate;
        /* 5. Cash flow. */
        const double operating = r->gross_margin * R - opex - compute;
        scale = fmax(scale, fmax(fmax(fabs(r->gross_margin * R), opex), fmax(capex, compute)));
        scale = fmax(scale, fmax(fabs(C), fabs(C0)));
        if (alive)
            C += operating - capex - interest;
        C0 += operating - capex - r->debt0 * rate;
        scale = fmax(scale, fmax(fabs(C), fabs(C0)));
        /* 6. Runway and need. */
        if (runway == 0) {
            gap(&closest, C0, r->cmin, scale);
            if (C0 < r->cmin)
                runway = t;
        }
        need = fmax(need, r->cmin - C0);
        if (!alive)
            continue;
        /* 7. Equity. */
        int exact_min = 0; /* C was set to cash_min exactly by a rescue */
        const double flow = operating - capex - interest;
        const double burn = fmax(-flow, 0.0);
        if (r->trigger > 0)
            gap(&closest, flow, 0.0, scale);
        if (r->trigger > 0 && burn > 0 && t - last >= r->min_gap &&
            (r->max_rounds < 0 || rounds < r->max_rounds)) {
            gap(&closest, C, r->trigger * burn, scale);
            if (C / burn < r->trigger && decide(tp, r->success[S])) {
                const double ratio = r->rev0 > 0 ? R / r->rev0 : 1.0;
                const double round = r->round_median * pow(ratio, r->rev0 > 0 ? r->elasticity : 0);
                C += round;
                raised += round;
                last = t;
                ++rounds;
                scale = fmax(scale, round);
            }
        }
        /* 8. Debt. */
        gap(&closest, C, r->cmin, scale);
        if (C < r->cmin && D < r->facility) {
            const double full = r->cmin - C + r->buffer, room = r->facility - D;
            gap(&closest, full, room, scale);
            const double draw = fmin(room, full);
            D += draw;
            C += draw;
            exact_min = full <= room && r->buffer == 0;
            scale = fmax(scale, D);
        }
        /* 9. Backstop. */
        if (!exact_min)
            gap(&closest, C, r->cmin, scale);
        if (C < r->cmin && uses < r->bs_max && decide(tp, r->bs_p)) {
            gap(&closest, r->bs_amount, r->cmin - C, scale);
            exact_min = r->bs_amount <= r->cmin - C;
            C += fmax(r->bs_amount, r->cmin - C);
            ++uses;
        }
        if (tp->more)
            return 1;
        /* 10. Insolvency. */
        if (C < r->cmin)
            insolvent = t;
    }
    if (tp->more)
        return 1;
    L->insolvent = insolvent;
    L->runway = runway;
    L->rounds = rounds;
    L->uses = uses;
    L->raised = raised;
    L->drawn = D - r->debt0;
    L->need = need;
    L->cash = C;
    L->weight = tp->weight;
    L->closest = closest;
    return 0;
}

static void ref_dfs(const brt_ref *r, int *bits, int n, brt_ref_dist *d)
{
    ref_tape tp = {bits, n, 0, 1.0, 0};
    ref_leaf L;
    if (ref_path(r, &tp, &L)) {
        assert_true(n < REF_MAX_TAPE);
        for (int b = 0; b <= 1; ++b) {
            bits[n] = b;
            ref_dfs(r, bits, n + 1, d);
        }
        return;
    }
    assert_true(++d->leaves <= REF_MAX_LEAVES);
    const double w = L.weight;
    d->insolvent[L.insolvent] += w;
    d->runway[L.runway] += w;
    d->rounds += w * L.rounds;
    d->raised += w * L.raised;
    d->drawn += w * L.drawn;
    d->need += w * L.need;
    d->uses += w * L.uses;
    d->backstop_paths += L.uses > 0 ? w : 0.0;
    d->rounds2 += w * L.rounds * L.rounds;
    d->raised2 += w * L.raised * L.raised;
    d->drawn2 += w * L.drawn * L.drawn;
    d->need2 += w * L.need * L.need;
    d->uses2 += w * L.uses * L.uses;
    if (L.insolvent == 0) {
        d->survive += w;
        d->survive_cash += w * L.cash;
    }
    if (L.closest < d->closest)
        d->closest = L.closest;
}

void brt_ref_run(const brt_ref *r, brt_ref_dist *d)
{
    memset(d, 0, sizeof *d);
    d->closest = INFINITY;
    int bits[REF_MAX_TAPE];
    ref_dfs(r, bits, 0, d);
    if (d->survive > 0)
        d->survive_cash /= d->survive;
}

int brt_ref_only_month(const double *h, int horizon)
{
    for (int t = 0; t <= horizon; ++t)
        if (h[t] == 1.0)
            return t;
    return -1;
}

/* ---- the Gaussian cash walk ---------------------------------------------------------- */

/* Survival of the walk X_t = x0 - t mu + sum z (units of sigma), absorbed below 0, by
 * propagating its density on a grid of step h over [0, xmax] (Simpson in x). */
void brt_walk_survival(double x0, double mu, int months, double h, double *surv)
{
    const double xmax = x0 + 8.0 * sqrt((double)months) + 2.0;
    const int n = 2 * (int)ceil(xmax / h / 2); /* even, for Simpson */
    const double kcut = 9.0;
    const int kw = (int)ceil(kcut / h);
    double *f = malloc((size_t)(n + 1) * sizeof *f), *g = malloc((size_t)(n + 1) * sizeof *g);
    double *w = malloc((size_t)(n + 1) * sizeof *w);
    assert_true(f && g && w);
    for (int i = 0; i <= n; ++i)
        w[i] = h / 3.0 * (i == 0 || i == n ? 1.0 : (i % 2 ? 4.0 : 2.0));
    const double c = 1.0 / sqrt(2.0 * 3.14159265358979323846);
    double *kern = malloc((size_t)(2 * kw + 1) * sizeof *kern); /* k(d h + mu), d = j - i */
    assert_non_null(kern);
    for (int k = -kw; k <= kw; ++k) {
        const double u = k * h + mu;
        kern[k + kw] = exp(-0.5 * u * u);
    }
    for (int i = 0; i <= n; ++i) { /* month 1 from the point x0 */
        const double u = i * h - (x0 - mu);
        f[i] = c * exp(-0.5 * u * u);
    }
    for (int t = 1; t <= months; ++t) {
        double s = 0;
        for (int i = 0; i <= n; ++i)
            s += w[i] * f[i];
        surv[t - 1] = s;
        if (t == months)
            break;
        for (int j = 0; j <= n; ++j) { /* g(y) = int f(x) k(y - x + mu) dx */
            const int lo = j - kw < 0 ? 0 : j - kw, hi = j + kw > n ? n : j + kw;
            double acc = 0;
            for (int i = lo; i <= hi; ++i)
                acc += w[i] * f[i] * kern[j - i + kw];
            g[j] = c * acc;
        }
        double *tmp = f;
        f = g;
        g = tmp;
    }
    free(f);
    free(g);
    free(w);
    free(kern);
}
