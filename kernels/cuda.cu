/* cuda.cu: the CUDA engine. One thread runs one path of kernels/model.h (the same BR_HD
 * code the CPU engine vectorises, compiled with -fmad=false and IEEE division and
 * square root, so the bits agree) and adds its outcome through br_tally_path with the
 * hooks below turned into warp-aggregated atomics: small tallies are summed per block in
 * shared memory and flushed once per block; the money histograms go straight to global
 * memory, one atomic per distinct bin per warp. All tallies are integers, so the order of
 * the atomics never changes the result. */
#include <stddef.h>
#include <stdint.h>

#include <cuda_runtime.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- tally hooks ----------------------------------------------------------------------
 * br_tally_path (kernels/tally.h) is the only code that decides what a path counts
 * toward; on the device its adds are routed by the field they address: the fields of
 * br_d_tally (this device's tally) are link-time constants, so after inlining each add
 * goes to a shared-memory slot (counts by month, scalar counts, money sums) or to global
 * memory (the money histograms), warp-aggregated. The host bodies are the plain adds,
 * for nvcc's host pass only. */
struct br_i128;
static __host__ __device__ __forceinline__ void br_cuda_tally_u64(uint64_t *field, uint64_t v);
static __host__ __device__ __forceinline__ void br_cuda_tally_money(struct br_i128 *sum,
                                                                    float x);
#define BR_TALLY_ADD_U64(ptr, v) br_cuda_tally_u64((ptr), (uint64_t)(v))
#define BR_TALLY_ADD_MONEY(sum, x) br_cuda_tally_money((sum), (x))

/* ---- Philox round keys ------------------------------------------------------------------
 * The round keys of the launch's seed, [0][i] of key word 0 and [1][i] of word 1, set
 * by br_set_keys before every launch from br_philox_round_key. In device code a round
 * reads them here (the xor takes a constant-memory operand); the seed the kernels pass
 * down is then not read by Philox, only by the host pass. */
__constant__ uint32_t br_c_keys[2][10];
static __host__ __device__ __forceinline__ uint32_t br_cuda_round_key(uint32_t k, int i,
                                                                      uint32_t w);
#define BR_PHILOX_KEY(k, i, w) br_cuda_round_key((k), (i), (w))

/* A month's equity round (a normal and an exp, a tenth of the month) only in warps
 * where some path closes one: 12% of warp-months skip it on xai-2026-base, 73% on
 * frontier-efficient. The vote is over the threads converged here (normally the warp's
 * active paths), all of which then take the same branch; a path that closes always votes
 * for itself, and paths that do not close never read the value (kernels/model.h). */
#if defined(__CUDA_ARCH__)
#define BR_ROUND_WHEN(close, round) (__any_sync(__activemask(), (close)) ? (round) : 0.0f)
#endif

#include "block_tally.h"
#include "cuda.h"

typedef unsigned long long br_ull; /* the type CUDA's 64-bit atomics take */

/* Threads per block; __launch_bounds__ lets nvcc budget registers for it. */
#define BR_CUDA_BLOCK 256
#define BR_CUDA_MAX_DEVICES 64

/* The model every thread reads (10 KB; the month tables are read at one address per
 * warp and month, the pattern the constant cache broadcasts), and this device's tally of
 * one launch. Module globals: br_cuda_run_units serialises its callers. */
__constant__ br_model br_c_model;
__device__ br_tally br_d_tally;

/* The per-block tallies, br_s_slots(horizon) br_ull slots laid out as kernels/block_tally.h
 * says; that header has the arithmetic of the slots and of the 128-bit money sums, which
 * tests/test_block_tally.c runs on the CPU with the warp intrinsics below emulated. */
extern __shared__ br_ull br_s_small[];

static_assert(sizeof(br_i128) == 2 * sizeof(br_ull), "br_i128 is two 64-bit words");
static_assert(offsetof(br_tally, backstop_paths) == offsetof(br_tally, rounds) + 8 &&
                  offsetof(br_tally, backstop_uses) == offsetof(br_tally, rounds) + 16 &&
                  offsetof(br_tally, cash_sum) == offsetof(br_tally, rounds) + 24 &&
                  offsetof(br_tally, need_sum) == offsetof(br_tally, rounds) + 72 &&
                  sizeof(br_tally) == offsetof(br_tally, rounds) + 88,
              "slots 1..11 mirror br_tally from rounds to its end");
static_assert(BR_S_HEAD == 1 + (sizeof(br_tally) - offsetof(br_tally, rounds)) / 8,
              "slot layout");

/* a += (hi:lo), modulo 2^128, with 64-bit atomics: the carry out of the low word is
 * seen by exactly the add that wraps it, so the sum is exact in any order. */
static __device__ __forceinline__ void br_atomic_add_u128(br_ull *a, br_ull lo, br_ull hi)
{
    const br_ull old = atomicAdd(&a[0], lo);
    const br_ull high = br_u128_high_add(old, lo, hi);
    if (high != 0)
        atomicAdd(&a[1], high);
}

/* Warp aggregation: the warp's active lanes that add to one address are grouped
 * (__match_any_sync), the group's sum is formed in registers (__reduce_add_sync) and its
 * lowest lane does the one atomic. Whole warps add to the same counters (paths, the
 * money sums, the centre bin of paths with no funding need), and 64-bit shared-memory
 * atomics are compare-and-swap loops on sm_80/sm_90, so this turns up to 32 contended
 * atomics into one. The group's sum is exact, so results stay bit-identical. */
static __device__ __forceinline__ unsigned br_peers(const void *addr, bool *leader)
{
    const unsigned peers = __match_any_sync(__activemask(), (br_ull)(uintptr_t)addr);
    *leader = (threadIdx.x & 31u) == (unsigned)(__ffs(peers) - 1);
    return peers;
}

/* dst += v over the group. Per-path counts are at most BR_MAX_HORIZON (one a month), so
 * the sum of 32 of them fits the 32-bit reduction. */
static __device__ __forceinline__ void br_group_add_u64(br_ull *dst, br_ull v)
{
    bool leader;
    const unsigned peers = br_peers(dst, &leader);
    const unsigned total = __reduce_add_sync(peers, (unsigned)v);
    if (leader)
        atomicAdd(dst, (br_ull)total);
}

/* dst (a 128-bit lo, hi pair) += v over the group: v is reduced in four 16-bit chunks
 * (br_i64_chunks), recombined exactly in 128 bits (br_chunk_sums_i128). */
static __device__ __forceinline__ void br_group_add_i64(br_ull *dst, int64_t v)
{
    bool leader;
    const unsigned peers = br_peers(dst, &leader);
    uint32_t c[3];
    int32_t top;
    br_i64_chunks(v, c, &top);
    const br_i128 sum = br_chunk_sums_i128(__reduce_add_sync(peers, c[0]),
                                           __reduce_add_sync(peers, c[1]),
                                           __reduce_add_sync(peers, c[2]),
                                           __reduce_add_sync(peers, top));
    if (leader)
        br_atomic_add_u128(dst, sum.lo, sum.hi);
}

static __host__ __device__ __forceinline__ void br_cuda_tally_u64(uint64_t *field, uint64_t v)
{
#if defined(__CUDA_ARCH__)
    /* Outside br_d_tally (off wraps when below it): the optional tallies, in global
     * memory like the histograms. */
    const size_t off = (size_t)((uintptr_t)field - (uintptr_t)&br_d_tally);
    const size_t slot = br_slot_of(off, br_c_model.horizon);
    br_group_add_u64(slot == BR_SLOT_GLOBAL ? (br_ull *)field : &br_s_small[slot], (br_ull)v);
#else
    *field += v;
#endif
}

static __host__ __device__ __forceinline__ void br_cuda_tally_money(struct br_i128 *sum,
                                                                    float x)
{
#if defined(__CUDA_ARCH__)
    const size_t off = (size_t)((uintptr_t)sum - (uintptr_t)&br_d_tally);
    br_group_add_i64(&br_s_small[br_slot_of(off, br_c_model.horizon)], br_money_fixed(x));
#else
    br_i128_add_i64(sum, br_money_fixed(x));
#endif
}

static __host__ __device__ __forceinline__ uint32_t br_cuda_round_key(uint32_t k, int i,
                                                                      uint32_t w)
{
#if defined(__CUDA_ARCH__)
    (void)k;
    return br_c_keys[w == BR_PHILOX_W1][i];
#else
    return br_philox_round_key(k, i, w);
#endif
}

/* ---- kernels ------------------------------------------------------------------------- */

/* Every path of the work units units[0 .. n_units-1] below n_paths: index i of the
 * grid-stride loop is path i % BR_UNIT_PATHS of unit units[i / BR_UNIT_PATHS]. The
 * optional tallies (kernels/tally.h; NULL when off): fan, horizon * BR_FAN_BINS words,
 * and rows, one BR_UNIT_ROW per listed unit, both zeroed device memory. */
__global__ void __launch_bounds__(BR_CUDA_BLOCK)
    br_units_kernel(uint64_t seed, uint64_t n_paths, const uint64_t *units, uint64_t n_units,
                    uint64_t *fan, uint64_t *rows)
{
    const size_t n_slots = br_s_slots(br_c_model.horizon);
    for (size_t i = threadIdx.x; i < n_slots; i += blockDim.x)
        br_s_small[i] = 0;
    __syncthreads();

    const uint64_t total = n_units * BR_UNIT_PATHS;
    const uint64_t stride = (uint64_t)gridDim.x * blockDim.x;
    for (uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += stride) {
        const uint64_t p = units[i / BR_UNIT_PATHS] * BR_UNIT_PATHS + i % BR_UNIT_PATHS;
        if (p < n_paths) {
            br_outcome o;
            if (fan) { /* br_path_run, with the fan tally after every month */
                br_path s;
                br_path_init(&br_c_model, &s);
                for (int32_t t = 1; t <= br_c_model.horizon && br_path_active(&s); ++t) {
                    br_path_month(&br_c_model, &s, t, seed, (uint32_t)p, (uint32_t)(p >> 32));
                    br_fan_month(fan, t, s.insolvent, s.cash);
                }
                o = br_path_outcome(&br_c_model, &s);
            } else {
                o = br_path_run(&br_c_model, seed, p);
            }
            br_tally_path(&br_d_tally, &o);
            if (rows)
                br_unit_path(rows + (i / BR_UNIT_PATHS) * BR_UNIT_ROW(br_c_model.horizon), &o);
        }
    }
    __syncthreads();

    /* One flush of the block's tallies, each slot to its field (br_slot_field); a money
     * sum moves as one 128-bit add. */
    char *const g = (char *)&br_d_tally;
    for (size_t i = threadIdx.x; i < n_slots; i += blockDim.x) {
        const br_ull v = br_s_small[i];
        br_ull *const dst = (br_ull *)(g + br_slot_field(i, br_c_model.horizon));
        if (i >= BR_S_SUMS && i < BR_S_HEAD) {
            if ((i - BR_S_SUMS) % 2 == 0 && (v | br_s_small[i + 1]) != 0)
                br_atomic_add_u128(dst, v, br_s_small[i + 1]);
            continue;
        }
        if (v != 0)
            atomicAdd(dst, v);
    }
}

/* Outcomes of paths p0 .. p0+n-1, for the tests. */
__global__ void __launch_bounds__(BR_CUDA_BLOCK)
    br_outcomes_kernel(uint64_t seed, uint64_t p0, uint64_t n, br_outcome *out)
{
    const uint64_t stride = (uint64_t)gridDim.x * blockDim.x;
    for (uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride)
        out[i] = br_path_run(&br_c_model, seed, p0 + i);
}

/* Philox words as the engine's kernels draw them (round keys from br_c_keys), for the
 * tests: draws off .. off+n_draws-1 of paths p0 .. p0+n-1, path-major. */
__global__ void __launch_bounds__(BR_CUDA_BLOCK)
    br_engine_words_kernel(uint64_t seed, uint64_t p0, uint64_t n, uint32_t off,
                           uint32_t n_draws, uint32_t *out)
{
    const uint64_t stride = (uint64_t)gridDim.x * blockDim.x;
    for (uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        const uint64_t p = p0 + i;
        for (uint32_t d = 0; d < n_draws; ++d) {
            const br_u32x4 w = br_philox_path(seed, (uint32_t)p, (uint32_t)(p >> 32), off + d);
            for (int k = 0; k < 4; ++k)
                out[(i * n_draws + d) * 4 + (uint64_t)k] = w.v[k];
        }
    }
}

/* ---- errors: BR_CUDA_CHECK (kernels/cuda.h) ---------------------------------------- */

extern "C" br_status br_cuda_fail(char *err, size_t errlen, const char *call, const char *func,
                                  const char *file, int line, int code)
{
    const cudaError_t e = (cudaError_t)code;
    if (err && errlen)
        snprintf(err, errlen, "CUDA: %s failed: %s (%s) [%s, %s:%d]", call,
                 cudaGetErrorString(e), cudaGetErrorName(e), func, file, line);
    return BR_E_BACKEND;
}

/* Blocks for a grid-stride launch: what fits on the device at once, or fewer when there
 * are fewer threads of work. */
static br_status br_grid(const void *kernel, size_t shmem, uint64_t n_threads, int dev,
                         unsigned *grid, char *err, size_t errlen)
{
    br_status st = BR_OK;
    const bool cleanup = false;
    int per_sm = 0, sms = 0;
    BR_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, BR_CUDA_BLOCK,
                                                                shmem));
    BR_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
    {
        const uint64_t full = (uint64_t)(per_sm > 0 ? per_sm : 1) * (uint64_t)(sms > 0 ? sms : 1);
        const uint64_t need = (n_threads + BR_CUDA_BLOCK - 1) / BR_CUDA_BLOCK;
        *grid = (unsigned)(need < full ? (need > 0 ? need : 1) : full);
    }
