/* checkpoint.h: the state of a run that a restart needs: what was being run (version,
 * seed, paths, each scenario's resolved parameters by hash), which tasks (scenario, work
 * unit) are finished, and the merged tallies of exactly those tasks. Written atomically
 * (temporary, fsync, rename; the previous one kept as FILE.prev) with an XXH3 checksum;
 * a damaged newest file falls back to FILE.prev. Format: docs in README "Running on a
 * cluster"; native little-endian, for the same build of burnrate. */
#ifndef BR_CHECKPOINT_H
#define BR_CHECKPOINT_H

#include "scenario.h"
#include "tally.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct br_ckpt {
    uint64_t seed, paths;
    uint64_t n_scenarios, n_units; /* units per scenario */
    uint64_t fan_stride;           /* words of fan tally per scenario; 0: no --fan */
    double target_se, target_rel;  /* precision targets; 0: none */
    uint64_t *ids;                 /* [n_scenarios] br_scenario_id */
    char (*names)[BR_NAME_MAX];    /* [n_scenarios] */
    uint8_t *done;                 /* bit t of task t = scenario * n_units + unit */
    br_tally *tallies;             /* [n_scenarios], merged over the done tasks */
    uint64_t *limits;              /* [n_scenarios] units a target run has opened so far */
    uint64_t *fan;                 /* [n_scenarios * fan_stride], over the done tasks */
} br_ckpt;

/* Allocate c's arrays for its n_scenarios, n_units and fan_stride (zeroed); false if out
 * of memory (what was allocated is freed by br_ckpt_free). */
bool br_ckpt_alloc(br_ckpt *c);

static inline int br_ckpt_is_done(const uint8_t *done, uint64_t task)
{
    return (done[task >> 3] >> (task & 7)) & 1;
}
static inline void br_ckpt_set_done(uint8_t *done, uint64_t task)
{
    done[task >> 3] |= (uint8_t)(1u << (task & 7));
}

/* Write `path` atomically; the file it replaces becomes path.prev. */
br_status br_ckpt_write(const char *path, const br_ckpt *c, char *err, size_t errlen);
/* Read `path`, or path.prev when `path` is missing, truncated or fails its checksum (a
 * line saying so goes into warn, else warn is ""). Allocates c's arrays. BR_E_INPUT
 * when neither is usable. */
br_status br_ckpt_read(const char *path, br_ckpt *c, char *warn, size_t warnlen, char *err,
                       size_t errlen);
/* BR_E_INPUT naming the first thing `c` (read from `path`) differs in from `want`. */
br_status br_ckpt_check(const char *path, const br_ckpt *c, const br_ckpt *want, char *err,
                        size_t errlen);
void br_ckpt_free(br_ckpt *c);

#endif /* BR_CHECKPOINT_H */
