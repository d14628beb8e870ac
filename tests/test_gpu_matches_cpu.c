/* test_gpu_matches_cpu.c: every backend computes the same function of (scenario, seed,
 * path), bit for bit. One test body, built twice (tests/cuda.cmake):
 *   BR_TWIN_GPU=0, test_cpu_vector_equals_scalar_path: the vectorised CPU loop
 *     (br_cpu_outcomes) equals br_path_run, the one-path-per-thread form a GPU runs;
 *   BR_TWIN_GPU=1, test_gpu_matches_cpu: br_cuda_outcomes equals br_cpu_outcomes for
 *     10^6 paths, and the CUDA backend's tallies and verification hash equal the CPU
 *     backend's; with the argument `philox` (test_gpu_philox_matches_curand) the device's
 *     Philox words equal cuRAND's device API (curand_init + skipahead + curand4), also as
 *     the engine's kernels draw them (constant-memory round keys); and
 *     the transforms (normal, exp, log) give the same bits word by word.
 * Scenarios: every .ini file in scenarios/ plus four built here: two that switch every
 * mechanism on, one of them at the edges of the allowed ranges, and the shortest and
 * longest horizons (1 and 1200 months: the GPU's shared tally has 2H + 14 slots). GPU
 * tests skip without a device, and fail instead when BR_REQUIRE_GPU=1 (bench/gpu_validate.sh
 * sets it, so a GPU machine whose driver is too old cannot pass them by skipping). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <glob.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "burnrate.h"
#include "cpu.h"
#include "model_build.h"
#include "scenario.h"
#include "stats.h"
#if BR_TWIN_GPU
#include "cuda.h"
#endif

#ifndef BR_TWIN_GPU
#define BR_TWIN_GPU 0
#endif

#define SEED BR_DEFAULT_SEED
#if BR_TWIN_GPU
#define N_PATHS UINT64_C(1000000) /* per scenario */
#else
#define N_PATHS UINT64_C(65536)
#endif
#define CHUNK ((size_t)1 << 18)

/* Paths per scenario of this run: N_PATHS, or fewer when BR_TWIN_PATHS says so (the
 * compute-sanitizer runs of bench/gpu_validate.sh, where every access is instrumented). */
static uint64_t g_paths = N_PATHS;

/* ---- scenarios ------------------------------------------------------------------------ */

static const char all_features_ini[] =
    "[scenario]\nname = twin_all_features\nhorizon_months = 120\n"
    "[cash]\ninitial = 20B\nminimum = 1B\n"
    "[revenue]\ninitial = 300M\ngrowth = 0.06\ngrowth_longrun = 0.01\n"
    "growth_halflife_months = 18\ngrowth_vol = 0.02\nvol = 0.15\ngross_margin = 0.6\n"
    "stress_growth_penalty = 0.03\ncap = 50B\n"
    "[costs]\nopex = 600M\nopex_growth = 0.01\ncapex_schedule = 1:2.5B, 13:3B, 37:2B\n"
    "capex_growth = 0.005\ncapex_vol = 0.25\ncompute_opex_rate = 0.01\ncashflow_vol = 200M\n"
    "[market]\nstress_entry = 0.05\nstress_exit = 0.2\ninitial = normal\n"
    "[equity]\ntrigger_months = 9\nmin_gap_months = 6\nsuccess_normal = 0.8\n"
    "success_stressed = 0.35\nround_median = 15B\nround_vol = 0.4\n"
    "revenue_elasticity = 0.7\nmax_rounds = 8\nmonths_since_last_round = 3\n"
    "[debt]\nfacility = 12B\ninitial_drawn = 2B\ndraw_buffer = 500M\nrate = 0.09\n"
    "stress_spread = 0.04\n"
    "[backstop]\nprobability = 0.5\namount = 5B\nmax_uses = 2\n"
    "[correlation]\nrevenue_growth = 0.5\nrevenue_capex = 0.3\nrevenue_cashflow = 0.4\n"
    "growth_capex = 0.2\ngrowth_cashflow = 0.1\ncapex_cashflow = -0.2\n";

/* Volatilities and elasticity at their limits: exp arguments past float range, the
 * revenue cap, the round cap and money past the histogram's end bins all occur. */