done:
    return st;
}

/* br_c_keys of seed, for the device current on stream's thread (br_cuda_round_key). The
 * source is static, not on the stack: an async copy from pageable memory may still read
 * it after the call returns (br_cuda_lock is held and every caller synchronises the
 * stream before it lets go). */
static cudaError_t br_set_keys(uint64_t seed, cudaStream_t stream)
{
    static uint32_t keys[2][10];
    for (int i = 0; i < 10; ++i) {
        keys[0][i] = br_philox_round_key((uint32_t)seed, i, BR_PHILOX_W0);
        keys[1][i] = br_philox_round_key((uint32_t)(seed >> 32), i, BR_PHILOX_W1);
    }
    return cudaMemcpyToSymbolAsync(br_c_keys, keys, sizeof keys, 0, cudaMemcpyHostToDevice,
                                   stream);
}

/* ---- the C API ----------------------------------------------------------------------- */

static pthread_mutex_t br_cuda_lock = PTHREAD_MUTEX_INITIALIZER;

/* The CUDA architectures this build has code for (cmake/cuda.cmake), for messages. */
#ifndef BR_CUDA_ARCHS
#define BR_CUDA_ARCHS "?"
#endif

/* The devices a run uses: the visible ones this build can run on, found once
 * (br_cuda_lock held). A device is passed over, with its reason kept, when its compute
 * mode forbids contexts, its context cannot be created (an exclusive device taken, an
 * NVSwitch system whose fabric manager is down) or the kernels have no code for it
 * (older than Ampere: the warp reductions need sm_80). */
