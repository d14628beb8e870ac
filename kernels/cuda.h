/* cuda.h: the CUDA engine (kernels/cuda.cu), callable from C. One thread runs one path
 * of kernels/model.h, the same code the CPU engine vectorises; tallies are integers, so
 * the result is bit-identical to the CPU backend for any split over blocks and GPUs.
 * Every function returns a br_status and fills err; none prints or exits. */
#ifndef BR_CUDA_H
#define BR_CUDA_H

#include "burnrate.h"
#include "tally.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Work units a br_cuda_run_units call should take: 512 units are 33.5M paths, about
 * 2e9 path-months at 60 months (tens of milliseconds on one H100), so the call's fixed
 * cost (copies, launch, one synchronisation) is well under 1% and the last wave of the
 * grid-stride loop (threads whose paths ended early wait for the rest) is a small part
 * of each thread's ~200 paths. */
#define BR_CUDA_BATCH_UNITS 512

/* Usable CUDA devices: the visible ones this build can run on (a context can be created
 * and the kernels have code for the device); 0 when there are none or the driver cannot
 * be used. Probed once per process; runs use exactly these devices. */
int br_cuda_device_count(void);

/* As br_cuda_device_count, and when it is 0, why (the CUDA runtime's message for each
 * device passed over, or for the driver). */
int br_cuda_probe(char *why, size_t whylen);

/* The first usable device's CUDA ordinal, where the test entry points run; -1 if none. */
int br_cuda_first_device(void);

/* Usable device name(s), driver and runtime versions, and the devices passed over and
 * why, for reports. */
void br_cuda_describe(char *buf, size_t len);

/* Add every path of the listed work units (as br_cpu_run_units) to *out and to the
 * optional tallies of x, on all usable devices: the unit list is split into one
 * contiguous chunk per device, each device's tallies come back once and are merged with
 * integer adds. Not reentrant (the device tallies are module globals): calls are
 * serialised by a lock. */
br_status br_cuda_run_units(const br_model *m, uint64_t seed, uint64_t n_paths,
                            const uint64_t *units, size_t n_units, br_tally *out,
                            const br_extra *x, char *err, size_t errlen);

/* Outcomes of paths p0 .. p0+n-1, one thread per path on the first usable device (tests compare them
 * with br_cpu_outcomes). The device buffer is poisoned with 0xCA bytes first, so a path
 * the kernel did not write fails the comparison. */
br_status br_cuda_outcomes(const br_model *m, uint64_t seed, uint64_t p0, size_t n,
                           br_outcome *out, char *err, size_t errlen);

/* The same words as the engine's kernels draw them (round keys from constant memory),
 * on the first usable device, into out (n_paths * n_draws * 4 words, path-major, device buffer
 * poisoned first); the tests compare them with br_cuda_philox_words and the host. */
br_status br_cuda_engine_words(uint64_t seed, uint64_t p0, size_t n_paths,
                               uint32_t offset_draws, uint32_t n_draws, uint32_t *out,
                               char *err, size_t errlen);

/* Defined in tests/gpu_curand_words.cu and linked into the GPU tests only, so the
 * library carries no cuRAND code or tables.
 * For paths p0 .. p0+n_paths-1, draws offset_draws .. offset_draws+n_draws-1 (one draw
 * = one Philox counter = 4 words) computed twice on the first usable device: by
 * br_philox_path into ours, and by cuRAND's device API (curand_init(seed, p, 0) +
 * skipahead + curand4) into curand. Both hold n_paths * n_draws * 4 words, path-major; both device buffers
 * are poisoned with 0xCA bytes first. */
br_status br_cuda_philox_words(uint64_t seed, uint64_t p0, size_t n_paths,
                               uint32_t offset_draws, uint32_t n_draws, uint32_t *ours,
                               uint32_t *curand, char *err, size_t errlen);

/* Defined in tests/gpu_transforms.cu, for the GPU tests only. For the n words
 * x_i = first + i * stride (mod 2^32), on the first usable device:
 * normal[i] = br_normal(x_i), and ex[i] = br_expf of the float with bits x_i. Device buffers poisoned with 0xCA bytes
 * first. */
br_status br_cuda_transform_words(uint32_t first, uint32_t stride, size_t n, float *normal,
                                  float *ex, char *err, size_t errlen);

/* Formats a failed CUDA call into err; returns BR_E_BACKEND. For BR_CUDA_CHECK. */
br_status br_cuda_fail(char *err, size_t errlen, const char *call, const char *func,
                       const char *file, int line, int code);

#ifdef __cplusplus
}
#endif

#if defined(__CUDACC__)
/* Every CUDA call goes through BR_CUDA_CHECK. On failure the first error is kept in
 * err (call text, function, file, line and the runtime's message) and st becomes
 * BR_E_BACKEND; outside the cleanup it then jumps to the function's `done:`, which
 * releases what was taken, through the same macro, with `cleanup` set. A function using
 * it has `br_status st`, `err`, `errlen`, `cleanup` and a `done:` label. */
#define BR_CUDA_CHECK(call)                                                                  \
    do {                                                                                   \
        const cudaError_t br_e_ = (call);                                                  \
        if (br_e_ != cudaSuccess) {                                                        \
            if (st == BR_OK)                                                               \
                st = br_cuda_fail(err, errlen, #call, __func__, __FILE__, __LINE__,          \
                                  (int)br_e_);                                             \
            if (!cleanup)                                                                  \
                goto done;                                                                 \
        }                                                                                  \
    } while (0)
#endif

#endif /* BR_CUDA_H */
