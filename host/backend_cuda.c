/* backend_cuda.c: the CUDA engine of kernels/cuda.cu behind the backend table. */
#include "backend.h"
#include "cuda.h"

#include <stdio.h>

/* Usable when the runtime sees at least one device; otherwise why (its message), which
 * `--backend auto` passes over and `--backend cuda` reports. */
static bool cuda_available(char *why, size_t whylen)
{
    return br_cuda_probe(why, whylen) > 0;
}

static void cuda_describe(char *buf, size_t len, int threads)
{
    (void)threads; /* one thread per path on the device; host threads play no part */
    br_cuda_describe(buf, len);
}

static br_status cuda_run_units(const br_model *m, uint64_t seed, uint64_t n_paths,
                                const uint64_t *units, size_t n_units, int threads,
                                br_tally *out, const br_extra *x, char *err, size_t errlen)
{
    (void)threads;
    return br_cuda_run_units(m, seed, n_paths, units, n_units, out, x, err, errlen);
}

static uint64_t cuda_batch_units(int threads)
{
    (void)threads;
    return BR_CUDA_BATCH_UNITS;
}

const br_backend br_backend_cuda = {
    .name = "cuda",
    .available = cuda_available,
    .describe = cuda_describe,
    .run_units = cuda_run_units,
    .batch_units = cuda_batch_units,
};
