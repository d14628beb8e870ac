/* engine.c: a run. Every (scenario, work unit) pair is a task; rank 0 hands tasks to the
 * ranks (host/parallel.h) and to its own backend in batches, merges the integer tallies
 * (progress and checkpoints in between), and turns them into statistics. */
#include "backend.h"
#include "checkpoint.h"
#include "model_build.h"
#include "parallel.h"
#include "result.h"

#include <math.h>
#include <omp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The most units in one chunk (a backend asks for fewer: batch_units). */
#define BR_BATCH_UNITS 512

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
 * scenario: to other ranks on request, guided (a share of what is left, at most the
 * backend's batch), and to itself an eighth of a batch at a time between requests, or a
 * batch at a time when alone. The
 * root keeps the merged tallies and the set of finished tasks: that is the checkpoint.
 *
 * Only units below a scenario's limit are handed out. Without a precision target the
 * limit is every unit; with one, a round ends when every open unit is done, and then
 * each scenario whose target is not met gets more units (extend_targets), so the result
 * is always that of a plain run with the paths the target used. */

/* A precision target's first round: 2^20 paths. */
#define BR_TARGET_FIRST_UNITS 16

typedef struct run_ctx {
    const br_backend *be;
    const br_scenario *const *sc;
    const br_run_config *cfg;
    int threads;
    uint64_t n_units; /* per scenario */
    br_model *model;  /* of scenario model_of, built on demand */
    int64_t model_of;
    bool fan, rows;   /* optional tallies */
    uint64_t *extra;  /* a chunk's optional tallies: the fan, then the unit rows */
    uint64_t extra_cap;
} run_ctx;

/* Words of optional tallies for a chunk of `count` units of scenario sc. */
static uint64_t extra_words(const run_ctx *x, int64_t sc, uint64_t count)
{
    const uint64_t h = (uint64_t)x->sc[sc]->horizon_months;
    return (x->fan ? h * BR_FAN_BINS : 0) + (x->rows ? count * BR_UNIT_ROW(h) : 0);
}

/* Run one chunk into *t and x->extra (both zeroed first). */
static br_status run_chunk(run_ctx *x, const br_chunk *c, br_tally *t, char *err,
                           size_t errlen)
{
    uint64_t units[BR_BATCH_UNITS];
    if (x->model_of != c->scenario) {
        br_model_build(x->sc[c->scenario], x->model);
        x->model_of = c->scenario;
    }
    memset(t, 0, sizeof *t);
    memset(x->extra, 0, extra_words(x, c->scenario, c->count) * sizeof *x->extra);
    const uint64_t fan_words = x->fan ? (uint64_t)x->model->horizon * BR_FAN_BINS : 0;
    const br_extra e = {.fan = x->fan ? x->extra : NULL,
                        .unit_rows = x->rows ? x->extra + fan_words : NULL};
    for (uint64_t k = 0; k < c->count; ++k)
        units[k] = c->unit + k;
    return x->be->run_units(x->model, x->cfg->seed, x->cfg->paths, units, (size_t)c->count,
                            x->threads, t, &e, err, errlen);
}

typedef struct root_state {
    br_ckpt ck;            /* merged tallies + finished tasks: what a checkpoint saves */
    uint64_t n_tasks, n_done, cursor; /* tasks before cursor are done or handed out */
    uint64_t done_paths, total_paths;
    double *t_first, *t_last; /* per scenario, this session */
    uint64_t *rows;        /* unit rows: scenario i's at i * rows_stride */
    uint64_t rows_stride;
    uint64_t *extra_in;    /* a worker's optional tallies */
    uint64_t batch;        /* units in a chunk at most: the backend's batch */
} root_state;

/* The next chunk of at most `max` open units not done and not handed out; false if none. */
static bool next_chunk(root_state *s, uint64_t max, br_chunk *c)
{
    const uint64_t n_units = s->ck.n_units;
    for (;;) {
        if (s->cursor >= s->n_tasks)
            return false;
        const uint64_t sc = s->cursor / n_units;
        if (s->cursor % n_units >= s->ck.limits[sc])
            s->cursor = (sc + 1) * n_units;
        else if (br_ckpt_is_done(s->ck.done, s->cursor))
            s->cursor++;
        else
            break;
    }
    const uint64_t u0 = s->cursor % n_units;
    c->scenario = (int64_t)(s->cursor / n_units);
    c->unit = u0;
    c->count = 0;
    while (c->count < max && u0 + c->count < s->ck.limits[c->scenario] &&
           !br_ckpt_is_done(s->ck.done, s->cursor))
        c->count++, s->cursor++;
    return true;
}

/* Paths of scenario i's open units (for progress). */
static uint64_t open_paths(const root_state *s, uint64_t paths, uint64_t i)
{
    const uint64_t p = s->ck.limits[i] * BR_UNIT_PATHS;
    return p < paths ? p : paths;
}

/* End of a round of a target run: more units for every scenario whose target is not
 * met, about as many as its error says it needs (1.1 x, at least 1.25 x and at most 8 x
 * what it has), never past --paths. True when any scenario got more. */
static bool extend_targets(root_state *s, const br_run_config *cfg)
{
    if (!(cfg->target_se > 0 || cfg->target_rel > 0))
        return false;
    bool more = false;
    for (uint64_t i = 0; i < s->ck.n_scenarios; ++i) {
        const uint64_t lim = s->ck.limits[i];
        br_precision p;
        br_precision_of(&s->ck.tallies[i], cfg->target_se, cfg->target_rel, &p);
        if (p.met || lim >= s->ck.n_units)
            continue;
        double ratio = 1.0;
        if (cfg->target_se > 0)
            ratio = fmax(ratio, p.stderr_p / cfg->target_se);
        if (cfg->target_rel > 0)
            ratio = fmax(ratio, p.rel / cfg->target_rel);
        double want = ceil(1.1 * (double)lim * ratio * ratio);
        want = fmax(want, ceil(1.25 * (double)lim));
        want = fmin(want, 8.0 * (double)lim);
        const uint64_t next = want >= (double)s->ck.n_units ? s->ck.n_units : (uint64_t)want;
        s->ck.limits[i] = next;
        more = true;
    }
    if (more) {
        s->total_paths = 0;
        for (uint64_t i = 0; i < s->ck.n_scenarios; ++i)
            s->total_paths += open_paths(s, cfg->paths, i);
        s->cursor = 0;
    }
    return more;
}

static void merge_chunk(root_state *s, const run_ctx *x, const br_chunk *c, const br_tally *t,
                        const uint64_t *extra)
{
    const uint64_t sc = (uint64_t)c->scenario;
    br_tally_merge(&s->ck.tallies[sc], t);
    uint64_t fan_words = 0;
    if (x->fan) {
        uint64_t *fan = s->ck.fan + sc * s->ck.fan_stride;
        fan_words = (uint64_t)x->sc[sc]->horizon_months * BR_FAN_BINS;
        for (uint64_t i = 0; i < fan_words; ++i)
            fan[i] += extra[i];
    }
    if (x->rows) {
        const uint64_t row = BR_UNIT_ROW(x->sc[sc]->horizon_months);
        memcpy(s->rows + sc * s->rows_stride + c->unit * row, extra + fan_words,
               c->count * row * sizeof *s->rows);
    }
    for (uint64_t k = 0; k < c->count; ++k)
        br_ckpt_set_done(s->ck.done, sc * s->ck.n_units + c->unit + k);
    s->n_done += c->count;
    s->done_paths += t->paths;
    s->t_last[sc] = now_s();
    if (x->cfg->progress)
        x->cfg->progress(x->cfg->progress_ctx, s->done_paths, s->total_paths);
}

/* A worker: BR_PAR_SLOTS chunks in flight (host/parallel.h), each slot with its own
 * tallies, so the next chunk is in hand while one runs. */
static void worker_loop(run_ctx *x)
{
    br_tally *t = calloc(BR_PAR_SLOTS, sizeof *t);
    br_report_msg *rep = calloc(BR_PAR_SLOTS, sizeof *rep);
    uint64_t *extra = calloc(BR_PAR_SLOTS * (x->extra_cap + 1), sizeof *extra);
    if (!t || !rep || !extra)
        br_par_abort(1);
    /* Test hook: this rank fails its first chunk (a rank that fails must fail the job). */
    const char *hook = getenv("BURNRATE_TEST_FAIL_RANK");
    bool fail = hook && atoi(hook) == br_par_rank();
    bool closed[BR_PAR_SLOTS] = {false};
    uint64_t *const own = x->extra; /* restored at the end: br_run_ex frees it */
    for (int k = 0; k < BR_PAR_SLOTS; ++k) {
        rep[k].done.scenario = -1;
        br_par_worker_request(k, &rep[k], &t[k], NULL);
    }
    /* Answers come in the order the requests went: cycle over the open slots. */
    for (int k = 0, open = BR_PAR_SLOTS; open > 0; k = (k + 1) % BR_PAR_SLOTS) {
        if (closed[k])
            continue;
        br_chunk c;
        br_par_worker_next(k, &c);
        if (c.scenario < 0) {
            closed[k] = true;
            open--;
            continue;
        }
        br_report_msg *r = &rep[k];
        r->err[0] = '\0';
        r->extra_words = 0;
        x->extra = extra + (size_t)k * (x->extra_cap + 1);
        if (fail)
            r->status = (int32_t)br_fail(r->err, sizeof r->err, BR_E_RUNTIME,
                                         "test failure (BURNRATE_TEST_FAIL_RANK)");
        else
            r->status = (int32_t)run_chunk(x, &c, &t[k], r->err, sizeof r->err);
        if (r->status == BR_OK)
            r->extra_words = extra_words(x, c.scenario, c.count);
        r->done = c;
        br_par_worker_request(k, r, &t[k], x->extra);
    }
    x->extra = own;
    free(extra);
    free(rep);
    free(t);
}

/* Units in a chunk when there are other ranks: a share of what is left (so chunks shrink
 * toward the end and ranks finish together), at most a batch (ranks run the root's
 * backend). */
static uint64_t guided_units(const root_state *s, int size)
{
    const uint64_t left = s->cursor < s->n_tasks ? s->n_tasks - s->cursor : 0;
    const uint64_t max = left / (2 * (uint64_t)size * BR_PAR_SLOTS);
    return max < 1 ? 1 : (max > s->batch ? s->batch : max);
}

/* A chunk for a worker that asked; false if none. */
static bool worker_chunk(root_state *s, int size, br_chunk *c)
{
    if (!next_chunk(s, guided_units(s, size), c))
        return false;
    if (s->t_first[c->scenario] == 0)
        s->t_first[c->scenario] = now_s();
    return true;
}

/* Whether the run has work left: an open unit not done, or a target wanting more
 * (extend_targets, when it opens units, leaves them for the run to do). Nothing is in
 * flight when this is asked. */
static bool work_left(root_state *s, const br_run_config *cfg)
{
    br_chunk c;
    s->cursor = 0;
    const bool open = next_chunk(s, 1, &c);
    s->cursor = 0;
    return open || extend_targets(s, cfg);
}

/* Whether a stop signal has come; first the test hook's own SIGTERM once this session
 * has finished *stop_after tasks (checked after every merge, so the stop is prompt). */
static bool stop_requested(const br_run_opts *o, const root_state *s, uint64_t done0,
                           uint64_t *stop_after)
{
    if (*stop_after && s->n_done - done0 >= *stop_after) {
        *stop_after = 0;
        raise(SIGTERM);
    }
    return o->stop && *o->stop;
}

/* Rank 0: hand out, run, merge, checkpoint; until done, stopped or failed. Workers that
 * ask while a target round is finishing elsewhere wait (parked) for the next round. */
static br_status root_loop(run_ctx *x, root_state *s, const br_run_opts *o, bool *stopped,
                           char *err, size_t errlen)
{
    const int size = br_par_size();
    const char *ck_path = o->checkpoint ? o->checkpoint : o->resume;
    const bool targets = x->cfg->target_se > 0 || x->cfg->target_rel > 0;
    /* Test hook: raise SIGTERM once this session has finished K tasks. */
    const char *hook = getenv("BURNRATE_TEST_STOP_AFTER_TASKS");
    uint64_t stop_after = hook ? strtoull(hook, NULL, 10) : 0;
    const uint64_t done0 = s->n_done;
    br_tally *t = calloc(1, sizeof *t);
    br_report_msg *rep = calloc(1, sizeof *rep);
    int *parked = calloc((size_t)size * BR_PAR_SLOTS, sizeof *parked);
    if (!t || !rep || !parked) {
        free(t);
        free(rep);
        free(parked);
        snprintf(err, errlen, "out of memory");
        return BR_E_NOMEM;
    }
    /* A first checkpoint now: an unwritable path fails before any work is done. */
    br_status st = ck_path ? br_ckpt_write(ck_path, &s->ck, err, errlen) : BR_OK;
    bool stopping = false, wait = false;
    /* Open request slots of the workers; a stop closes one. */
    int active = BR_PAR_SLOTS * (size - 1), n_parked = 0;
    double last_ck = now_s();
    for (;;) {
        int from;
        while (active > n_parked &&
               br_par_root_poll(wait, rep, t, s->extra_in, x->extra_cap, &from)) {
            wait = false;
            if (rep->done.scenario >= 0 && rep->status != BR_OK && st == BR_OK) {
                st = (br_status)rep->status;
                snprintf(err, errlen, "rank %d: %s", from, rep->err);
            } else if (rep->done.scenario >= 0 && rep->status == BR_OK) {
                merge_chunk(s, x, &rep->done, t, s->extra_in);
            }
            stopping = stopping || stop_requested(o, s, done0, &stop_after);
            br_chunk c = {.scenario = -1};
            const bool go = st == BR_OK && !stopping;
            if (go && worker_chunk(s, size, &c)) {
                br_par_root_assign(from, &c);
            } else if (go && targets) {
                parked[n_parked++] = from; /* until the round ends */
            } else {
                br_par_root_assign(from, &c);
                active--;
            }
        }
        stopping = stopping || stop_requested(o, s, done0, &stop_after);
        if (ck_path && o->checkpoint_every > 0 && st == BR_OK && !stopping &&
            now_s() - last_ck >= o->checkpoint_every) {
            st = br_ckpt_write(ck_path, &s->ck, err, errlen);
            last_ck = now_s();
        }
        br_chunk c;
        /* Alone, a chunk is the backend's batch. With workers, the root polls between
         * chunks of an eighth of that (one unit per CPU thread, 64 units on a GPU), so a
         * worker's request waits a fraction of what its own chunk takes; chunks as large
         * as the workers' made them wait (2 ranks x 1 thread: weak scaling 0.98 -> 0.81). */
        const uint64_t own = s->batch / 8 > 1 ? s->batch / 8 : 1;
        const uint64_t guided = guided_units(s, size);
        if (st == BR_OK && !stopping &&
            next_chunk(s, size > 1 ? (own < guided ? own : guided) : s->batch, &c)) {
            if (s->t_first[c.scenario] == 0)
                s->t_first[c.scenario] = now_s();
            st = run_chunk(x, &c, t, err, errlen);
            if (st == BR_OK)
                merge_chunk(s, x, &c, t, x->extra);
            continue;
        }
        if (active == n_parked) { /* nothing in flight: the round is over */
            const bool more = st == BR_OK && !stopping && extend_targets(s, x->cfg);
            while (n_parked > 0) {
                const int to = parked[--n_parked];
                c.scenario = -1;
                if (!(more && worker_chunk(s, size, &c)))
                    active--;
                br_par_root_assign(to, &c);
            }
            if (more)
                continue;
            if (active == 0)
                break;
        }
        wait = true;
    }
    free(t);
    free(rep);
    free(parked);
    /* A stop that came after the last unit was handed out stops nothing. */
    *stopped = stopping && st == BR_OK && work_left(s, x->cfg);
    if (st == BR_OK && ck_path)
        st = br_ckpt_write(ck_path, &s->ck, err, errlen);
    return st;
}

/* Root: the state to start from, fresh or from --resume (checked against this run). */
static br_status root_setup(const run_ctx *x, size_t n, const br_run_opts *o, root_state *s,
                            char *warn, size_t warnlen, char *err, size_t errlen)
{
    const br_run_config *cfg = x->cfg;
    const uint64_t n_units = x->n_units;
    br_ckpt *c = &s->ck;
    const int nt = x->threads > 0 ? x->threads : omp_get_max_threads();
    const uint64_t batch = x->be->batch_units(nt);
    s->batch = batch < 1 ? 1 : (batch > BR_BATCH_UNITS ? BR_BATCH_UNITS : batch);
    int max_h = 1;
    for (size_t i = 0; i < n; ++i)
        max_h = x->sc[i]->horizon_months > max_h ? x->sc[i]->horizon_months : max_h;
    c->seed = cfg->seed;
    c->paths = cfg->paths;
    c->n_scenarios = n;
    c->n_units = n_units;
    c->fan_stride = x->fan ? (uint64_t)max_h * BR_FAN_BINS : 0;
    c->target_se = cfg->target_se > 0 ? cfg->target_se : 0;
    c->target_rel = cfg->target_rel > 0 ? cfg->target_rel : 0;
    const bool targets = c->target_se > 0 || c->target_rel > 0;
    s->rows_stride = x->rows ? n_units * BR_UNIT_ROW(max_h) : 0;
    const bool ok = br_ckpt_alloc(c);
    s->t_first = calloc(n + 1, sizeof *s->t_first);
    s->t_last = calloc(n + 1, sizeof *s->t_last);
    s->rows = calloc(n * s->rows_stride + 1, sizeof *s->rows);
    s->extra_in = calloc(x->extra_cap + 1, sizeof *s->extra_in);
    if (!ok || !s->t_first || !s->t_last || !s->rows || !s->extra_in) {
        snprintf(err, errlen, "out of memory for %zu scenarios x %llu work units", n,
                 (unsigned long long)n_units);
        return BR_E_NOMEM;
    }
    for (size_t i = 0; i < n; ++i) {
        c->ids[i] = br_scenario_id(x->sc[i]);
        snprintf(c->names[i], BR_NAME_MAX, "%s", x->sc[i]->name);
        c->limits[i] = targets && n_units > BR_TARGET_FIRST_UNITS ? BR_TARGET_FIRST_UNITS
                                                                  : n_units;
    }
    s->n_tasks = n * n_units;
    warn[0] = '\0';
    br_status st = BR_OK;
    if (o->resume) {
        br_ckpt old;
        st = br_ckpt_read(o->resume, &old, warn, warnlen, err, errlen);
        if (st != BR_OK)
            return st;
        st = br_ckpt_check(o->resume, &old, c, err, errlen);
        if (st == BR_OK) {
            memcpy(c->done, old.done, (n * n_units + 7) / 8);
            memcpy(c->tallies, old.tallies, n * sizeof *c->tallies);
            memcpy(c->limits, old.limits, n * sizeof *c->limits);
            memcpy(c->fan, old.fan, n * c->fan_stride * sizeof *c->fan);
            for (uint64_t t = 0; t < s->n_tasks; ++t)
                s->n_done += (uint64_t)br_ckpt_is_done(c->done, t);
            for (size_t i = 0; i < n; ++i)
                s->done_paths += c->tallies[i].paths;
        }
        br_ckpt_free(&old);
    }
    for (size_t i = 0; i < n; ++i)
        s->total_paths += open_paths(s, cfg->paths, i);
    return st;
}

/* Whether a resumed run has nothing left (see work_left). */
static bool root_finished(root_state *s, const br_run_config *cfg)
{
    return s->n_tasks > 0 && !work_left(s, cfg);
}

static void root_free(root_state *s)
{
    br_ckpt_free(&s->ck);
    free(s->t_first);
    free(s->t_last);
    free(s->rows);
    free(s->extra_in);
}

/* The result's copy of scenario i's tallies. */
static br_status result_item(const run_ctx *x, root_state *s, size_t i, bool stopped,
                             br_scenario_result *it)
{
    const br_scenario *sc = x->sc[i];
    const int h = sc->horizon_months;
    it->scenario = sc;
    it->tally = malloc(sizeof *it->tally);
    if (!it->tally)
        return BR_E_NOMEM;
    *it->tally = s->ck.tallies[i];
    it->elapsed_s = s->t_last[i] > s->t_first[i] ? s->t_last[i] - s->t_first[i] : 0.0;
    if (x->fan) {
        const size_t words = (size_t)h * BR_FAN_BINS;
        if (!(it->fan = malloc(words * sizeof *it->fan)))
            return BR_E_NOMEM;
        memcpy(it->fan, s->ck.fan + i * s->ck.fan_stride, words * sizeof *it->fan);
    }
    if (x->rows) {
        const size_t words = (size_t)x->n_units * BR_UNIT_ROW(h);
        if (!(it->unit_rows = malloc(words * sizeof *it->unit_rows)))
            return BR_E_NOMEM;
        memcpy(it->unit_rows, s->rows + i * s->rows_stride, words * sizeof *it->unit_rows);
        it->n_units = x->n_units;
    }
    br_precision_of(it->tally, x->cfg->target_se, x->cfg->target_rel, &it->precision);
    if (!stopped) {
        br_stats_compute(it->tally, h, &it->stats);
        it->hash = br_tally_hash(it->tally, h);
    }
    return BR_OK;
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
    else if (!(cfg->target_se >= 0 && cfg->target_se < 1) ||
             !(cfg->target_rel >= 0 && cfg->target_rel < 1e6))
        st = br_fail(err, errlen, BR_E_USAGE, "--target-se %g / --target-rel %g: allowed: "
                     "0 < se < 1, 0 < rel", cfg->target_se, cfg->target_rel);
    else if (o->unit_rows && (o->checkpoint || o->resume))
        st = br_fail(err, errlen, BR_E_USAGE, "per-unit tallies (sensitivity) and "
                     "checkpoints do not go together");
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
                 .n_units = n_units, .model_of = -1, .fan = cfg->fan, .rows = o->unit_rows};
    for (size_t i = 0; i < n_scenarios; ++i) {
        const uint64_t w = extra_words(&x, (int64_t)i, BR_BATCH_UNITS);
        x.extra_cap = w > x.extra_cap ? w : x.extra_cap;
    }
    if (st == BR_OK && (!(x.model = malloc(sizeof *x.model)) ||
                        !(x.extra = calloc(x.extra_cap + 1, sizeof *x.extra))))
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
        st = root_setup(&x, n_scenarios, o, &s, r->warning, sizeof r->warning, err, errlen);
    /* Every rank starts, or none does: the first failing rank's message for all. */
    st = br_par_agree(st, err, errlen);
    int finished = st == BR_OK && root && o->resume && root_finished(&s, cfg);
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
    free(x.extra);
    if (st != BR_OK || !root) {
        root_free(&s);
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
    r->target_se = s.ck.target_se;
    r->target_rel = s.ck.target_rel;
    r->stopped = stopped;
    r->already_finished = finished;
    r->tasks_done = s.n_done;
    r->tasks_total = s.n_tasks;
    be->describe(r->device, sizeof r->device, threads);
    r->elapsed_s = now_s() - t0;
    double path_months = 0;
    for (size_t i = 0; i < n_scenarios && st == BR_OK; ++i) {
        if (result_item(&x, &s, i, stopped, &r->items[i]) != BR_OK)
            st = br_fail(err, errlen, BR_E_NOMEM, "out of memory for the tallies");
        path_months += (double)s.ck.tallies[i].paths * scenarios[i]->horizon_months;
    }
    if (st != BR_OK) {
        br_result_free(r);
        r = NULL;
    } else {
        r->path_months_per_s = r->elapsed_s > 0 ? path_months / r->elapsed_s : 0.0;
    }
    root_free(&s);
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
    for (size_t i = 0; i < r->n_items; ++i) {
        free(r->items[i].tally);
        free(r->items[i].fan);
        free(r->items[i].unit_rows);
    }
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
