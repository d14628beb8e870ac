/* result.h: what a run produced, per scenario: the tallies, the statistics computed
 * from them, the hash. Internal to the host; burnrate.h keeps br_result opaque. */
#ifndef BR_RESULT_H
#define BR_RESULT_H

#include "scenario.h"
#include "stats.h"

typedef struct br_scenario_result {
    const br_scenario *scenario; /* borrowed: outlives the result */
    br_tally *tally;
    br_stats stats;
    uint64_t hash;
    double elapsed_s;
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
};

#endif /* BR_RESULT_H */
