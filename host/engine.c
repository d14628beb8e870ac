/* engine.c: a run. Every (scenario, work unit) pair is a task; rank 0 hands tasks to the
 * ranks (host/parallel.h) and to its own backend in batches, merges the integer tallies
 * (progress and checkpoints in between), and turns them into statistics. */
#include "backend.h"
#include "checkpoint.h"
#include "model_build.h"
#include "parallel.h"
#include "result.h"

#include <omp.h>
#include <signal.h>
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

/* ---- tasks ---------------------------------------------------------------------
 * Task t = scenario * n_units + unit. Rank 0 hands out chunks of consecutive units of one
 * scenario: to other ranks on request, guided (a share of what is left, at most
 * BR_BATCH_UNITS), and to itself one unit at a time between requests when there are
 * other ranks (so a waiting worker waits at most one unit), or a batch when alone. The
 * root keeps the merged tallies and the set of finished tasks: that is the checkpoint. */

typedef struct run_ctx {
    const br_backend *be;
    const br_scenario *const *sc;
    const br_run_config *cfg;
    int threads;
    uint64_t n_units; /* per scenario */
    br_model *model;  /* of scenario model_of, built on demand */
    int64_t model_of;
} run_ctx;

/* Run one chunk into *t (zeroed first). */
static br_status run_chunk(run_ctx *x, const br_chunk *c, br_tally *t, char *err,
                           size_t errlen)
{
    uint64_t units[BR_BATCH_UNITS];
    if (x->model_of != c->scenario) {
        br_model_build(x->sc[c->scenario], x->model);
        x->model_of = c->scenario;
    }
    memset(t, 0, sizeof *t);
    for (uint64_t k = 0; k < c->count; ++k)
        units[k] = c->unit + k;
    return x->be->run_units(x->model, x->cfg->seed, x->cfg->paths, units, (size_t)c->count,
                            x->threads, t, err, errlen);
}

typedef struct root_state {
    br_ckpt ck;            /* merged tallies + finished tasks: what a checkpoint saves */
    uint64_t n_tasks, n_done, cursor; /* tasks before cursor are done or handed out */
    uint64_t done_paths, total_paths;
    double *t_first, *t_last; /* per scenario, this session */
} root_state;

/* The next chunk of at most `max` units not done and not handed out; false if none. */
static bool next_chunk(root_state *s, uint64_t max, br_chunk *c)
{
    while (s->cursor < s->n_tasks && br_ckpt_is_done(s->ck.done, s->cursor))
        s->cursor++;
    if (s->cursor == s->n_tasks)
        return false;
    const uint64_t u0 = s->cursor % s->ck.n_units;
    c->scenario = (int64_t)(s->cursor / s->ck.n_units);
    c->unit = u0;
    c->count = 0;
    while (c->count < max && u0 + c->count < s->ck.n_units &&
           !br_ckpt_is_done(s->ck.done, s->cursor))
        c->count++, s->cursor++;
    return true;
}

static void merge_chunk(root_state *s, const br_run_config *cfg, const br_chunk *c,
                        const br_tally *t)
{
    br_tally_merge(&s->ck.tallies[c->scenario], t);
    for (uint64_t k = 0; k < c->count; ++k)
        br_ckpt_set_done(s->ck.done, (uint64_t)c->scenario * s->ck.n_units + c->unit + k);
    s->n_done += c->count;
    s->done_paths += t->paths;
    s->t_last[c->scenario] = now_s();
    if (cfg->progress)
        cfg->progress(cfg->progress_ctx, s->done_paths, s->total_paths);
}

