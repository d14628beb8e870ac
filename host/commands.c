/* commands.c: validate, run and bench, each a short script over the library. */
#include "cli.h"
#include "report.h"
#include "result.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef BR_DEFAULT_BENCH_SCENARIO
#define BR_DEFAULT_BENCH_SCENARIO "scenarios/xai-2026-base.ini"
#endif
#define BR_BENCH_PATHS UINT64_C(4000000)

static int fail(br_status st, const char *msg)
{
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

int br_cmd_validate(const br_cli *cli)
{
    char err[BR_ERRLEN];
    int code = 0;
    br_scenario_set_repair_correlation(cli->repair_correlation);
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

/* Run the scenarios and write every output, all or nothing. */
static int run_and_report(const br_cli *cli, br_scenario **sc, size_t n, uint64_t paths,
                          br_result **keep)
{
    char err[BR_ERRLEN];
    progress prog = {.tty = !cli->quiet && isatty(STDERR_FILENO)};
    clock_gettime(CLOCK_MONOTONIC, &prog.t0);
    const br_run_config cfg = {
        .paths = paths, .seed = cli->seed, .threads = cli->threads, .backend = cli->backend,
        .progress = on_progress, .progress_ctx = &prog,
    };
    br_result *r = NULL;
    br_status st = br_run((const br_scenario *const *)sc, n, &cfg, &r, err, sizeof err);
    if (prog.shown)
        fputs("\r\033[K", stderr);
    if (st != BR_OK)
        return fail(st, err);

    br_outset set = {0};
    if (st == BR_OK && cli->json)
        st = br_report_json_write(r, cli->json, &set, err, sizeof err);
    if (st == BR_OK && cli->csv)
        st = br_report_csv_write(r, cli->csv, &set, err, sizeof err);
    st = st == BR_OK ? br_outset_commit(&set, err, sizeof err) : (br_outset_abort(&set), st);
    if (st != BR_OK) {
        br_result_free(r);
        return fail(st, err);
    }
    if (!cli->quiet)
        br_report_text(r, (cli->json && strcmp(cli->json, "-") == 0) ? stderr : stdout);
    if (keep)
        *keep = r;
    else
        br_result_free(r);
    return 0;
}

int br_cmd_run(const br_cli *cli)
{
    char err[BR_ERRLEN];
    br_scenario **sc = calloc(cli->n_files, sizeof *sc);
    if (!sc)
        return fail(BR_E_NOMEM, "out of memory");
    br_status st = load_all(cli, cli->files, cli->n_files, sc, err);
    if (st != BR_OK) {
        free(sc);
        return fail(st, err);
    }
    const int code = run_and_report(cli, sc, cli->n_files,
                                    cli->paths ? cli->paths : BR_DEFAULT_PATHS, NULL);
    free_all(sc, cli->n_files);
    return code;
}

int br_cmd_bench(const br_cli *cli)
{
    char err[BR_ERRLEN];
    const char *file = cli->n_files ? cli->files[0] : BR_DEFAULT_BENCH_SCENARIO;
    if (cli->n_files == 0 && access(file, R_OK) != 0)
        file = BR_SOURCE_SCENARIO_DIR "/xai-2026-base.ini";
    br_scenario **sc = calloc(1, sizeof *sc);
    if (!sc)
        return fail(BR_E_NOMEM, "out of memory");
    br_status st = load_all(cli, &file, 1, sc, err);
    if (st != BR_OK) {
        free(sc);
        return fail(st, err);
    }
    br_cli quiet = *cli;
    quiet.quiet = true;
    br_result *r = NULL;
    const uint64_t paths = cli->paths ? cli->paths : BR_BENCH_PATHS;
    int code = run_and_report(&quiet, sc, 1, paths, &r);
    if (code == 0) {
        if (!cli->quiet)
            printf("bench: %s, %llu paths x %d months, %s backend on %s\n"
                   "  %.3f s  %.4g path-months/s  %.4g paths/s\n"
                   "  verification hash %016llx\n",
                   sc[0]->name, (unsigned long long)paths, sc[0]->horizon_months, r->backend,
                   r->device, r->elapsed_s, r->path_months_per_s,
                   r->elapsed_s > 0 ? (double)paths / r->elapsed_s : 0.0,
                   (unsigned long long)r->items[0].hash);
        br_result_free(r);
    }
    free_all(sc, 1);
    return code;
}