static const char extremes_ini[] =
    "[scenario]\nname = twin_extremes\nhorizon_months = 240\n"
    "[cash]\ninitial = 5B\nminimum = -1B\n"
    "[revenue]\ninitial = 1M\ngrowth = 1\ngrowth_longrun = -1\ngrowth_halflife_months = 0.5\n"
    "growth_vol = 2\nvol = 2\ngross_margin = -0.5\nstress_growth_penalty = 1\n"
    "[costs]\nopex = 1B\nopex_growth = 0.02\ncapex = 3B\ncapex_growth = -0.01\n"
    "capex_vol = 2\ncompute_opex_rate = 1\ncashflow_vol = 1T\n"
    "[market]\nstress_entry = 0.5\nstress_exit = 0.5\ninitial = stressed\n"
    "[equity]\ntrigger_months = 100\nsuccess_normal = 1\nsuccess_stressed = 0.5\n"
    "round_median = 100B\nround_vol = 2\nrevenue_elasticity = 2\n"
    "[debt]\nfacility = 1T\ninitial_drawn = 10B\ndraw_buffer = 1B\nrate = 1\n"
    "stress_spread = 1\n"
    "[backstop]\nprobability = 0.9\namount = 50B\nmax_uses = 1000\n"
    "[correlation]\nrevenue_growth = -0.9\nrevenue_capex = 0.9\ngrowth_capex = -0.8\n";

/* 1 month: paths become insolvent, end their runway, draw debt, raise and get the backstop
 * in the only month there is. */
static const char horizon_1_ini[] =
    "[scenario]\nname = twin_horizon_1\nhorizon_months = 1\n"
    "[cash]\ninitial = 1B\nminimum = 800M\n"
    "[revenue]\ninitial = 1B\ngross_margin = 0.8\n"
    "[costs]\nopex = 1B\ncashflow_vol = 300M\n"
    "[equity]\ntrigger_months = 12\nsuccess_normal = 0.3\nround_median = 2B\n"
    "[debt]\nfacility = 100M\n"
    "[backstop]\nprobability = 0.5\namount = 500M\nmax_uses = 1\n";

/* 1200 months, a slow burn: insolvency spread from month ~90 to the end, and 12% of paths
 * (the runway of 12%) beyond the horizon, so the high months' tallies are used. */
static const char horizon_1200_ini[] =
    "[scenario]\nname = twin_horizon_1200\nhorizon_months = 1200\n"
    "[cash]\ninitial = 40B\nminimum = 0\n"
    "[revenue]\ninitial = 600M\ngrowth = 0.004\ngrowth_longrun = 0.0\n"
    "growth_halflife_months = 24\ngrowth_vol = 0.003\nvol = 0.1\ngross_margin = 0.6\n"
    "[costs]\nopex = 500M\nopex_growth = 0.0005\ncapex = 50M\ncapex_vol = 0.3\n"
    "compute_opex_rate = 0.002\ncashflow_vol = 100M\n"
    "[market]\nstress_entry = 0.02\nstress_exit = 0.1\n"
    "[equity]\ntrigger_months = 6\nsuccess_normal = 0.3\nsuccess_stressed = 0.1\n"
    "round_median = 2B\nround_vol = 0.5\nmax_rounds = 3\n"
    "[backstop]\nprobability = 0.5\namount = 1B\nmax_uses = 2\n";

typedef struct scenario_list {
    char **paths;
    size_t n;
} scenario_list;

/* Each twin binary writes its own copies (ctest -j runs the CPU and GPU twins at once, and
 * one must not read a file the other is rewriting), via a temporary file and a rename. */
static void write_ini(scenario_list *l, const char *name, const char *text)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/%s-%s", BR_BINARY_DIR, BR_TWIN_GPU ? "gpu" : "cpu", name);
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(rename(tmp, path), 0);
    l->paths[l->n++] = strdup(path);
}

/* The .ini files in scenarios/, globbed at test time, plus the four above. */
static scenario_list scenarios(void)
{
    scenario_list l = {0};
    glob_t g;
    const int rc = glob(BR_SOURCE_DIR "/scenarios/*.ini", 0, NULL, &g);
    const size_t found = rc == 0 ? g.gl_pathc : 0;
    l.paths = calloc(found + 4, sizeof *l.paths);
    assert_non_null(l.paths);
    for (size_t i = 0; i < found; ++i)
        l.paths[l.n++] = strdup(g.gl_pathv[i]);
    if (rc == 0)
        globfree(&g);
    if (found == 0)
        print_message("note: no scenarios/*.ini found; built-in scenarios only\n");
    write_ini(&l, "twin_all_features.ini", all_features_ini);
    write_ini(&l, "twin_extremes.ini", extremes_ini);
    write_ini(&l, "twin_horizon_1.ini", horizon_1_ini);
    write_ini(&l, "twin_horizon_1200.ini", horizon_1200_ini);
    return l;
}

