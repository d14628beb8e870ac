/* stats.h: the statistics of docs/model.md s.6, computed from integer tallies only. */
#ifndef BR_STATS_H
#define BR_STATS_H

#include "tally.h"

#include <stdbool.h>

/* Quantiles reported, as fractions. */
#define BR_NQ 5
extern const double br_quantile_levels[BR_NQ]; /* 0.05 0.25 0.50 0.75 0.95 */

/* A distribution over months 1..H: quantiles are whole months, H+1 meaning "beyond
 * the horizon" (reported as null / ">H"). */
typedef struct br_month_dist {
    uint64_t n;        /* paths it is over */
    double mean;       /* months; paths beyond the horizon count as H */
    int q[BR_NQ];      /* p05 p25 p50 p75 p95 */
    double beyond;     /* fraction beyond the horizon */
} br_month_dist;

typedef struct br_money_stats {
    uint64_t n;            /* paths it is over; 0: no statistics (reported as null) */
    double mean;           /* USD, exact from the fixed-point sum */
    double p05, p50, p95;  /* USD, interpolated in a bin (resolution 0.78%) */
    double var05;          /* 5% value at risk: the p05 level of terminal cash, USD */
    double cvar05;         /* mean terminal cash of the worst 5% of surviving paths */
} br_money_stats;

typedef struct br_stats {
    int horizon;
    uint64_t paths;
    uint64_t insolvent;           /* by the horizon */
    double p_insolvent, stderr_p; /* probability and its standard error */
    double ci95[2];               /* Wilson score interval */
    double by_month[BR_MAX_HORIZON]; /* cumulative probability by month t at [t-1] */
    double at[3];                 /* at 12, 24, 36 months; < 0: past the horizon */
    br_month_dist runway;         /* all paths */
    br_month_dist time_to_insolvency; /* insolvent paths only */
    br_money_stats terminal_cash; /* surviving paths */
    double equity_rounds_mean, equity_raised_mean, debt_drawn_mean; /* per path */
    double backstop_probability;
    double need_mean, need_p50, need_p95; /* USD */
} br_stats;

void br_stats_compute(const br_tally *t, int horizon, br_stats *s);

/* A precision target's verdict on a tally. The errors are Agresti-Coull's, with
 * p~ = (x + 2) / (n + 4) for x insolvent of n paths: never 0, so a run that has seen no
 * insolvency yet cannot meet a target by luck. */
typedef struct br_precision {
    uint64_t paths;   /* paths used */
    double stderr_p;  /* standard error of the probability of insolvency by the horizon */
    double rel;       /* stderr_p / p~ */
    bool met;
} br_precision;
void br_precision_of(const br_tally *t, double target_se, double target_rel, br_precision *p);

/* A 64-bit hash (XXH3) of the tallies as canonical little-endian integers over the
 * horizon: equal for any decomposition of a run and on every backend. */
uint64_t br_tally_hash(const br_tally *t, int horizon);

/* Lower and upper edge (USD) of a money histogram bin; _res: of a histogram with
 * 2^sub_bits bins per octave (the fan chart's, BR_FAN_SUB_BITS). */
void br_money_bin_edges(int bin, double *lo, double *hi);
void br_money_bin_edges_res(int bin, int sub_bits, double *lo, double *hi);

/* Quantile q of a money histogram with n entries, linear inside its bin. */
double br_money_quantile(const uint64_t *hist, uint64_t n, double q);
double br_money_quantile_res(const uint64_t *hist, int sub_bits, uint64_t n, double q);

/* The cash fan chart from a fan tally (kernels/tally.h): for month t at [t-1], the
 * quantiles br_quantile_levels of cash among the paths solvent at the end of month t
 * (USD; NAN where none is) and the fraction of all paths solvent then. */
typedef struct br_fan_stats {
    int horizon;
    double q[BR_NQ][BR_MAX_HORIZON];
    double survival[BR_MAX_HORIZON];
} br_fan_stats;
void br_fan_compute(const uint64_t *fan, const br_tally *t, int horizon, br_fan_stats *f);

/* The 128-bit fixed-point sum as a double. */
double br_i128_to_double(br_i128 a);

#endif /* BR_STATS_H */
