/* tally.h: the integer tallies a finished path adds to (docs/model.md s.6). Counts are
 * uint64 and money sums are 128-bit fixed point in whole USD, so adding paths in any
 * order, on any number of threads, ranks or GPUs, gives the same bits, and so does the
 * verification hash computed from them.
 *
 * Money quantiles come from a fixed log-linear histogram read off the float's bits:
 * 128 bins per octave (relative resolution 2^-7 = 0.78%) for magnitudes from 2^20 USD
 * (about 1.05M) to 2^50 USD (about 1.13e15), one bin for |x| < 2^20, and one overflow
 * bin at each end. */
#ifndef BR_TALLY_H
#define BR_TALLY_H

#include "model.h"

/* Paths are run in work units of this many consecutive path indices; threads, ranks
 * and GPUs split units, never paths, and the last unit of a run may be short. */
#define BR_UNIT_PATHS 65536u

#define BR_MONEY_OCT_LO 20 /* magnitudes below 2^20 USD share the centre bin */
#define BR_MONEY_OCT_HI 50 /* magnitudes from 2^50 USD go to the end bins */
#define BR_MONEY_SUB_BITS 7
#define BR_MONEY_SIDE ((BR_MONEY_OCT_HI - BR_MONEY_OCT_LO) << BR_MONEY_SUB_BITS) /* 3840 */
#define BR_MONEY_CENTRE (BR_MONEY_SIDE + 1)
#define BR_MONEY_BINS (2 * BR_MONEY_SIDE + 3)
/* Per-path money enters the sums clamped to +-2^62 USD so it converts to int64. */
#define BR_MONEY_FIXED_MAX 4.611686018427388e18f

/* Two's-complement 128-bit integer: sums of up to 2^64 paths of +-2^62 USD. */
typedef struct br_i128 {
    uint64_t lo, hi;
} br_i128;

typedef struct br_tally {
    uint64_t paths;
    uint64_t insolvent[BR_MAX_HORIZON + 1]; /* [t]: insolvent in month t; [0]: never */
    uint64_t runway[BR_MAX_HORIZON + 1];    /* [t]: runway ends in month t; [0]: beyond */
    uint64_t cash_hist[BR_MONEY_BINS];      /* terminal cash of surviving paths */
    uint64_t need_hist[BR_MONEY_BINS];      /* external funding need, all paths */
    uint64_t rounds;          /* equity rounds closed, all paths */
    uint64_t backstop_paths;  /* paths that used the backstop at least once */
    uint64_t backstop_uses;   /* injections, all paths */
    br_i128 cash_sum;   /* terminal cash of surviving paths, USD */
    br_i128 raised_sum; /* equity raised, USD */
    br_i128 drawn_sum;  /* debt drawn, USD */
    br_i128 need_sum;   /* external funding need, USD */
} br_tally;

/* Bin of a money amount in a histogram of 2^sub_bits bins per octave (the layout above,
 * side = (OCT_HI - OCT_LO) << sub_bits); monotone non-decreasing in x. */
BR_HD int32_t br_money_bin_res(float x, int32_t sub_bits)
{
    const int32_t side = (BR_MONEY_OCT_HI - BR_MONEY_OCT_LO) << sub_bits;
    const uint32_t bits = br_f2u(x);
    const uint32_t mag = bits & 0x7fffffffu;
    const int32_t key = (int32_t)(mag >> (23 - sub_bits)) - ((127 + BR_MONEY_OCT_LO) << sub_bits);
    const int32_t k = key < 0 ? -1 : (key >= side ? side : key);
    const int32_t neg = (bits >> 31) != 0u;
    /* k == -1: centre (bin side + 1); k == side: overflow end. */
    return k < 0 ? side + 1 : (neg ? side - k : side + 2 + k);
}

BR_HD int32_t br_money_bin(float x) { return br_money_bin_res(x, BR_MONEY_SUB_BITS); }

/* Whole USD for the fixed-point sums (truncation toward zero, then clamp). */
BR_HD int64_t br_money_fixed(float x)
{
    const float c = br_minf(br_maxf(x, -BR_MONEY_FIXED_MAX), BR_MONEY_FIXED_MAX * 0.999f);
    return (int64_t)c;
}

BR_HD void br_i128_add_i64(br_i128 *a, int64_t v)
{
    const uint64_t lo = a->lo + (uint64_t)v;
    a->hi += (uint64_t)(lo < a->lo) + (v < 0 ? ~UINT64_C(0) : UINT64_C(0));
    a->lo = lo;
}

BR_HD void br_i128_add(br_i128 *a, br_i128 b)
{
    const uint64_t lo = a->lo + b.lo;
    a->hi += b.hi + (uint64_t)(lo < a->lo);
    a->lo = lo;
}