static void worker_loop(run_ctx *x)
{
    br_tally *t = calloc(1, sizeof *t);
    br_report_msg *rep = calloc(1, sizeof *rep);
    br_chunk c;
    if (!t || !rep)
        br_par_abort(1);
    rep->done.scenario = -1;
    /* Test hook: this rank fails its first chunk (a rank that fails must fail the job). */
    const char *hook = getenv("BURNRATE_TEST_FAIL_RANK");
    bool fail = hook && atoi(hook) == br_par_rank();
    for (;;) {
        br_par_worker_exchange(rep, t, &c);
        if (c.scenario < 0)
            break;
        rep->err[0] = '\0';
        if (fail)
            rep->status = (int32_t)br_fail(rep->err, sizeof rep->err, BR_E_RUNTIME,
                                           "test failure (BURNRATE_TEST_FAIL_RANK)");
        else
            rep->status = (int32_t)run_chunk(x, &c, t, rep->err, sizeof rep->err);
        rep->done = c;
    }
    free(rep);
    free(t);
}

/* Rank 0: hand out, run, merge, checkpoint; until done, stopped or failed. */
static br_status root_loop(run_ctx *x, root_state *s, const br_run_opts *o, bool *stopped,
                           char *err, size_t errlen)
{
    const int size = br_par_size();
    const char *ck_path = o->checkpoint ? o->checkpoint : o->resume;
    /* Test hook: raise SIGTERM once this session has finished K tasks. */
    const char *hook = getenv("BURNRATE_TEST_STOP_AFTER_TASKS");
    uint64_t stop_after = hook ? strtoull(hook, NULL, 10) : 0;
    const uint64_t done0 = s->n_done;
    br_tally *t = calloc(1, sizeof *t);
    br_report_msg *rep = calloc(1, sizeof *rep);
    if (!t || !rep) {
        free(t);
        free(rep);
        snprintf(err, errlen, "out of memory");
        return BR_E_NOMEM;
    }
    /* A first checkpoint now: an unwritable path fails before any work is done. */
    br_status st = ck_path ? br_ckpt_write(ck_path, &s->ck, err, errlen) : BR_OK;
    bool stopping = false, wait = false;
    int active = size - 1;
    double last_ck = now_s();
    for (;;) {
        int from;
        while (active > 0 && br_par_root_poll(wait, rep, t, &from)) {
            wait = false;
            if (rep->done.scenario >= 0 && rep->status != BR_OK && st == BR_OK) {
                st = (br_status)rep->status;
                snprintf(err, errlen, "rank %d: %s", from, rep->err);
            } else if (rep->done.scenario >= 0 && rep->status == BR_OK) {
                merge_chunk(s, x->cfg, &rep->done, t);
            }
            br_chunk c = {.scenario = -1};
            if (st == BR_OK && !stopping) {
                const uint64_t left = s->n_tasks - s->cursor;
                uint64_t max = left / (2 * (uint64_t)size);
                max = max < 1 ? 1 : (max > BR_BATCH_UNITS ? BR_BATCH_UNITS : max);
                if (next_chunk(s, max, &c) && s->t_first[c.scenario] == 0)
                    s->t_first[c.scenario] = now_s();
            }
            br_par_root_assign(from, &c);
            if (c.scenario < 0)
                active--;
        }
        if (stop_after && s->n_done - done0 >= stop_after) {
            stop_after = 0;
            raise(SIGTERM);
        }
        if (o->stop && *o->stop)
            stopping = true;
        if (ck_path && o->checkpoint_every > 0 && st == BR_OK && !stopping &&
            now_s() - last_ck >= o->checkpoint_every) {
            st = br_ckpt_write(ck_path, &s->ck, err, errlen);
            last_ck = now_s();
        }
        br_chunk c;
        /* Alone, a chunk is 8 units per thread: every thread busy, and progress and
         * checkpoints move about every second on a small machine. */
        const int nt = x->cfg->threads > 0 ? x->cfg->threads : omp_get_max_threads();
        const uint64_t solo = nt * 8 > BR_BATCH_UNITS ? BR_BATCH_UNITS : (uint64_t)nt * 8;
        if (st == BR_OK && !stopping && next_chunk(s, size > 1 ? 1 : solo, &c)) {
            if (s->t_first[c.scenario] == 0)
                s->t_first[c.scenario] = now_s();
            st = run_chunk(x, &c, t, err, errlen);
            if (st == BR_OK)
                merge_chunk(s, x->cfg, &c, t);
            continue;
        }
        if (active == 0)
            break;
        wait = true;
    }
    free(t);
    free(rep);
    *stopped = stopping && s->n_done < s->n_tasks;
    if (st == BR_OK && ck_path)
        st = br_ckpt_write(ck_path, &s->ck, err, errlen);
    return st;
}