static void scenarios_free(scenario_list *l)
{
    for (size_t i = 0; i < l->n; ++i)
        free(l->paths[i]);
    free(l->paths);
}

static br_model *model_load(const char *path)
{
    char err[BR_ERRLEN] = "";
    br_scenario *sc = NULL;
    const br_status st = br_scenario_load(path, NULL, 0, &sc, err, sizeof err);
    if (st != BR_OK)
        fail_msg("%s: %s", path, err);
    br_model *m = malloc(sizeof *m);
    assert_non_null(m);
    br_model_build(sc, m);
    br_scenario_free(sc);
    return m;
}

/* ---- per-path outcomes ------------------------------------------------------------------ */

static uint32_t bits(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

/* Number of paths whose outcome differs in any field or any bit; the first few named. */
static size_t compare(const char *what, const char *scn, uint64_t p0, const br_outcome *ref,
                      const br_outcome *got, size_t n)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; ++i) {
        const br_outcome *a = &ref[i], *b = &got[i];
        if (a->insolvent == b->insolvent && a->runway == b->runway &&
            a->rounds == b->rounds && a->uses == b->uses && bits(a->cash) == bits(b->cash) &&
            bits(a->need) == bits(b->need) && bits(a->raised) == bits(b->raised) &&
            bits(a->drawn) == bits(b->drawn))
            continue;
        if (bad++ < 5)
            print_message("%s: %s path %" PRIu64 ": insolvent %d/%d runway %d/%d rounds %d/%d "
                          "uses %d/%d cash %a/%a need %a/%a raised %a/%a drawn %a/%a\n",
                          scn, what, p0 + i, a->insolvent, b->insolvent, a->runway, b->runway,
                          a->rounds, b->rounds, a->uses, b->uses, (double)a->cash,
                          (double)b->cash, (double)a->need, (double)b->need,
                          (double)a->raised, (double)b->raised, (double)a->drawn,
                          (double)b->drawn);
    }
    return bad;
}

#if BR_TWIN_GPU
static void require_device(void)
{
    char why[BR_ERRLEN] = "";
    if (br_cuda_probe(why, sizeof why) == 0) {
        const char *req = getenv("BR_REQUIRE_GPU");
        if (req && strcmp(req, "1") == 0)
            fail_msg("no usable CUDA device, and BR_REQUIRE_GPU=1: %s", why);
        print_message("no CUDA device: %s; skipping\n", why);
        skip();
    }
}

static const char *const WHAT = "cuda vs cpu";

/* Reference: the CPU engine, in parallel over chunks of whole blocks. */
static void reference(const br_model *m, uint64_t p0, size_t n, br_outcome *out)
{
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t c = 0; c < n; c += 4096)
        br_cpu_outcomes(m, SEED, p0 + c, n - c < 4096 ? n - c : 4096, out + c);
}

static void candidate(const br_model *m, uint64_t p0, size_t n, br_outcome *out)
{
    char err[BR_ERRLEN] = "";
    if (br_cuda_outcomes(m, SEED, p0, n, out, err, sizeof err) != BR_OK)
        fail_msg("br_cuda_outcomes: %s", err);
}
#else
static void require_device(void) {}

static const char *const WHAT = "cpu vector vs scalar";

/* Reference: one path at a time, as a GPU thread runs it. */
static void reference(const br_model *m, uint64_t p0, size_t n, br_outcome *out)
{
    for (size_t i = 0; i < n; ++i)
        out[i] = br_path_run(m, SEED, p0 + i);
}

static void candidate(const br_model *m, uint64_t p0, size_t n, br_outcome *out)
{
    br_cpu_outcomes(m, SEED, p0, n, out);
}
#endif

/* Paths 0 .. g_paths-1, a range across p = 2^32 (the high word of the counter), and an
 * odd count from an odd start (a warp, and a block of the CPU loop, partly filled). */