static int br_usable[BR_CUDA_MAX_DEVICES];
static int br_n_usable = -1; /* -1: not probed yet */
static char br_passed_over[1024]; /* why devices were passed over, "" if none */
static char br_passed_short[192];  /* the same in brief, for run.device (256 bytes) */

/* Why device d cannot be used, into why, and in brief (ordinal, name, compute
 * capability and the error's name) into brief; false when it can. */
static bool br_device_unusable(int d, char *why, size_t whylen, char *brief, size_t brieflen)
{
    br_status st = BR_OK;
    const bool cleanup = false;
    char err[384] = "";
    const size_t errlen = sizeof err;
    cudaDeviceProp prop;
    cudaFuncAttributes attr;
    int mode = cudaComputeModeDefault;
    bool have_prop = false, have_context = false;
    const char *what = NULL; /* the brief reason when no CUDA call failed */
    BR_CUDA_CHECK(cudaGetDeviceProperties(&prop, d));
    have_prop = true;
    BR_CUDA_CHECK(cudaDeviceGetAttribute(&mode, cudaDevAttrComputeMode, d));
    if (mode == cudaComputeModeProhibited) {
        what = "compute mode Prohibited";
        snprintf(err, errlen, "its compute mode is Prohibited");
        st = BR_E_BACKEND;
        goto done;
    }
    BR_CUDA_CHECK(cudaSetDevice(d));
    BR_CUDA_CHECK(cudaFree(0)); /* creates the device's context */
    have_context = true;
    BR_CUDA_CHECK(cudaFuncGetAttributes(&attr, (const void *)br_units_kernel));
done:
    if (st == BR_OK)
        return false;
    {
        /* The failed call's error (non-sticky: this also clears it for the next call). */
        const cudaError_t e = cudaGetLastError();
        if (!what)
            what = e != cudaSuccess ? cudaGetErrorName(e) : "unusable";
    }
    if (have_context) /* give back what the probe took (memory; an exclusive device) */
        (void)cudaDeviceReset();
    if (have_prop) {
        snprintf(why, whylen, "device %d (%s, compute capability %d.%d; this build has code "
                 "for CUDA architectures %s): %s", d, prop.name, prop.major, prop.minor,
                 BR_CUDA_ARCHS, err);
        snprintf(brief, brieflen, "device %d (%.48s, cc %d.%d): %.40s", d, prop.name, prop.major,
                 prop.minor, what);
    } else {
        snprintf(why, whylen, "device %d: %s", d, err);
        snprintf(brief, brieflen, "device %d: %.40s", d, what);
    }
    return true;
}

