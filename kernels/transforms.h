/* transforms.h: 32-bit Philox words -> uniform and standard normal floats, and the
 * exp the model needs, written once for gcc and nvcc (MODEL.md s.5).
 *
 * Bit-identical CPU and GPU results come from using only operations both round the
 * same way: IEEE + - * / (correctly rounded on both; nvcc must keep its default
 * -prec-div=true, i.e. no --use_fast_math), explicit fmaf for every
 * fused multiply-add (gcc: -ffp-contract=off, nvcc: -fmad=false, so the compiler adds
 * none of its own), integer and bit operations, compares and selects. No libm
 * transcendental. Everything is branch-free (both candidates computed, one
 * selected) so a `#pragma omp simd` loop over paths vectorises and warps never diverge;
 * the normal's one table read is a load per lane, not a branch.
 * Polynomial coefficients come from scripts/fit_normal.py (near-minimax, Lawson's
 * algorithm, against mpmath references); the errors quoted are measured by
 * tests/test_transforms_accuracy.c. */
#ifndef BR_TRANSFORMS_H
#define BR_TRANSFORMS_H

#include "br_hd.h"
#include <math.h>   /* fmaf: the only libm function used */
#include <string.h> /* memcpy for host bit casts */

/* ---- bit casts ------------------------------------------------------------------ */
BR_HD uint32_t br_f2u(float f)
{
#if defined(__CUDA_ARCH__)
    return __float_as_uint(f);
#else
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
#endif
}

BR_HD float br_u2f(uint32_t u)
{
#if defined(__CUDA_ARCH__)
    return __uint_as_float(u);
#else
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
#endif
}

/* ---- uniform ---------------------------------------------------------------------- */
/* (j + 1/2) * 2^-23 with j = the top 23 bits of x: every value is exact in float and
 * lies in [2^-24, 1 - 2^-24], strictly inside (0,1), so `u < p` is false for p = 0 and
 * true for p = 1. Why 23 bits and not 24: (j + 0.5) for a 24-bit j needs 25 significant
 * bits; rounding it would map j = 2^24-1 to u = 1.0. P(u < p) = p to within 2^-23. */
BR_HD float br_uniform(uint32_t x)
{
    return ((float)(int32_t)(x >> 9) + 0.5f) * 0x1p-23f;
}

/* The model only ever asks whether u < p for a fixed p. Since u is increasing in
 * j = x >> 9, that is j < k for k = the number of j with (j + 1/2) 2^-23 < p, which the
 * host counts once per scenario (br_uniform_count): one shift and one integer compare
 * per decision instead of a conversion, two float operations and a float compare, and
 * the same answer for every x (tests/test_transforms_accuracy.c checks both sides of k). */
BR_HD int32_t br_uniform_below(uint32_t x, int32_t k) { return (int32_t)(x >> 9) < k; }

/* k for probability p (a float in [0, 1], as the model holds it): the least integer
 * >= p 2^23 - 1/2, within [0, 2^23]. Exact in double (p 2^23 is). Host only. */
static inline int32_t br_uniform_count(float p)
{
    const double y = (double)p * 0x1p23 - 0.5;
    if (!(y > 0.0))
        return 0;
    if (y >= 0x1p23)
        return 1 << 23;
    int32_t k = (int32_t)y; /* truncation = floor for y > 0 */
    return k + ((double)k < y);
}

/* ---- exp ------------------------------------------------------------------------- */
/* e^x. The input is first clamped to [-87, 88] (-Inf to -87, +Inf and NaN to 88), so the
 * result is always finite, normal and > 0 (e^-87 = 1.6e-38 > FLT_MIN,
 * e^88 = 1.65e38 < FLT_MAX). The model relies on this clamp to never produce Inf or NaN
 * (revenue, capex, round sizes).
 * Method: n = round(x / ln2); r = x - n ln2 by Cody-Waite with fmaf (the first fmaf is
 * exact: |r| < 0.35 and both terms are multiples of 2^-25); e^r = 1 + r + r^2 q(r) with
 * q a degree-4 minimax polynomial (error 3.7e-9 relative to e^r); scale by 2^n through
 * the exponent bits (n in [-126, 127], and e^r >= 1.4 when n = -126: never subnormal).
 * Max error 1.01 ulp vs double exp, measured over every float in [-87, 88]. */
BR_HD float br_expf(float x)
{
    /* The clamp as min then max, NaN going to the upper end: on the GPU fminf and fmaxf
     * (one FMNMX each, which returns the number when one operand is NaN); on the CPU
     * the compare-selects gcc turns into vminps/vmaxps (which return the second operand
     * when one is NaN). Same value for every x, NaN included. */
#if defined(__CUDA_ARCH__)
    x = fmaxf(fminf(x, 88.0f), -87.0f);
#else
    x = x < 88.0f ? x : 88.0f;
    x = x > -87.0f ? x : -87.0f;
#endif
    /* Round-to-nearest integer by the 1.5*2^23 trick: the sum's low mantissa bits hold
     * n as a two's-complement offset from the magic's bit pattern. */
    const float magic = 0x1.8p23f;
    const float t = x * 0x1.715476p+0f + magic; /* x * log2(e) */
    const float nf = t - magic;
    const int32_t n = (int32_t)(br_f2u(t) - br_f2u(magic));
    float r = fmaf(-nf, 0x1.62e430p-1f, x);     /* ln2_hi: float(ln2) */
    r = fmaf(-nf, -0x1.05c610p-29f, r);         /* ln2_lo: ln2 - ln2_hi */
    float q = 1.381455804e-03f;
    q = fmaf(q, r, 8.368736133e-03f);
    q = fmaf(q, r, 4.166838899e-02f);
    q = fmaf(q, r, 1.666652113e-01f);
    q = fmaf(q, r, 4.999999404e-01f);
    const float p = 1.0f + fmaf(r * r, q, r);   /* e^r in [0.70, 1.42] */
    const float scale = br_u2f((uint32_t)(n + 127) << 23); /* 2^n, exact */
    return p * scale;
}

