/* transforms.h: 32-bit Philox words -> uniform and standard normal floats, and the
 * exp/log the model needs, written once for gcc and nvcc (MODEL.md s.5).
 *
 * Bit-identical CPU and GPU results come from using only operations both round the
 * same way: IEEE + - * /, sqrtf (correctly rounded on both; nvcc must keep its default
 * -prec-div=true -prec-sqrt=true, i.e. no --use_fast_math), explicit fmaf for every
 * fused multiply-add (gcc: -ffp-contract=off, nvcc: -fmad=false, so the compiler adds
 * none of its own), integer and bit operations, compares and selects. No libm
 * transcendental, no tables. Everything is branch-free (both candidates computed, one
 * selected) so a `#pragma omp simd` loop over paths vectorises and warps never diverge.
 * Polynomial coefficients come from scripts/fit_normal.py (near-minimax, Lawson's
 * algorithm, against mpmath references); the errors quoted are measured by
 * tests/test_transforms_accuracy.c. */
#ifndef BR_TRANSFORMS_H
#define BR_TRANSFORMS_H

#include "br_hd.h"
#include <math.h>   /* fmaf, sqrtf: the only two libm functions used */
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

/* Float bits -> int32 with the same order as the floats (-0 < +0; NaNs beyond the
 * infinities by sign). An involution, so it also maps back. Clamps and selects compare
 * these integers instead of floats: gcc will not if-convert a float compare under its
 * default -ftrapping-math (it keeps a branch and the omp simd loop stays scalar), and
 * the integer form says exactly where NaNs go. */
