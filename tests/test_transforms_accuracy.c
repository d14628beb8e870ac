/* test_transforms_accuracy: the float transforms in kernels/transforms.h meet their
 * documented accuracy: br_expf within 2 ulp of double exp over a dense sweep of its
 * range (and finite outside it), br_uniform is the exact open-interval map and its
 * integer threshold gives the same decisions, and br_normal is monotone, antisymmetric,
 * close to the exact normal quantile (absolute error in the body, relative in the tails)
 * and has the normal's moments and tail frequencies over a stratified sweep of the
 * 32-bit words. All sweeps
 * are deterministic, so the tolerances below are bounds, not confidence intervals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <float.h>
#include <cmocka.h>

#include "transforms.h"

#define SQRT1_2 0.70710678118654752440 /* 1/sqrt(2); M_SQRT1_2 is not C11 */

/* |f - d| in units of the ulp of float at d (the ulp of the correctly rounded result). */
static double ulp_err(float f, double d)
{
    int e;
    frexp(d, &e); /* d = mant * 2^e, mant in [0.5, 1) */
    if (e < -125) {
        e = -125; /* subnormal range: fixed ulp 2^-149 */
    }
    return fabs((double)f - d) / ldexp(1.0, e - 24);
}

static float bits_f(uint32_t u) { return br_u2f(u); }

/* ---- exp ---- */

static void test_expf_within_2_ulp_over_clamped_range(void **state)
{
    (void)state;
    /* Every 29th float bit pattern of [-87, 0] and [0, 88]: 7.7e7 points, every
     * exponent and (29 being odd) every residue of the low mantissa bits. */
    const uint32_t stride = 29;
    double worst = 0.0;
    float worst_x = 0.0f;
    const uint32_t lim[2] = {br_f2u(87.0f), br_f2u(88.0f)};
    for (int side = 0; side < 2; ++side) {
        for (uint32_t u = 0; u <= lim[side]; u += stride) {
            const float x = side ? bits_f(u) : -bits_f(u);
            const double err = ulp_err(br_expf(x), exp((double)x));
            if (err > worst) {
                worst = err;
                worst_x = x;
            }
        }
    }
    printf("br_expf: max error %.3f ulp (at x = %a)\n", worst, (double)worst_x);
    assert_true(worst <= 2.0);
}

static void test_expf_clamps_to_finite_positive(void **state)
{
    (void)state;
    const float in[] = {-INFINITY, -1e30f, -100.0f, -87.5f, 88.5f, 100.0f, 1e30f, INFINITY, NAN};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; ++i) {
        const float y = br_expf(in[i]);
        assert_true(isfinite(y) && y > 0.0f && y >= FLT_MIN);
    }
    assert_true(br_expf(-1000.0f) == br_expf(-87.0f));
    assert_true(br_expf(1000.0f) == br_expf(88.0f));
    assert_true(br_expf(0.0f) == 1.0f);
    /* A NaN of either sign goes to the upper end (the GPU's FMNMX and the CPU's
     * vminps agree on that; kernels/transforms.h). */
    assert_true(br_expf(NAN) == br_expf(88.0f));
    assert_true(br_expf(-NAN) == br_expf(88.0f));
}

/* ---- uniform ---- */

static void test_uniform_is_exact_open_interval_map(void **state)
{
    (void)state;
    for (uint64_t x = 0; x <= 0xffffffffull; x += 509u) {
        const float u = br_uniform((uint32_t)x);
        assert_true(u > 0.0f && u < 1.0f);
        assert_true((double)u == ((double)((uint32_t)x >> 9) + 0.5) * 0x1p-23);
    }
    assert_true(br_uniform(0u) == 0x1p-24f);
    assert_true(br_uniform(0xffffffffu) == 1.0f - 0x1p-24f);
    assert_true(br_uniform(0x80000000u) == 0.5f + 0x1p-24f);
}

/* br_uniform(x) < p exactly when br_uniform_below(x, br_uniform_count(p)). u is
 * increasing in j = x >> 9 (above), so it is enough that j = k - 1 is below p and j = k
 * is not, for every p: all floats in [0, 1] at a stride, the exact uniforms (the ties
 * u = p) and their neighbours, and both ends. */
static void check_uniform_count(float p)
{
    const int32_t k = br_uniform_count(p);
    assert_true(k >= 0 && k <= (1 << 23));
    if (k > 0) {
        const uint32_t x = (uint32_t)(k - 1) << 9;
        assert_true(br_uniform(x) < p && br_uniform_below(x, k));
        assert_true(br_uniform(x | 0x1ffu) < p && br_uniform_below(x | 0x1ffu, k));
    }
    if (k < (1 << 23)) {
        const uint32_t x = (uint32_t)k << 9;
        assert_true(!(br_uniform(x) < p) && !br_uniform_below(x, k));
        assert_true(!(br_uniform(x | 0x1ffu) < p) && !br_uniform_below(x | 0x1ffu, k));
    }
}

