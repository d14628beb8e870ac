/* sensitivity_stats.c: see sensitivity_stats.h. */
#include "sensitivity_stats.h"
#include "scenario.h"

#include <math.h>
#include <stdlib.h>

static const uint64_t *row_of(const br_unit_view *v, uint64_t u)
{
    return v->rows + u * BR_UNIT_ROW(v->horizon);
}

uint64_t br_unit_paths(const br_unit_view *v, uint64_t u)
{
    const uint64_t *row = row_of(v, u);
    uint64_t n = 0;
    for (int t = 0; t <= v->horizon; ++t)
        n += row[1 + t];
    return n;
}

uint64_t br_unit_insolvent(const br_unit_view *v, uint64_t u)
{
    return br_unit_paths(v, u) - row_of(v, u)[0];
}

double br_median_runway(const uint64_t *counts, int months)
{
    uint64_t n = 0;
    for (int t = 1; t <= months; ++t)
        n += counts[t - 1];
    if (n == 0)
        return NAN;
    const double half = 0.5 * (double)n;
    double below = 0; /* F(t-1): paths whose runway ended before month t */
    for (int t = 1; t <= months; ++t) {
        const double c = (double)counts[t - 1];
        if (c > 0 && below + c >= half) /* below < half here, so the month holds it */
            return (t - 1) + (half - below) / c;
        below += c;
    }
    return months; /* not reached: F(months) = n >= half */
}

/* A row's runway counts by month 1 .. H+1 (H+1: beyond the horizon), added into acc. */
static void add_runway(const br_unit_view *v, uint64_t u, uint64_t *acc)
{
    const uint64_t *row = row_of(v, u);
    for (int t = 1; t <= v->horizon; ++t)
        acc[t - 1] += row[1 + t];
    acc[v->horizon] += row[1];
}

double br_unit_median_runway(const br_unit_view *v, uint64_t u)
{
    uint64_t counts[BR_MAX_HORIZON + 1] = {0};
    add_runway(v, u, counts);
    return br_median_runway(counts, v->horizon + 1);
}

double br_view_median_runway(const br_unit_view *v)
{
    uint64_t counts[BR_MAX_HORIZON + 1] = {0};
    for (uint64_t u = 0; u < v->n_units; ++u)
        add_runway(v, u, counts);
    return br_median_runway(counts, v->horizon + 1);
}

double br_batch_ratio_se(const double *D, const double *n, size_t U)
{
    if (U < 2)
        return NAN;
    double sum_d = 0, sum_n = 0;
    for (size_t u = 0; u < U; ++u)
        sum_d += D[u], sum_n += n[u];
    if (!(sum_n > 0))
        return NAN;
    const double d = sum_d / sum_n;
    double ss = 0; /* two passes: deviations are small next to the totals */
    for (size_t u = 0; u < U; ++u) {
        const double e = D[u] - d * n[u];
        ss += e * e;
    }
    return sqrt((double)U / (double)(U - 1) * ss) / sum_n;
}

/* Both copies must have run the same paths unit by unit (same seed and --paths). */
static br_status check_pair(const br_unit_view *lo, const br_unit_view *hi, char *err,
                            size_t errlen)
{
    if (lo->n_units != hi->n_units || lo->n_units == 0)
        return br_fail(err, errlen, BR_E_RUNTIME, "sensitivity: the copies have %llu and "
                       "%llu work units", (unsigned long long)lo->n_units,
                       (unsigned long long)hi->n_units);
    for (uint64_t u = 0; u < lo->n_units; ++u)
        if (br_unit_paths(lo, u) != br_unit_paths(hi, u))
            return br_fail(err, errlen, BR_E_RUNTIME, "sensitivity: work unit %llu holds "
                           "%llu paths in one copy and %llu in the other",
                           (unsigned long long)u, (unsigned long long)br_unit_paths(lo, u),
                           (unsigned long long)br_unit_paths(hi, u));
    return BR_OK;
}

br_status br_swing_compute(const br_unit_view *low, const br_unit_view *high, br_swing *out,
                           char *err, size_t errlen)
{
    const br_status st = check_pair(low, high, err, errlen);
    if (st != BR_OK)
        return st;
    const size_t U = (size_t)low->n_units;
    double *n = malloc(U * sizeof *n), *D = malloc(U * sizeof *D), *R = malloc(U * sizeof *R);
    if (!n || !D || !R) {
        free(n), free(D), free(R);
        return br_fail(err, errlen, BR_E_NOMEM, "sensitivity: out of memory");
    }
    uint64_t paths = 0, ins_lo = 0, ins_hi = 0;
    for (size_t u = 0; u < U; ++u) {
        const uint64_t a = br_unit_insolvent(low, u), b = br_unit_insolvent(high, u);
        n[u] = (double)br_unit_paths(low, u);
        D[u] = (double)b - (double)a; /* paths: exact in double below 2^53 */
        /* The unit's median swing, weighted by its paths like a batch total. */
        R[u] = n[u] * (br_unit_median_runway(high, u) - br_unit_median_runway(low, u));
        paths += br_unit_paths(low, u), ins_lo += a, ins_hi += b;
    }
    const double N = (double)paths;
    *out = (br_swing){.paths = paths, .n_units = U};
    out->p_low = (double)ins_lo / N;
    out->p_high = (double)ins_hi / N;
    out->swing = ((double)ins_hi - (double)ins_lo) / N;
    out->swing_se = br_batch_ratio_se(D, n, U);
    out->independent_se = sqrt(out->p_low * (1 - out->p_low) / N +
                               out->p_high * (1 - out->p_high) / N);
    out->runway_low = br_view_median_runway(low);
    out->runway_high = br_view_median_runway(high);
    out->runway_swing = out->runway_high - out->runway_low;
    out->runway_swing_se = br_batch_ratio_se(R, n, U);
    free(n), free(D), free(R);
    return BR_OK;
}
