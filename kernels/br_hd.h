/* br_hd.h: the one place that says how kernel code is compiled.
 * Every function in kernels/ is BR_HD: __host__ __device__ under nvcc, a plain
 * static inline function under gcc, so the model exists once for every backend. */
#ifndef BR_HD_H
#define BR_HD_H

#include <stdint.h>

#if defined(__CUDACC__)
#define BR_CUDA 1
/* static: cuda.cu compiles the shared code with its own hooks (BR_PHILOX_KEY,
 * BR_ROUND_WHEN), other .cu files without; internal linkage keeps each file's version
 * its own, also under separable compilation. */
#define BR_HD static __host__ __device__ __forceinline__
#else
#define BR_CUDA 0
#if defined(__GNUC__)
/* always_inline: the CPU engine vectorises a loop whose body is the whole month;
 * one call left un-inlined would make that loop scalar. */
#define BR_HD static inline __attribute__((always_inline))
#else
#define BR_HD static inline
#endif
#endif

#endif /* BR_HD_H */