static void test_uniform_below_count_is_the_float_compare(void **state)
{
    (void)state;
    for (uint32_t b = 0; b <= 0x3f800000u; b += 97u) /* floats 0 .. 1 by their bits */
        check_uniform_count(br_u2f(b));
    for (uint32_t j = 0; j < (1u << 23); j += 1021u) {
        const float u = br_uniform(j << 9);
        check_uniform_count(u);
        check_uniform_count(nextafterf(u, 0.0f));
        check_uniform_count(nextafterf(u, 1.0f));
    }
    const float ends[] = {0.0f, 0x1p-149f, 0x1p-25f, 0x1p-24f, 0.5f, 1.0f - 0x1p-24f, 1.0f};
    for (size_t i = 0; i < sizeof ends / sizeof ends[0]; ++i)
        check_uniform_count(ends[i]);
    assert_int_equal(br_uniform_count(0.0f), 0);
    assert_int_equal(br_uniform_count(1.0f), 1 << 23);
}

/* ---- normal ---- */

/* Upper-tail quantile Q(v) = Phi^-1(1 - v) in double: Newton on v = erfc(z/sqrt2)/2
 * started from the float approximation. Newton converges quadratically and the start
 * is within 1e-6 relative, so two steps reach double precision (glibc's erfc is
 * accurate to a few ulp, in the tails too): an error < 1e-12 in the reference. */
static double ref_q(double v, double z0)
{
    double z = z0;
    for (int i = 0; i < 2; ++i) {
        const double g = 0.5 * erfc(z * SQRT1_2) - v;
        const double dens = exp(-0.5 * z * z) * 0.39894228040143267794;
        z += g / dens;
    }
    return z;
}

/* ulps of z's float neighbourhood */
static double ulp_of(float z)
{
    const float a = fabsf(z);
    return (double)nextafterf(a, INFINITY) - (double)a;
}

static void test_normal_is_monotone_to_rounding_and_antisymmetric(void **state)
{
    (void)state;
    /* A float approximation that is not correctly rounded cannot be exactly monotone:
     * where one word moves z by less than an ulp, rounding noise (the cubic's, and
     * where two table segments meet, their fits') can reorder neighbours. What holds,
     * checked over all 2^32 words by `build/kernel_facts normal-order` (179 inversions,
     * none larger than 1 ulp, none for |z| > 3.3), and here over every word of both tails to |z| = 2.4 (m < 2^25) plus a
     * stride through the rest: z never falls more than 1 ulp below the largest z of any
     * smaller word; it is exactly non-decreasing in the far tails (m < 2^21, |z| > 3.3)
     * where one word moves z by more than the noise; and z(~x) = -z(x) bit for bit. */
    double max_drop = 0.0;
    float run_max = br_normal(0u);
    for (uint32_t m = 1; m < (1u << 25); ++m) {
        const float zl = br_normal(m), zh = br_normal(~m); /* z < 0 side, z > 0 side */
        assert_true(br_f2u(zh) == (br_f2u(zl) ^ 0x80000000u));
        if (m < (1u << 21)) {
            assert_true(zl >= run_max); /* exact monotonicity in the far tails */
        }
        if (zl < run_max) {
            const double d = ((double)run_max - zl) / ulp_of(zl);
            max_drop = d > max_drop ? d : max_drop;
        }
        run_max = zl > run_max ? zl : run_max;
    }
    for (uint64_t x = 1u << 25; x <= 0xffffffffull; x += 97u) {
        const float z = br_normal((uint32_t)x);
        if (z < run_max) {
            const double d = ((double)run_max - z) / ulp_of(z);
            max_drop = d > max_drop ? d : max_drop;
        }
        run_max = z > run_max ? z : run_max;
    }
    printf("br_normal: largest drop below the running maximum %.2f ulp\n", max_drop);
    assert_true(max_drop <= 1.0);
    assert_true(br_normal(0u) < -6.3f && br_normal(0xffffffffu) > 6.3f);
    assert_true(br_normal(0x7fffffffu) <= 0.0f && br_normal(0x80000000u) >= 0.0f);
}

static void test_normal_matches_exact_quantile(void **state)
{
    (void)state;
    /* Words with the top bit set (z >= 0; the other half is the exact mirror, checked
     * above): every m < 2^20 (v down to 2^-33, z up to 6.33), then a stride of 257
     * through m < 2^31. Error is measured against the word's exact v = (m + 1/2) 2^-32,
     * so it includes the rounding of v to float. */
    double max_abs_body = 0.0, max_rel_tail = 0.0, max_rel_all = 0.0;
    double z_abs = 0.0, z_rel = 0.0;
    uint64_t n = 0;
    for (uint64_t m = 0; m < 0x80000000ull; m += (m < (1u << 20)) ? 1u : 257u) {
        const float z = br_normal(~(uint32_t)m);
        const double v = ((double)m + 0.5) * 0x1p-32;
        const double q = ref_q(v, (double)z);
        const double ae = fabs((double)z - q);
        const double re = q > 0.0 ? ae / q : 0.0;
        if (q < 3.0 && ae > max_abs_body) {
            max_abs_body = ae;
            z_abs = q;
        }
        if (q >= 3.0 && re > max_rel_tail) {
            max_rel_tail = re;
            z_rel = q;
        }
        if (q > 0.1 && re > max_rel_all) {
            max_rel_all = re;
        }
        ++n;
    }
    printf("br_normal: %llu words; max abs error %.3g for |z| < 3 (at z = %.4f); "
           "max rel error %.3g for |z| >= 3 (at z = %.4f); max rel error %.3g for |z| > 0.1\n",
           (unsigned long long)n, max_abs_body, z_abs, max_rel_tail, z_rel, max_rel_all);
    /* The contract is 2e-6 absolute in the body and 1e-5 relative in the tails; the
     * table does better (2.6e-7 and 1.1e-7 measured: about an ulp, most of it the
     * float32 rounding of v and of the coefficients), and these bounds hold it there so
     * that a worse refit or reordering fails. */
    assert_true(max_abs_body <= 4e-7);
    assert_true(max_rel_tail <= 2e-7);
}

