/* backend_cpu.c: the OpenMP engine of kernels/cpu.c behind the backend table. */
#include "backend.h"
#include "cpu.h"

#include <omp.h>
#include <stdio.h>
#include <string.h>

static bool cpu_available(char *why, size_t whylen)
{
    (void)why;
    (void)whylen;
    return true;
}

void br_cpu_model(char *buf, size_t len)
{
    snprintf(buf, len, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        const char *c = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && c) {
            snprintf(buf, len, "%s", c + 2);
            buf[strcspn(buf, "\n")] = '\0';
            break;
        }
    }
    fclose(f);
}

static void cpu_describe(char *buf, size_t len, int threads)
{
    char model[256];
    br_cpu_model(model, sizeof model);
    snprintf(buf, len, "%s (%d threads)", model, threads > 0 ? threads : omp_get_max_threads());
}

static br_status cpu_run_units(const br_model *m, uint64_t seed, uint64_t n_paths,
                               const uint64_t *units, size_t n_units, int threads,
                               br_tally *out, const br_extra *x, char *err, size_t errlen)
{
    if (br_cpu_run_units(m, seed, n_paths, units, n_units, threads, out, x) != 0) {
        snprintf(err, errlen, "cpu backend: out of memory for per-thread tallies");
        return BR_E_NOMEM;
    }
    return BR_OK;
}

/* 8 units a thread: every thread busy (units are taken whole), and a call lasts about a
 * second on a small machine. */
static uint64_t cpu_batch_units(int threads)
{
    return 8 * (uint64_t)(threads > 0 ? threads : omp_get_max_threads());
}

const br_backend br_backend_cpu = {
    .name = "cpu",
    .available = cpu_available,
    .describe = cpu_describe,
    .run_units = cpu_run_units,
    .batch_units = cpu_batch_units,
};