/* Visible devices, into *n. */
static br_status br_count_devices(int *n, char *err, size_t errlen)
{
    br_status st = BR_OK;
    const bool cleanup = false;
    *n = 0;
    BR_CUDA_CHECK(cudaGetDeviceCount(n));
done:
    if (st != BR_OK) {
        *n = 0;
        (void)cudaGetLastError();
    }
    return st;
}

/* Fills br_usable once; returns how many, and when none, why. */
static int br_find_devices(char *why, size_t whylen)
{
    if (br_n_usable < 0) {
        int n = 0;
        br_n_usable = 0;
        br_passed_over[0] = '\0';
        br_passed_short[0] = '\0';
        if (br_count_devices(&n, br_passed_over, sizeof br_passed_over) == BR_OK && n == 0)
            snprintf(br_passed_over, sizeof br_passed_over,
                     "CUDA: cudaGetDeviceCount reports no devices");
        for (int d = 0; d < n && d < BR_CUDA_MAX_DEVICES; ++d) {
            char one[768], brief[128];
            if (!br_device_unusable(d, one, sizeof one, brief, sizeof brief)) {
                br_usable[br_n_usable++] = d;
                continue;
            }
            size_t used = strlen(br_passed_over);
            snprintf(br_passed_over + used, sizeof br_passed_over - used, "%s%s",
                     used ? "; " : "", one);
            used = strlen(br_passed_short);
            snprintf(br_passed_short + used, sizeof br_passed_short - used, "%s%s",
                     used ? "; " : "", brief);
        }
    }
    if (br_n_usable == 0 && why && whylen)
        snprintf(why, whylen, "%s", br_passed_over);
    return br_n_usable;
}