/* ---- standard normal ---------------------------------------------------------------- */
/* One 32-bit word -> N(0,1) by inversion, sign-folded so both tails get the full word's
 * resolution: m = x or ~x (top bit clear), v = (m + 1/2) 2^-32 in (0, 1/2], and
 * z = +Q(v) when the top bit of x is set, -Q(v) otherwise, Q(v) = Phi^-1(1 - v) >= 0.
 * So z is monotone increasing in x, z(~x) = -z(x) exactly, and |z| <= 6.33 (v = 2^-33).
 *
 * Q by table: v's float binade (2^-33 .. 2^-2) and the top four bits of its mantissa
 * pick one of 512 segments (16 per binade: finer where Q is steep, by construction),
 * and Q is a cubic in the rest of the mantissa, t in [-1/32, 1/32). Coefficients from
 * scripts/fit_normal.py (kernels/normal_table.h: minimax, 5.7e-8 absolute below Q = 1
 * and relative above, with float32 coefficients). Cost: the bit arithmetic, one 16-byte
 * load and three fmaf, no log, sqrt or division; an inverse CDF by formula (a log, a
 * division and a sqrt or a second polynomial) was five times as many GPU instructions
 * and half of a path-month. Measured against a double reference
 * (tests/test_transforms_accuracy.c): see the numbers there. */
#include "normal_table.h"

/* The table, once as data and twice as storage. nvcc's device code reads 16-byte rows
 * of a __device__ array (one load per lane, through the L1); host code reads a flat
 * array with an int index, the form gcc turns into four AVX2 gathers. */
#if defined(__CUDACC__)
typedef struct __align__(16) br_normal_row {
    float c[4]; /* Q = c0 + t (c1 + t (c2 + t c3)) */
} br_normal_row;
#define BR_NORMAL_ROW(c0, c1, c2, c3) {{c0, c1, c2, c3}},
__device__ static const br_normal_row br_normal_rows_d[BR_NORMAL_ROWS] = {BR_NORMAL_TABLE_DATA};
#undef BR_NORMAL_ROW
#endif
#define BR_NORMAL_ROW(c0, c1, c2, c3) c0, c1, c2, c3,
static const float br_normal_coef_h[4 * BR_NORMAL_ROWS] = {BR_NORMAL_TABLE_DATA};
#undef BR_NORMAL_ROW

/* w = m + 1/2 for word x, so that v = w 2^-32. v's bits are w's with the exponent 32
 * less (exact: v >= 2^-33 is a normal float), so the row and t are read off w and v
 * itself is never formed. */
BR_HD float br_normal_w(uint32_t x)
{
    const uint32_t m = x ^ (0u - (x >> 31)); /* ~x when the top bit is set; m < 2^31 */
    return (float)(int32_t)m + 0.5f;        /* [0.5, 2^31] */
}

/* Row of the first segment, as v's biased exponent and top mantissa bits, in terms of w:
 * v = 2^-33 is w = 2^-1. */
#define BR_NORMAL_ROW0 ((127 + 32 + BR_NORMAL_E_MIN) << BR_NORMAL_SUB_BITS)

BR_HD float br_normal(uint32_t x)
{
    const uint32_t b = br_f2u(br_normal_w(x));
    /* Row: binade and top mantissa bits, counted from v = 2^-33; v = 1/2 is the last. */
    const int32_t row = (int32_t)(b >> (23 - BR_NORMAL_SUB_BITS)) - BR_NORMAL_ROW0;
#if defined(__CUDA_ARCH__)
    const br_normal_row r = br_normal_rows_d[row];
    const float c0 = r.c[0], c1 = r.c[1], c2 = r.c[2], c3 = r.c[3];
#else
    const int32_t k = 4 * row;
    const float c0 = br_normal_coef_h[k], c1 = br_normal_coef_h[k + 1];
    const float c2 = br_normal_coef_h[k + 2], c3 = br_normal_coef_h[k + 3];
#endif
    /* t: the low mantissa bits as 1.xxx minus the segment's middle (exact, Sterbenz). */
    const uint32_t low = b & ((1u << (23 - BR_NORMAL_SUB_BITS)) - 1u);
    const float t = br_u2f(low | 0x3f800000u) - (1.0f + 0x1p-1f / (float)(1 << BR_NORMAL_SUB_BITS));
    const float q = fmaf(fmaf(fmaf(c3, t, c2), t, c1), t, c0); /* Q(v) >= 0 */
    return br_u2f(br_f2u(q) ^ (~x & 0x80000000u)); /* negate unless the top bit is set */
}

#endif /* BR_TRANSFORMS_H */
