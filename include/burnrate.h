/* burnrate.h: the one public header of burnrate, a Monte Carlo engine for the cash
 * runway of companies that burn capital at industrial scale. Opaque handles, br_ names;
 * the library never prints or exits: it returns a br_status and fills a message. */
#ifndef BURNRATE_H
#define BURNRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BR_VERSION "0.1.0"

typedef enum br_status {
    BR_OK = 0,
    BR_E_INPUT,   /* bad scenario, bad option value: exit 2 */
    BR_E_USAGE,   /* bad command line: exit 2 */
    BR_E_IO,      /* a file could not be read or written: exit 1 */
    BR_E_NOMEM,   /* exit 1 */
    BR_E_BACKEND, /* a backend failed or is not available: exit 1 */
    BR_E_RUNTIME  /* anything else that went wrong while running: exit 1 */
} br_status;

const char *br_status_str(br_status s);
/* The process exit code a status maps to: 0 ok, 2 bad input or usage, 1 runtime. */
int br_status_exit_code(br_status s);

/* Error messages are written into a caller's buffer of this size. */
#define BR_ERRLEN 1024

/* ---- scenarios ---------------------------------------------------------------- */
typedef struct br_scenario br_scenario;

/* Parse and validate one scenario file, applying `--set section.key=value`
 * overrides (validated like file values). On error *out is NULL and err names
 * file, line, key, value and what is allowed. */
br_status br_scenario_load(const char *path, const char *const *sets, size_t n_sets,
                           br_scenario **out, char *err, size_t errlen);
/* A deep copy with one more `section.key=value` applied (sweeps, sensitivity). */
br_status br_scenario_with(const br_scenario *sc, const char *assignment,
                           br_scenario **out, char *err, size_t errlen);
void br_scenario_free(br_scenario *sc);
const char *br_scenario_name(const br_scenario *sc);
int br_scenario_horizon(const br_scenario *sc);

/* ---- runs --------------------------------------------------------------------- */
typedef struct br_result br_result;

typedef struct br_run_config {
    uint64_t paths;      /* paths per scenario; with a precision target, the most */
    uint64_t seed;       /* Philox key */
    int threads;         /* 0: OpenMP default */
    const char *backend; /* "auto", "cpu", "cuda" */
    bool fan;            /* also tally the cash fan chart (cash quantiles by month) */
    /* Precision targets on the probability of insolvency by the horizon (0: none): work
     * units are added in batches until its standard error is at most target_se and its
     * relative error at most target_rel, or `paths` is reached. */
    double target_se, target_rel;
    /* Called from the thread that called br_run, between batches of work units. */
    void (*progress)(void *ctx, uint64_t done_paths, uint64_t total_paths);
    void *progress_ctx;
} br_run_config;

#define BR_DEFAULT_SEED UINT64_C(20260101)
#define BR_DEFAULT_PATHS UINT64_C(1000000)

br_status br_run(const br_scenario *const *scenarios, size_t n_scenarios,
                 const br_run_config *cfg, br_result **out, char *err, size_t errlen);
void br_result_free(br_result *r);

/* Comma-separated backends compiled into this build, e.g. "cpu" or "cpu, cuda". */
const char *br_backends_compiled(void);

#ifdef __cplusplus
}
#endif
#endif /* BURNRATE_H */
