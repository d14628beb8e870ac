/* gpu_transforms.cu: br_cuda_transform_words (kernels/cuda.h) for the GPU tests: the
 * transforms of kernels/transforms.h (normal, exp) evaluated on the device, so
 * their bits can be compared with the host build of the same header word by word. */
#include <cuda_runtime.h>

#include "cuda.h"
#include "transforms.h"

#define BR_TRANSFORM_BLOCK 256

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
    br_status st = BR_OK;
    bool cleanup = false;
    float *d = NULL;
    const size_t blocks = (n + BR_TRANSFORM_BLOCK - 1) / BR_TRANSFORM_BLOCK;
    const unsigned grid = blocks < 65535 ? (unsigned)blocks : 65535u;
    if (n == 0)
        goto done;
    BR_CUDA_CHECK(cudaSetDevice(br_cuda_first_device())); /* as the engine's test kernels */
    BR_CUDA_CHECK(cudaMalloc((void **)&d, 2 * n * sizeof *d));
    BR_CUDA_CHECK(cudaMemset(d, 0xCA, 2 * n * sizeof *d));
    BR_CUDA_CHECK((br_transform_words_kernel<<<grid, BR_TRANSFORM_BLOCK>>>(first, stride, n, d,
                                                                          d + n),
                   cudaGetLastError()));
    BR_CUDA_CHECK(cudaMemcpy(normal, d, n * sizeof *d, cudaMemcpyDeviceToHost));
    BR_CUDA_CHECK(cudaMemcpy(ex, d + n, n * sizeof *d, cudaMemcpyDeviceToHost));
done:
    cleanup = true;
    if (d)
        BR_CUDA_CHECK(cudaFree(d));
    return st;
}