/* A backend that accumulates with atomics (CUDA) defines these before including. */
#ifndef BR_TALLY_ADD_U64
#define BR_TALLY_ADD_U64(ptr, v) (*(ptr) += (uint64_t)(v))
#endif
#ifndef BR_TALLY_ADD_MONEY
#define BR_TALLY_ADD_MONEY(sum, x) br_i128_add_i64((sum), br_money_fixed(x))
#endif

/* Add one finished path: the only place that decides what a path counts toward. */
BR_HD void br_tally_path(br_tally *t, const br_outcome *o)
{
    BR_TALLY_ADD_U64(&t->paths, 1u);
    BR_TALLY_ADD_U64(&t->insolvent[o->insolvent], 1u);
    BR_TALLY_ADD_U64(&t->runway[o->runway], 1u);
    if (o->insolvent == 0) {
        BR_TALLY_ADD_U64(&t->cash_hist[br_money_bin(o->cash)], 1u);
        BR_TALLY_ADD_MONEY(&t->cash_sum, o->cash);
    }
    BR_TALLY_ADD_U64(&t->need_hist[br_money_bin(o->need)], 1u);
    BR_TALLY_ADD_MONEY(&t->need_sum, o->need);
    BR_TALLY_ADD_U64(&t->rounds, (uint64_t)o->rounds);
    BR_TALLY_ADD_MONEY(&t->raised_sum, o->raised);
    BR_TALLY_ADD_MONEY(&t->drawn_sum, o->drawn);
    BR_TALLY_ADD_U64(&t->backstop_uses, (uint64_t)o->uses);
    if (o->uses > 0)
        BR_TALLY_ADD_U64(&t->backstop_paths, 1u);
}

/* ---- optional tallies ----------------------------------------------------------------
 * Asked for by a run, NULL when not (the fast path stays as it is):
 * - fan: the cash fan chart, [horizon][BR_FAN_BINS] counts; row t-1 is a histogram of
 *   the cash of the paths still solvent at the end of month t, 32 bins per octave
 *   (resolution 2^(1/32) - 1 = 2.2%), same layout as the money histogram.
 * - unit rows: per work unit, BR_UNIT_ROW(H) counts: [0] paths never insolvent, [1 + t]
 *   paths whose runway ends in month t (t = 0: beyond the horizon). Sensitivity takes
 *   standard errors from the spread between units (batch means). */
#define BR_FAN_SUB_BITS 5
#define BR_FAN_SIDE ((BR_MONEY_OCT_HI - BR_MONEY_OCT_LO) << BR_FAN_SUB_BITS) /* 960 */
#define BR_FAN_BINS (2 * BR_FAN_SIDE + 3)
#define BR_UNIT_ROW(horizon) ((size_t)(horizon) + 2)

typedef struct br_extra {
    uint64_t *fan;       /* NULL: off; else added into, horizon * BR_FAN_BINS words */
    uint64_t *unit_rows; /* NULL: off; else one zeroed row per listed unit, in order */
} br_extra;

/* A path at the end of month t (fan tally). */
BR_HD void br_fan_month(uint64_t *fan, int32_t t, int32_t insolvent, float cash)
{
    if (insolvent == 0)
        BR_TALLY_ADD_U64(&fan[(size_t)(t - 1) * BR_FAN_BINS +
                              (size_t)br_money_bin_res(cash, BR_FAN_SUB_BITS)], 1u);
}

/* A finished path into its unit's row. */
BR_HD void br_unit_path(uint64_t *row, const br_outcome *o)
{
    if (o->insolvent == 0)
        BR_TALLY_ADD_U64(&row[0], 1u);
    BR_TALLY_ADD_U64(&row[1 + o->runway], 1u);
}

/* a += b, for tallies of the same scenario (integer adds: any order, same bits). */
BR_HD void br_tally_merge(br_tally *a, const br_tally *b)
{
    a->paths += b->paths;
    for (int i = 0; i <= BR_MAX_HORIZON; ++i) {
        a->insolvent[i] += b->insolvent[i];
        a->runway[i] += b->runway[i];
    }
    for (int i = 0; i < BR_MONEY_BINS; ++i) {
        a->cash_hist[i] += b->cash_hist[i];
        a->need_hist[i] += b->need_hist[i];
    }
    a->rounds += b->rounds;
    a->backstop_paths += b->backstop_paths;
    a->backstop_uses += b->backstop_uses;
    br_i128_add(&a->cash_sum, b->cash_sum);
    br_i128_add(&a->raised_sum, b->raised_sum);
    br_i128_add(&a->drawn_sum, b->drawn_sum);
    br_i128_add(&a->need_sum, b->need_sum);
}

#endif /* BR_TALLY_H */