extern "C" int br_cuda_probe(char *why, size_t whylen)
{
    pthread_mutex_lock(&br_cuda_lock);
    const int n = br_find_devices(why, whylen);
    pthread_mutex_unlock(&br_cuda_lock);
    return n;
}

extern "C" int br_cuda_device_count(void)
{
    return br_cuda_probe(NULL, 0);
}

extern "C" int br_cuda_first_device(void)
{
    pthread_mutex_lock(&br_cuda_lock);
    const int d = br_find_devices(NULL, 0) > 0 ? br_usable[0] : -1;
    pthread_mutex_unlock(&br_cuda_lock);
    return d;
}

extern "C" void br_cuda_describe(char *buf, size_t len)
{
    br_status st = BR_OK;
    const bool cleanup = false;
    char *const err = buf;
    const size_t errlen = len;
    int driver = 0, runtime = 0;
    size_t used = 0;
    cudaDeviceProp prop;
    char last[sizeof prop.name] = "";
    int same = 0;
    if (len)
        buf[0] = '\0';
    pthread_mutex_lock(&br_cuda_lock);
    const int n = br_find_devices(NULL, 0);
    BR_CUDA_CHECK(cudaDriverGetVersion(&driver));
    BR_CUDA_CHECK(cudaRuntimeGetVersion(&runtime));
    /* Consecutive devices of one model as "2 x NAME". */
    for (int j = 0; j <= n; ++j) {
        if (j < n)
            BR_CUDA_CHECK(cudaGetDeviceProperties(&prop, br_usable[j]));
        if (j == n || strcmp(prop.name, last) != 0) {
            if (same > 0 && used < len) {
                const int w = same > 1 ? snprintf(buf + used, len - used, "%s%d x %s",
                                                  used ? ", " : "", same, last)
                                       : snprintf(buf + used, len - used, "%s%s",
                                                  used ? ", " : "", last);
                used += w > 0 ? (size_t)w : 0;
            }
            if (j < n)
                snprintf(last, sizeof last, "%s", prop.name);
            same = 0;
        }
        ++same;
    }
    if (used < len)
        used += (size_t)snprintf(buf + used, len - used, "%s(CUDA driver %d.%d, runtime %d.%d)",
                                 n ? " " : "no usable device ", driver / 1000,
                                 driver % 1000 / 10, runtime / 1000, runtime % 1000 / 10);
    if (br_passed_short[0] && used < len) /* the devices a run goes on without, and why */
        snprintf(buf + used, len - used, "; passed over: %s", br_passed_short);
done:
    pthread_mutex_unlock(&br_cuda_lock);
    return;
}

