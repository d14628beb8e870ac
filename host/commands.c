/* commands.c: validate, run and bench, each a short script over the library. */
#include "bench.h"
#include "cli.h"
#include "parallel.h"
#include "plot.h"
#include "report.h"
#include "result.h"
#include "sweep.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef BR_DEFAULT_BENCH_SCENARIO
#define BR_DEFAULT_BENCH_SCENARIO "scenarios/xai-2026-base.ini"
#endif
#define BR_BENCH_PATHS UINT64_C(4000000)
/* A precision target's cap when --max-paths is not given. */
#define BR_DEFAULT_MAX_PATHS UINT64_C(1000000000)

/* Messages come from rank 0 only; every rank returns the same code. */
static int fail(br_status st, const char *msg)
{
    if (br_par_rank() == 0)
        fprintf(stderr, "burnrate: %s\n", msg);
    return br_status_exit_code(st);
}

/* Load every file; on the first bad one report it and stop (nothing has run yet). */
static br_status load_all(const br_cli *cli, const char *const *files, size_t n,
                          br_scenario **out, char *err)
{
    br_scenario_set_repair_correlation(cli->repair_correlation);
    for (size_t i = 0; i < n; ++i) {
        const br_status st = br_scenario_load(files[i], cli->sets, cli->n_sets, &out[i], err,
                                              BR_ERRLEN);
        if (st != BR_OK) {
            for (size_t j = 0; j < i; ++j)
                br_scenario_free(out[j]);
            return st;
        }
    }
    return BR_OK;
}

static void free_all(br_scenario **sc, size_t n)
{
    for (size_t i = 0; i < n; ++i)
        br_scenario_free(sc[i]);
    free(sc);
}

/* Every file, then the --sweep grid over each: the scenarios of this run. */
static br_status load_run(const br_cli *cli, br_scenario ***out, size_t *n, char *err)
{
    *out = NULL;
    *n = 0;
    br_scenario **sc = calloc(cli->n_files, sizeof *sc);
    if (!sc)
        return br_fail(err, BR_ERRLEN, BR_E_NOMEM, "out of memory");
    br_status st = load_all(cli, cli->files, cli->n_files, sc, err);
    if (st != BR_OK) {
        free(sc);
        return st;
    }
    if (cli->n_sweeps == 0) {
        *out = sc;
        *n = cli->n_files;
        return BR_OK;
    }
    st = br_sweep_expand(sc, cli->n_files, cli->sweeps, cli->n_sweeps, out, n, err, BR_ERRLEN);
    free_all(sc, cli->n_files);
    return st;
}

int br_cmd_validate(const br_cli *cli)
{
    char err[BR_ERRLEN];
    int code = 0;
    br_scenario_set_repair_correlation(cli->repair_correlation);
    if (cli->n_sweeps) { /* the grid: all or nothing, like run */
        br_scenario **sc;
        size_t n;
        const br_status st = load_run(cli, &sc, &n, err);
        if (st != BR_OK)
            return fail(st, err);
        for (size_t i = 0; i < n; ++i) {
            printf("# %s: valid\n", sc[i]->name);
            br_scenario_print(sc[i], stdout);
        }
        free_all(sc, n);
        return 0;
    }
    for (size_t i = 0; i < cli->n_files; ++i) {
        br_scenario *sc;
        const br_status st = br_scenario_load(cli->files[i], cli->sets, cli->n_sets, &sc, err,
                                              sizeof err);
        if (st != BR_OK) {
            fprintf(stderr, "burnrate: %s\n", err);
            code = br_status_exit_code(st);
            continue;
        }
        printf("# %s: valid\n", cli->files[i]);
        br_scenario_print(sc, stdout);
        br_scenario_free(sc);
    }
    return code;
}

/* Progress on stderr: only on a terminal, only once a run has taken a second. */
typedef struct progress {
    struct timespec t0;
    bool tty, shown;
} progress;

static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + 1e-9 * (double)(t.tv_nsec - t0->tv_nsec);
}

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
    progress *p = ctx;
    const double s = since(&p->t0);
    if (!p->tty || s < 1.0)
        return;
    fprintf(stderr, "\r  %5.1f%%  %llu / %llu paths  %.1f s", 100.0 * (double)done / (double)total,
            (unsigned long long)done, (unsigned long long)total, s);
    p->shown = true;
}

/* SIGTERM and SIGUSR1 (Slurm's warning before the time limit) only set this flag; the
 * root checks it between task batches and stops every rank after a checkpoint. */
static volatile sig_atomic_t g_stop;

static void on_stop_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static void catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
}

