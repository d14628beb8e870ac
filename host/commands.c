/* commands.c: validate, run and bench, each a short script over the library. */
#include "bench.h"
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
    snprintf(id, sizeof id, "%016llx", (unsigned long long)br_bench_scenario_id(sc));
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