/* Root: the state to start from, fresh or from --resume (checked against this run). */
static br_status root_setup(const br_scenario *const *sc, size_t n, const br_run_config *cfg,
                            uint64_t n_units, const br_run_opts *o, root_state *s,
                            char *warn, size_t warnlen, char *err, size_t errlen)
{
    br_ckpt *c = &s->ck;
    c->seed = cfg->seed;
    c->paths = cfg->paths;
    c->n_scenarios = n;
    c->n_units = n_units;
    c->ids = calloc(n + 1, sizeof *c->ids);
    c->names = calloc(n + 1, sizeof *c->names);
    c->done = calloc((n * n_units + 7) / 8 + 1, 1);
    c->tallies = calloc(n + 1, sizeof *c->tallies);
    s->t_first = calloc(n + 1, sizeof *s->t_first);
    s->t_last = calloc(n + 1, sizeof *s->t_last);
    if (!c->ids || !c->names || !c->done || !c->tallies || !s->t_first || !s->t_last) {
        snprintf(err, errlen, "out of memory for %zu scenarios x %llu work units", n,
                 (unsigned long long)n_units);
        return BR_E_NOMEM;
    }
    for (size_t i = 0; i < n; ++i) {
        c->ids[i] = br_scenario_id(sc[i]);
        snprintf(c->names[i], BR_NAME_MAX, "%s", sc[i]->name);
    }
    s->n_tasks = n * n_units;
    s->total_paths = cfg->paths * (uint64_t)n;
    warn[0] = '\0';
    if (!o->resume)
        return BR_OK;
    br_ckpt old;
    br_status st = br_ckpt_read(o->resume, &old, warn, warnlen, err, errlen);
    if (st != BR_OK)
        return st;
    st = br_ckpt_check(o->resume, &old, c, err, errlen);
    if (st == BR_OK) {
        memcpy(c->done, old.done, (n * n_units + 7) / 8);
        memcpy(c->tallies, old.tallies, n * sizeof *c->tallies);
        for (uint64_t t = 0; t < s->n_tasks; ++t)
            s->n_done += (uint64_t)br_ckpt_is_done(c->done, t);
        for (size_t i = 0; i < n; ++i)
            s->done_paths += c->tallies[i].paths;
    }
    br_ckpt_free(&old);
    return st;
}