static void outcomes_equal(void **state)
{
    (void)state;
    require_device();
    const struct {
        uint64_t p0, n;
    } ranges[] = {{0, g_paths}, {(UINT64_C(1) << 32) - 4032, 8192}, {12345, 1001}};
    scenario_list l = scenarios();
    br_outcome *ref = malloc(CHUNK * sizeof *ref), *got = malloc(CHUNK * sizeof *got);
    assert_non_null(ref);
    assert_non_null(got);
    size_t bad = 0;
    for (size_t s = 0; s < l.n; ++s) {
        br_model *m = model_load(l.paths[s]);
        uint64_t checked = 0;
        for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; ++r)
            for (uint64_t c = 0; c < ranges[r].n; c += CHUNK) {
                const uint64_t p0 = ranges[r].p0 + c;
                const size_t n = (size_t)(ranges[r].n - c < CHUNK ? ranges[r].n - c : CHUNK);
                memset(got, 0xCA, n * sizeof *got);
                reference(m, p0, n, ref);
                candidate(m, p0, n, got);
                bad += compare(WHAT, l.paths[s], p0, ref, got, n);
                checked += n;
            }
        print_message("%s: %" PRIu64 " paths compared (%s)\n", l.paths[s], checked, WHAT);
        free(m);
    }
    free(ref);
    free(got);
    scenarios_free(&l);
    assert_int_equal(bad, 0);
}

#if BR_TWIN_GPU
/* ---- whole runs: tallies and verification hash ------------------------------------------ */

/* 10^6 paths: 16 units, the last one short; units[i] = i. */
enum { N_UNITS = (int)((N_PATHS + BR_UNIT_PATHS - 1) / BR_UNIT_PATHS) };
static size_t all_units(uint64_t *units)
{
    const size_t n = (size_t)((g_paths + BR_UNIT_PATHS - 1) / BR_UNIT_PATHS);
    for (size_t i = 0; i < n; ++i)
        units[i] = i;
    return n;
}

static void run_n(const br_backend *be, const br_model *m, uint64_t n_paths,
                  const uint64_t *units, size_t n, br_tally *t, const br_extra *x)
{
    char err[BR_ERRLEN] = "";
    if (be->run_units(m, SEED, n_paths, units, n, 0, t, x, err, sizeof err) != BR_OK)
        fail_msg("%s backend: %s", be->name, err);
}

static void run(const br_backend *be, const br_model *m, const uint64_t *units, size_t n,
                br_tally *t, const br_extra *x)
{
    run_n(be, m, g_paths, units, n, t, x);
}

/* 10^6 paths: 16 units, the last one short. The CUDA run is done twice, all units in one
 * call and then in two calls in reverse order, so the split cannot matter either. */
static void run_hash_equal(void **state)
{
    (void)state;
    require_device();
    uint64_t units[N_UNITS];
    const size_t n_units = all_units(units);
    scenario_list l = scenarios();
    br_tally *t = calloc(3, sizeof *t);
    assert_non_null(t);
    for (size_t s = 0; s < l.n; ++s) {
        br_model *m = model_load(l.paths[s]);
        memset(t, 0, 3 * sizeof *t);
        run(&br_backend_cpu, m, units, n_units, &t[0], NULL);
        run(&br_backend_cuda, m, units, n_units, &t[1], NULL);
        run(&br_backend_cuda, m, units + n_units / 2, n_units - n_units / 2, &t[2], NULL);
        run(&br_backend_cuda, m, units, n_units / 2, &t[2], NULL);
        const uint64_t h[3] = {br_tally_hash(&t[0], m->horizon),
                               br_tally_hash(&t[1], m->horizon),
                               br_tally_hash(&t[2], m->horizon)};
        print_message("%s: hash cpu %016" PRIx64 " cuda %016" PRIx64 " cuda split %016" PRIx64
                      "\n",
                      l.paths[s], h[0], h[1], h[2]);
        assert_int_equal(t[0].paths, g_paths);
        assert_memory_equal(&t[0], &t[1], sizeof *t);
        assert_memory_equal(&t[0], &t[2], sizeof *t);
        assert_int_equal(h[0], h[1]);
        assert_int_equal(h[0], h[2]);
        /* 13 paths fewer: the last unit ends inside a warp (10^6 and one unit's worth of
         * paths are whole warps), so threads of one warp tally while others do not. */
        if (g_paths > 13) {
            memset(t, 0, 2 * sizeof *t);
            run_n(&br_backend_cpu, m, g_paths - 13, units, n_units, &t[0], NULL);
            run_n(&br_backend_cuda, m, g_paths - 13, units, n_units, &t[1], NULL);
            assert_int_equal(t[0].paths, g_paths - 13);
            assert_memory_equal(&t[0], &t[1], sizeof *t);
        }
        free(m);
    }
    free(t);
    scenarios_free(&l);
}

/* The optional tallies (--fan and the per-unit rows of sensitivity) equal the CPU's too,
 * bit for bit, and the fan is not empty. */
