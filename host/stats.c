/* stats.c: tallies -> reported statistics, and the verification hash. */
#include "stats.h"

#include <math.h>
#include <string.h>
#include <xxhash.h>

const double br_quantile_levels[BR_NQ] = {0.05, 0.25, 0.50, 0.75, 0.95};

double br_i128_to_double(br_i128 a)
{
    const int neg = (a.hi >> 63) != 0;
    if (neg) { /* two's complement negate */
        a.lo = ~a.lo + 1u;
        a.hi = ~a.hi + (a.lo == 0u);
    }
    const double v = ldexp((double)a.hi, 64) + (double)a.lo;
    return neg ? -v : v;
}

static float u2f(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

void br_money_bin_edges_res(int bin, int sub_bits, double *lo, double *hi)
{
    const int side = (BR_MONEY_OCT_HI - BR_MONEY_OCT_LO) << sub_bits;
    const int centre = side + 1, bins = 2 * side + 3;
    const double top = ldexp(1.0, BR_MONEY_OCT_HI), bottom = ldexp(1.0, BR_MONEY_OCT_LO);
    const uint32_t base = (uint32_t)(127 + BR_MONEY_OCT_LO) << sub_bits;
    const int shift = 23 - sub_bits;
    if (bin <= 0) { /* below -2^50: no finite lower edge; report the edge itself */
        *lo = *hi = -top;
    } else if (bin < centre) { /* negative magnitudes, largest first */
        const uint32_t k = (uint32_t)(side - bin);
        *lo = -(double)u2f((base + k + 1u) << shift);
        *hi = -(double)u2f((base + k) << shift);
    } else if (bin == centre) {
        *lo = -bottom;
        *hi = bottom;
    } else if (bin < bins - 1) {
        const uint32_t k = (uint32_t)(bin - centre - 1);
        *lo = (double)u2f((base + k) << shift);
        *hi = (double)u2f((base + k + 1u) << shift);
    } else {
        *lo = *hi = top;
    }
}

void br_money_bin_edges(int bin, double *lo, double *hi)
{
    br_money_bin_edges_res(bin, BR_MONEY_SUB_BITS, lo, hi);
}

double br_money_quantile_res(const uint64_t *hist, int sub_bits, uint64_t n, double q)
{
    const int bins = 2 * ((BR_MONEY_OCT_HI - BR_MONEY_OCT_LO) << sub_bits) + 3;
    if (n == 0)
        return 0.0;
    /* The value with rank ceil(q n) (1-based), interpolated inside its bin. */
    double rank = ceil(q * (double)n);
    if (rank < 1)
        rank = 1;
    uint64_t cum = 0;
    for (int b = 0; b < bins; ++b) {
        if (hist[b] == 0)
            continue;
        if ((double)(cum + hist[b]) >= rank) {
            double lo, hi;
            br_money_bin_edges_res(b, sub_bits, &lo, &hi);
            const double frac = (rank - (double)cum - 0.5) / (double)hist[b];
            return lo + (hi - lo) * frac;
        }
        cum += hist[b];
    }
    double lo, hi;
    br_money_bin_edges_res(bins - 1, sub_bits, &lo, &hi);
    return hi;
}

double br_money_quantile(const uint64_t *hist, uint64_t n, double q)
{
    return br_money_quantile_res(hist, BR_MONEY_SUB_BITS, n, q);
}

/* Mean of the lowest fraction q of the entries, each at its bin's midpoint (the
 * partial bin at the boundary counted pro rata). */
static double money_tail_mean(const uint64_t *hist, uint64_t n, double q)
{
    const double want = q * (double)n;
    double got = 0, sum = 0;
    for (int b = 0; b < BR_MONEY_BINS && got < want; ++b) {
        if (hist[b] == 0)
            continue;
        double lo, hi;
        br_money_bin_edges(b, &lo, &hi);
        const double take = fmin((double)hist[b], want - got);
        sum += take * 0.5 * (lo + hi);
        got += take;
    }
    return got > 0 ? sum / got : 0.0;
}

/* Month distribution over hist[1..H] with hist[0] meaning beyond the horizon. */
static void month_dist(const uint64_t *hist, int H, uint64_t n, br_month_dist *d)
{
    memset(d, 0, sizeof *d);
    d->n = n;
    if (n == 0) {
        for (int i = 0; i < BR_NQ; ++i)
            d->q[i] = H + 1;
        d->beyond = 0;
        return;
    }
    uint64_t sum = hist[0] * (uint64_t)H;
    for (int t = 1; t <= H; ++t)
        sum += hist[t] * (uint64_t)t;
    d->mean = (double)sum / (double)n;
    d->beyond = (double)hist[0] / (double)n;
    for (int i = 0; i < BR_NQ; ++i) {
        double rank = ceil(br_quantile_levels[i] * (double)n);
        if (rank < 1)
            rank = 1;
        uint64_t cum = 0;
        d->q[i] = H + 1;
        for (int t = 1; t <= H; ++t) {
            cum += hist[t];
            if ((double)cum >= rank) {
                d->q[i] = t;
                break;
            }
        }
    }
}

void br_stats_compute(const br_tally *t, int H, br_stats *s)
{
    memset(s, 0, sizeof *s);
    s->horizon = H;
    s->paths = t->paths;
    const double n = (double)t->paths;
    uint64_t cum = 0;
    for (int m = 1; m <= H; ++m) {
        cum += t->insolvent[m];
        s->by_month[m - 1] = n > 0 ? (double)cum / n : 0.0;
    }
    s->insolvent = cum;
    const double p = n > 0 ? (double)cum / n : 0.0;
    s->p_insolvent = p;
    s->stderr_p = n > 0 ? sqrt(p * (1 - p) / n) : 0.0;
    /* Wilson score interval, z = 1.959964 (95%). */
    const double z = 1.959963984540054, z2 = z * z;
    if (n > 0) {
        const double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        const double half = z / (1 + z2 / n) * sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        s->ci95[0] = fmax(0.0, centre - half);
        s->ci95[1] = fmin(1.0, centre + half);
    }
    const int marks[3] = {12, 24, 36};
    for (int i = 0; i < 3; ++i)
        s->at[i] = marks[i] <= H ? s->by_month[marks[i] - 1] : -1.0;

    month_dist(t->runway, H, t->paths, &s->runway);
    /* Time to insolvency among insolvent paths: the same shape, none beyond. */
    uint64_t tti[BR_MAX_HORIZON + 1];
    memcpy(tti, t->insolvent, sizeof tti);
    tti[0] = 0;
    month_dist(tti, H, cum, &s->time_to_insolvency);

    br_money_stats *c = &s->terminal_cash;
    c->n = t->paths - cum;
    if (c->n > 0) {
        c->mean = br_i128_to_double(t->cash_sum) / (double)c->n;
        c->p05 = br_money_quantile(t->cash_hist, c->n, 0.05);
        c->p50 = br_money_quantile(t->cash_hist, c->n, 0.50);
        c->p95 = br_money_quantile(t->cash_hist, c->n, 0.95);
        c->var05 = c->p05;
        c->cvar05 = money_tail_mean(t->cash_hist, c->n, 0.05);
    }
    if (n > 0) {
        s->equity_rounds_mean = (double)t->rounds / n;
        s->equity_raised_mean = br_i128_to_double(t->raised_sum) / n;
        s->debt_drawn_mean = br_i128_to_double(t->drawn_sum) / n;
        s->backstop_probability = (double)t->backstop_paths / n;
        s->need_mean = br_i128_to_double(t->need_sum) / n;
        s->need_p50 = br_money_quantile(t->need_hist, t->paths, 0.50);
        s->need_p95 = br_money_quantile(t->need_hist, t->paths, 0.95);
    }
}

/* Canonical serialisation: every integer as 8 little-endian bytes, in field order,
 * month arrays over 0..H only (so the hash does not depend on BR_MAX_HORIZON). */
static void put_u64(XXH3_state_t *st, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; ++i)
        b[i] = (unsigned char)(v >> (8 * i));
    XXH3_64bits_update(st, b, sizeof b);
}