static void test_normal_moments_and_tails_over_stratified_words(void **state)
{
    (void)state;
    /* Words x_k = k 2^8 + 2^7, k < N = 2^24: one word at the centre of each of N equal
     * probability strata. Sums over them are the midpoint rule for E[f(Z)], so they are
     * deterministic and close to the exact values. */
    const uint32_t N = 1u << 24;
    double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
    uint32_t n2 = 0, n3 = 0, n4 = 0;
    for (uint32_t k = 0; k < N; ++k) {
        const double z = br_normal((k << 8) | 0x80u);
        const double z2 = z * z;
        s1 += z;
        s2 += z2;
        s3 += z2 * z;
        s4 += z2 * z2;
        n2 += fabs(z) > 2.0;
        n3 += fabs(z) > 3.0;
        n4 += z > 4.0;
    }
    const double mean = s1 / N, m2 = s2 / N - mean * mean;
    const double skew = (s3 / N - 3 * mean * m2 - mean * mean * mean) / pow(m2, 1.5);
    const double kurt = (s4 / N - 4 * mean * s3 / N + 6 * mean * mean * s2 / N
                         - 3 * pow(mean, 4)) / (m2 * m2);
    const double p2 = (double)n2 / N, p3 = (double)n3 / N, p4 = (double)n4 / N;
    /* Exact: 2 Phi(-2), 2 Phi(-3), Phi(-4). */
    const double e2 = erfc(2.0 * SQRT1_2), e3 = erfc(3.0 * SQRT1_2);
    const double e4 = 0.5 * erfc(4.0 * SQRT1_2);
    printf("br_normal moments over %u strata: mean %.3g, var-1 %.3g, skew %.3g, "
           "kurt-3 %.3g\n", N, mean, m2 - 1.0, skew, kurt - 3.0);
    printf("tails: P(|z|>2) %.9f (exact %.9f), P(|z|>3) %.9f (exact %.9f), "
           "P(z>4) %.9f (exact %.9f)\n", p2, e2, p3, e3, p4, e4);
    /* Tolerances. The midpoint rule is exact to O(h^2) where the integrand is smooth;
     * its error here comes from the outermost stratum of each tail (width h = 2^-24),
     * where z^k is unbounded: there z(midpoint) = 5.3 and the stratum's mean of z^k
     * exceeds z^k(midpoint) by roughly 10%, so each tail is short by about
     * 0.1 h 5.3^k: 2e-7 for k = 2, 5e-6 for k = 4 (both tails). br_normal's own error
     * (< 1e-6 relative, of either sign) moves the moments by less than that again.
     * Mean and skew cancel between the tails (z(~x) = -z(x) exactly; the sampled words
     * are not exactly mirror images, which leaves O(2^-33) per word). Bounds, with
     * margin: mean 1e-7, skew 1e-6, variance 2e-6, kurtosis 5e-5. */
    assert_true(fabs(mean) < 1e-7);
    assert_true(fabs(m2 - 1.0) < 2e-6);
    assert_true(fabs(skew) < 1e-6);
    assert_true(fabs(kurt - 3.0) < 5e-5);
    /* Each threshold crossing falls inside one stratum, and counting that stratum's
     * midpoint in or out is off by at most 1/(2N); br_normal's error moves a crossing
     * by at most phi(t) * |dz| (< 1e-6 * 0.054 = 5e-8 probability at t = 2) per tail, so
     * each crossing is within 1/N and two-sided counts within 2/N (1.2e-7). */
    assert_true(fabs(p2 - e2) <= 2.0 / N);
    assert_true(fabs(p3 - e3) <= 2.0 / N);
    assert_true(fabs(p4 - e4) <= 1.0 / N);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expf_within_2_ulp_over_clamped_range),
        cmocka_unit_test(test_expf_clamps_to_finite_positive),
        cmocka_unit_test(test_uniform_is_exact_open_interval_map),
        cmocka_unit_test(test_uniform_below_count_is_the_float_compare),
        cmocka_unit_test(test_normal_is_monotone_to_rounding_and_antisymmetric),
        cmocka_unit_test(test_normal_matches_exact_quantile),
        cmocka_unit_test(test_normal_moments_and_tails_over_stratified_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