static void optional_tallies_equal(void **state)
{
    (void)state;
    require_device();
    uint64_t units[N_UNITS];
    const size_t n_units = all_units(units);
    scenario_list l = scenarios();
    for (size_t s = 0; s < l.n; ++s) {
        br_model *m = model_load(l.paths[s]);
        const size_t fw = (size_t)m->horizon * BR_FAN_BINS;
        const size_t rw = (size_t)n_units * BR_UNIT_ROW(m->horizon);
        uint64_t *buf = calloc(2 * (fw + rw), sizeof *buf);
        br_tally *t = calloc(2, sizeof *t);
        assert_non_null(buf);
        assert_non_null(t);
        const br_backend *be[2] = {&br_backend_cpu, &br_backend_cuda};
        for (int b = 0; b < 2; ++b) {
            uint64_t *fan = buf + (size_t)b * (fw + rw), *rows = fan + fw;
            /* The CPU adds into zeroed rows; the CUDA backend copies its device rows
             * over the caller's, so there they are poisoned: a row not copied fails. */
            if (b == 1)
                memset(rows, 0xCA, rw * sizeof *rows);
            const br_extra x = {.fan = fan, .unit_rows = rows};
            run(be[b], m, units, n_units, &t[b], &x);
        }
        print_message("%s: fan and unit rows compared (%zu + %zu words)\n", l.paths[s], fw, rw);
        assert_memory_equal(&t[0], &t[1], sizeof *t);
        assert_memory_equal(buf, buf + fw + rw, (fw + rw) * sizeof *buf);
        uint64_t sum = 0;
        for (size_t i = 0; i < fw; ++i)
            sum += buf[i];
        assert_true(sum > 0);
        free(buf);
        free(t);
        free(m);
    }
    scenarios_free(&l);
}

/* ---- Philox words vs cuRAND's device API ---------------------------------------------- */

static void philox_matches_curand(void **state)
{
    (void)state;
    require_device();
    static const uint64_t seeds[] = {BR_DEFAULT_SEED, 0, UINT64_C(0x0123456789abcdef),
                                     UINT64_MAX};
    static const uint64_t starts[] = {0, 3 * (uint64_t)BR_UNIT_PATHS + 17,
                                      (UINT64_C(1) << 32) - 1000, (UINT64_C(1) << 40) + 5,
                                      UINT64_MAX - 3000};
    /* draw offsets: month 1, odd, month 60's second draw, the last of month 1200, and
     * near the top of the 32-bit draw counter */
    static const uint32_t offsets[] = {0, 1, 7, 119, 2399, 65535, 0xfffffff0u};
    enum { N = 4096, D = 4 };
    uint32_t *ours = malloc(3 * N * D * 4 * sizeof *ours);
    assert_non_null(ours);
    uint32_t *cur = ours + N * D * 4, *eng = ours + 2 * N * D * 4;
    size_t words = 0;
    for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; ++s)
        for (size_t a = 0; a < sizeof starts / sizeof starts[0]; ++a)
            for (size_t o = 0; o < sizeof offsets / sizeof offsets[0]; ++o) {
                char err[BR_ERRLEN] = "";
                const size_t n = starts[a] > UINT64_MAX - N ? (size_t)(UINT64_MAX - starts[a]) + 1 : N;
                if (br_cuda_philox_words(seeds[s], starts[a], n, offsets[o], D, ours, cur, err,
                                         sizeof err) != BR_OK)
                    fail_msg("br_cuda_philox_words: %s", err);
                if (br_cuda_engine_words(seeds[s], starts[a], n, offsets[o], D, eng, err,
                                         sizeof err) != BR_OK)
                    fail_msg("br_cuda_engine_words: %s", err);
                for (size_t i = 0; i < n; ++i)
                    for (uint32_t d = 0; d < D; ++d) {
                        const uint64_t p = starts[a] + i;
                        /* the host build of the same header, too */
                        const br_u32x4 h = br_philox_draw(seeds[s], p, offsets[o] + d);
                        for (int w = 0; w < 4; ++w) {
                            const size_t k = (i * D + d) * 4 + (size_t)w;
                            if (ours[k] != cur[k] || ours[k] != h.v[w] || eng[k] != h.v[w])
                                fail_msg("seed %" PRIx64 " path %" PRIu64 " draw %" PRIu32
                                         " word %d: ours %08" PRIx32 " curand %08" PRIx32
                                         " host %08" PRIx32 " engine %08" PRIx32,
                                         seeds[s], p, offsets[o] + d, w, ours[k], cur[k],
                                         h.v[w], eng[k]);
                        }
                    }
                words += n * D * 4;
            }
    print_message("%zu words equal (ours on device, cuRAND device API, ours on host, the "
                  "engine's kernels' constant-memory keys)\n", words);
    free(ours);
}