/* The command line that resumes this run: argv, shell-quoted, with --resume FILE. */
static void print_resume_hint(const br_cli *cli, const char *file, FILE *f)
{
    fputs("burnrate: resume with:", f);
    bool has_resume = false;
    for (int i = 0; i < cli->argc; ++i) {
        const char *a = cli->argv[i];
        has_resume |= strcmp(a, "--resume") == 0 || strncmp(a, "--resume=", 9) == 0;
        if (a[strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                        "_-./=:,+@%")] == '\0' && *a) {
            fprintf(f, " %s", a);
        } else {
            fputs(" '", f);
            for (; *a; ++a)
                *a == '\'' ? fputs("'\\''", f) : fputc(*a, f);
            fputc('\'', f);
        }
    }
    if (!has_resume)
        fprintf(f, " --resume %s", file);
    fputc('\n', f);
    if (br_par_size() > 1)
        fprintf(f, "burnrate: (under mpirun/srun with any number of ranks)\n");
}

/* Run the scenarios and write every output, all or nothing (rank 0 writes). */
static int run_and_report(const br_cli *cli, br_scenario **sc, size_t n, uint64_t paths,
                          br_result **keep)
{
    char err[BR_ERRLEN];
    const bool root = br_par_rank() == 0;
    progress prog = {.tty = root && !cli->quiet && isatty(STDERR_FILENO)};
    clock_gettime(CLOCK_MONOTONIC, &prog.t0);
    const br_run_config cfg = {
        .paths = paths, .seed = cli->seed, .threads = cli->threads, .backend = cli->backend,
        .progress = on_progress, .progress_ctx = &prog, .fan = cli->fan,
        .target_se = cli->target_se, .target_rel = cli->target_rel,
    };
    const br_run_opts opts = {
        .checkpoint = cli->checkpoint, .resume = cli->resume,
        .checkpoint_every = cli->checkpoint_every, .stop = &g_stop,
    };
    br_result *r = NULL;
    br_status st = br_run_ex((const br_scenario *const *)sc, n, &cfg, &opts, &r, err,
                             sizeof err);
    if (prog.shown)
        fputs("\r\033[K", stderr);
    if (st != BR_OK)
        return fail(st, err);
    if (!root)
        return 0;
    const char *ck = cli->checkpoint ? cli->checkpoint : cli->resume;
    if (r->warning[0])
        fprintf(stderr, "burnrate: warning: %s\n", r->warning);
    if (r->already_finished) {
        fprintf(stderr, "burnrate: checkpoint %s: this run already finished (%llu of %llu "
                "tasks done); nothing to do, no output rewritten\n", cli->resume,
                (unsigned long long)r->tasks_done, (unsigned long long)r->tasks_total);
        br_result_free(r);
        return 0;
    }
    if (r->stopped) {
        fprintf(stderr, "burnrate: stopped by a signal; checkpoint %s saved (%llu of %llu "
                "tasks done)\n", ck, (unsigned long long)r->tasks_done,
                (unsigned long long)r->tasks_total);
        print_resume_hint(cli, ck, stderr);
        br_result_free(r);
        return 0;
    }

    br_outset set = {0};
    char report_json[BR_PATH_MAX + 32] = "";
    if (st == BR_OK && cli->json)
        st = br_report_json_write(r, cli->json, &set, err, sizeof err);
    if (st == BR_OK && cli->csv)
        st = br_report_csv_write(r, cli->csv, &set, err, sizeof err);
    if (st == BR_OK && cli->report) {
        snprintf(report_json, sizeof report_json, "%s/result.json", cli->report);
        st = br_make_dir(cli->report, err, sizeof err);
    }
    if (st == BR_OK && cli->report) {
        st = br_report_json_write(r, report_json, &set, err, sizeof err);
    }
    st = st == BR_OK ? br_outset_commit(&set, err, sizeof err) : (br_outset_abort(&set), st);
    if (st == BR_OK && cli->report) { /* charts and index.html from the JSON just written */
        const char *j = report_json;
        st = br_plot(&j, 1, cli->report, true, cli->quiet, err, sizeof err);
    }
    if (st != BR_OK) {
        br_result_free(r);
        return fail(st, err);
    }
    if (!cli->quiet) {
        FILE *out = (cli->json && strcmp(cli->json, "-") == 0) ? stderr : stdout;
        br_report_text(r, out);
        br_report_stress_text(r, out);
        if (cli->report)
            fprintf(out, "report: %s/index.html\n", cli->report);
    }
    if (keep)
        *keep = r;
    else
        br_result_free(r);
    return 0;
}