uint64_t br_tally_hash(const br_tally *t, int H)
{
    XXH3_state_t *st = XXH3_createState();
    if (!st)
        return 0;
    XXH3_64bits_reset(st);
    put_u64(st, (uint64_t)H);
    put_u64(st, t->paths);
    for (int i = 0; i <= H; ++i)
        put_u64(st, t->insolvent[i]);
    for (int i = 0; i <= H; ++i)
        put_u64(st, t->runway[i]);
    for (int i = 0; i < BR_MONEY_BINS; ++i)
        put_u64(st, t->cash_hist[i]);
    for (int i = 0; i < BR_MONEY_BINS; ++i)
        put_u64(st, t->need_hist[i]);
    put_u64(st, t->rounds);
    put_u64(st, t->backstop_paths);
    put_u64(st, t->backstop_uses);
    const br_i128 sums[4] = {t->cash_sum, t->raised_sum, t->drawn_sum, t->need_sum};
    for (int i = 0; i < 4; ++i) {
        put_u64(st, sums[i].lo);
        put_u64(st, sums[i].hi);
    }
    const uint64_t h = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    return h;
}

void br_fan_compute(const uint64_t *fan, const br_tally *t, int horizon, br_fan_stats *f)
{
    f->horizon = horizon;
    uint64_t dead = 0; /* insolvent by the end of month m */
    for (int m = 1; m <= horizon; ++m) {
        const uint64_t *row = fan + (size_t)(m - 1) * BR_FAN_BINS;
        dead += t->insolvent[m];
        const uint64_t alive = t->paths - dead;
        f->survival[m - 1] = t->paths ? (double)alive / (double)t->paths : NAN;
        for (int i = 0; i < BR_NQ; ++i)
            f->q[i][m - 1] = alive ? br_money_quantile_res(row, BR_FAN_SUB_BITS, alive,
                                                           br_quantile_levels[i])
                                   : NAN;
    }
}

void br_precision_of(const br_tally *t, double target_se, double target_rel, br_precision *p)
{
    const double n = (double)t->paths, x = (double)(t->paths - t->insolvent[0]);
    const double pt = (x + 2.0) / (n + 4.0);
    p->paths = t->paths;
    p->stderr_p = sqrt(pt * (1.0 - pt) / (n + 4.0));
    p->rel = p->stderr_p / pt;
    p->met = (target_se <= 0 || p->stderr_p <= target_se) &&
             (target_rel <= 0 || p->rel <= target_rel);
}
