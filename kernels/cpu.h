/* cpu.h: the OpenMP CPU engine over the shared model (kernels/model.h). */
#ifndef BR_CPU_H
#define BR_CPU_H

#include "tally.h"

#include <stddef.h>

/* Paths a vectorised block steps together (16 AVX2 vectors of 8 floats; a multiple of
 * 64). Each month runs several loops over the block (Philox, normals, the model in two
 * parts); 128 lanes spread their per-month set-up over more paths and keep the block
 * (about 21 KiB) in L1. */
#define BR_CPU_LANES 128

/* Add every path of the listed work units (unit u holds paths u*BR_UNIT_PATHS .. up
 * to n_paths) to *out, on `threads` OpenMP threads (0: the OpenMP default), and to the
 * optional tallies of x (NULL, or NULL members: off). Returns 0, or -1 when memory for
 * the per-thread tallies could not be had. */
int br_cpu_run_units(const br_model *m, uint64_t seed, uint64_t n_paths,
                     const uint64_t *units, size_t n_units, int threads, br_tally *out,
                     const br_extra *x);

/* Outcomes of paths p0 .. p0+n-1 through the vectorised engine (tests compare them
 * with br_path_run and with the GPU). */
void br_cpu_outcomes(const br_model *m, uint64_t seed, uint64_t p0, size_t n,
                     br_outcome *out);

#endif /* BR_CPU_H */