BR_HD uint32_t br_fkey(uint32_t u)
{
    return u ^ ((0u - (u >> 31)) >> 1); /* negative: flip the magnitude bits */
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

/* ---- exp ------------------------------------------------------------------------- */
/* e^x. The input is first clamped to [-87, 88] (-Inf to -87, +Inf to 88, a NaN to the
 * end on its sign bit's side), so the result is always finite, normal and > 0
 * (e^-87 = 1.6e-38 > FLT_MIN, e^88 = 1.65e38 < FLT_MAX). The model relies on this
 * clamp to never produce Inf or NaN (revenue, capex, round sizes).
 * Method: n = round(x / ln2); r = x - n ln2 by Cody-Waite with fmaf (the first fmaf is
 * exact: |r| < 0.35 and both terms are multiples of 2^-25); e^r = 1 + r + r^2 q(r) with
 * q a degree-4 minimax polynomial (error 3.7e-9 relative to e^r); scale by 2^n through
 * the exponent bits (n in [-126, 127], and e^r >= 1.4 when n = -126: never subnormal).
 * Max error 1.01 ulp vs double exp, measured over every float in [-87, 88]. */
BR_HD float br_expf(float x)
{
    const int32_t klo = (int32_t)br_fkey(0xc2ae0000u); /* -87.0f */
    const int32_t khi = (int32_t)br_fkey(0x42b00000u); /* 88.0f */
    int32_t k = (int32_t)br_fkey(br_f2u(x));
    k = (k > klo) ? k : klo;
    k = (k < khi) ? k : khi;
    x = br_u2f(br_fkey((uint32_t)k));
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

/* ---- log ------------------------------------------------------------------------- */
/* Natural log. Inputs below FLT_MIN (zero, subnormal, negative, -NaN) are clamped to
 * FLT_MIN, +Inf and +NaN to FLT_MAX, so the result is always finite, in
 * [-87.34, 88.73]: the model takes logs of revenue ratios and relies on a finite answer
 * even when revenue has fallen to zero.
 * Method: x = 2^e m with m in [sqrt(1/2), sqrt(2)) from the bits; f = m - 1 (exact);
 * log(1+f) = 2 atanh(s), s = f/(2+f), |s| <= 0.1716, written as
 * f - f^2/2 + s (f^2/2 + R(s^2)) with R(z) = z P(z), P degree 3 (fdlibm's arrangement:
 * the large terms f and -f^2/2 carry no polynomial error). Then add e*ln2 in two parts,
 * small terms first. Max error 1.51 ulp vs double log, measured over every normal float. */
/* br_logf of a float already in [FLT_MIN, FLT_MAX] (given as its bits b): the clamps
 * below are then the identity, and callers whose argument is known to be in range
 * (br_normal_w) skip them. */
BR_HD float br_logf_inrange(int32_t b)
{
    /* Offset the bits so that mantissas >= sqrt(1/2) (0x3f3504f3) carry into the
     * exponent: e counts from sqrt(1/2) instead of 1. */
    const uint32_t u = (uint32_t)b + (0x3f800000u - 0x3f3504f3u);
    const float e = (float)((int32_t)(u >> 23) - 127);
    const float m = br_u2f((u & 0x007fffffu) + 0x3f3504f3u);
    const float f = m - 1.0f;
    const float s = f / (2.0f + f);
    const float z = s * s;
    float P = 2.333214134e-01f;
    P = fmaf(P, z, 2.855075598e-01f);
    P = fmaf(P, z, 4.000012279e-01f);
    P = fmaf(P, z, 6.666666865e-01f);
    const float R = z * P;
    const float hfsq = 0.5f * f * f;
    const float lo = fmaf(s, hfsq + R, fmaf(e, -0x1.05c610p-29f, -hfsq));
    const float hi = fmaf(e, 0x1.62e430p-1f, f);
    return hi + lo;
}

BR_HD float br_logf(float x)
{
    /* Clamp on the bits as int32: negatives (sign bit) sort below FLT_MIN's pattern. */
    int32_t b = (int32_t)br_f2u(x);
    b = (b > 0x00800000) ? b : 0x00800000;  /* FLT_MIN */
    b = (b < 0x7f7fffff) ? b : 0x7f7fffff;  /* FLT_MAX */
    return br_logf_inrange(b);
}

/* ---- standard normal ---------------------------------------------------------------- */
/* One 32-bit word -> N(0,1) by inversion, sign-folded so both tails get the full word's
 * resolution: m = x or ~x (top bit clear), v = (m + 1/2) 2^-32 in (0, 1/2], and
 * z = +Q(v) when the top bit of x is set, -Q(v) otherwise, Q(v) = Phi^-1(1 - v) >= 0.
 * So z is monotone increasing in x, z(~x) = -z(x) exactly, and |z| <= 6.33 (v = 2^-33).
 *
 * Q follows the erfinv structure of M. Giles, "Approximating the erfinv function" (GPU
 * Computing Gems Jade Ed., 2011): Q(v) = x R(w) with x = 1 - 2v and
 * w = -log(1 - x^2) = -log(4v(1-v)), computed from v so the tail keeps its relative
 * precision. R is one polynomial in (w - 2.5) for w < 5 (|z| < 2.6) and one in
 * (sqrt(w) - 3.4375) for 5 <= w <= 21.6; coefficients are our own fits (relative error
 * 3.6e-8 and 4.1e-8 in double, scripts/fit_normal.py). Both are evaluated and one
 * selected. Measured against a double reference (tests/test_transforms_accuracy.c):
 * 6.2e-7 absolute for |z| < 3, 2.6e-7 relative for |z| >= 3. Not exactly monotone in x
 * (no float approximation short of correct rounding is): neighbours can invert by up to
 * 2 ulp where one word moves z by less than an ulp; never for |z| > 3.3. */
/* br_normal in parts (the CPU engine evaluates the central polynomial for every word and
 * the tail one only for the few words that need it); br_normal is their composition.
 * v of word x: */
BR_HD float br_normal_v(uint32_t x)
{
    const uint32_t m = x ^ (0u - (x >> 31));            /* ~x when the top bit is set */
    return ((float)(int32_t)m + 0.5f) * 0x1p-32f;       /* (0, 0.5]; m < 2^31 */
}

/* w of v. (4v)(1-v) lies in [4.6e-10, 1] (v >= 2^-33), inside br_logf's clamps. */
BR_HD float br_normal_w(float v)
{
    return -br_logf_inrange((int32_t)br_f2u((4.0f * v) * (1.0f - v))); /* [0, 21.5] */
}

/* R(w) for w < 5. */
BR_HD float br_normal_central(float w)
{
    const float t1 = w - 2.5f; /* central: w in [0, 5) */
    float p1 = -1.225239465e-08f;
    p1 = fmaf(p1, t1, 3.311174268e-08f);
    p1 = fmaf(p1, t1, 6.570361961e-07f);
    p1 = fmaf(p1, t1, -4.899844953e-06f);
    p1 = fmaf(p1, t1, -7.010266017e-06f);
    p1 = fmaf(p1, t1, 3.087953082e-04f);
    p1 = fmaf(p1, t1, -1.771657495e-03f);
    p1 = fmaf(p1, t1, -5.907727405e-03f);
    p1 = fmaf(p1, t1, 3.488020301e-01f);
    p1 = fmaf(p1, t1, 2.123313427e+00f);
    return p1;
}

/* R(w) for 5 <= w <= 21.6. */
BR_HD float br_normal_tail(float w)
{
    const float t2 = sqrtf(w) - 3.4375f; /* tail: sqrt(w) in [2.24, 4.64] */
    float p2 = -3.202765947e-05f;
    p2 = fmaf(p2, t2, 5.395186599e-05f);
    p2 = fmaf(p2, t2, 1.112212776e-04f);
    p2 = fmaf(p2, t2, -4.321555607e-04f);
    p2 = fmaf(p2, t2, 7.613765774e-04f);
    p2 = fmaf(p2, t2, -1.184289111e-03f);
    p2 = fmaf(p2, t2, 1.885516802e-03f);
    p2 = fmaf(p2, t2, -3.353076521e-03f);
    p2 = fmaf(p2, t2, 5.219879560e-03f);
    p2 = fmaf(p2, t2, 1.424020171e+00f);
    p2 = fmaf(p2, t2, 4.628068447e+00f);
    return p2;
}

/* 1 when w < 5 (the central polynomial applies), 0 otherwise. Compared on the bits:
 * w >= -0, so int order is float order. */
BR_HD int32_t br_normal_is_central(float w) { return (int32_t)br_f2u(w) < 0x40a00000; }

/* z of word x from its v and R(w). */
BR_HD float br_normal_finish(uint32_t x, float v, float R)
{
    const uint32_t sign = x & 0x80000000u;
    const float xx = 1.0f - 2.0f * v; /* 2v exact */
    const float q = xx * R;           /* Q(v) >= 0 */
    return br_u2f(br_f2u(q) ^ (sign ^ 0x80000000u)); /* negate unless top bit set */
}

BR_HD float br_normal(uint32_t x)
{
    const float v = br_normal_v(x);
    const float w = br_normal_w(v);
    const float p1 = br_normal_central(w);
    const float p2 = br_normal_tail(w);
    /* Select by bit mask, not `c ? p1 : p2`: gcc would move each polynomial into its
     * own branch and, under -ftrapping-math, not if-convert them back (scalar loop). */
    const uint32_t central = 0u - (uint32_t)br_normal_is_central(w);
    const float R = br_u2f((br_f2u(p1) & central) | (br_f2u(p2) & ~central));
    return br_normal_finish(x, v, R);
}

#endif /* BR_TRANSFORMS_H */