/* What a device keeps between calls (br_cuda_lock held): its stream and its buffers,
 * grown when a call needs more and never given back (a cudaFree would synchronise the
 * device), so a call costs copies, one launch and one synchronisation. */
typedef struct br_dev_state {
    cudaStream_t stream;
    uint64_t *units; /* unit list of a call */
    uint64_t *extra; /* optional tallies: fan, then unit rows */
    size_t units_cap, extra_cap; /* words */
} br_dev_state;
static br_dev_state br_devs[BR_CUDA_MAX_DEVICES];

/* *buf with room for n words (device memory of the current device): reallocated when
 * smaller; on failure empty, so the next call tries again. */
static cudaError_t br_dev_grow(uint64_t **buf, size_t *cap, size_t n)
{
    if (n <= *cap)
        return cudaSuccess;
    const cudaError_t e = *buf ? cudaFree(*buf) : cudaSuccess;
    *buf = NULL;
    *cap = 0;
    if (e != cudaSuccess)
        return e;
    const cudaError_t m = cudaMalloc((void **)buf, n * sizeof **buf);
    if (m == cudaSuccess)
        *cap = n;
    else
        *buf = NULL;
    return m;
}

/* Device d (current) with room for n_units units and n_extra optional-tally words. */
static br_status br_dev_ready(int d, size_t n_units, size_t n_extra, char *err, size_t errlen)
{
    br_status st = BR_OK;
    const bool cleanup = false;
    br_dev_state *s = &br_devs[d];
    if (!s->stream)
        BR_CUDA_CHECK(cudaStreamCreateWithFlags(&s->stream, cudaStreamNonBlocking));
    BR_CUDA_CHECK(br_dev_grow(&s->units, &s->units_cap, n_units));
    BR_CUDA_CHECK(br_dev_grow(&s->extra, &s->extra_cap, n_extra));
done:
    return st;
}

/* One device's share of a call: units[a .. b-1]. */
typedef struct br_dev_run {
    bool used;
    size_t a, b;
} br_dev_run;

