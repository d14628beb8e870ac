/* backend.h: what engine.c needs of a backend, filled by each one with designated
 * initialisers (host/backend_cpu.c, host/backend_cuda.c), so engine.c has no #if. */
#ifndef BR_BACKEND_H
#define BR_BACKEND_H

#include "burnrate.h"
#include "tally.h"

#include <stdbool.h>

typedef struct br_backend {
    const char *name;
    /* Whether it can run here; when not, why (what the driver said). */
    bool (*available)(char *why, size_t whylen);
    /* The device(s) it runs on, for reports: "AMD EPYC (2 threads)", "NVIDIA H100". */
    void (*describe)(char *buf, size_t len, int threads);
    /* Add every path of the listed work units to *out, and to the optional tallies of
     * x (NULL: none; see kernels/tally.h and kernels/cpu.h). */
    br_status (*run_units)(const br_model *m, uint64_t seed, uint64_t n_paths,
                           const uint64_t *units, size_t n_units, int threads,
                           br_tally *out, const br_extra *x, char *err, size_t errlen);
    /* Work units one run_units call should take: enough to keep the device busy to the
     * end of the call. The engine sees progress, checkpoints and stops between calls. */
    uint64_t (*batch_units)(int threads);
} br_backend;

extern const br_backend br_backend_cpu;
#if BR_WITH_CUDA
extern const br_backend br_backend_cuda;
#endif

/* The CPU model from /proc/cpuinfo, or "unknown CPU". */
void br_cpu_model(char *buf, size_t len);

/* The backend for a --backend name ("auto", "cpu", "cuda"); NULL with a message when
 * it is unknown (BR_E_USAGE) or not usable here (BR_E_BACKEND). */
const br_backend *br_backend_pick(const char *name, br_status *st, char *err, size_t errlen);

#endif /* BR_BACKEND_H */