/* --stress: after each scenario, its stressed copies, in the order given. */
static br_status add_stress(const br_cli *cli, br_scenario ***sc, size_t *n, char *err)
{
    const size_t m = *n * (1 + cli->n_stress);
    br_scenario **all = calloc(m, sizeof *all);
    if (!all)
        return br_fail(err, BR_ERRLEN, BR_E_NOMEM, "out of memory");
    size_t k = 0;
    br_status st = BR_OK;
    for (size_t i = 0; i < *n && st == BR_OK; ++i) {
        const br_scenario *base = all[k++] = (*sc)[i];
        (*sc)[i] = NULL;
        for (size_t j = 0; j < cli->n_stress && st == BR_OK; ++j) {
            const br_stress_def *d = br_stress_find(base, cli->stress[j]);
            if (!d) {
                st = br_fail(err, BR_ERRLEN, BR_E_USAGE, "--stress '%s': not a preset and "
                             "not a [stress.%s] section of %s (burnrate run %s --stress list)",
                             cli->stress[j], cli->stress[j], base->path, base->path);
                break;
            }
            st = br_stress_apply(base, d, &all[k], err, BR_ERRLEN);
            k += st == BR_OK;
        }
    }
    for (size_t i = 0; i < *n; ++i)
        br_scenario_free((*sc)[i]);
    free(*sc);
    *sc = all;
    *n = k;
    return st;
}

int br_cmd_run(const br_cli *cli)
{
    char err[BR_ERRLEN];
    if (cli->checkpoint || cli->resume)
        catch_stop_signals(); /* first: a signal may come while MPI starts */
    br_par_init();
    br_scenario **sc = NULL;
    size_t n = 0;
    /* Every rank loads the files itself; all go on only if all could. */
    br_status st = load_run(cli, &sc, &n, err);
    const bool list = cli->n_stress == 1 && strcmp(cli->stress[0], "list") == 0;
    if (st == BR_OK && list) {
        if (br_par_rank() == 0)
            for (size_t i = 0; i < n; ++i)
                br_stress_list(sc[i], stdout);
        free_all(sc, n);
        br_par_finalize();
        return 0;
    }
    if (st == BR_OK && cli->n_stress)
        st = add_stress(cli, &sc, &n, err);
    st = br_par_agree(st, err, sizeof err);
    const bool target = cli->target_se > 0 || cli->target_rel > 0;
    const uint64_t paths = target ? (cli->max_paths ? cli->max_paths : BR_DEFAULT_MAX_PATHS)
                                  : (cli->paths ? cli->paths : BR_DEFAULT_PATHS);
    int code;
    if (st != BR_OK)
        code = fail(st, err);
    else
        code = run_and_report(cli, sc, n, paths, NULL);
    if (sc)
        free_all(sc, n);
    br_par_finalize();
    return code;
}

/* A run of `paths` paths of one scenario, quietly, keeping the result. */
static br_status bench_run(const br_cli *cli, br_scenario *sc, uint64_t paths, br_result **r,
                           char *err)
{
    const br_run_config cfg = {.paths = paths, .seed = cli->seed, .threads = cli->threads,
                               .backend = cli->backend};
    return br_run((const br_scenario *const *)&sc, 1, &cfg, r, err, BR_ERRLEN);
}

static cJSON *bench_json(const br_result *r, const br_scenario *sc, bool known,
                         uint64_t expected, double fom)
{
    const br_scenario_result *it = &r->items[0];
    char hex[17], cpu[512], id[17];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "version", BR_VERSION);
    cJSON_AddStringToObject(o, "scenario", sc->name);
    snprintf(id, sizeof id, "%016llx", (unsigned long long)br_scenario_id(sc));
    cJSON_AddStringToObject(o, "scenario_id", id);
    cJSON_AddNumberToObject(o, "paths", (double)r->paths);
    cJSON_AddNumberToObject(o, "seed", (double)r->seed);
    cJSON_AddNumberToObject(o, "horizon_months", sc->horizon_months);
    cJSON_AddNumberToObject(o, "elapsed_s", r->elapsed_s);
    cJSON_AddNumberToObject(o, "path_months_per_s", r->path_months_per_s);
    cJSON_AddNumberToObject(o, "paths_per_s", r->elapsed_s > 0 ? (double)r->paths / r->elapsed_s : 0);
    cJSON_AddNumberToObject(o, "insolvency_probability", it->stats.p_insolvent);
    cJSON_AddNumberToObject(o, "insolvency_stderr", it->stats.stderr_p);
    cJSON_AddNumberToObject(o, "figure_of_merit", fom);
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)it->hash);
    cJSON_AddStringToObject(o, "verification_hash", hex);
    if (known) {
        snprintf(hex, sizeof hex, "%016llx", (unsigned long long)expected);
        cJSON_AddStringToObject(o, "expected_hash", hex);
        cJSON_AddBoolToObject(o, "hash_ok", expected == it->hash);
    } else {
        cJSON_AddNullToObject(o, "expected_hash");
        cJSON_AddNullToObject(o, "hash_ok");
    }
    cJSON *m = cJSON_AddObjectToObject(o, "machine");
    br_bench_cpu(cpu, sizeof cpu);
    cJSON_AddStringToObject(m, "cpu", cpu);
    cJSON_AddStringToObject(m, "backend", r->backend);
    cJSON_AddStringToObject(m, "device", r->device);
    cJSON_AddNumberToObject(m, "threads", r->threads);
    cJSON_AddStringToObject(o, "build", br_bench_build());
    return o;
}