extern "C" br_status br_cuda_run_units(const br_model *m, uint64_t seed, uint64_t n_paths,
                                       const uint64_t *units, size_t n_units, br_tally *out,
                                       const br_extra *x, char *err, size_t errlen)
{
    br_status st = BR_OK;
    const bool cleanup = false;
    int ndev = 0;
    br_dev_run runs[BR_CUDA_MAX_DEVICES];
    br_tally *acc = NULL, *dev_tally = NULL;
    uint64_t *fan_acc = NULL, *fan_host = NULL;
    const size_t shmem = br_s_slots(m->horizon) * sizeof(br_ull);
    const size_t fan_words = x && x->fan ? (size_t)m->horizon * BR_FAN_BINS : 0;
    const size_t row = BR_UNIT_ROW(m->horizon);
    const bool rows = x && x->unit_rows;
    memset(runs, 0, sizeof runs);
    pthread_mutex_lock(&br_cuda_lock);
    acc = (br_tally *)calloc(2, sizeof *acc);
    if (fan_words) {
        fan_acc = (uint64_t *)calloc(2 * fan_words, sizeof *fan_acc);
        fan_host = fan_acc + fan_words;
    }
    if (!acc || (fan_words && !fan_acc)) {
        snprintf(err, errlen, "cuda backend: out of memory for the tallies");
        st = BR_E_NOMEM;
        goto done;
    }
    dev_tally = acc + 1;
    ndev = br_find_devices(err, errlen);
    if (ndev == 0) {
        st = BR_E_BACKEND;
        goto done;
    }

    /* Enqueue every device's chunk, then collect: the devices run concurrently. Device
     * j of the usable ones is CUDA device d. */
    for (int j = 0; j < ndev; ++j) {
        const int d = br_usable[j];
        const size_t a = n_units * (size_t)j / (size_t)ndev;
        const size_t b = n_units * (size_t)(j + 1) / (size_t)ndev;
        const size_t n_extra = fan_words + (rows ? (b - a) * row : 0);
        br_dev_run *r = &runs[j];
        br_dev_state *s = &br_devs[d];
        void *tally = NULL;
        unsigned grid = 0;
        if (a == b)
            continue;
        r->used = true;
        r->a = a;
        r->b = b;
        BR_CUDA_CHECK(cudaSetDevice(d));
        st = br_dev_ready(d, b - a, n_extra, err, errlen);
        if (st != BR_OK)
            goto done;
        uint64_t *const fan = fan_words ? s->extra : NULL;
        uint64_t *const dev_rows = rows ? s->extra + fan_words : NULL;
        if (n_extra)
            BR_CUDA_CHECK(cudaMemsetAsync(s->extra, 0, n_extra * sizeof *s->extra, s->stream));
        BR_CUDA_CHECK(cudaMemcpyAsync(s->units, units + a, (b - a) * sizeof *units,
                                      cudaMemcpyHostToDevice, s->stream));
        BR_CUDA_CHECK(cudaMemcpyToSymbolAsync(br_c_model, m, sizeof *m, 0,
                                              cudaMemcpyHostToDevice, s->stream));
        BR_CUDA_CHECK(br_set_keys(seed, s->stream));
        BR_CUDA_CHECK(cudaGetSymbolAddress(&tally, br_d_tally));
        BR_CUDA_CHECK(cudaMemsetAsync(tally, 0, sizeof(br_tally), s->stream));
        st = br_grid((const void *)br_units_kernel, shmem, (uint64_t)(b - a) * BR_UNIT_PATHS, d,
                     &grid, err, errlen);
        if (st != BR_OK)
            goto done;
        (void)cudaGetLastError(); /* so the check below reports this launch, not an old error */
        BR_CUDA_CHECK((br_units_kernel<<<grid, BR_CUDA_BLOCK, shmem, s->stream>>>(
                           seed, n_paths, s->units, (uint64_t)(b - a), fan, dev_rows),
                       cudaGetLastError()));
    }
    for (int j = 0; j < ndev; ++j) {
        const int d = br_usable[j];
        if (!runs[j].used)
            continue;
        br_dev_state *s = &br_devs[d];
        BR_CUDA_CHECK(cudaSetDevice(d));
        BR_CUDA_CHECK(cudaMemcpyFromSymbolAsync(dev_tally, br_d_tally, sizeof(br_tally), 0,
                                                cudaMemcpyDeviceToHost, s->stream));
        if (fan_words)
            BR_CUDA_CHECK(cudaMemcpyAsync(fan_host, s->extra, fan_words * sizeof *fan_host,
                                          cudaMemcpyDeviceToHost, s->stream));
        if (rows) /* straight into the caller's rows: each device owns its range */
            BR_CUDA_CHECK(cudaMemcpyAsync(x->unit_rows + runs[j].a * row, s->extra + fan_words,
                                          (runs[j].b - runs[j].a) * row * sizeof *s->extra,
                                          cudaMemcpyDeviceToHost, s->stream));
        BR_CUDA_CHECK(cudaStreamSynchronize(s->stream));
        br_tally_merge(acc, dev_tally);
        for (size_t i = 0; i < fan_words; ++i)
            fan_acc[i] += fan_host[i];
    }
    br_tally_merge(out, acc); /* only a complete batch reaches the caller */
    for (size_t i = 0; i < fan_words; ++i)
        x->fan[i] += fan_acc[i];

done:
    if (st != BR_OK) /* leave no work of this call running on any device */
        for (int j = 0; j < ndev; ++j)
            if (runs[j].used && br_devs[br_usable[j]].stream &&
                cudaSetDevice(br_usable[j]) == cudaSuccess)
                (void)cudaStreamSynchronize(br_devs[br_usable[j]].stream);
    free(acc);
    free(fan_acc);
    pthread_mutex_unlock(&br_cuda_lock);
    return st;
}