br_status br_run_ex(const br_scenario *const *scenarios, size_t n_scenarios,
                    const br_run_config *cfg, const br_run_opts *opts, br_result **out,
                    char *err, size_t errlen)
{
    *out = NULL;
    const br_run_opts none = {0};
    const br_run_opts *o = opts ? opts : &none;
    const bool root = br_par_rank() == 0;
    br_status st = BR_OK;
    if (cfg->paths == 0 || cfg->paths > BR_MAX_PATHS)
        st = br_fail(err, errlen, BR_E_USAGE,
                     "--paths %llu: allowed 1 .. %llu (the tallies count up to 2^53 paths)",
                     (unsigned long long)cfg->paths, (unsigned long long)BR_MAX_PATHS);
    const br_backend *be = NULL;
    if (st == BR_OK)
        be = br_backend_pick(cfg->backend ? cfg->backend : "auto", &st, err, errlen);
    /* Ranks sharing a node share its cores unless --threads says otherwise. */
    int threads = cfg->threads;
    if (threads <= 0 && br_par_local_size() > 1) {
        threads = omp_get_num_procs() / br_par_local_size();
        threads = threads < 1 ? 1 : threads;
    }
    const uint64_t n_units = (cfg->paths + BR_UNIT_PATHS - 1) / BR_UNIT_PATHS;
    run_ctx x = {.be = be, .sc = scenarios, .cfg = cfg, .threads = threads,
                 .n_units = n_units, .model_of = -1};
    if (st == BR_OK && !(x.model = malloc(sizeof *x.model)))
        st = br_fail(err, errlen, BR_E_NOMEM, "out of memory for the model");
    br_result *r = NULL;
    root_state s = {0};
    if (st == BR_OK && root) {
        r = calloc(1, sizeof *r);
        if (r)
            r->items = calloc(n_scenarios ? n_scenarios : 1, sizeof *r->items);
        if (!r || !r->items) {
            free(r);
            r = NULL;
            st = br_fail(err, errlen, BR_E_NOMEM, "out of memory");
        }
    }
    if (st == BR_OK && root)
        st = root_setup(scenarios, n_scenarios, cfg, n_units, o, &s, r->warning,
                        sizeof r->warning, err, errlen);
    /* Every rank starts, or none does: the first failing rank's message for all. */
    st = br_par_agree(st, err, errlen);
    int finished = root && s.n_tasks > 0 && s.n_done == s.n_tasks && o->resume;
    br_par_bcast(&finished, sizeof finished);

    const double t0 = now_s();
    bool stopped = false;
    if (st == BR_OK && !finished) {
        if (root)
            st = root_loop(&x, &s, o, &stopped, err, errlen);
        else
            worker_loop(&x);
    }
    /* The root's verdict for every rank. */
    struct { int32_t st, stopped; char err[BR_ERRLEN]; } v = {(int32_t)st, stopped, ""};
    if (root)
        snprintf(v.err, sizeof v.err, "%s", st == BR_OK ? "" : err);
    br_par_bcast(&v, sizeof v);
    st = (br_status)v.st;
    if (st != BR_OK)
        snprintf(err, errlen, "%s", v.err);
    free(x.model);
    if (st != BR_OK || !root) {
        br_ckpt_free(&s.ck);
        free(s.t_first);
        free(s.t_last);
        if (r)
            free(r->items);
        free(r);
        return st;
    }

    r->n_items = n_scenarios;
    r->paths = cfg->paths;
    r->seed = cfg->seed;
    r->backend = be->name;
    r->threads = threads > 0 ? threads : omp_get_max_threads();
    r->ranks = br_par_size();
    r->stopped = stopped;
    r->already_finished = finished;
    r->tasks_done = s.n_done;
    r->tasks_total = s.n_tasks;
    be->describe(r->device, sizeof r->device, threads);
    r->elapsed_s = now_s() - t0;
    double path_months = 0;
    for (size_t i = 0; i < n_scenarios; ++i) {
        br_scenario_result *it = &r->items[i];
        it->scenario = scenarios[i];
        it->tally = malloc(sizeof *it->tally);
        if (!it->tally) {
            br_result_free(r);
            r = NULL;
            st = br_fail(err, errlen, BR_E_NOMEM, "out of memory for the tallies");
            break;
        }
        *it->tally = s.ck.tallies[i];
        it->elapsed_s = s.t_last[i] > s.t_first[i] ? s.t_last[i] - s.t_first[i] : 0.0;
        if (!stopped) {
            br_stats_compute(it->tally, scenarios[i]->horizon_months, &it->stats);
            it->hash = br_tally_hash(it->tally, scenarios[i]->horizon_months);
        }
        path_months += (double)cfg->paths * scenarios[i]->horizon_months;
    }
    if (r)
        r->path_months_per_s = r->elapsed_s > 0 ? path_months / r->elapsed_s : 0.0;
    br_ckpt_free(&s.ck);
    free(s.t_first);
    free(s.t_last);
    *out = r;
    return st;
}

br_status br_run(const br_scenario *const *scenarios, size_t n_scenarios,
                 const br_run_config *cfg, br_result **out, char *err, size_t errlen)
{
    return br_run_ex(scenarios, n_scenarios, cfg, NULL, out, err, errlen);
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
