/* sensitivity_stats.h: the statistics of `burnrate sensitivity`, from the per-unit rows
 * of a run (kernels/tally.h, BR_UNIT_ROW): for a low and a high copy of a scenario run on
 * the same paths (common random numbers), insolvency by the horizon and median runway
 * of each, their swings, and the swings' standard errors from the spread between work
 * units. Work units are i.i.d. batches of paths, so batch means over units need no model
 * of how the two copies' paths are coupled. */
#ifndef BR_SENSITIVITY_STATS_H
#define BR_SENSITIVITY_STATS_H

#include "burnrate.h"
#include "tally.h"

#include <stddef.h>
#include <stdint.h>

/* One scenario's rows: n_units rows of BR_UNIT_ROW(horizon) counts; in a row, [0] is
 * paths never insolvent and [1 + t] paths whose runway ends in month t (t = 0: beyond
 * the horizon). The last unit may be short. */
typedef struct br_unit_view {
    const uint64_t *rows;
    uint64_t n_units;
    int horizon; /* months */
} br_unit_view;

/* Paths of unit u, and those of them insolvent by the horizon. */
uint64_t br_unit_paths(const br_unit_view *v, uint64_t u);
uint64_t br_unit_insolvent(const br_unit_view *v, uint64_t u);

/* Median runway in months, interpolated inside its month: runway month t (1 .. months,
 * the last one meaning "beyond the horizon") covers (t-1, t], so with F(t) paths ending
 * by month t of n, the median is t-1 + (n/2 - F(t-1)) / count(t) for the first t with
 * F(t) >= n/2. counts[t-1] is month t. NAN when there are no paths. */
double br_median_runway(const uint64_t *counts, int months);

/* The median runway of unit u, and of all units together (months; beyond the horizon
 * is month H+1, so a median above H says more than half the paths outlast it). */
double br_unit_median_runway(const br_unit_view *v, uint64_t u);
double br_view_median_runway(const br_unit_view *v);

/* Batch-means standard error of the ratio estimate d = sum D / sum n over U batches,
 * D_u the batch's total and n_u its paths (a short last batch weighs less):
 * SE^2 = U/(U-1) sum (D_u - d n_u)^2 / (sum n)^2. NAN when U < 2. */
double br_batch_ratio_se(const double *D, const double *n, size_t U);

/* Low against high, per key. Probabilities are fractions, runways months. */
typedef struct br_swing {
    uint64_t paths, n_units;
    double p_low, p_high;        /* insolvency by the horizon */
    double swing, swing_se;      /* p_high - p_low and its batch-means SE */
    double independent_se;       /* what two independent runs of `paths` would give */
    double runway_low, runway_high; /* median runway */
    double runway_swing, runway_swing_se; /* high - low, SE from per-unit medians */
} br_swing;

/* The swing of two copies run on the same paths. BR_E_RUNTIME when their units do not
 * hold the same paths (not a common-random-numbers pair), BR_E_NOMEM. */
br_status br_swing_compute(const br_unit_view *low, const br_unit_view *high, br_swing *out,
                           char *err, size_t errlen);

#endif /* BR_SENSITIVITY_STATS_H */