/* The test entry points' common part: on the first usable device, an output buffer of `bytes` poisoned
 * with 0xCA, the model (when m is not NULL) and the launch keys of `seed`, then
 * launch(grid, d_out) with the grid br_grid gives `kernel` for n threads, and the buffer
 * copied to out. */
template <typename Launch>
static br_status br_test_launch(const void *kernel, const br_model *m, uint64_t seed, size_t n,
                                size_t bytes, void *out, Launch launch, char *err,
                                size_t errlen)
{
    br_status st = BR_OK;
    bool cleanup = false;
    void *d_out = NULL;
    unsigned grid = 0;
    pthread_mutex_lock(&br_cuda_lock);
    if (bytes == 0)
        goto done;
    if (br_find_devices(err, errlen) == 0) {
        st = BR_E_BACKEND;
        goto done;
    }
    BR_CUDA_CHECK(cudaSetDevice(br_usable[0]));
    BR_CUDA_CHECK(cudaMalloc(&d_out, bytes));
    BR_CUDA_CHECK(cudaMemset(d_out, 0xCA, bytes));
    if (m)
        BR_CUDA_CHECK(cudaMemcpyToSymbol(br_c_model, m, sizeof *m));
    BR_CUDA_CHECK(br_set_keys(seed, 0));
    BR_CUDA_CHECK(cudaStreamSynchronize(0));
    st = br_grid(kernel, 0, n, br_usable[0], &grid, err, errlen);
    if (st != BR_OK)
        goto done;
    (void)cudaGetLastError(); /* so the check below reports this launch, not an old error */
    BR_CUDA_CHECK((launch(grid, d_out), cudaGetLastError()));
    BR_CUDA_CHECK(cudaMemcpy(out, d_out, bytes, cudaMemcpyDeviceToHost));
done:
    cleanup = true;
    if (d_out)
        BR_CUDA_CHECK(cudaFree(d_out));
    pthread_mutex_unlock(&br_cuda_lock);
    return st;
}

extern "C" br_status br_cuda_engine_words(uint64_t seed, uint64_t p0, size_t n_paths,
                                          uint32_t offset_draws, uint32_t n_draws,
                                          uint32_t *out, char *err, size_t errlen)
{
    const size_t words = n_paths * (size_t)n_draws * 4;
    return br_test_launch(
        (const void *)br_engine_words_kernel, NULL, seed, n_paths, words * sizeof *out, out,
        [=](unsigned grid, void *d_out) {
            br_engine_words_kernel<<<grid, BR_CUDA_BLOCK>>>(seed, p0, n_paths, offset_draws,
                                                            n_draws, (uint32_t *)d_out);
        },
        err, errlen);
}

extern "C" br_status br_cuda_outcomes(const br_model *m, uint64_t seed, uint64_t p0, size_t n,
                                      br_outcome *out, char *err, size_t errlen)
{
    return br_test_launch(
        (const void *)br_outcomes_kernel, m, seed, n, n * sizeof *out, out,
        [=](unsigned grid, void *d_out) {
            br_outcomes_kernel<<<grid, BR_CUDA_BLOCK>>>(seed, p0, n, (br_outcome *)d_out);
        },
        err, errlen);
}