/* The transforms alone, word by word: the normal for every word of both far tails
 * (|z| > 2.66, all but the top 8 of the table's binades) and a stride through the rest; exp
 * for the floats with those bits (every exponent, both signs, zeros, subnormals,
 * infinities and NaNs). Device and host builds of transforms.h give the same bits. */
static void transforms_equal(void **state)
{
    (void)state;
    require_device();
    enum { WORDS = 1 << 22 };
    static const struct {
        uint32_t first, stride, n;
    } spans[] = {
        {0u, 1u, 1u << 24},                   /* z < -2.66: v < 2^-8, 24 binades */
        {0xff000000u, 1u, 1u << 24},          /* z > 2.66 */
        {0x01000000u, 251u, 0xfe000000u / 251u}, /* the rest, stride 251 */
    };
    float *buf = malloc(2 * (size_t)WORDS * sizeof *buf);
    assert_non_null(buf);
    float *nd = buf, *ed = buf + WORDS;
    uint64_t words = 0, bad = 0;
    for (size_t s = 0; s < sizeof spans / sizeof spans[0]; ++s)
        for (uint32_t done = 0; done < spans[s].n;) {
            const uint32_t n = spans[s].n - done < WORDS ? spans[s].n - done : WORDS;
            const uint32_t first = spans[s].first + done * spans[s].stride;
            char err[BR_ERRLEN] = "";
            if (br_cuda_transform_words(first, spans[s].stride, n, nd, ed, err, sizeof err) != BR_OK)
                fail_msg("br_cuda_transform_words: %s", err);
            for (uint32_t i = 0; i < n; ++i) {
                const uint32_t x = first + i * spans[s].stride;
                const float hn = br_normal(x), he = br_expf(br_u2f(x));
                if (br_f2u(nd[i]) != br_f2u(hn) || br_f2u(ed[i]) != br_f2u(he)) {
                    if (bad++ < 5)
                        print_message("word %08" PRIx32 ": normal %a/%a exp %a/%a "
                                      "(device/host)\n", x, (double)nd[i], (double)hn,
                                      (double)ed[i], (double)he);
                }
            }
            words += n;
            done += n;
        }
    print_message("%" PRIu64 " words: normal and exp equal on device and host\n", words);
    free(buf);
    assert_int_equal(bad, 0);
}
#endif

int main(int argc, char **argv)
{
    const char *group = argc > 1 ? argv[1] : "outcomes";
    /* For the sanitizer runs: fewer paths (at least 1, at most N_PATHS), one test by
     * name or all but some (cmocka's filters, e.g. BR_TWIN_ONLY=run_hash_equal,
     * BR_TWIN_SKIP=transforms_equal). */
    const char *paths = getenv("BR_TWIN_PATHS");
    if (paths && *paths) {
        const unsigned long long v = strtoull(paths, NULL, 10);
        g_paths = v < 1 ? 1 : (v > N_PATHS ? N_PATHS : (uint64_t)v);
        print_message("BR_TWIN_PATHS: %" PRIu64 " paths per scenario\n", g_paths);
    }
    const char *only = getenv("BR_TWIN_ONLY"), *skip_these = getenv("BR_TWIN_SKIP");
    if (only && *only)
        cmocka_set_test_filter(only);
    if (skip_these && *skip_these)
        cmocka_set_skip_filter(skip_these);
#if BR_TWIN_GPU
    if (strcmp(group, "philox") == 0) {
        const struct CMUnitTest t[] = {cmocka_unit_test(philox_matches_curand)};
        return cmocka_run_group_tests_name("gpu_philox_matches_curand", t, NULL, NULL);
    }
    const struct CMUnitTest t[] = {cmocka_unit_test(transforms_equal),
                                   cmocka_unit_test(outcomes_equal),
                                   cmocka_unit_test(run_hash_equal),
                                   cmocka_unit_test(optional_tallies_equal)};
    return cmocka_run_group_tests_name("gpu_matches_cpu", t, NULL, NULL);
#else
    (void)group;
    const struct CMUnitTest t[] = {cmocka_unit_test(outcomes_equal)};
    return cmocka_run_group_tests_name("cpu_vector_equals_scalar_path", t, NULL, NULL);
#endif
}
