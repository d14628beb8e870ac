/* gpu_transforms.cu: br_cuda_transform_words (kernels/cuda.h) for the GPU tests: the
 * transforms of kernels/transforms.h (normal, exp) evaluated on the device, so
 * their bits can be compared with the host build of the same header word by word. */
#include "gpu_two_outputs.cuh"
#include "transforms.h"

/* For word x_i = first + i * stride (mod 2^32): br_normal(x_i), and br_expf of the
 * float whose bits are x_i. */
__global__ void br_transform_words_kernel(uint32_t first, uint32_t stride, uint64_t n,
                                          float *normal, float *ex)
{
    const uint64_t step = (uint64_t)gridDim.x * blockDim.x;
    for (uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
        const uint32_t x = first + (uint32_t)i * stride;
        normal[i] = br_normal(x);
        ex[i] = br_expf(br_u2f(x));
    }
}

extern "C" br_status br_cuda_transform_words(uint32_t first, uint32_t stride, size_t n,
                                             float *normal, float *ex, char *err,
                                             size_t errlen)
{
    return br_test_two_outputs(
        n, n * sizeof *normal, normal, ex,
        [=](unsigned grid, void *d_normal, void *d_ex) {
            br_transform_words_kernel<<<grid, BR_TEST_BLOCK>>>(first, stride, n,
                                                              (float *)d_normal, (float *)d_ex);
        },
        err, errlen);
}
