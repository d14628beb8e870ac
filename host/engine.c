/* engine.c: a run. For each scenario: compile the model, hand work units to the
 * backend in batches (progress in between), turn the tallies into statistics. */
#include "backend.h"
#include "model_build.h"
#include "result.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Units per batch: enough to keep every thread busy, few enough that progress moves
 * about every second on a small machine. */
#define BR_BATCH_UNITS 64

/* The largest --paths accepted: counts of months and rounds stay below 2^64 and
 * path counts convert to double exactly. */
#define BR_MAX_PATHS (UINT64_C(1) << 53)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

const char *br_backends_compiled(void)
{
#if BR_WITH_CUDA
    return "cpu, cuda";
#else
    return "cpu";
#endif
}

static br_status run_scenario(const br_backend *be, const br_scenario *sc,
                              const br_run_config *cfg, uint64_t done_before,
                              uint64_t total, br_scenario_result *out, char *err,
                              size_t errlen)
{
    br_model *m = malloc(sizeof *m);
    out->tally = calloc(1, sizeof *out->tally);
    if (!m || !out->tally) {
        free(m);
        snprintf(err, errlen, "out of memory for the model and tallies");
        return BR_E_NOMEM;
    }
    br_model_build(sc, m);
    out->scenario = sc;
    const double t0 = now_s();
    const uint64_t n_units = (cfg->paths + BR_UNIT_PATHS - 1) / BR_UNIT_PATHS;
    uint64_t units[BR_BATCH_UNITS];
    br_status st = BR_OK;
    for (uint64_t u = 0; u < n_units && st == BR_OK; u += BR_BATCH_UNITS) {
        size_t k = 0;
        for (; k < BR_BATCH_UNITS && u + k < n_units; ++k)
            units[k] = u + k;
        st = be->run_units(m, cfg->seed, cfg->paths, units, k, cfg->threads, out->tally, err,
                           errlen);
        if (cfg->progress) {
            uint64_t done = (u + k) * BR_UNIT_PATHS;
            cfg->progress(cfg->progress_ctx, done_before + (done < cfg->paths ? done : cfg->paths),
                          total);
        }
    }
    out->elapsed_s = now_s() - t0;
    free(m);
    if (st != BR_OK)
        return st;
    br_stats_compute(out->tally, sc->horizon_months, &out->stats);
    out->hash = br_tally_hash(out->tally, sc->horizon_months);
    return BR_OK;
}

br_status br_run(const br_scenario *const *scenarios, size_t n_scenarios,
                 const br_run_config *cfg, br_result **out, char *err, size_t errlen)
{
    *out = NULL;
    if (cfg->paths == 0 || cfg->paths > BR_MAX_PATHS) {
        snprintf(err, errlen,
                 "--paths %llu: allowed 1 .. %llu (the tallies count up to 2^53 paths)",
                 (unsigned long long)cfg->paths, (unsigned long long)BR_MAX_PATHS);
        return BR_E_USAGE;
    }
    br_status st;
    const br_backend *be = br_backend_pick(cfg->backend ? cfg->backend : "auto", &st, err, errlen);
    if (!be)
        return st;
    br_result *r = calloc(1, sizeof *r);
    if (r)
        r->items = calloc(n_scenarios ? n_scenarios : 1, sizeof *r->items);
    if (!r || !r->items) {
        free(r);
        snprintf(err, errlen, "out of memory");
        return BR_E_NOMEM;
    }
    r->n_items = n_scenarios;
    r->paths = cfg->paths;
    r->seed = cfg->seed;
    r->backend = be->name;
    r->threads = cfg->threads > 0 ? cfg->threads : omp_get_max_threads();
    r->ranks = 1;
    be->describe(r->device, sizeof r->device, cfg->threads);

    const double t0 = now_s();
    const uint64_t total = cfg->paths * (uint64_t)n_scenarios;
    double path_months = 0;
    for (size_t i = 0; i < n_scenarios; ++i) {
        st = run_scenario(be, scenarios[i], cfg, cfg->paths * (uint64_t)i, total, &r->items[i],
                          err, errlen);
        if (st != BR_OK) {
            br_result_free(r);
            return st;
        }
        path_months += (double)cfg->paths * scenarios[i]->horizon_months;
    }
    r->elapsed_s = now_s() - t0;
    r->path_months_per_s = r->elapsed_s > 0 ? path_months / r->elapsed_s : 0.0;
    *out = r;
    return BR_OK;
}

void br_result_free(br_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_items; ++i)
        free(r->items[i].tally);
    free(r->items);
    free(r);
}

const br_backend *br_backend_pick(const char *name, br_status *st, char *err, size_t errlen)
{
#if BR_WITH_CUDA
    char why[512] = "";
#endif
    if (strcmp(name, "cpu") == 0)
        return &br_backend_cpu;
    if (strcmp(name, "cuda") == 0) {
#if BR_WITH_CUDA
        if (br_backend_cuda.available(why, sizeof why))
            return &br_backend_cuda;
        snprintf(err, errlen, "--backend cuda: no usable CUDA device: %s", why);
#else
        snprintf(err, errlen,
                 "--backend cuda: this build has no CUDA backend (backends: %s); "
                 "rebuild with nvcc present or -DBURNRATE_ENABLE_CUDA=ON",
                 br_backends_compiled());
#endif
        *st = BR_E_BACKEND;
        return NULL;
    }
    if (strcmp(name, "auto") == 0) {
#if BR_WITH_CUDA
        if (br_backend_cuda.available(why, sizeof why))
            return &br_backend_cuda;
#endif
        return &br_backend_cpu;
    }
    snprintf(err, errlen, "--backend '%s': allowed: auto, cpu, cuda", name);
    *st = BR_E_USAGE;
    return NULL;
}
