/* fuzz_scenario.c: libFuzzer harness for the scenario parser (host/scenario.c, libinih)
 * and what consumes a parsed scenario. The input is split at its first NUL byte: before
 * it, the INI file (handed to br_scenario_load through an in-memory file, memfd, named
 * /proc/self/fd/N); after it, up to four `section.key=value` lines used as --set
 * overrides. Each input is loaded without overrides, with its own overrides and with two
 * fixed ones; every success is compiled (br_model_build), printed, re-derived with
 * br_scenario_with, and two paths are run through the model into a tally.
 *
 * Besides ASan/UBSan, the harness aborts when a loaded scenario breaks what the rest of
 * the engine relies on: a failure without a message, a success with one, a model table
 * or Cholesky factor that is not finite, a path outcome month outside 0 .. horizon
 * (those index the tallies), an outcome amount that is Inf or NaN. */
#define _GNU_SOURCE
#include "burnrate.h"
#include "model_build.h"
#include "scenario.h"
#include "tally.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_SETS 4

static int mem_fd = -1;
static char mem_path[64];
static FILE *devnull;
static br_model model;
static br_tally tally;

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_scenario: invariant broken: %s\n", what);
        abort();
    }
}

static void ignore_param(void *ctx, const char *key, const double *num, const char *text)
{
    (void)key;
    size_t *n = ctx;
    *n += num ? 1 : strlen(text);
}

/* What the engine does with a scenario the parser accepted. */
static void exercise(br_scenario *sc)
{
    check(sc->horizon_months >= 1 && sc->horizon_months <= BR_MAX_HORIZON, "horizon in range");
    br_model_build(sc, &model);
    for (int t = 0; t < model.horizon; ++t)
        check(isfinite(model.opex[t]) && isfinite(model.plan[t]), "opex/plan tables finite");
    for (int i = 0; i < 10; ++i)
        check(isfinite(model.chol[i]), "Cholesky factor finite");
    check(isfinite(model.cash0) && isfinite(model.cash_min) && isfinite(model.rev_base) &&
              isfinite(model.phi) && isfinite(model.logr0) && isfinite(model.round_off),
          "model scalars finite");
    check(model.log_cap <= 88.0f && model.logr0 > -87.0f, "revenue logs inside exp's range");
    const int32_t ks[] = {model.entry_k, model.exit_k, model.success_k[0], model.success_k[1],
                          model.backstop_k};
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; ++i)
        check(ks[i] >= 0 && ks[i] <= (1 << 23), "chance thresholds in [0, 2^23]");

    br_scenario_print(sc, devnull);
    size_t n = 0;
    br_scenario_each_param(sc, ignore_param, &n);

    char err[BR_ERRLEN];
    br_scenario *w = NULL;
    if (br_scenario_with(sc, "revenue.vol=0.5", &w, err, sizeof err) == BR_OK)
        br_scenario_free(w);
    else
        check(err[0] != '\0', "br_scenario_with failure has a message");

    /* Two paths of the model (a horizon of 1200 is 2400 Philox calls: cheap). */
    memset(&tally, 0, sizeof tally);
    for (uint64_t p = 0; p < 2; ++p) {
        const br_outcome o = br_path_run(&model, BR_DEFAULT_SEED, p);
        check(o.insolvent >= 0 && o.insolvent <= model.horizon, "insolvency month in 0..H");
        check(o.runway >= 0 && o.runway <= model.horizon, "runway month in 0..H");
        check(o.rounds >= 0 && o.uses >= 0, "counts non-negative");
        /* docs/model.md s.9: the model never sees Inf or NaN, so nothing reaches a tally. */
        check(isfinite(o.cash) && isfinite(o.need) && isfinite(o.raised) && isfinite(o.drawn),
              "path outcome money finite");
        br_tally_path(&tally, &o);
    }
    check(tally.paths == 2, "two paths tallied");
}

static void load(const char *const *sets, size_t n_sets)
{
    char err[BR_ERRLEN];
    br_scenario *sc = (br_scenario *)0x1;
    const br_status st = br_scenario_load(mem_path, sets, n_sets, &sc, err, sizeof err);
    if (st == BR_OK) {
        check(sc != NULL, "success gives a scenario");
        exercise(sc);
        br_scenario_free(sc);
    } else {
        check(sc == NULL, "failure gives no scenario");
        check(err[0] != '\0' && memchr(err, '\0', sizeof err) != NULL, "failure has a message");
        check(st == BR_E_INPUT || st == BR_E_NOMEM, "failure is bad input (or out of memory)");
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    mem_fd = memfd_create("fuzz_scenario.ini", 0);
    if (mem_fd < 0) {
        perror("memfd_create");
        abort();
    }
    snprintf(mem_path, sizeof mem_path, "/proc/self/fd/%d", mem_fd);
    devnull = fopen("/dev/null", "w");
    if (!devnull)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    const size_t file_len = nul ? (size_t)(nul - data) : size;

    if (ftruncate(mem_fd, 0) != 0 || pwrite(mem_fd, data, file_len, 0) != (ssize_t)file_len)
        abort();

    /* The overrides: lines after the NUL, NUL-terminated copies. */
    char *set_buf = NULL;
    const char *sets[MAX_SETS];
    size_t n_sets = 0;
    if (nul) {
        const size_t n = size - file_len - 1;
        set_buf = malloc(n + 1);
        if (!set_buf)
            abort();
        memcpy(set_buf, nul + 1, n);
        set_buf[n] = '\0';
        for (char *s = set_buf; s && n_sets < MAX_SETS;) {
            char *nl = strchr(s, '\n');
            if (nl)
                *nl++ = '\0';
            sets[n_sets++] = s;
            s = nl;
        }
    }

    static const char *const fixed[] = {"revenue.vol=0.1", "costs.capex_schedule=1:2B, 13:3B"};
    load(NULL, 0);
    if (n_sets)
        load(sets, n_sets);
    load(fixed, 2);
    free(set_buf);
    return 0;
}
