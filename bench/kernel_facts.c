/* kernel_facts: two counts behind the CUDA kernel's design (bench/RESULTS.md), computed on
 * the CPU from the shared kernels/ code.
 *
 *   kernel_facts normal-order
 *       br_normal over all 2^32 words in word order (z increases with the word): how
 *       often z falls below the largest z of a smaller word, by how many ulp at most, and
 *       how often with |z| > 3.3. About 20 s.
 *   kernel_facts round-warps SCENARIO.ini [WARPS]
 *       steps WARPS (default 4096) groups of 32 consecutive paths through the scalar model
 *       at the default seed and counts the months in which a group with an active path
 *       has one that closes an equity round: the share of warp-months in which the CUDA
 *       kernel cannot skip the round (kernels/cuda.cu, BR_ROUND_WHEN).
 *
 * Built with the project (target kernel_facts); not a test. */
#include "burnrate.h"
#include "model.h"
#include "model_build.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int normal_order(void)
{
    double max_drop = 0.0;
    uint64_t inversions = 0, far = 0;
    float run = br_normal(0u);
    for (uint64_t x = 1; x <= 0xffffffffull; ++x) {
        const float z = br_normal((uint32_t)x);
        if (z < run) {
            const float a = fabsf(z);
            const double ulp = (double)nextafterf(a, INFINITY) - a;
            const double d = ((double)run - z) / ulp;
            max_drop = d > max_drop ? d : max_drop;
            ++inversions;
            far += fabsf(z) > 3.3f;
        }
        run = z > run ? z : run;
    }
    printf("br_normal over all 2^32 words: %" PRIu64 " fall below the running maximum, "
           "largest drop %.2f ulp, %" PRIu64 " of them with |z| > 3.3\n",
           inversions, max_drop, far);
    return 0;
}

static int round_warps(const char *path, uint64_t warps)
{
    enum { W = 32 };
    br_scenario *sc = NULL;
    char err[BR_ERRLEN];
    if (br_scenario_load(path, NULL, 0, &sc, err, sizeof err) != BR_OK) {
        fprintf(stderr, "kernel_facts: %s\n", err);
        return 2;
    }
    br_model *m = malloc(sizeof *m);
    if (!m)
        return 1;
    br_model_build(sc, m);
    uint64_t warp_months = 0, with_close = 0;
    for (uint64_t w = 0; w < warps; ++w) {
        br_path s[W];
        for (int l = 0; l < W; ++l)
            br_path_init(m, &s[l]);
        for (int32_t t = 1; t <= m->horizon; ++t) {
            int active = 0, close = 0;
            for (int l = 0; l < W; ++l) {
                if (!br_path_active(&s[l]))
                    continue;
                const uint64_t p = w * W + (uint64_t)l;
                const br_u32x4 a = br_philox_draw(BR_DEFAULT_SEED, p, 2u * (uint32_t)(t - 1));
                const br_u32x4 b = br_philox_draw(BR_DEFAULT_SEED, p, 2u * (uint32_t)(t - 1) + 1u);
                const br_month_mid mid = br_path_month_a(
                    m, &s[l], 1, t, br_normal(a.v[0]), br_normal(a.v[1]), br_normal(a.v[2]),
                    br_normal(a.v[3]), b.v[0], b.v[1]);
                br_path_month_b(m, &s[l], t, mid, br_round(m, mid.logr, br_normal(b.v[3])), b.v[2]);
                active = 1;
                close |= mid.close;
            }
            if (!active)
                break;
            ++warp_months;
            with_close += (uint64_t)close;
        }
    }
    printf("%s: %" PRIu64 " warps of %d paths, %" PRIu64 " warp-months; a path closes a round "
           "in %.1f%% of them (the kernel skips the round in the other %.1f%%)\n",
           br_scenario_name(sc), warps, W, warp_months, 100.0 * with_close / warp_months,
           100.0 - 100.0 * with_close / warp_months);
    free(m);
    br_scenario_free(sc);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "normal-order") == 0)
        return normal_order();
    if ((argc == 3 || argc == 4) && strcmp(argv[1], "round-warps") == 0) {
        char *end = NULL;
        const unsigned long long warps = argc == 4 ? strtoull(argv[3], &end, 10) : 4096;
        if (argc == 4 && (end == argv[3] || *end != '\0' || warps < 1 || warps > (1ull << 26))) {
            fprintf(stderr, "kernel_facts: WARPS '%s': allowed: a whole number 1 .. 67108864\n",
                    argv[3]);
            return 2;
        }
        return round_warps(argv[2], warps);
    }
    fprintf(stderr, "usage: kernel_facts normal-order | round-warps SCENARIO.ini [WARPS]\n");
    return 2;
}
