/* model_tests_util.h: what the model tests share. Scenarios written from strings into
 * temp files and loaded; runs through br_cpu_run_units with statistics; and a reference
 * of docs/model.md s.2 in double, written from the text of the spec (not from
 * kernels/model.h), that gives the exact distribution of a scenario whose only
 * randomness is its Bernoulli decisions (equity success, backstop). */
#ifndef BR_MODEL_TESTS_UTIL_H
#define BR_MODEL_TESTS_UTIL_H

#include "burnrate.h"
#include "model_build.h"
#include "stats.h"

#include <stddef.h>
#include <stdint.h>

/* ---- scenarios and runs --------------------------------------------------------- */

/* Write ini to a mkstemp file in /tmp, load it (the test fails with the parser's
 * message if it does not load), remove the file. */
br_scenario *brt_load(const char *ini);
/* The same, compiled: a heap br_model (free()). */
br_model *brt_model(const char *ini);

/* Every unit of n paths (0 .. ceil(n / BR_UNIT_PATHS) - 1) on `threads` threads into a
 * fresh calloc'd tally (free()), and its statistics into *s when s is not NULL. */
br_tally *brt_run(const br_model *m, uint64_t seed, uint64_t n, int threads, br_stats *s);

/* Wall seconds (CLOCK_MONOTONIC). */
double brt_now(void);

/* ---- the reference ---------------------------------------------------------------- */

#define BRT_MAX_SCHEDULE 8

/* A scenario with every volatility 0: the keys of docs/model.md s.8, in host units. */
typedef struct brt_ref {
    int horizon;
    double cash0, cmin;
    double rev0, g0, ginf, halflife, gross_margin, penalty, cap;
    double opex, opex_growth, capex, capex_growth, compute_rate;
    int n_sched; /* 0: costs.capex */
    int sched_month[BRT_MAX_SCHEDULE];
    double sched_amount[BRT_MAX_SCHEDULE];
    double stress_entry, stress_exit; /* 0 or 1: the reference does not branch on them */
    int stressed0;
    double trigger;
    int min_gap;
    double success[2]; /* by regime */
    double round_median, elasticity;
    int max_rounds; /* -1: unlimited */
    int since_last;
    double facility, debt0, buffer, rate, spread; /* rate, spread annual */
    double bs_p, bs_amount;
    int bs_max;
} brt_ref;

/* The defaults of docs/model.md s.8 (growth_longrun = growth = 0). */
void brt_ref_defaults(brt_ref *r);

/* The scenario file for r, every key written out; `extra` (may be NULL) is appended. */
void brt_ref_ini(const brt_ref *r, const char *extra, char *buf, size_t n);

/* Exact distribution of a path under r: probabilities over months ([0]: never / beyond
 * the horizon) and expectations per path. */
typedef struct brt_ref_dist {
    double insolvent[BR_MAX_HORIZON + 1];
    double runway[BR_MAX_HORIZON + 1];
    double rounds, raised, drawn, need, uses, backstop_paths; /* means per path */
    double rounds2, raised2, drawn2, need2, uses2;            /* second moments */
    double survive, survive_cash; /* P(solvent at H), E[C_H | solvent at H] */
    /* Smallest gap, over every comparison that decides a path's course, between its two
     * sides, relative to the largest money amount on that path: tests require it far
     * above float rounding, so the float engine must take the same branches. */
    double closest;
    int leaves; /* distinct decision sequences */
} brt_ref_dist;

void brt_ref_run(const brt_ref *r, brt_ref_dist *d);

/* The single month with all the mass of h (probabilities), or -1 if it is spread. */
int brt_ref_only_month(const double *h, int horizon);

/* ---- the Gaussian cash walk ---------------------------------------------------------- */

/* Survival by month (surv[t-1], t = 1..months) of the walk X_t = x0 - t mu + sum of
 * standard normals (units of sigma), absorbed below 0, by propagating its density on a
 * grid of step h (Simpson): the first-passage reference of the closed-form tests. */
void brt_walk_survival(double x0, double mu, int months, double h, double *surv);

#endif /* BR_MODEL_TESTS_UTIL_H */
