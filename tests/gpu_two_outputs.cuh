/* gpu_two_outputs.cuh: the common part of the GPU tests' own entry points
 * (gpu_curand_words.cu, gpu_transforms.cu): on the first usable device, one device buffer
 * of two halves of `half` bytes each, poisoned with 0xCA bytes (an unwritten result
 * fails the comparison), launch(grid, first_half, second_half) with a grid-stride grid for
 * n threads, and the halves copied back to out0 and out1. */
#ifndef BR_GPU_TWO_OUTPUTS_CUH
#define BR_GPU_TWO_OUTPUTS_CUH

#include <cuda_runtime.h>

#include "cuda.h"

#define BR_TEST_BLOCK 256

template <typename Launch>
static br_status br_test_two_outputs(size_t n, size_t half, void *out0, void *out1,
                                     Launch launch, char *err, size_t errlen)
{
    br_status st = BR_OK;
    bool cleanup = false;
    char *d = NULL;
    const size_t blocks = (n + BR_TEST_BLOCK - 1) / BR_TEST_BLOCK;
    const unsigned grid = blocks < 65535 ? (unsigned)blocks : 65535u;
    if (n == 0 || half == 0)
        goto done;
    BR_CUDA_CHECK(cudaSetDevice(br_cuda_first_device())); /* as the engine's test kernels */
    BR_CUDA_CHECK(cudaMalloc((void **)&d, 2 * half));
    BR_CUDA_CHECK(cudaMemset(d, 0xCA, 2 * half));
    (void)cudaGetLastError(); /* so the check below reports this launch, not an old error */
    BR_CUDA_CHECK((launch(grid, (void *)d, (void *)(d + half)), cudaGetLastError()));
    BR_CUDA_CHECK(cudaMemcpy(out0, d, half, cudaMemcpyDeviceToHost));
    BR_CUDA_CHECK(cudaMemcpy(out1, d + half, half, cudaMemcpyDeviceToHost));
done:
    cleanup = true;
    if (d)
        BR_CUDA_CHECK(cudaFree(d));
    return st;
}

#endif /* BR_GPU_TWO_OUTPUTS_CUH */
