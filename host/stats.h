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

/* A 64-bit hash (XXH3) of the tallies as canonical little-endian integers over the
 * horizon: equal for any decomposition of a run and on every backend. */
uint64_t br_tally_hash(const br_tally *t, int horizon);

/* Lower and upper edge (USD) of a money histogram bin. */
void br_money_bin_edges(int bin, double *lo, double *hi);

/* Quantile q of a money histogram with n entries, linear inside its bin. */
double br_money_quantile(const uint64_t *hist, uint64_t n, double q);

/* The 128-bit fixed-point sum as a double. */
double br_i128_to_double(br_i128 a);

#endif /* BR_STATS_H */
