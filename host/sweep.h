/* sweep.h: --sweep section.key=v1,v2,... (repeatable): every scenario becomes the grid
 * of all combinations, each point named after its values, e.g.
 * xai-2026-base[costs.capex=3B,equity.success_normal=0.3]. */
#ifndef BR_SWEEP_H
#define BR_SWEEP_H

#include "scenario.h"

#define BR_SWEEP_MAX_POINTS 65536

/* The grid points of every base scenario, bases in order, the last --sweep varying
 * fastest. Values are validated like --set (BR_E_INPUT); a malformed --sweep is
 * BR_E_USAGE. The caller frees each scenario and the array; bases are kept. */
br_status br_sweep_expand(br_scenario *const *bases, size_t n_bases,
                          const char *const *sweeps, size_t n_sweeps, br_scenario ***out,
                          size_t *n_out, char *err, size_t errlen);

#endif /* BR_SWEEP_H */
