/* gpu_curand_words.cu: br_cuda_philox_words (kernels/cuda.h) for the GPU tests: the
 * Philox words of kernels/philox.h next to those of cuRAND's device API, computed on
 * the device, so the contract of MODEL.md s.5 is checked where the kernels run. */
#include <curand_kernel.h>

#include "gpu_two_outputs.cuh"
#include "philox.h"

/* Draws off .. off+n_draws-1 of paths p0 .. p0+n_paths-1, ours and cuRAND's. */
__global__ void br_philox_words_kernel(uint64_t seed, uint64_t p0, uint64_t n_paths,
                                       uint32_t off, uint32_t n_draws, uint32_t *ours,
                                       uint32_t *cur)
{
    const uint64_t stride = (uint64_t)gridDim.x * blockDim.x;
    for (uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n_paths;
         i += stride) {
        const uint64_t p = p0 + i;
        curandStatePhilox4_32_10_t st;
        curand_init(seed, p, 0, &st);
        skipahead(4ull * off, &st); /* skipahead counts 32-bit words, 4 a draw */
        for (uint32_t d = 0; d < n_draws; ++d) {
            const br_u32x4 a = br_philox_path(seed, (uint32_t)p, (uint32_t)(p >> 32), off + d);
            const uint4 c = curand4(&st);
            uint32_t *o = ours + (i * n_draws + d) * 4;
            uint32_t *r = cur + (i * n_draws + d) * 4;
            o[0] = a.v[0], o[1] = a.v[1], o[2] = a.v[2], o[3] = a.v[3];
            r[0] = c.x, r[1] = c.y, r[2] = c.z, r[3] = c.w;
        }
    }
}

extern "C" br_status br_cuda_philox_words(uint64_t seed, uint64_t p0, size_t n_paths,
                                          uint32_t offset_draws, uint32_t n_draws,
                                          uint32_t *ours, uint32_t *curand, char *err,
                                          size_t errlen)
{
    const size_t words = n_paths * (size_t)n_draws * 4;
    return br_test_two_outputs(
        n_paths, words * sizeof *ours, ours, curand,
        [=](unsigned grid, void *d_ours, void *d_curand) {
            br_philox_words_kernel<<<grid, BR_TEST_BLOCK>>>(seed, p0, n_paths, offset_draws,
                                                           n_draws, (uint32_t *)d_ours,
                                                           (uint32_t *)d_curand);
        },
        err, errlen);
}