int br_cmd_bench(const br_cli *cli)
{
    char err[BR_ERRLEN];
    const char *file = cli->n_files ? cli->files[0] : BR_DEFAULT_BENCH_SCENARIO;
    if (cli->n_files == 0 && access(file, R_OK) != 0)
        file = BR_SOURCE_SCENARIO_DIR "/xai-2026-base.ini";
    br_scenario *sc = NULL;
    br_status st = load_all(cli, &file, 1, &sc, err);
    if (st != BR_OK)
        return fail(st, err);

    /* Set up: with --seconds, time one work unit first and size the run from it. */
    uint64_t paths = cli->paths ? cli->paths : BR_BENCH_PATHS;
    br_result *r = NULL;
    if (cli->seconds > 0) {
        st = bench_run(cli, sc, BR_UNIT_PATHS, &r, err);
        if (st == BR_OK) {
            const double per_path = r->elapsed_s / (double)BR_UNIT_PATHS;
            double want = per_path > 0 ? cli->seconds / per_path : 1e9;
            uint64_t units = (uint64_t)(want / BR_UNIT_PATHS) + 1;
            paths = units * BR_UNIT_PATHS;
            br_result_free(r);
            r = NULL;
        }
    }
    /* Simulate (timed) and verify. */
    if (st == BR_OK)
        st = bench_run(cli, sc, paths, &r, err);
    if (st != BR_OK) {
        br_scenario_free(sc);
        return fail(st, err);
    }
    uint64_t expected = 0;
    const bool known = br_bench_known_hash(sc, cli->seed, paths, &expected);
    const uint64_t hash = r->items[0].hash;
    const double fom = br_bench_fom(&r->items[0].stats, r->elapsed_s);

    /* Report. */
    int code = known && expected != hash ? 1 : 0;
    if (cli->json) {
        cJSON *o = bench_json(r, sc, known, expected, fom);
        char *text = cJSON_Print(o);
        cJSON_Delete(o);
        br_outset set = {0};
        if (strcmp(cli->json, "-") == 0) {
            puts(text);
        } else {
            FILE *f = br_outset_open(&set, cli->json, err, sizeof err);
            if (f) {
                fprintf(f, "%s\n", text);
                st = br_outset_commit(&set, err, sizeof err);
            } else {
                st = BR_E_IO;
            }
        }
        free(text);
        if (st != BR_OK)
            code = fail(st, err);
    }
    FILE *out = (cli->json && strcmp(cli->json, "-") == 0) ? stderr : stdout;
    if (!cli->quiet) {
        char cpu[512];
        br_bench_cpu(cpu, sizeof cpu);
        fprintf(out,
                "bench: %s, %llu paths x %d months, seed %llu\n"
                "  machine   %s\n"
                "  backend   %s on %s\n"
                "  build     %s\n"
                "  time      %.3f s\n"
                "  rate      %.4g path-months/s, %.4g paths/s\n"
                "  accuracy  insolvency %.4f%% +- %.4f%%, figure of merit %.4g /s\n",
                sc->name, (unsigned long long)paths, sc->horizon_months,
                (unsigned long long)cli->seed, cpu, r->backend, r->device, br_bench_build(),
                r->elapsed_s, r->path_months_per_s,
                r->elapsed_s > 0 ? (double)paths / r->elapsed_s : 0.0,
                100 * r->items[0].stats.p_insolvent, 100 * r->items[0].stats.stderr_p, fom);
        if (known)
            fprintf(out, "  hash      %016llx (%s: expected %016llx)\n", (unsigned long long)hash,
                    expected == hash ? "VERIFIED" : "WRONG", (unsigned long long)expected);
        else
            fprintf(out, "  hash      %016llx (no reference value for this configuration)\n",
                    (unsigned long long)hash);
    }
    if (known && expected != hash)
        fprintf(stderr, "burnrate: bench: verification hash %016llx differs from the reference "
                        "%016llx for this scenario, seed and path count\n",
                (unsigned long long)hash, (unsigned long long)expected);
    br_result_free(r);
    br_scenario_free(sc);
    return code;
}
