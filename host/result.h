/* result.h: what a run produced, per scenario: the tallies, the statistics computed
 * from them, the hash. Internal to the host; burnrate.h keeps br_result opaque. */
#ifndef BR_RESULT_H
#define BR_RESULT_H

#include "scenario.h"
#include "stats.h"

#include <signal.h>
#include <stdbool.h>

typedef struct br_scenario_result {
    const br_scenario *scenario; /* borrowed: outlives the result */
    br_tally *tally;
    br_stats stats;
    uint64_t hash;
    double elapsed_s;
    uint64_t *fan;       /* --fan: horizon * BR_FAN_BINS counts (kernels/tally.h); or NULL */
    uint64_t *unit_rows; /* br_run_opts.unit_rows: n_units rows of BR_UNIT_ROW; or NULL */
    uint64_t n_units;
    br_precision precision; /* with a precision target: where it ended */
} br_scenario_result;

struct br_result {
    br_scenario_result *items;
    size_t n_items;
    uint64_t paths, seed;
    const char *backend; /* name of the backend that ran */
    char device[256];    /* what it ran on */
    int threads, ranks;
    double elapsed_s;
    double path_months_per_s; /* sum over scenarios of paths * horizon / elapsed */
    /* Checkpointed runs (br_run_ex): */
    double target_se, target_rel; /* the precision targets (0: none) */
    bool stopped;          /* a stop signal came: the checkpoint holds the state, no stats */
    bool already_finished; /* --resume of a checkpoint whose tasks were all done */
    uint64_t tasks_done, tasks_total; /* (scenario, work unit) pairs */
    char warning[BR_ERRLEN]; /* e.g. the newest checkpoint was damaged; "" if none */
};

/* What br_run_ex adds to br_run: checkpoint and restart, and a stop flag. */
typedef struct br_run_opts {
    const char *checkpoint;    /* save here (NULL: no checkpoints) */
    const char *resume;        /* continue from here (NULL: a fresh run) */
    double checkpoint_every;   /* seconds between checkpoints; <= 0: only on stop/end */
    volatile sig_atomic_t *stop; /* set by a signal handler; checked between batches */
    bool unit_rows;            /* keep per-unit rows (sensitivity); no checkpoints then */
} br_run_opts;

/* br_run over every rank (host/parallel.h): rank 0 hands out (scenario, work unit)
 * tasks, merges the tallies and gets the result; on other ranks *out is NULL. Every
 * rank returns the same status, with the failing rank's message. */
br_status br_run_ex(const br_scenario *const *scenarios, size_t n_scenarios,
                    const br_run_config *cfg, const br_run_opts *opts, br_result **out,
                    char *err, size_t errlen);

#endif /* BR_RESULT_H */
